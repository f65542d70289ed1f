//! Synthetic interchange data, behind `civicgraph generate --scale small|medium|large [--seed N]`.
//!
//! [`generate`] streams a deterministic dataset as NDJSON (`interchange.md`): the same scale and seed always
//! give the same bytes, on any platform (the generator has its own random number generator and uses only
//! exactly rounded floating-point operations). Memory stays small and flat: only the top of the region tree
//! (provinces, cities, counties), the programs, and one county's towns and villages at a time are held.
//!
//! # Shape of the data
//! Records come in this order: regions (provinces, cities, counties, then each county's towns, each town
//! followed by its villages; codes are 2/4/6/9/12 digits, every code extends its parent's), the 40 metrics,
//! the programs (1–3 per county, run by the county or by one of its towns), and then the reports, county by
//! county and year by year (2019–2024), in order of publication within a county and year. Per county and
//! year there are:
//! - 12 **monthly bulletins** (`{county}-bulletin-YYYY-MM`, region the county, published 3–12 days into the
//!   next month): every town's monthly `people_visited` and `disputes_mediated` (first..last day of the
//!   month); in March, June, September and December every town's quarterly figure of the county's *extra*
//!   metric; the county's own year-to-date totals (Jan 1 → month end) of both core metrics, the extra metric,
//!   a county metric and `dispute_resolution_rate`, repeated every month so that later ones supersede earlier
//!   ones and the county's totals supersede its towns' figures; two daily figures (`peak_daily_visitors` of a
//!   town, aggregated by `max`, and an event day, tagged with a program when one is running); and in about a
//!   third of the bulletins 1–2 corrections that repeat a town's figure of the previous month with the same
//!   coverage and a revised value (same-coverage duplicates).
//! - one **annual report** (`{county}-annual-YYYY`, January–February of the next year; 2024's on
//!   2024-12-31): the county's figures for the whole year, among them the same coverage as the December
//!   bulletin's year-to-date totals (duplicates published later, sometimes revised), the year-end
//!   `volunteers_registered` (aggregated by `last`), and every town's annual figure of one amount metric.
//! - up to two **program reports** per running program (`prog-{county}-{n}-YYYY-h1|h2`, late June and late
//!   November/December): year-to-date figures (Jan 1, or the program's start → publication date) tagged with
//!   the program, for the program's region (three metrics) and for each of its children (the lead metric).
//! - **village reports** (July and January; half-year and full-year year-to-date figures, so the second
//!   supersedes the first, and each town's figure supersedes its villages'): from about one town in twenty
//!   (`{town}-villages-YYYY-h1|h2`, two metrics, the town and each of its villages), and from about one
//!   county in sixteen (`{county}-villages-YYYY-h1|h2`, one metric, every town and village of the county,
//!   up to ≈ 320 observations).
//!
//! About 10% of the observations carry a qualifier other than `exact`, with the value rounded the way a
//! text would (`7300余人次` is `over` 7300). Counts are integers ≥ 0, amounts positive with at most two
//! decimals, ratios within 0..100 with one decimal.

use std::fmt;
use std::io::{self, Write};
use std::ops::Range;

use chrono::{Datelike, Days, NaiveDate};

/// Size presets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Scale {
    /// One province, 2 cities, 6 counties, ≈ 60 towns, ≈ 800 villages; ≈ 20k observations (≈ 4 MB).
    Small,
    /// 3 provinces, ≈ 30k regions; ≈ 500k observations (≈ 100 MB).
    Medium,
    /// 30 provinces, ≈ 600k regions; ≈ 10M observations (≈ 2 GB).
    Large,
}

/// Counts of what was written.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct GenerateStats {
    /// Region records.
    pub regions: u64,
    /// Metric records.
    pub metrics: u64,
    /// Program records.
    pub programs: u64,
    /// Report records.
    pub reports: u64,
    /// Observations, over all reports.
    pub observations: u64,
}

/// Writes a deterministic synthetic dataset (same scale + seed => byte-identical output) as NDJSON to `out`.
///
/// Output is buffered here (records are written in chunks of about 1 MB), so `out` need not be buffered;
/// `out` is flushed at the end.
pub fn generate(scale: Scale, seed: u64, out: &mut impl Write) -> io::Result<GenerateStats> {
    let shape = scale.shape();
    let cal = Calendar::new();
    let world = World::build(&shape, seed, &cal);
    let mut g = Gen {
        out,
        cal: &cal,
        buf: Vec::with_capacity(FLUSH_AT + (1 << 18)),
        stats: GenerateStats::default(),
        in_report: 0,
    };
    let mut tree = Tree::default();
    g.regions(&world, &shape, seed, &mut tree)?;
    g.metrics()?;
    g.programs(&world)?;
    for (ci, county) in world.counties.iter().enumerate() {
        tree.build(seed, &shape, county);
        let mut ctx = County::new(
            seed,
            county,
            &tree,
            &world.programs[world.county_programs[ci].clone()],
        );
        for yi in 0..YEARS {
            ctx.year(&mut g, yi)?;
        }
    }
    g.finish()
}

// ---------------------------------------------------------------------------------------------------------
// Sizes, metrics, programs

/// Fan-outs of one scale: exact or `(min, max)` counts, drawn uniformly.
struct Shape {
    provinces: usize,
    cities: (u32, u32),
    counties: (u32, u32),
    towns: (u32, u32),
    villages: (u32, u32),
    programs: (u32, u32),
}

impl Scale {
    fn shape(self) -> Shape {
        let (provinces, cities) = match self {
            Scale::Small => (1, (2, 2)),
            Scale::Medium => (3, (5, 5)),
            Scale::Large => (30, (8, 12)),
        };
        let (counties, towns, villages) = match self {
            Scale::Small => ((3, 3), (9, 11), (11, 16)),
            Scale::Medium => ((8, 11), (10, 16), (10, 19)),
            Scale::Large => ((8, 12), (10, 16), (10, 19)),
        };
        Shape {
            provinces,
            cities,
            counties,
            towns,
            villages,
            programs: (1, 3),
        }
    }
}

/// Province codes in use in China, less 33 (the demo dataset's 331102 would collide with a county here).
const PROVINCE_CODES: [u64; 30] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61,
    62, 63, 64, 65,
];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Vt {
    Count,
    Amount,
    Ratio,
}

impl Vt {
    fn as_str(self) -> &'static str {
        match self {
            Vt::Count => "count",
            Vt::Amount => "amount",
            Vt::Ratio => "ratio",
        }
    }

    /// A natural value in the scaled integer units values are kept in: counts in 1, amounts in 0.01
    /// (at least 0.01: amounts are positive), ratios in 0.1 percent (within 0..100).
    fn scale(self, x: f64) -> i64 {
        match self {
            Vt::Count => x.max(0.0).round() as i64,
            Vt::Amount => ((x * 100.0).round() as i64).max(1),
            Vt::Ratio => ((x * 10.0).round() as i64).clamp(0, 1000),
        }
    }
}

struct MetricDef {
    code: &'static str,
    name: &'static str,
    unit: &'static str,
    vt: Vt,
    aggregation: Option<&'static str>,
    /// How a text states the figure (`走访群众` 7000 人次).
    phrase: &'static str,
    /// Counts and amounts: per 10,000 people and month; ratios: the typical percentage.
    base: f64,
}

const fn metric(
    code: &'static str,
    name: &'static str,
    unit: &'static str,
    vt: Vt,
    aggregation: Option<&'static str>,
    phrase: &'static str,
    base: f64,
) -> MetricDef {
    MetricDef {
        code,
        name,
        unit,
        vt,
        aggregation,
        phrase,
        base,
    }
}

use Vt::{Amount, Count, Ratio};

#[rustfmt::skip]
const METRICS: [MetricDef; 40] = [
    metric("people_visited", "走访人次", "人次", Count, Some("sum"), "走访群众", 900.0),
    metric("households_visited", "走访户数", "户", Count, None, "走访农户", 260.0),
    metric("disputes_mediated", "调解矛盾纠纷", "件", Count, None, "调解矛盾纠纷", 6.0),
    metric("disputes_resolved", "化解矛盾纠纷", "件", Count, None, "化解矛盾纠纷", 5.6),
    metric("petitions_received", "受理信访事项", "件", Count, None, "受理信访事项", 2.2),
    metric("petitions_closed", "办结信访事项", "件", Count, None, "办结信访事项", 2.0),
    metric("hidden_risks_found", "排查安全隐患", "处", Count, None, "排查安全隐患", 12.0),
    metric("hidden_risks_fixed", "整改安全隐患", "处", Count, None, "整改安全隐患", 11.0),
    metric("volunteer_services", "志愿服务", "人次", Count, None, "开展志愿服务", 150.0),
    metric("volunteers_registered", "注册志愿者", "人", Count, Some("last"), "注册志愿者", 800.0),
    metric("peak_daily_visitors", "单日最高接待人次", "人次", Count, Some("max"), "单日最高接待群众", 0.0),
    metric("meetings_held", "召开议事协商会", "场", Count, None, "召开议事协商会", 3.0),
    metric("service_requests", "受理群众诉求", "件", Count, None, "受理群众诉求", 40.0),
    metric("service_requests_closed", "办结群众诉求", "件", Count, None, "办结群众诉求", 38.0),
    metric("legal_consultations", "法律咨询", "人次", Count, None, "提供法律咨询", 15.0),
    metric("training_sessions", "开展培训", "期", Count, None, "开展各类培训", 1.5),
    metric("people_trained", "培训人次", "人次", Count, None, "培训干部群众", 60.0),
    metric("elderly_served", "服务老年人", "人次", Count, None, "服务老年人", 120.0),
    metric("new_jobs", "新增就业", "人", Count, None, "新增就业", 8.0),
    metric("fire_drills", "消防演练", "场", Count, None, "开展消防演练", 1.0),
    metric("patrols", "治安巡逻", "次", Count, None, "开展治安巡逻", 25.0),
    metric("public_security_cases", "治安案件", "起", Count, None, "发生治安案件", 1.2),
    metric("households_assisted", "帮扶困难家庭", "户", Count, None, "帮扶困难家庭", 6.0),
    metric("events_held", "开展活动", "场", Count, None, "开展各类活动", 4.0),
    metric("hotline_calls", "热线来电", "件", Count, None, "受理热线来电", 55.0),
    metric("grid_events", "网格事件", "件", Count, None, "处置网格事件", 70.0),
    metric("funds_invested", "投入资金", "万元", Amount, None, "投入资金", 12.0),
    metric("collective_income", "村集体经济收入", "万元", Amount, None, "实现村集体经济收入", 9.0),
    metric("farmland_restored", "复垦耕地", "亩", Amount, None, "复垦耕地", 4.0),
    metric("garbage_collected", "清运垃圾", "吨", Amount, None, "清运垃圾", 280.0),
    metric("subsidies_paid", "发放补贴", "万元", Amount, None, "发放各类补贴", 6.5),
    metric("roads_repaired", "修缮道路", "公里", Amount, None, "修缮道路", 0.3),
    metric("dispute_resolution_rate", "矛盾纠纷化解率", "%", Ratio, None, "矛盾纠纷化解率", 96.0),
    metric("petition_satisfaction_rate", "信访满意率", "%", Ratio, None, "信访事项群众满意率", 92.0),
    metric("request_closure_rate", "诉求办结率", "%", Ratio, None, "群众诉求办结率", 94.0),
    metric("garbage_sorting_rate", "垃圾分类覆盖率", "%", Ratio, None, "生活垃圾分类覆盖率", 80.0),
    metric("medical_insurance_coverage", "医保参保率", "%", Ratio, None, "基本医疗保险参保率", 96.0),
    metric("pension_insurance_coverage", "养老保险参保率", "%", Ratio, None, "基本养老保险参保率", 90.0),
    metric("grid_coverage_rate", "网格化管理覆盖率", "%", Ratio, Some("mean"), "网格化管理覆盖率", 97.0),
    metric("satisfaction_rate", "群众满意度", "%", Ratio, None, "群众满意度", 93.0),
];

/// The index of the metric `code` in [`METRICS`] (checked at compile time).
const fn mi(code: &str) -> usize {
    let mut i = 0;
    while i < METRICS.len() {
        let (a, b) = (METRICS[i].code.as_bytes(), code.as_bytes());
        if a.len() == b.len() {
            let mut j = 0;
            while j < a.len() && a[j] == b[j] {
                j += 1;
            }
            if j == a.len() {
                return i;
            }
        }
        i += 1;
    }
    panic!("no such metric")
}

const PEOPLE_VISITED: usize = mi("people_visited");
const DISPUTES_MEDIATED: usize = mi("disputes_mediated");
const VOLUNTEER_SERVICES: usize = mi("volunteer_services");
const VOLUNTEERS_REGISTERED: usize = mi("volunteers_registered");
const PEAK_DAILY_VISITORS: usize = mi("peak_daily_visitors");
const DISPUTE_RESOLUTION_RATE: usize = mi("dispute_resolution_rate");

/// A county's *extra* metric (one of these): monthly in its ledger, reported quarterly per town and
/// year-to-date for the county.
const EXTRA_METRICS: [usize; 8] = [
    mi("service_requests"),
    mi("hidden_risks_fixed"),
    mi("garbage_collected"),
    mi("request_closure_rate"),
    mi("volunteer_services"),
    mi("grid_events"),
    mi("hotline_calls"),
    mi("funds_invested"),
];
/// A county's year-to-date-only metric (one of these).
const COUNTY_METRICS: [usize; 6] = [
    mi("petitions_received"),
    mi("new_jobs"),
    mi("subsidies_paid"),
    mi("legal_consultations"),
    mi("patrols"),
    mi("meetings_held"),
];
/// What annual reports state for the whole county.
const ANNUAL_METRICS: [usize; 17] = [
    mi("people_visited"),
    mi("disputes_mediated"),
    mi("disputes_resolved"),
    mi("petitions_received"),
    mi("petitions_closed"),
    mi("volunteers_registered"),
    mi("training_sessions"),
    mi("new_jobs"),
    mi("fire_drills"),
    mi("public_security_cases"),
    mi("funds_invested"),
    mi("subsidies_paid"),
    mi("petition_satisfaction_rate"),
    mi("medical_insurance_coverage"),
    mi("pension_insurance_coverage"),
    mi("grid_coverage_rate"),
    mi("satisfaction_rate"),
];
/// What annual reports state for every town (one of these a year).
const TOWN_ANNUAL_METRICS: [usize; 4] = [
    mi("collective_income"),
    mi("farmland_restored"),
    mi("garbage_collected"),
    mi("roads_repaired"),
];
/// The metrics of village reports: a town's reports state one of the first list and one of the second, a
/// county's one of the two.
const VILLAGE_METRICS: [&[usize]; 2] = [
    &[
        mi("households_visited"),
        mi("elderly_served"),
        mi("meetings_held"),
        mi("events_held"),
        mi("hidden_risks_found"),
        mi("households_assisted"),
    ],
    &[
        mi("collective_income"),
        mi("garbage_sorting_rate"),
        mi("satisfaction_rate"),
        mi("farmland_restored"),
    ],
];

/// Kinds of program: name, category, topic, and the metrics their reports state (the first is the lead).
struct Template {
    name: &'static str,
    category: &'static str,
    topic: &'static str,
    metrics: [usize; 3],
}

const fn template(
    name: &'static str,
    category: &'static str,
    topic: &'static str,
    metrics: [usize; 3],
) -> Template {
    Template {
        name,
        category,
        topic,
        metrics,
    }
}

const TEMPLATES: [Template; 10] = [
    template(
        "四五行动",
        "outreach",
        "走访联系群众",
        [
            mi("people_visited"),
            mi("households_visited"),
            mi("volunteer_services"),
        ],
    ),
    template(
        "六事工作法",
        "mediation",
        "矛盾纠纷调解",
        [
            mi("disputes_mediated"),
            mi("disputes_resolved"),
            mi("dispute_resolution_rate"),
        ],
    ),
    template(
        "红色网格",
        "grid",
        "网格化治理",
        [
            mi("grid_events"),
            mi("hidden_risks_found"),
            mi("grid_coverage_rate"),
        ],
    ),
    template(
        "民情直通车",
        "services",
        "便民服务",
        [
            mi("service_requests"),
            mi("service_requests_closed"),
            mi("request_closure_rate"),
        ],
    ),
    template(
        "平安守护",
        "safety",
        "平安建设",
        [mi("hidden_risks_found"), mi("hidden_risks_fixed"), mi("patrols")],
    ),
    template(
        "共富工坊",
        "rural",
        "乡村振兴",
        [
            mi("collective_income"),
            mi("farmland_restored"),
            mi("roads_repaired"),
        ],
    ),
    template(
        "银龄互助",
        "elderly",
        "养老服务",
        [
            mi("elderly_served"),
            mi("households_assisted"),
            mi("volunteer_services"),
        ],
    ),
    template(
        "法律明白人",
        "legal",
        "法治宣传",
        [
            mi("legal_consultations"),
            mi("disputes_mediated"),
            mi("people_trained"),
        ],
    ),
    template(
        "邻里守望",
        "outreach",
        "邻里互助",
        [mi("households_visited"), mi("people_visited"), mi("events_held")],
    ),
    template(
        "枫桥式调解",
        "mediation",
        "基层调解",
        [
            mi("disputes_mediated"),
            mi("disputes_resolved"),
            mi("petition_satisfaction_rate"),
        ],
    ),
];

/// Seasonality of activity by month, and its level by year (2020 dipped).
const SEASON: [f64; 12] = [
    0.85, 0.75, 1.0, 1.02, 1.05, 1.0, 0.95, 0.95, 1.05, 0.92, 1.06, 1.2,
];
const TREND: [f64; YEARS] = [1.0, 0.9, 1.04, 1.08, 1.14, 1.2];

/// The share of observations with a qualifier other than `exact`, in thousandths (before small values,
/// which are always stated exactly, are left out).
const QUALIFIED_PER_MILLE: usize = 120;
/// The chance that a town publishes village reports in a year (both halves).
const VILLAGE_REPORT_CHANCE: f64 = 0.045;
/// The chance that a county publishes a county-wide village report in a year.
const COUNTY_VILLAGE_REPORT_CHANCE: f64 = 0.06;
/// Bytes buffered before they go to the writer.
const FLUSH_AT: usize = 1 << 20;

// ---------------------------------------------------------------------------------------------------------
// Randomness and dates

/// A small, fast, seeded generator (wyrand) whose output never changes: `rand`'s `SmallRng` does not
/// promise a stable stream across versions and platforms, and the output must be reproducible.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(splitmix(seed))
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0xa076_1d64_78bd_642f);
        let t = u128::from(self.0).wrapping_mul(u128::from(self.0 ^ 0xe703_7ed1_a0b4_28db));
        (t >> 64) as u64 ^ t as u64
    }

    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next()) * n as u128) >> 64) as usize
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, (lo, hi): (u32, u32)) -> u32 {
        lo + self.below((hi - lo + 1) as usize) as u32
    }

    fn unit(&mut self) -> f64 {
        unit(self.next())
    }

    fn between(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())]
    }
}

/// Uniform in `[0, 1)` from 64 random bits.
fn unit(x: u64) -> f64 {
    (x >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A seed derived from `a` and `b`.
fn mix(a: u64, b: u64) -> u64 {
    splitmix(a ^ splitmix(b).rotate_left(23))
}

// Tags that separate the random streams of different purposes.
const TAG_WORLD: u64 = 1;
const TAG_TREE: u64 = 2;
const TAG_PROGRAMS: u64 = 3;
const TAG_COUNTY: u64 = 4;
const TAG_YEAR: u64 = 5;
const TAG_FRESH: u64 = 6;

/// The first year of the data; it covers `YEARS` years (2019..=2024).
const FIRST_YEAR: i32 = 2019;
const YEARS: usize = 6;

/// Days are numbered from 2019-01-01 (day 0); the calendar knows them up to the end of 2025.
struct Calendar {
    text: Vec<[u8; 10]>,
    /// The first day of month `12 * year index + month index`, and one past the last month.
    month_start: Vec<u32>,
}

impl Calendar {
    fn new() -> Self {
        let base = NaiveDate::from_ymd_opt(FIRST_YEAR, 1, 1).expect("a valid date");
        let month_start: Vec<u32> = (0..=(YEARS + 1) * 12)
            .map(|i| {
                let d = NaiveDate::from_ymd_opt(FIRST_YEAR + (i / 12) as i32, (i % 12) as u32 + 1, 1)
                    .expect("a valid date");
                (d - base).num_days() as u32
            })
            .collect();
        let days = *month_start.last().expect("months");
        let text = (0..days)
            .map(|i| {
                let d = base + Days::new(u64::from(i));
                let (y, m, day) = (d.year() as u32, d.month(), d.day());
                let digit = |n: u32| b'0' + (n % 10) as u8;
                [
                    digit(y / 1000),
                    digit(y / 100),
                    digit(y / 10),
                    digit(y),
                    b'-',
                    digit(m / 10),
                    digit(m),
                    b'-',
                    digit(day / 10),
                    digit(day),
                ]
            })
            .collect();
        Calendar { text, month_start }
    }

    /// `YYYY-MM-DD` of a day.
    fn iso(&self, day: u32) -> &[u8; 10] {
        &self.text[day as usize]
    }

    fn date(&self, day: u32) -> Date<'_> {
        Date(self.iso(day))
    }

    /// Month (1..=12) and day of month of a day.
    fn month_day(&self, day: u32) -> (u32, u32) {
        let t = self.iso(day);
        let two = |i: usize| u32::from(t[i] - b'0') * 10 + u32::from(t[i + 1] - b'0');
        (two(5), two(8))
    }

    /// The first day of month `m` (0-based; 12 is January of the next year) of year index `y`.
    fn month_first(&self, y: usize, m: usize) -> u32 {
        self.month_start[y * 12 + m]
    }

    fn month_last(&self, y: usize, m: usize) -> u32 {
        self.month_start[y * 12 + m + 1] - 1
    }

    fn month_len(&self, y: usize, m: usize) -> u32 {
        self.month_last(y, m) - self.month_first(y, m) + 1
    }

    fn year_first(&self, y: usize) -> u32 {
        self.month_first(y, 0)
    }

    fn year_last(&self, y: usize) -> u32 {
        self.month_last(y, 11)
    }

    /// 2024-12-31, the last day any record mentions.
    fn last_day(&self) -> u32 {
        self.year_last(YEARS - 1)
    }
}

/// A day as `YYYY-MM-DD`.
struct Date<'a>(&'a [u8; 10]);

impl fmt::Display for Date<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(std::str::from_utf8(self.0).map_err(|_| fmt::Error)?)
    }
}

// ---------------------------------------------------------------------------------------------------------
// Names

/// Characters place names are made of; each is 3 bytes of UTF-8.
const SYLLABLES: &str = "安宁平山河江湖海东西南北中阳明清华兴隆昌盛丰富泰和永长新金石龙凤云松桃柳花溪泉林田庄桥岭峰坪湾塘源\
台门阁坝渡营堡关浦川崇德仁义福寿吉庆瑞祥宏广康乐嘉茂荣临沂汾潞莲遂缙庐鄞淮沙洪白青黄红双马杨柏梅竹兰荷桂枫樟槐榆杏梨望胜\
光辉联合塔岗屯埠圩集秀岩潭洲湘桐蒲芦苍翠碧星";
const SURNAMES: &str = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁\
任沈姚卢姜崔钟谭陆汪范廖贾夏韦方白邹孟熊秦邱尹薛段雷侯史陶黎贺顾毛郝龚邵万钱严武戴莫孔汤";
const GIVEN_NAMES: &str = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏建文辉力斌宇浩凯健俊帆帅旭宁龙林\
欣怡佳琳雪晨阳晓丹颖";

/// The `i`th character of a string of 3-byte characters.
fn char3(s: &'static str, i: u8) -> &'static str {
    let i = usize::from(i) * 3;
    &s[i..i + 3]
}

fn count3(s: &str) -> u8 {
    (s.len() / 3) as u8
}

/// A place name: 2 or 3 syllables and a suffix (省, 市, 区, 县, 街道, 镇, 乡, 社区, 村).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Name {
    syl: [u8; 3],
    len: u8,
    suffix: &'static str,
}

impl Name {
    /// A random name whose syllables differ from every name `taken` says is taken.
    fn unique(rng: &mut Rng, len: u8, suffix: &'static str, taken: impl Fn(&Name) -> bool) -> Name {
        let n = usize::from(count3(SYLLABLES));
        loop {
            let mut syl = [0u8; 3];
            for s in &mut syl[..usize::from(len)] {
                *s = rng.below(n) as u8;
            }
            let name = Name { syl, len, suffix };
            if syl[0] != syl[1] && !taken(&name) {
                return name;
            }
        }
    }

    fn same_base(&self, other: &Name) -> bool {
        self.len == other.len && self.syl == other.syl
    }

    /// The name without its suffix (莲都 for 莲都区).
    fn short(&self) -> Short<'_> {
        Short(self)
    }

    fn push(&self, b: &mut Vec<u8>) {
        self.push_short(b);
        b.extend_from_slice(self.suffix.as_bytes());
    }

    fn push_short(&self, b: &mut Vec<u8>) {
        for &i in &self.syl[..usize::from(self.len)] {
            b.extend_from_slice(char3(SYLLABLES, i).as_bytes());
        }
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.short(), self.suffix)
    }
}

/// A name without its suffix.
struct Short<'a>(&'a Name);

impl fmt::Display for Short<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for &i in &self.0.syl[..usize::from(self.0.len)] {
            f.write_str(char3(SYLLABLES, i))?;
        }
        Ok(())
    }
}

/// A person's name: a surname and one or two given characters.
#[derive(Clone, Copy)]
struct Person {
    surname: u8,
    given: [u8; 2],
    len: u8,
}

impl Person {
    fn random(rng: &mut Rng) -> Person {
        Person {
            surname: rng.below(usize::from(count3(SURNAMES))) as u8,
            given: [
                rng.below(usize::from(count3(GIVEN_NAMES))) as u8,
                rng.below(usize::from(count3(GIVEN_NAMES))) as u8,
            ],
            len: if rng.chance(0.6) { 2 } else { 1 },
        }
    }
}

impl fmt::Display for Person {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(char3(SURNAMES, self.surname))?;
        for &g in &self.given[..usize::from(self.len)] {
            f.write_str(char3(GIVEN_NAMES, g))?;
        }
        Ok(())
    }
}

/// A JSON array of authors' names.
struct Authors<'a>(&'a [Person]);

impl fmt::Display for Authors<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[")?;
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "\"{p}\"")?;
        }
        f.write_str("]")
    }
}

// ---------------------------------------------------------------------------------------------------------
// The region tree and the programs

/// A province, city or county.
struct Area {
    code: u64,
    name: Name,
    /// Index of the parent in the level above (unused for provinces).
    parent: usize,
    population: u64,
}

struct Town {
    code: u64,
    name: Name,
    population: u64,
    villages: Range<usize>,
}

struct Village {
    code: u64,
    name: Name,
    population: u64,
}

/// One county's towns and villages, rebuilt from the seed whenever needed.
#[derive(Default)]
struct Tree {
    towns: Vec<Town>,
    villages: Vec<Village>,
}

impl Tree {
    fn build(&mut self, seed: u64, shape: &Shape, county: &Area) {
        self.towns.clear();
        self.villages.clear();
        let mut rng = Rng::new(mix(mix(seed, TAG_TREE), county.code));
        let n = rng.range(shape.towns) as usize;
        let district = county.name.suffix == "区";
        let streets = if district {
            rng.range((2, 5))
        } else {
            rng.range((0, 2))
        } as usize;
        let streets = streets.min(n);
        let townships = if district { 0 } else { rng.range((0, 3)) as usize }.min(n - streets);
        let zhen = n - streets - townships;
        for t in 0..n {
            // Admin-code convention: 街道 001.., 镇 101.., 乡 201...
            let (number, suffix) = if t < streets {
                (1 + t, "街道")
            } else if t < streets + zhen {
                (101 + t - streets, "镇")
            } else {
                (201 + t - streets - zhen, "乡")
            };
            let code = county.code * 1000 + number as u64;
            let name = Name::unique(&mut rng, 2, suffix, |x| {
                self.towns.iter().any(|o| o.name.same_base(x))
            });
            let nv = rng.range(shape.villages) as usize;
            let communities = match suffix {
                "街道" => nv,
                "镇" => rng.range((1, 3)) as usize,
                _ => 0,
            }
            .min(nv);
            let first = self.villages.len();
            for v in 0..nv {
                // 社区 (residents' committees) 001.., 村 (villagers' committees) 201...
                let community = v < communities;
                let number = if community { 1 + v } else { 201 + v - communities };
                let len = if community || rng.chance(0.85) { 2 } else { 3 };
                let suffix = if community { "社区" } else { "村" };
                let name = Name::unique(&mut rng, len, suffix, |x| {
                    self.villages[first..].iter().any(|o| o.name.same_base(x))
                });
                let population = if community {
                    2000 + rng.below(3001) as u64
                } else {
                    let u = rng.unit();
                    500 + (4500.0 * u * u) as u64
                };
                self.villages.push(Village {
                    code: code * 1000 + number as u64,
                    name,
                    population,
                });
            }
            let population = self.villages[first..].iter().map(|v| v.population).sum();
            self.towns.push(Town {
                code,
                name,
                population,
                villages: first..self.villages.len(),
            });
        }
    }
}

struct Program {
    county: u64,
    /// 1, 2, 3 within its county.
    number: u32,
    template: usize,
    /// The region that runs it: the county, or the town of index `town`.
    region: u64,
    town: Option<usize>,
    place: Name,
    started: u32,
    ended: Option<u32>,
    /// The share of its region's activity the program accounts for.
    intensity: f64,
}

impl Program {
    fn active(&self, day: u32) -> bool {
        self.started <= day && self.ended.is_none_or(|e| day <= e)
    }

    fn push_code(&self, b: &mut Vec<u8>) {
        b.extend_from_slice(b"prog-");
        push_uint(b, self.county);
        b.push(b'-');
        push_uint(b, u64::from(self.number));
    }

    fn code(&self) -> ProgramCode<'_> {
        ProgramCode(self)
    }

    fn template(&self) -> &'static Template {
        &TEMPLATES[self.template]
    }
}

struct ProgramCode<'a>(&'a Program);

impl fmt::Display for ProgramCode<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "prog-{}-{}", self.0.county, self.0.number)
    }
}

/// The top of the region tree (with populations summed from the villages up) and the programs.
struct World {
    provinces: Vec<Area>,
    cities: Vec<Area>,
    counties: Vec<Area>,
    programs: Vec<Program>,
    /// The programs of each county.
    county_programs: Vec<Range<usize>>,
}

impl World {
    fn build(shape: &Shape, seed: u64, cal: &Calendar) -> World {
        let mut rng = Rng::new(mix(seed, TAG_WORLD));
        let mut codes = PROVINCE_CODES;
        for i in 0..shape.provinces {
            let j = i + rng.below(codes.len() - i);
            codes.swap(i, j);
        }
        let mut chosen = codes[..shape.provinces].to_vec();
        chosen.sort_unstable();
        let mut provinces: Vec<Area> = Vec::new();
        for code in chosen {
            let name = Name::unique(&mut rng, 2, "省", |x| {
                provinces.iter().any(|p| p.name.same_base(x))
            });
            provinces.push(Area {
                code,
                name,
                parent: 0,
                population: 0,
            });
        }
        let mut cities: Vec<Area> = Vec::new();
        for (pi, province) in provinces.iter().enumerate() {
            let first = cities.len();
            for i in 1..=u64::from(rng.range(shape.cities)) {
                let name = Name::unique(&mut rng, 2, "市", |x| {
                    cities[first..].iter().any(|c| c.name.same_base(x))
                });
                cities.push(Area {
                    code: province.code * 100 + i,
                    name,
                    parent: pi,
                    population: 0,
                });
            }
        }
        let mut counties: Vec<Area> = Vec::new();
        for (ci, city) in cities.iter().enumerate() {
            let first = counties.len();
            let n = rng.range(shape.counties);
            let districts = rng.range((1, 3)).min(n);
            for j in 0..n {
                // Districts 02.., counties 21...
                let (number, suffix) = if j < districts {
                    (2 + j, "区")
                } else {
                    (21 + j - districts, "县")
                };
                let name = Name::unique(&mut rng, 2, suffix, |x| {
                    counties[first..].iter().any(|c| c.name.same_base(x))
                });
                counties.push(Area {
                    code: city.code * 100 + u64::from(number),
                    name,
                    parent: ci,
                    population: 0,
                });
            }
        }
        let mut tree = Tree::default();
        let mut programs = Vec::new();
        let mut county_programs = Vec::new();
        for county in &mut counties {
            tree.build(seed, shape, county);
            county.population = tree.towns.iter().map(|t| t.population).sum();
            let first = programs.len();
            let mut rng = Rng::new(mix(mix(seed, TAG_PROGRAMS), county.code));
            let mut used = Vec::new();
            for number in 1..=rng.range(shape.programs) {
                let template = loop {
                    let t = rng.below(TEMPLATES.len());
                    if !used.contains(&t) {
                        break t;
                    }
                };
                used.push(template);
                let town = rng.chance(0.4).then(|| rng.below(tree.towns.len()));
                let (region, place) = match town {
                    Some(t) => (tree.towns[t].code, tree.towns[t].name),
                    None => (county.code, county.name),
                };
                let mut started = cal.month_first(rng.below(5), rng.below(12));
                if rng.chance(0.3) {
                    started += rng.below(28) as u32;
                }
                let ended = rng
                    .chance(0.25)
                    .then(|| (started + 365 + rng.below(730) as u32).min(cal.last_day()));
                programs.push(Program {
                    county: county.code,
                    number,
                    template,
                    region,
                    town,
                    place,
                    started,
                    ended,
                    intensity: rng.between(0.25, 0.6),
                });
            }
            county_programs.push(first..programs.len());
        }
        for county in &counties {
            cities[county.parent].population += county.population;
        }
        for city in &cities {
            provinces[city.parent].population += city.population;
        }
        World {
            provinces,
            cities,
            counties,
            programs,
            county_programs,
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// Output

fn push_uint(b: &mut Vec<u8>, mut n: u64) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    b.extend_from_slice(&tmp[i..]);
}

/// A scaled value (see [`Vt::scale`]) as a JSON number, without trailing zeros.
fn push_value(b: &mut Vec<u8>, vt: Vt, v: i64) {
    let v = v.max(0) as u64;
    match vt {
        Vt::Count => push_uint(b, v),
        Vt::Amount => {
            push_uint(b, v / 100);
            let frac = v % 100;
            if frac != 0 {
                b.push(b'.');
                b.push(b'0' + (frac / 10) as u8);
                if !frac.is_multiple_of(10) {
                    b.push(b'0' + (frac % 10) as u8);
                }
            }
        }
        Vt::Ratio => {
            push_uint(b, v / 10);
            if !v.is_multiple_of(10) {
                b.push(b'.');
                b.push(b'0' + (v % 10) as u8);
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Qualifier {
    Exact,
    Over,
    Approx,
    Nearly,
    Under,
}

impl Qualifier {
    fn as_str(self) -> &'static str {
        match self {
            Qualifier::Exact => "exact",
            Qualifier::Over => "over",
            Qualifier::Approx => "approx",
            Qualifier::Nearly => "nearly",
            Qualifier::Under => "under",
        }
    }
}

/// Decides how a text states the true value `v`: mostly exactly, sometimes rounded with a qualifier that
/// keeps the statement true (`over`: stated ≤ true; `nearly`: stated ≥ true, close; `under`: stated > true).
fn qualify(rng: &mut Rng, vt: Vt, v: i64) -> (Qualifier, i64) {
    let r = rng.below(1000);
    if r >= QUALIFIED_PER_MILLE {
        return (Qualifier::Exact, v);
    }
    let q = match r % 10 {
        0..=3 => Qualifier::Over,
        4..=6 => Qualifier::Approx,
        7 | 8 => Qualifier::Nearly,
        _ => Qualifier::Under,
    };
    let stated = match vt {
        Vt::Ratio => {
            if v < 100 {
                return (Qualifier::Exact, v);
            }
            match q {
                Qualifier::Over => v / 10 * 10,
                Qualifier::Approx => (v + 5) / 10 * 10,
                Qualifier::Under if v < 950 => (v / 50 + 1) * 50,
                _ => return (Qualifier::Nearly, ((v + 9) / 10 * 10).min(1000)),
            }
        }
        Vt::Count | Vt::Amount => {
            if v < if vt == Vt::Count { 20 } else { 100 } {
                return (Qualifier::Exact, v);
            }
            let mut p = 1;
            while v / p >= 100 {
                p *= 10;
            }
            match q {
                Qualifier::Over => v / p * p,
                Qualifier::Approx => (v + p / 2) / p * p,
                Qualifier::Nearly => (v + p - 1) / p * p,
                _ => {
                    let p = if v / p >= 10 { p * 10 } else { p };
                    (v / p + 1) * p
                }
            }
        }
    };
    (q, stated)
}

/// The period words of a quote.
#[derive(Clone, Copy)]
enum When {
    /// Year to date up to a day (`今年以来`).
    Ytd,
    /// Year to date up to the end of month index `m` (`1至6月`).
    Through(usize),
    Month(usize),
    Quarter(usize),
    /// Month index and day of month.
    Day(usize, u32),
    Year,
    YearEnd,
}

/// One observation to write.
struct Obs<'a> {
    metric: usize,
    region: u64,
    /// The region's name, for the quote.
    place: &'a Name,
    program: Option<&'a Program>,
    /// Scaled, see [`Vt::scale`].
    value: i64,
    start: u32,
    end: u32,
    when: When,
    /// A correction of an earlier figure.
    corrected: bool,
}

/// The writer: a buffer flushed to `out` in large chunks, and the counts.
struct Gen<'a, W: Write> {
    out: &'a mut W,
    cal: &'a Calendar,
    buf: Vec<u8>,
    stats: GenerateStats,
    /// Observations written in the current report.
    in_report: u32,
}

impl<W: Write> Gen<'_, W> {
    fn end_line(&mut self) -> io::Result<()> {
        self.buf.push(b'\n');
        if self.buf.len() >= FLUSH_AT {
            self.out.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    fn finish(mut self) -> io::Result<GenerateStats> {
        self.out.write_all(&self.buf)?;
        self.buf.clear();
        self.out.flush()?;
        Ok(self.stats)
    }

    fn region(
        &mut self,
        code: u64,
        name: &Name,
        level: &str,
        parent: Option<u64>,
        population: u64,
    ) -> io::Result<()> {
        write!(
            self.buf,
            r#"{{"kind":"region","code":"{code}","name":"{name}","level":"{level}","parent":"#
        )?;
        match parent {
            Some(p) => write!(self.buf, r#""{p}""#)?,
            None => self.buf.extend_from_slice(b"null"),
        }
        write!(self.buf, r#","population":{population}"#)?;
        if matches!(level, "province" | "city" | "county") {
            write!(self.buf, r#","aliases":["{}"]"#, name.short())?;
        }
        self.buf.push(b'}');
        self.stats.regions += 1;
        self.end_line()
    }

    fn regions(&mut self, world: &World, shape: &Shape, seed: u64, tree: &mut Tree) -> io::Result<()> {
        for p in &world.provinces {
            self.region(p.code, &p.name, "province", None, p.population)?;
        }
        for c in &world.cities {
            let parent = world.provinces[c.parent].code;
            self.region(c.code, &c.name, "city", Some(parent), c.population)?;
        }
        for c in &world.counties {
            let parent = world.cities[c.parent].code;
            self.region(c.code, &c.name, "county", Some(parent), c.population)?;
        }
        for c in &world.counties {
            tree.build(seed, shape, c);
            for t in &tree.towns {
                self.region(t.code, &t.name, "town", Some(c.code), t.population)?;
                for v in &tree.villages[t.villages.clone()] {
                    self.region(v.code, &v.name, "village", Some(t.code), v.population)?;
                }
            }
        }
        Ok(())
    }

    fn metrics(&mut self) -> io::Result<()> {
        for m in &METRICS {
            write!(
                self.buf,
                r#"{{"kind":"metric","code":"{}","name":"{}","unit":"{}","value_type":"{}""#,
                m.code,
                m.name,
                m.unit,
                m.vt.as_str()
            )?;
            if let Some(a) = m.aggregation {
                write!(self.buf, r#","aggregation":"{a}""#)?;
            }
            self.buf.push(b'}');
            self.stats.metrics += 1;
            self.end_line()?;
        }
        Ok(())
    }

    fn programs(&mut self, world: &World) -> io::Result<()> {
        let cal = self.cal;
        for p in &world.programs {
            let t = p.template();
            write!(
                self.buf,
                concat!(
                    r#"{{"kind":"program","code":"{}","name":"{}“{}”","region":"{}","category":"{}""#,
                    r#","description":"{}组织实施的{}专项工作","started_on":"{}""#,
                ),
                p.code(),
                p.place.short(),
                t.name,
                p.region,
                t.category,
                p.place,
                t.topic,
                cal.date(p.started)
            )?;
            if let Some(e) = p.ended {
                write!(self.buf, r#","ended_on":"{}""#, cal.date(e))?;
            }
            self.buf.push(b'}');
            self.stats.programs += 1;
            self.end_line()?;
        }
        Ok(())
    }

    /// Starts a report: `header` is everything up to and including `"observations":[`.
    fn begin(&mut self, header: fmt::Arguments<'_>) -> io::Result<()> {
        self.buf.write_fmt(header)?;
        self.in_report = 0;
        Ok(())
    }

    fn end_report(&mut self) -> io::Result<()> {
        debug_assert!(
            (10..=500).contains(&self.in_report),
            "{} observations",
            self.in_report
        );
        self.buf.extend_from_slice(b"]}");
        self.stats.reports += 1;
        self.end_line()
    }

    fn obs(&mut self, rng: &mut Rng, o: &Obs<'_>) {
        let def = &METRICS[o.metric];
        let (q, v) = qualify(rng, def.vt, o.value);
        let b = &mut self.buf;
        if self.in_report > 0 {
            b.push(b',');
        }
        b.extend_from_slice(br#"{"metric":""#);
        b.extend_from_slice(def.code.as_bytes());
        b.extend_from_slice(br#"","region":""#);
        push_uint(b, o.region);
        b.push(b'"');
        if let Some(p) = o.program {
            b.extend_from_slice(br#","program":""#);
            p.push_code(b);
            b.push(b'"');
        }
        b.extend_from_slice(br#","value":"#);
        push_value(b, def.vt, v);
        if q != Qualifier::Exact {
            b.extend_from_slice(br#","qualifier":""#);
            b.extend_from_slice(q.as_str().as_bytes());
            b.push(b'"');
        }
        b.extend_from_slice(br#","period_start":""#);
        b.extend_from_slice(self.cal.iso(o.start));
        b.extend_from_slice(br#"","period_end":""#);
        b.extend_from_slice(self.cal.iso(o.end));
        b.extend_from_slice(br#"","quote":""#);
        // The quote: [更正：]{place}[“program”]{period}{phrase}{value}.
        if o.corrected {
            b.extend_from_slice("更正：".as_bytes());
        }
        o.place.push(b);
        if let Some(p) = o.program {
            b.extend_from_slice("“".as_bytes());
            b.extend_from_slice(p.template().name.as_bytes());
            b.extend_from_slice("”".as_bytes());
        }
        let ratio = def.vt == Vt::Ratio;
        let total = if ratio { "" } else { "累计" };
        match o.when {
            When::Ytd => {
                b.extend_from_slice("今年以来".as_bytes());
                b.extend_from_slice(total.as_bytes());
            }
            When::Through(0) => b.extend_from_slice("1月".as_bytes()),
            When::Through(m) => {
                b.extend_from_slice("1至".as_bytes());
                push_uint(b, m as u64 + 1);
                b.extend_from_slice("月".as_bytes());
                b.extend_from_slice(total.as_bytes());
            }
            When::Month(m) => {
                push_uint(b, m as u64 + 1);
                b.extend_from_slice("月".as_bytes());
            }
            When::Quarter(q) => {
                b.extend_from_slice(["一", "二", "三", "四"][q].as_bytes());
                b.extend_from_slice("季度".as_bytes());
            }
            When::Day(m, d) => {
                push_uint(b, m as u64 + 1);
                b.extend_from_slice("月".as_bytes());
                push_uint(b, u64::from(d));
                b.extend_from_slice("日".as_bytes());
            }
            When::Year => b.extend_from_slice("全年".as_bytes()),
            When::YearEnd => b.extend_from_slice("截至年底".as_bytes()),
        }
        b.extend_from_slice(def.phrase.as_bytes());
        if ratio {
            let verb = match q {
                Qualifier::Exact => "达",
                Qualifier::Over => "超过",
                Qualifier::Approx => "约为",
                Qualifier::Nearly => "接近",
                Qualifier::Under => "不足",
            };
            b.extend_from_slice(verb.as_bytes());
            push_value(b, def.vt, v);
            b.push(b'%');
        } else {
            let before = match q {
                Qualifier::Approx => "约",
                Qualifier::Nearly => "近",
                Qualifier::Under => "不足",
                Qualifier::Over if def.vt == Vt::Amount => "超过",
                _ => "",
            };
            b.extend_from_slice(before.as_bytes());
            push_value(b, def.vt, v);
            if q == Qualifier::Over && def.vt == Vt::Count {
                b.extend_from_slice("余".as_bytes());
            }
            b.extend_from_slice(def.unit.as_bytes());
        }
        b.extend_from_slice(br#""}"#);
        self.in_report += 1;
        self.stats.observations += 1;
    }
}

// ---------------------------------------------------------------------------------------------------------
// Reports

/// Metrics of a county's ledger: monthly values per town that bulletins and annual reports state.
const SLOTS: usize = 5;

/// A report of a county's year, planned before it is written.
#[derive(Clone, Copy)]
enum Spec {
    Bulletin {
        month: usize,
    },
    Annual,
    Program {
        index: usize,
        half: usize,
        start: u32,
        end: u32,
    },
    /// Of one town, or of the whole county.
    Villages {
        town: Option<usize>,
        half: usize,
    },
}

/// One county while its reports are written.
struct County<'a> {
    seed: u64,
    county: &'a Area,
    tree: &'a Tree,
    programs: &'a [Program],
    /// The ledger's metrics: the two core metrics, the extra metric, the county metric and a ratio.
    slots: [usize; SLOTS],
    /// People who write the county's reports.
    authors: [Person; 5],
    /// Of the current year: each town's monthly values of the ledger's metrics (scaled).
    ledger: Vec<[[i64; SLOTS]; 12]>,
    /// Of the current year: what the county's own offices add to its towns' figures.
    own: [[i64; SLOTS]; 12],
    /// The current year's index and seed.
    yi: usize,
    year_seed: u64,
    specs: Vec<(u32, Spec)>,
}

impl<'a> County<'a> {
    fn new(seed: u64, county: &'a Area, tree: &'a Tree, programs: &'a [Program]) -> Self {
        let mut rng = Rng::new(mix(mix(seed, TAG_COUNTY), county.code));
        let extra = rng.pick(&EXTRA_METRICS);
        let own = rng.pick(&COUNTY_METRICS);
        let authors = std::array::from_fn(|_| Person::random(&mut rng));
        County {
            seed,
            county,
            tree,
            programs,
            slots: [
                PEOPLE_VISITED,
                DISPUTES_MEDIATED,
                extra,
                own,
                DISPUTE_RESOLUTION_RATE,
            ],
            authors,
            ledger: Vec::new(),
            own: [[0; SLOTS]; 12],
            yi: 0,
            year_seed: 0,
            specs: Vec::new(),
        }
    }

    /// Writes the reports of year index `yi`, in order of publication.
    fn year<W: Write>(&mut self, g: &mut Gen<'_, W>, yi: usize) -> io::Result<()> {
        let cal = g.cal;
        self.yi = yi;
        self.year_seed = mix(mix(mix(self.seed, TAG_YEAR), self.county.code), yi as u64);
        self.fill_ledger(cal);
        let last_year = yi == YEARS - 1;
        let mut rng = Rng::new(mix(self.year_seed, 1));
        let mut specs = std::mem::take(&mut self.specs);
        specs.clear();
        for month in 0..12 {
            let published = if last_year && month == 11 {
                cal.last_day()
            } else {
                cal.month_first(yi, month + 1) + 2 + rng.below(10) as u32
            };
            specs.push((published, Spec::Bulletin { month }));
        }
        let published = if last_year {
            cal.last_day()
        } else {
            cal.month_first(yi, 12) + 14 + rng.below(45) as u32
        };
        specs.push((published, Spec::Annual));
        for (index, p) in self.programs.iter().enumerate() {
            for half in 0..2 {
                let published = if half == 0 {
                    cal.month_first(yi, 5) + 14 + rng.below(21) as u32
                } else {
                    cal.month_first(yi, 10) + 24 + rng.below(26) as u32
                };
                let start = cal.year_first(yi).max(p.started);
                let end = p.ended.map_or(published, |e| e.min(published));
                if end >= start + 20 {
                    specs.push((
                        published,
                        Spec::Program {
                            index,
                            half,
                            start,
                            end,
                        },
                    ));
                }
            }
        }
        let towns = (0..self.tree.towns.len()).map(Some);
        for town in std::iter::once(None).chain(towns) {
            let chance = if town.is_some() {
                VILLAGE_REPORT_CHANCE
            } else {
                COUNTY_VILLAGE_REPORT_CHANCE
            };
            if rng.chance(chance) {
                let published = cal.month_first(yi, 6) + 2 + rng.below(18) as u32;
                specs.push((published, Spec::Villages { town, half: 0 }));
                let published = if last_year {
                    cal.last_day()
                } else {
                    cal.month_first(yi, 12) + 4 + rng.below(20) as u32
                };
                specs.push((published, Spec::Villages { town, half: 1 }));
            }
        }
        // Stable: on the same day, bulletins come before the annual report, which supersedes them.
        specs.sort_by_key(|&(published, _)| published);
        for &(published, spec) in &specs {
            match spec {
                Spec::Bulletin { month } => self.bulletin(g, month, published)?,
                Spec::Annual => self.annual(g, published)?,
                Spec::Program {
                    index,
                    half,
                    start,
                    end,
                } => self.program_report(g, index, half, start, end, published)?,
                Spec::Villages { town, half } => self.village_report(g, town, half, published)?,
            }
        }
        self.specs = specs;
        Ok(())
    }

    fn fill_ledger(&mut self, cal: &Calendar) {
        let yi = self.yi;
        let mut rng = Rng::new(mix(self.year_seed, 2));
        self.ledger.clear();
        for town in &self.tree.towns {
            let propensity: [f64; SLOTS] = std::array::from_fn(|_| rng.between(0.6, 1.4));
            let mut row = [[0; SLOTS]; 12];
            for (m, values) in row.iter_mut().enumerate() {
                let months = f64::from(cal.month_len(yi, m)) / 30.44 * SEASON[m] * TREND[yi];
                for (k, v) in values.iter_mut().enumerate() {
                    let def = &METRICS[self.slots[k]];
                    *v = match def.vt {
                        Vt::Ratio => {
                            Vt::Ratio.scale(ratio_around(def.base, propensity[k], rng.between(-1.0, 1.0)))
                        }
                        vt => vt.scale(
                            def.base * town.population as f64 / 1e4
                                * months
                                * propensity[k]
                                * rng.between(0.85, 1.15),
                        ),
                    };
                }
            }
            self.ledger.push(row);
        }
        for m in 0..12 {
            for k in 0..SLOTS {
                self.own[m][k] = if METRICS[self.slots[k]].vt == Vt::Ratio {
                    0
                } else {
                    let towns: i64 = self.ledger.iter().map(|row| row[m][k]).sum();
                    (towns as f64 * rng.between(0.02, 0.08)).round() as i64
                };
            }
        }
    }

    fn vt(&self, k: usize) -> Vt {
        METRICS[self.slots[k]].vt
    }

    /// The county's year-to-date value of ledger slot `k` through month index `m`.
    fn county_ytd(&self, k: usize, m: usize) -> i64 {
        if self.vt(k) == Vt::Ratio {
            let mut weighted = 0.0;
            let mut people = 0.0;
            for (row, town) in self.ledger.iter().zip(&self.tree.towns) {
                let p = town.population as f64;
                weighted += p * row[..=m].iter().map(|v| v[k] as f64).sum::<f64>();
                people += p * (m + 1) as f64;
            }
            (weighted / people).round() as i64
        } else {
            let towns: i64 = self
                .ledger
                .iter()
                .map(|row| row[..=m].iter().map(|v| v[k]).sum::<i64>())
                .sum();
            towns + self.own[..=m].iter().map(|v| v[k]).sum::<i64>()
        }
    }

    /// A town's value of ledger slot `k` over months `months` (a sum, or a mean for ratios).
    fn town_over(&self, t: usize, k: usize, months: Range<usize>) -> i64 {
        let n = months.len() as i64;
        let sum: i64 = self.ledger[t][months].iter().map(|v| v[k]).sum();
        if self.vt(k) == Vt::Ratio {
            (sum + n / 2) / n
        } else {
            sum
        }
    }

    fn slot_of(&self, metric: usize) -> Option<usize> {
        self.slots.iter().position(|&s| s == metric)
    }

    /// A figure of `metric` for a region over `months` months (already multiplied by any intensity and
    /// trend), computed from hashes so that it can be recomputed: the region's stable propensity for the
    /// metric, and a little noise keyed by `salt`.
    fn fresh(&self, metric: usize, region: u64, population: u64, months: f64, salt: u64) -> i64 {
        let def = &METRICS[metric];
        let h = mix(mix(mix(self.seed, TAG_FRESH), region), metric as u64);
        let propensity = 0.7 + 0.6 * unit(h);
        let noise = unit(mix(h, salt));
        match def.vt {
            Vt::Ratio => Vt::Ratio.scale(ratio_around(def.base, propensity, noise * 2.0 - 1.0)),
            vt => vt.scale(def.base * population as f64 / 1e4 * months * propensity * (0.9 + 0.2 * noise)),
        }
    }

    fn pick_authors(&self, rng: &mut Rng) -> Authors<'_> {
        let start = rng.below(4);
        Authors(&self.authors[start..start + 1 + rng.below(2)])
    }

    fn bulletin<W: Write>(&self, g: &mut Gen<'_, W>, m: usize, published: u32) -> io::Result<()> {
        let (cal, yi, c, towns) = (g.cal, self.yi, self.county, &self.tree.towns);
        let mut rng = Rng::new(mix(self.year_seed, 100 + m as u64));
        let year = FIRST_YEAR + yi as i32;
        g.begin(format_args!(
            concat!(
                r#"{{"kind":"report","external_id":"{code}-bulletin-{year}-{mm:02}""#,
                r#","title":"{name}{year}年{month}月基层社会治理工作简报","source":"{name}委政法委""#,
                r#","url":"https://{code}.gov.example.cn/jb/{year}{mm:02}.html""#,
                r#","published_on":"{published}","authors":{authors},"region":"{code}""#,
                r#","body":"本期简报汇总{year}年{month}月{name}各乡镇（街道）走访群众、矛盾纠纷调解等基层社会治理主要数据。""#,
                r#","observations":["#,
            ),
            code = c.code,
            name = c.name,
            mm = m + 1,
            month = m + 1,
            published = cal.date(published),
            authors = self.pick_authors(&mut rng),
            year = year,
        ))?;
        let (first, last) = (cal.month_first(yi, m), cal.month_last(yi, m));
        for (t, town) in towns.iter().enumerate() {
            for k in 0..2 {
                g.obs(
                    &mut rng,
                    &Obs {
                        metric: self.slots[k],
                        region: town.code,
                        place: &town.name,
                        program: None,
                        value: self.ledger[t][m][k],
                        start: first,
                        end: last,
                        when: When::Month(m),
                        corrected: false,
                    },
                );
            }
        }
        if m % 3 == 2 {
            for (t, town) in towns.iter().enumerate() {
                g.obs(
                    &mut rng,
                    &Obs {
                        metric: self.slots[2],
                        region: town.code,
                        place: &town.name,
                        program: None,
                        value: self.town_over(t, 2, m - 2..m + 1),
                        start: cal.month_first(yi, m - 2),
                        end: last,
                        when: When::Quarter(m / 3),
                        corrected: false,
                    },
                );
            }
        }
        for k in 0..SLOTS {
            g.obs(
                &mut rng,
                &Obs {
                    metric: self.slots[k],
                    region: c.code,
                    place: &c.name,
                    program: None,
                    value: self.county_ytd(k, m),
                    start: cal.year_first(yi),
                    end: last,
                    when: When::Through(m),
                    corrected: false,
                },
            );
        }
        let days = cal.month_len(yi, m);
        // The busiest day of one town.
        let t = rng.below(towns.len());
        let d = rng.below(days as usize) as u32;
        let peak = self.ledger[t][m][0] as f64 / f64::from(days) * rng.between(1.8, 3.2);
        g.obs(
            &mut rng,
            &Obs {
                metric: PEAK_DAILY_VISITORS,
                region: towns[t].code,
                place: &towns[t].name,
                program: None,
                value: Vt::Count.scale(peak),
                start: first + d,
                end: first + d,
                when: When::Day(m, d + 1),
                corrected: false,
            },
        );
        // An event day, of a running program when there is one.
        let d = rng.below(days as usize) as u32;
        let day = first + d;
        let program = (!self.programs.is_empty() && rng.chance(0.7))
            .then(|| &self.programs[rng.below(self.programs.len())])
            .filter(|p| p.active(day));
        let (t, metric, intensity) = match program {
            Some(p) => (
                p.town.unwrap_or_else(|| rng.below(towns.len())),
                p.template().metrics[0],
                p.intensity,
            ),
            None => (rng.below(towns.len()), VOLUNTEER_SERVICES, 1.0),
        };
        let months = rng.between(2.0, 5.0) / 30.44 * intensity * TREND[yi];
        g.obs(
            &mut rng,
            &Obs {
                metric,
                region: towns[t].code,
                place: &towns[t].name,
                program,
                value: self.fresh(metric, towns[t].code, towns[t].population, months, u64::from(day)),
                start: day,
                end: day,
                when: When::Day(m, d + 1),
                corrected: false,
            },
        );
        // Corrections of last month's figures: the same coverage again, revised.
        if m > 0 && rng.chance(0.3) {
            let k0 = rng.below(2);
            for i in 0..1 + rng.below(2) {
                let k = (k0 + i) % 2;
                let t = rng.below(towns.len());
                let before = self.ledger[t][m - 1][k];
                let mut value = (before as f64 * rng.between(0.95, 1.05)).round() as i64;
                if value == before {
                    value += 1;
                }
                g.obs(
                    &mut rng,
                    &Obs {
                        metric: self.slots[k],
                        region: towns[t].code,
                        place: &towns[t].name,
                        program: None,
                        value,
                        start: cal.month_first(yi, m - 1),
                        end: cal.month_last(yi, m - 1),
                        when: When::Month(m - 1),
                        corrected: true,
                    },
                );
            }
        }
        g.end_report()
    }

    fn annual<W: Write>(&self, g: &mut Gen<'_, W>, published: u32) -> io::Result<()> {
        let (cal, yi, c, towns) = (g.cal, self.yi, self.county, &self.tree.towns);
        let mut rng = Rng::new(mix(self.year_seed, 200));
        let year = FIRST_YEAR + yi as i32;
        g.begin(format_args!(
            concat!(
                r#"{{"kind":"report","external_id":"{code}-annual-{year}""#,
                r#","title":"{name}{year}年基层社会治理工作总结","source":"{name}人民政府办公室""#,
                r#","url":"https://{code}.gov.example.cn/zj/{year}.html""#,
                r#","published_on":"{published}","authors":{authors},"region":"{code}""#,
                r#","body":"{year}年，{name}坚持和发展新时代“枫桥经验”，基层社会治理各项工作取得新成效。","observations":["#,
            ),
            code = c.code,
            name = c.name,
            published = cal.date(published),
            authors = self.pick_authors(&mut rng),
            year = year,
        ))?;
        let (first, last) = (cal.year_first(yi), cal.year_last(yi));
        for &metric in &ANNUAL_METRICS {
            let vt = METRICS[metric].vt;
            let (value, when) = if let Some(k) = self.slot_of(metric) {
                // The December bulletin's year-to-date total, sometimes revised.
                let v = self.county_ytd(k, 11);
                (
                    if rng.chance(0.35) {
                        revise(&mut rng, vt, v)
                    } else {
                        v
                    },
                    When::Year,
                )
            } else if metric == VOLUNTEERS_REGISTERED {
                (
                    self.fresh(metric, c.code, c.population, TREND[yi], yi as u64),
                    When::YearEnd,
                )
            } else {
                (
                    self.fresh(metric, c.code, c.population, 12.0 * TREND[yi], yi as u64),
                    When::Year,
                )
            };
            g.obs(
                &mut rng,
                &Obs {
                    metric,
                    region: c.code,
                    place: &c.name,
                    program: None,
                    value,
                    start: first,
                    end: last,
                    when,
                    corrected: false,
                },
            );
        }
        let metric = rng.pick(&TOWN_ANNUAL_METRICS);
        for (t, town) in towns.iter().enumerate() {
            let value = match self.slot_of(metric) {
                Some(k) => self.town_over(t, k, 0..12),
                None => self.fresh(metric, town.code, town.population, 12.0 * TREND[yi], yi as u64),
            };
            g.obs(
                &mut rng,
                &Obs {
                    metric,
                    region: town.code,
                    place: &town.name,
                    program: None,
                    value,
                    start: first,
                    end: last,
                    when: When::Year,
                    corrected: false,
                },
            );
        }
        g.end_report()
    }

    fn program_report<W: Write>(
        &self,
        g: &mut Gen<'_, W>,
        index: usize,
        half: usize,
        start: u32,
        end: u32,
        published: u32,
    ) -> io::Result<()> {
        let (cal, yi, c) = (g.cal, self.yi, self.county);
        let p = &self.programs[index];
        let tpl = p.template();
        let mut rng = Rng::new(mix(self.year_seed, 300 + 2 * index as u64 + half as u64));
        let year = FIRST_YEAR + yi as i32;
        let (month, day) = cal.month_day(end);
        let (sm, sd) = cal.month_day(p.started);
        g.begin(format_args!(
            concat!(
                r#"{{"kind":"report","external_id":"{code}-{year}-h{h}""#,
                r#","title":"{place}“{tpl}”工作推进情况（截至{year}年{month}月{day}日）""#,
                r#","source":"{county}融媒体中心","published_on":"{published}","authors":{authors}"#,
                r#","region":"{region}""#,
                r#","body":"{place}“{tpl}”自{sy}年{sm}月{sd}日启动以来持续推进，{topic}各项工作有序开展。""#,
                r#","observations":["#,
            ),
            code = p.code(),
            h = half + 1,
            place = p.place.short(),
            tpl = tpl.name,
            county = c.name,
            published = cal.date(published),
            authors = self.pick_authors(&mut rng),
            year = year,
            month = month,
            day = day,
            sm = sm,
            sd = sd,
            region = p.region,
            sy = FIRST_YEAR as u32 + year_of(cal, p.started),
            topic = tpl.topic,
        ))?;
        let months = f64::from(end - start + 1) / 30.44 * TREND[yi] * p.intensity;
        let salt = mix(u64::from(start), u64::from(end));
        let lead = tpl.metrics[0];
        // The program's region and its children: the county's towns, or the town's villages.
        let children: Vec<(u64, &Name, u64)> = match p.town {
            Some(t) => self.tree.villages[self.tree.towns[t].villages.clone()]
                .iter()
                .map(|v| (v.code, &v.name, v.population))
                .collect(),
            None => self
                .tree
                .towns
                .iter()
                .map(|t| (t.code, &t.name, t.population))
                .collect(),
        };
        let population = children.iter().map(|c| c.2).sum();
        let sum: i64 = children
            .iter()
            .map(|&(code, _, pop)| self.fresh(lead, code, pop, months, salt))
            .sum();
        for (i, &metric) in tpl.metrics.iter().enumerate() {
            let value = if i == 0 {
                (sum as f64 * rng.between(1.0, 1.04)).round() as i64
            } else {
                self.fresh(metric, p.region, population, months, salt)
            };
            g.obs(
                &mut rng,
                &Obs {
                    metric,
                    region: p.region,
                    place: &p.place,
                    program: Some(p),
                    value,
                    start,
                    end,
                    when: When::Ytd,
                    corrected: false,
                },
            );
        }
        for &(code, name, pop) in &children {
            g.obs(
                &mut rng,
                &Obs {
                    metric: lead,
                    region: code,
                    place: name,
                    program: Some(p),
                    value: self.fresh(lead, code, pop, months, salt),
                    start,
                    end,
                    when: When::Ytd,
                    corrected: false,
                },
            );
        }
        g.end_report()
    }

    /// A village report: of one town (two metrics), or of the whole county (one metric, every town and
    /// village).
    fn village_report<W: Write>(
        &self,
        g: &mut Gen<'_, W>,
        town: Option<usize>,
        half: usize,
        published: u32,
    ) -> io::Result<()> {
        let (cal, yi, c) = (g.cal, self.yi, self.county);
        let id = town.map_or(0, |t| 1 + t as u64);
        let mut rng = Rng::new(mix(self.year_seed, 1000 + 2 * id + half as u64));
        // The same metrics in both halves of a year.
        let mut pick = Rng::new(mix(self.year_seed, 100_000 + id));
        let both = [pick.pick(VILLAGE_METRICS[0]), pick.pick(VILLAGE_METRICS[1])];
        let (towns, metrics) = match town {
            Some(t) => (t..t + 1, &both[..]),
            None => {
                let i = pick.below(2);
                (0..self.tree.towns.len(), &both[i..i + 1])
            }
        };
        let year = FIRST_YEAR + yi as i32;
        let period = if half == 0 { "上半年" } else { "全年" };
        let published = cal.date(published);
        let authors = self.pick_authors(&mut rng);
        match town {
            Some(t) => g.begin(format_args!(
                concat!(
                    r#"{{"kind":"report","external_id":"{code}-villages-{year}-h{h}""#,
                    r#","title":"{name}{year}年{period}村（社区）工作情况通报","source":"{name}党政办公室""#,
                    r#","published_on":"{published}","authors":{authors},"region":"{code}""#,
                    r#","body":"现将{name}{year}年{period}各村（社区）重点工作情况通报如下。","observations":["#,
                ),
                code = self.tree.towns[t].code,
                name = self.tree.towns[t].name,
                h = half + 1,
                published = published,
                authors = authors,
                year = year,
                period = period,
            ))?,
            None => g.begin(format_args!(
                concat!(
                    r#"{{"kind":"report","external_id":"{code}-villages-{year}-h{h}""#,
                    r#","title":"{name}{year}年{period}村（社区）重点工作考核通报","source":"{name}委组织部""#,
                    r#","published_on":"{published}","authors":{authors},"region":"{code}""#,
                    r#","body":"现将{year}年{period}全{kind}各村（社区）重点工作考核情况通报如下。","observations":["#,
                ),
                code = c.code,
                name = c.name,
                kind = c.name.suffix,
                h = half + 1,
                published = published,
                authors = authors,
                year = year,
                period = period,
            ))?,
        }
        let through = if half == 0 { 5 } else { 11 };
        let (first, last) = (cal.year_first(yi), cal.month_last(yi, through));
        let months = (through + 1) as f64 * TREND[yi];
        let salt = (yi * 2 + half) as u64;
        for town in &self.tree.towns[towns] {
            let villages = &self.tree.villages[town.villages.clone()];
            for &metric in metrics {
                let values = villages
                    .iter()
                    .map(|v| (v, self.fresh(metric, v.code, v.population, months, salt)));
                let value = if METRICS[metric].vt == Vt::Ratio {
                    let weighted: f64 = values.map(|(v, x)| v.population as f64 * x as f64).sum();
                    (weighted / town.population as f64).round() as i64
                } else {
                    (values.map(|(_, x)| x).sum::<i64>() as f64 * rng.between(1.0, 1.04)).round() as i64
                };
                g.obs(
                    &mut rng,
                    &Obs {
                        metric,
                        region: town.code,
                        place: &town.name,
                        program: None,
                        value,
                        start: first,
                        end: last,
                        when: When::Through(through),
                        corrected: false,
                    },
                );
            }
            for v in villages {
                for &metric in metrics {
                    g.obs(
                        &mut rng,
                        &Obs {
                            metric,
                            region: v.code,
                            place: &v.name,
                            program: None,
                            value: self.fresh(metric, v.code, v.population, months, salt),
                            start: first,
                            end: last,
                            when: When::Through(through),
                            corrected: false,
                        },
                    );
                }
            }
        }
        g.end_report()
    }
}

/// The calendar year of a day, less `FIRST_YEAR`.
fn year_of(cal: &Calendar, day: u32) -> u32 {
    (0..=YEARS).take_while(|&y| cal.year_first(y) <= day).count() as u32 - 1
}

/// A percentage around `base`: higher with a propensity above 1, plus noise in `-1..1`.
fn ratio_around(base: f64, propensity: f64, noise: f64) -> f64 {
    let room = 100.0 - base;
    (base + (propensity - 1.0) * 2.0 * room + noise * 0.3 * room).clamp(0.0, 100.0)
}

/// A value revised by a few percent (and so different).
fn revise(rng: &mut Rng, vt: Vt, v: i64) -> i64 {
    let r = (v as f64 * rng.between(0.97, 1.03)).round() as i64;
    let r = if r == v { v + 1 } else { r };
    match vt {
        Vt::Ratio => r.clamp(0, 1000),
        _ => r.max(1),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use chrono::NaiveDate;
    use serde_json::Value;

    use super::*;

    fn small(seed: u64) -> (Vec<u8>, GenerateStats) {
        let mut out = Vec::new();
        let stats = generate(Scale::Small, seed, &mut out).expect("writing to memory");
        (out, stats)
    }

    #[test]
    fn same_seed_same_bytes_other_seed_other_bytes() {
        let (a, sa) = small(7);
        let (b, sb) = small(7);
        assert!(a == b, "the same seed gave different output");
        assert_eq!(sa, sb);
        let (c, _) = small(8);
        assert!(a != c, "different seeds gave the same output");
    }

    const LEVELS: [&str; 5] = ["province", "city", "county", "town", "village"];
    const CODE_LENGTHS: [usize; 5] = [2, 4, 6, 9, 12];

    fn date(v: &Value, what: &str) -> NaiveDate {
        let s = v.as_str().unwrap_or_else(|| panic!("{what}: not a string: {v}"));
        assert_eq!(s.len(), 10, "{what}: {s}");
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_else(|_| panic!("{what}: invalid date {s}"))
    }

    fn string<'v>(v: &'v Value, field: &str) -> &'v str {
        let s = v[field]
            .as_str()
            .unwrap_or_else(|| panic!("`{field}` is not a string in {v}"));
        assert!(!s.is_empty(), "`{field}` is empty in {v}");
        s
    }

    /// What the validation of a file found.
    #[derive(Default)]
    struct Found {
        levels: [u64; 5],
        stats: GenerateStats,
        qualified: u64,
        with_program: u64,
        daily: u64,
        monthly: u64,
        quarterly: u64,
        year_to_date: u64,
        annual: u64,
        /// Observations whose coverage (metric, region, program, period) an earlier report also stated.
        duplicates: u64,
    }

    /// Validates every line per interchange.md, and a little more (codes nest, populations add up, dates lie
    /// in 2019..=2024, reports hold 10..=500 observations).
    fn validate(text: &str) -> Found {
        let mut found = Found::default();
        let mut regions: BTreeMap<String, (usize, u64)> = BTreeMap::new();
        let mut child_sums: BTreeMap<String, u64> = BTreeMap::new();
        let mut metrics: BTreeMap<String, String> = BTreeMap::new();
        let mut programs = BTreeSet::new();
        let mut reports = BTreeSet::new();
        let mut coverage: BTreeMap<(String, String, String, NaiveDate, NaiveDate), String> = BTreeMap::new();
        let (first, last) = (
            NaiveDate::from_ymd_opt(2019, 1, 1).unwrap(),
            NaiveDate::from_ymd_opt(2024, 12, 31).unwrap(),
        );
        assert!(text.ends_with('\n'));
        for (i, line) in text.lines().enumerate() {
            let r: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("line {}: {e}", i + 1));
            match r["kind"].as_str() {
                Some("region") => {
                    let code = string(&r, "code");
                    string(&r, "name");
                    let level = LEVELS
                        .iter()
                        .position(|&l| Some(l) == r["level"].as_str())
                        .expect("a level");
                    assert!(
                        code.bytes().all(|b| b.is_ascii_digit()) && code.len() == CODE_LENGTHS[level],
                        "{code}"
                    );
                    match &r["parent"] {
                        Value::Null => assert_eq!(level, 0, "{code} has no parent"),
                        Value::String(p) => {
                            let &(parent_level, _) = regions
                                .get(p)
                                .unwrap_or_else(|| panic!("{code}: parent {p} not yet defined"));
                            assert!(parent_level < level, "{code}: parent {p} is not above it");
                            assert!(code.starts_with(p.as_str()), "{code} does not extend {p}");
                            *child_sums.entry(p.clone()).or_default() += r["population"].as_u64().unwrap();
                        }
                        other => panic!("{code}: parent {other}"),
                    }
                    let population = r["population"].as_u64().expect("a population ≥ 0");
                    if level == 4 {
                        assert!((500..=5000).contains(&population), "{code}: {population}");
                    }
                    if let Some(aliases) = r.get("aliases") {
                        assert!(
                            aliases
                                .as_array()
                                .unwrap()
                                .iter()
                                .all(|a| a.as_str().is_some_and(|a| !a.is_empty()))
                        );
                    }
                    assert!(
                        regions.insert(code.to_owned(), (level, population)).is_none(),
                        "{code} twice"
                    );
                    found.levels[level] += 1;
                    found.stats.regions += 1;
                }
                Some("metric") => {
                    let code = string(&r, "code");
                    assert!(
                        code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') && !code.starts_with('_'),
                        "{code}"
                    );
                    string(&r, "name");
                    string(&r, "unit");
                    let vt = string(&r, "value_type");
                    assert!(["count", "amount", "ratio"].contains(&vt), "{vt}");
                    if let Some(a) = r.get("aggregation") {
                        assert!(
                            ["sum", "mean", "min", "max", "last"].contains(&a.as_str().unwrap()),
                            "{a}"
                        );
                    }
                    assert!(
                        metrics.insert(code.to_owned(), vt.to_owned()).is_none(),
                        "{code} twice"
                    );
                    found.stats.metrics += 1;
                }
                Some("program") => {
                    let code = string(&r, "code");
                    string(&r, "name");
                    assert!(
                        regions.contains_key(string(&r, "region")),
                        "{code}: unknown region"
                    );
                    let started = date(&r["started_on"], code);
                    if let Some(e) = r.get("ended_on") {
                        assert!(date(e, code) >= started, "{code} ends before it starts");
                    }
                    assert!(programs.insert(code.to_owned()), "{code} twice");
                    found.stats.programs += 1;
                }
                Some("report") => {
                    let id = string(&r, "external_id");
                    assert!(reports.insert(id.to_owned()), "{id} twice");
                    string(&r, "title");
                    string(&r, "source");
                    let published = date(&r["published_on"], id);
                    assert!((first..=last).contains(&published), "{id}: published {published}");
                    assert!(regions.contains_key(string(&r, "region")), "{id}: unknown region");
                    assert!(!r["authors"].as_array().unwrap().is_empty());
                    let observations = r["observations"].as_array().unwrap();
                    assert!(
                        (10..=500).contains(&observations.len()),
                        "{id}: {} observations",
                        observations.len()
                    );
                    for o in observations {
                        let vt = &metrics[string(o, "metric")];
                        let region = string(o, "region");
                        assert!(regions.contains_key(region), "{id}: unknown region {region}");
                        let program = match o.get("program") {
                            Some(p) => {
                                assert!(
                                    programs.contains(p.as_str().unwrap()),
                                    "{id}: unknown program {p}"
                                );
                                found.with_program += 1;
                                p.as_str().unwrap()
                            }
                            None => "",
                        };
                        let value = o["value"].as_f64().expect("a number");
                        assert!(value.is_finite());
                        match vt.as_str() {
                            "count" => assert!(value >= 0.0 && value.fract() == 0.0, "{id}: count {value}"),
                            "amount" => assert!(value > 0.0, "{id}: amount {value}"),
                            _ => assert!(
                                (0.0..=100.0).contains(&value) && (value * 10.0).fract() == 0.0,
                                "{id}: ratio {value}"
                            ),
                        }
                        if let Some(q) = o.get("qualifier") {
                            assert!(
                                ["over", "approx", "nearly", "under"].contains(&q.as_str().unwrap()),
                                "{q}"
                            );
                            found.qualified += 1;
                        }
                        let (start, end) = (date(&o["period_start"], id), date(&o["period_end"], id));
                        assert!(
                            first <= start && start <= end && end <= published,
                            "{id}: {start}..{end} / {published}"
                        );
                        assert!(!string(o, "quote").contains('"'));
                        let month_end = start
                            .checked_add_months(chrono::Months::new(1))
                            .unwrap()
                            .pred_opt()
                            .unwrap();
                        if start == end {
                            found.daily += 1;
                        } else if start.day() == 1 && end == month_end {
                            found.monthly += 1;
                        } else if start.day() == 1
                            && end
                                == start
                                    .checked_add_months(chrono::Months::new(3))
                                    .unwrap()
                                    .pred_opt()
                                    .unwrap()
                            && start.month() % 3 == 1
                        {
                            found.quarterly += 1;
                        } else if start.ordinal() == 1 && end.month() == 12 && end.day() == 31 {
                            found.annual += 1;
                        } else if start.year() == end.year() {
                            found.year_to_date += 1;
                        }
                        let key = (
                            string(o, "metric").to_owned(),
                            region.to_owned(),
                            program.to_owned(),
                            start,
                            end,
                        );
                        if coverage
                            .insert(key, id.to_owned())
                            .is_some_and(|earlier| earlier != id)
                        {
                            found.duplicates += 1;
                        }
                        found.stats.observations += 1;
                    }
                    found.stats.reports += 1;
                }
                other => panic!("line {}: kind {other:?}", i + 1),
            }
        }
        for (code, sum) in child_sums {
            assert_eq!(
                regions[&code].1, sum,
                "{code}: population is not the sum of its children's"
            );
        }
        found
    }

    #[test]
    fn small_is_valid_and_shaped_as_promised() {
        let (out, stats) = small(1);
        let text = std::str::from_utf8(&out).expect("UTF-8");
        let found = validate(text);
        assert_eq!(found.stats, stats, "the returned counts match the file");
        // The targets (within ±50%): 1 province, 2 cities, 6 counties, ~60 towns, ~800 villages,
        // ~20k observations.
        assert_eq!(found.levels[..3], [1, 2, 6]);
        assert!((30..=90).contains(&found.levels[3]), "{} towns", found.levels[3]);
        assert!(
            (400..=1200).contains(&found.levels[4]),
            "{} villages",
            found.levels[4]
        );
        assert!(
            (10_000..=30_000).contains(&stats.observations),
            "{} observations",
            stats.observations
        );
        assert!((6..=18).contains(&stats.programs), "{} programs", stats.programs);
        assert_eq!(stats.metrics, 40);
        // Every kind of period, programs, qualifiers and duplicates are there.
        let share = found.qualified as f64 / stats.observations as f64;
        assert!((0.05..=0.15).contains(&share), "{share} qualified");
        for (what, n) in [
            ("daily", found.daily),
            ("monthly", found.monthly),
            ("quarterly", found.quarterly),
            ("year-to-date", found.year_to_date),
            ("annual", found.annual),
            ("with a program", found.with_program),
            ("same-coverage duplicates", found.duplicates),
        ] {
            assert!(n >= 100, "only {n} {what} observations");
        }
    }

    #[test]
    fn metrics_are_as_described() {
        let ratios = METRICS.iter().filter(|m| m.vt == Vt::Ratio).count();
        assert_eq!(ratios, 8);
        let codes: BTreeSet<_> = METRICS.iter().map(|m| m.code).collect();
        assert_eq!(codes.len(), METRICS.len());
        for m in &METRICS {
            assert_eq!(m.vt == Vt::Ratio, m.unit == "%", "{}", m.code);
        }
        for t in &TEMPLATES {
            assert_ne!(
                METRICS[t.metrics[0]].vt,
                Vt::Ratio,
                "a program's lead metric adds up"
            );
        }
    }

    #[test]
    fn name_characters_are_three_bytes() {
        for s in [SYLLABLES, SURNAMES, GIVEN_NAMES] {
            assert!(s.chars().all(|c| c.len_utf8() == 3));
            assert!(s.chars().count() <= 256);
        }
    }

    #[test]
    fn qualifiers_keep_the_statement_true() {
        let mut rng = Rng::new(3);
        for vt in [Vt::Count, Vt::Amount, Vt::Ratio] {
            for v in (0..200_000).step_by(7).chain([1000, 999, 950, 100]) {
                let v = if vt == Vt::Ratio { v % 1001 } else { v };
                let (q, s) = qualify(&mut rng, vt, v);
                match q {
                    Qualifier::Exact => assert_eq!(s, v),
                    Qualifier::Over => assert!(s <= v && s * 10 >= v * 8, "{vt:?} {v} over {s}"),
                    Qualifier::Nearly => assert!(s >= v && s * 8 <= v * 10, "{vt:?} {v} nearly {s}"),
                    Qualifier::Under => assert!(s > v, "{vt:?} {v} under {s}"),
                    Qualifier::Approx => assert!((s - v).abs() * 10 <= v, "{vt:?} {v} approx {s}"),
                }
                if vt == Vt::Ratio {
                    assert!((0..=1000).contains(&s));
                }
            }
        }
    }
}
