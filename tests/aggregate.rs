//! `aggregate` and `compare` over HTTP on a hand-computed fixture: every rule of `api.md`'s aggregate
//! section has a case here that a wrong implementation fails.
//!
//! The fixture (`fixture()`), with observation numbers `oN` used in the comments below:
//!
//! ```text
//! P (province, 1 000 000)
//! ├── C (city)
//! │   ├── K1 (county, 300 000)
//! │   │   ├── T1 (town, 10 000) ── T1V1 (village)
//! │   │   ├── T2 (town, 20 000)
//! │   │   ├── T3 (town, population 0)
//! │   │   ├── T4 (town, 4 000)
//! │   │   └── T5 (town, no population, no data at all)
//! │   └── K2 (county, 200 000) ── T6 (town, 5 000)
//! └── K3 (county directly under the province: no city)
//!
//! visits (count, SUM), in import order; "prog" = program prog_a
//! R1  k1-2021      2022-01-15  o1 K1 2021 4000 · o2 T1 2021 1000 · o3 T2 2021 1500 · o4 T3 2021 600
//!                              · o4b T4 2021 0
//! R2  t1-jul       2022-08-01  o5 T1 2022-01-01..07-31 700            (year to date)
//! R3  t1-nov       2022-12-01  o6 T1 2022-01-01..11-30 1100           (year to date, revises o5)
//!                              o7 T1V1 2022-03 40
//! R4  t2-mar-a     2022-04-05  o8 T2 2022-03 300
//! R5  t2-mar-b     2022-04-10  o9 T2 2022-03 310                      (same coverage, later report)
//! R6  t2-apr       2022-05-02  o10 T2 2022-04 400 · o11 T2 2022-04-15..05-15 250 (spans two months)
//! R7  t3-a         2022-06-01  o12 T3 2022-05 600
//! R8  t3-b         2022-06-01  o13 T3 2022-05 620 (same day, imported later) · o14 T3 2022-06 340
//! R8b t4-sep       2022-10-01  o15 T4 2022-09 100 over
//! R9  k1-prog      2022-12-20  o16 K1 2022 50 prog · o17 T1 2022-06 20 prog
//! R10 k1-2022      2023-01-10  o18 K1 2022 5000                        (the county's own total)
//! R11 t2-two-years 2023-01-15  o19 T2 2021-01-01..2022-12-31 8888
//! R12 others-2022  2023-02-01  o20 T6 2022 700 · o21 K3 2022 300 approx
//! R13 p-2022       2023-03-01  o22 P 2022 100000
//!
//! staff (amount, LAST), one day each: T1 2022-12-31 12 (pub 2023-01-05) · T2 2022-12-31 30
//!   (pub 2023-01-07) · T3 2022-12-31 25 (pub 2023-01-07, imported later) · T4 2022-11-30 99 (pub 2023-02-01)
//! rate (ratio, MEAN): T1 2022 90 · T2 2022 80 nearly · T1V1 2022-06 50
//! qmix (count): at T6, two one-day figures per month of 2022 (values 1 and 2) with qualifiers per
//!   month; in October a whole-month 10 and an approx 5 on one of its days.
//! ```

use civicgraph_tests::{StatementCounter, TestServer, backends};
use serde_json::{Value, json};

fn region(code: &str, level: &str, parent: Option<&str>, population: Option<i64>) -> Value {
    let mut r = json!({"kind": "region", "code": code, "name": format!("区{code}"), "level": level,
                       "parent": parent});
    if let Some(p) = population {
        r["population"] = json!(p);
    }
    r
}

/// An observation `(metric, region, value, start, end)`.
fn o(metric: &str, region: &str, value: f64, start: &str, end: &str) -> Value {
    json!({"metric": metric, "region": region, "value": value, "period_start": start, "period_end": end})
}

fn with(mut obs: Value, key: &str, value: &str) -> Value {
    obs[key] = json!(value);
    obs
}

fn report(id: &str, published: &str, region: &str, observations: Vec<Value>) -> Value {
    json!({"kind": "report", "external_id": id, "title": format!("报告 {id}"), "published_on": published,
           "region": region, "observations": observations})
}

fn fixture() -> String {
    let year = |m: &str, r: &str, v: f64, y: &str| o(m, r, v, &format!("{y}-01-01"), &format!("{y}-12-31"));
    let v = "visits";
    let mut lines = vec![
        region("P", "province", None, Some(1_000_000)),
        region("C", "city", Some("P"), None),
        region("K1", "county", Some("C"), Some(300_000)),
        region("T1", "town", Some("K1"), Some(10_000)),
        region("T1V1", "village", Some("T1"), None),
        region("T2", "town", Some("K1"), Some(20_000)),
        region("T3", "town", Some("K1"), Some(0)),
        region("T4", "town", Some("K1"), Some(4_000)),
        region("T5", "town", Some("K1"), None),
        region("K2", "county", Some("C"), Some(200_000)),
        region("T6", "town", Some("K2"), Some(5_000)),
        region("K3", "county", Some("P"), Some(50_000)),
        json!({"kind": "metric", "code": "visits", "name": "走访人次", "unit": "人次", "value_type": "count"}),
        json!({"kind": "metric", "code": "rate", "name": "办结率", "unit": "%", "value_type": "ratio"}),
        json!({"kind": "metric", "code": "staff", "name": "网格员", "unit": "人", "value_type": "amount",
               "aggregation": "last"}),
        json!({"kind": "metric", "code": "qmix", "name": "混合", "unit": "件", "value_type": "count"}),
        json!({"kind": "program", "code": "prog_a", "name": "四五行动", "region": "K1"}),
        report(
            "k1-2021",
            "2022-01-15",
            "K1",
            vec![
                year(v, "K1", 4000.0, "2021"),
                year(v, "T1", 1000.0, "2021"),
                year(v, "T2", 1500.0, "2021"),
                year(v, "T3", 600.0, "2021"),
                year(v, "T4", 0.0, "2021"),
            ],
        ),
        report(
            "t1-jul",
            "2022-08-01",
            "T1",
            vec![o(v, "T1", 700.0, "2022-01-01", "2022-07-31")],
        ),
        report(
            "t1-nov",
            "2022-12-01",
            "T1",
            vec![
                o(v, "T1", 1100.0, "2022-01-01", "2022-11-30"),
                o(v, "T1V1", 40.0, "2022-03-01", "2022-03-31"),
            ],
        ),
        report(
            "t2-mar-a",
            "2022-04-05",
            "T2",
            vec![o(v, "T2", 300.0, "2022-03-01", "2022-03-31")],
        ),
        report(
            "t2-mar-b",
            "2022-04-10",
            "T2",
            vec![o(v, "T2", 310.0, "2022-03-01", "2022-03-31")],
        ),
        report(
            "t2-apr",
            "2022-05-02",
            "T2",
            vec![
                o(v, "T2", 400.0, "2022-04-01", "2022-04-30"),
                o(v, "T2", 250.0, "2022-04-15", "2022-05-15"),
            ],
        ),
        report(
            "t3-a",
            "2022-06-01",
            "T3",
            vec![o(v, "T3", 600.0, "2022-05-01", "2022-05-31")],
        ),
        report(
            "t3-b",
            "2022-06-01",
            "T3",
            vec![
                o(v, "T3", 620.0, "2022-05-01", "2022-05-31"),
                o(v, "T3", 340.0, "2022-06-01", "2022-06-30"),
            ],
        ),
        report(
            "t4-sep",
            "2022-10-01",
            "T4",
            vec![with(
                o(v, "T4", 100.0, "2022-09-01", "2022-09-30"),
                "qualifier",
                "over",
            )],
        ),
        report(
            "k1-prog",
            "2022-12-20",
            "K1",
            vec![
                with(year(v, "K1", 50.0, "2022"), "program", "prog_a"),
                with(o(v, "T1", 20.0, "2022-06-01", "2022-06-30"), "program", "prog_a"),
            ],
        ),
        report("k1-2022", "2023-01-10", "K1", vec![year(v, "K1", 5000.0, "2022")]),
        report(
            "t2-two-years",
            "2023-01-15",
            "T2",
            vec![o(v, "T2", 8888.0, "2021-01-01", "2022-12-31")],
        ),
        report(
            "others-2022",
            "2023-02-01",
            "K2",
            vec![
                year(v, "T6", 700.0, "2022"),
                with(year(v, "K3", 300.0, "2022"), "qualifier", "approx"),
            ],
        ),
        report("p-2022", "2023-03-01", "P", vec![year(v, "P", 100000.0, "2022")]),
        report(
            "staff-1",
            "2023-01-05",
            "T1",
            vec![o("staff", "T1", 12.0, "2022-12-31", "2022-12-31")],
        ),
        report(
            "staff-2",
            "2023-01-07",
            "T2",
            vec![o("staff", "T2", 30.0, "2022-12-31", "2022-12-31")],
        ),
        report(
            "staff-3",
            "2023-01-07",
            "T3",
            vec![o("staff", "T3", 25.0, "2022-12-31", "2022-12-31")],
        ),
        report(
            "staff-4",
            "2023-02-01",
            "T4",
            vec![o("staff", "T4", 99.0, "2022-11-30", "2022-11-30")],
        ),
        report(
            "rate-2022",
            "2023-01-20",
            "K1",
            vec![
                year("rate", "T1", 90.0, "2022"),
                with(year("rate", "T2", 80.0, "2022"), "qualifier", "nearly"),
                o("rate", "T1V1", 50.0, "2022-06-01", "2022-06-30"),
            ],
        ),
        report("qmix", "2023-01-31", "T6", qmix()),
    ];
    lines.iter_mut().for_each(|l| *l = json!(l));
    lines.iter().map(Value::to_string).collect::<Vec<_>>().join("\n")
}

/// The qualifiers of the two one-day qmix figures of each month (October is special, see below).
const QMIX: [(&str, &str); 12] = [
    ("exact", "exact"),
    ("exact", "over"),
    ("over", "over"),
    ("exact", "nearly"),
    ("exact", "under"),
    ("nearly", "under"),
    ("over", "nearly"),
    ("over", "under"),
    ("exact", "approx"),
    ("", ""),
    ("nearly", "nearly"),
    ("approx", "approx"),
];

fn qmix() -> Vec<Value> {
    let mut obs = Vec::new();
    for (i, (q1, q2)) in QMIX.iter().enumerate() {
        let m = i + 1;
        if m == 10 {
            // A whole-month exact 10 supersedes an approx 5 on one of its days.
            obs.push(o("qmix", "T6", 10.0, "2022-10-01", "2022-10-31"));
            obs.push(with(
                o("qmix", "T6", 5.0, "2022-10-02", "2022-10-02"),
                "qualifier",
                "approx",
            ));
            continue;
        }
        let day1 = format!("2022-{m:02}-01");
        let day2 = format!("2022-{m:02}-02");
        obs.push(with(o("qmix", "T6", 1.0, &day1, &day1), "qualifier", q1));
        obs.push(with(o("qmix", "T6", 2.0, &day2, &day2), "qualifier", q2));
    }
    obs
}

const AGG: &str =
    "query($m: String!, $w: String, $l: RegionLevel, $p: String, $bp: Boolean, $f: Date, $t: Date,
  $g: TimeGrain, $fn: Aggregation, $a: Date) {
  aggregate(metric: $m, within: $w, level: $l, program: $p, byProgram: $bp, from: $f, to: $t, grain: $g,
            fn: $fn, asOf: $a) {
    region { code } program { code } periodStart periodEnd value qualifier observations superseded } }";

const CMP: &str =
    "query($m: String!, $w: String!, $l: RegionLevel!, $f: Date!, $t: Date!, $bf: Date, $bt: Date,
  $pc: Int, $p: String, $top: Int, $a: Date) {
  compare(metric: $m, within: $w, level: $l, from: $f, to: $t, baselineFrom: $bf, baselineTo: $bt,
          perCapita: $pc, program: $p, top: $top, asOf: $a) {
    metric { code } total totalQualifier mean median
    rows { region { code population } value qualifier rank share perCapita baseline change changePct
           observations sources { externalId } } } }";

/// A number as written in the expectations: integers without a fraction, others to 4 places.
fn num(v: &Value) -> String {
    match v.as_f64() {
        None => "null".to_owned(),
        Some(f) if f.fract() == 0.0 => format!("{}", f as i64),
        Some(f) => format!("{f:.4}"),
    }
}

fn code(v: &Value) -> &str {
    v["code"].as_str().unwrap_or("-")
}

/// `aggregate` rows as `REGION PROGRAM START..END VALUE QUALIFIER counted/superseded`.
fn agg_rows(d: &Value) -> Vec<String> {
    d["aggregate"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            format!(
                "{} {} {}..{} {} {} {}/{}",
                code(&r["region"]),
                code(&r["program"]),
                r["periodStart"].as_str().unwrap_or("null"),
                r["periodEnd"].as_str().unwrap_or("null"),
                num(&r["value"]),
                r["qualifier"].as_str().unwrap(),
                r["observations"],
                r["superseded"]
            )
        })
        .collect()
}

/// `compare` rows as `REGION value QUALIFIER #rank share perCapita baseline change changePct n [sources]`.
fn cmp_rows(d: &Value) -> Vec<String> {
    d["compare"]["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            let sources: Vec<&str> = r["sources"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["externalId"].as_str().unwrap())
                .collect();
            format!(
                "{} {} {} #{} {} {} {} {} {} {} [{}]",
                code(&r["region"]),
                num(&r["value"]),
                r["qualifier"].as_str().unwrap(),
                num(&r["rank"]),
                num(&r["share"]),
                num(&r["perCapita"]),
                num(&r["baseline"]),
                num(&r["change"]),
                num(&r["changePct"]),
                r["observations"],
                sources.join(" ")
            )
        })
        .collect()
}

/// `total totalQualifier mean median` of a comparison.
fn summary(d: &Value) -> String {
    let c = &d["compare"];
    format!(
        "{} {} {} {}",
        num(&c["total"]),
        c["totalQualifier"].as_str().unwrap(),
        num(&c["mean"]),
        num(&c["median"])
    )
}

const Y22: (&str, &str) = ("2022-01-01", "2022-12-31");

/// Checks `aggregate` with `vars` (plus `m`, default `visits`) against `expected` rows.
async fn check_agg(s: &TestServer, mut vars: Value, expected: &[&str]) {
    if vars.get("m").is_none() {
        vars["m"] = json!("visits");
    }
    let d = s.data(AGG, vars.clone()).await;
    assert_eq!(agg_rows(&d), expected, "[{}] aggregate {vars}", s.backend.name());
}

async fn started() -> Vec<TestServer> {
    let mut servers = Vec::new();
    for backend in backends() {
        let s = TestServer::start(&backend).await;
        s.import(&fixture()).await;
        servers.push(s);
    }
    servers
}

/// Rules 1–4 on a town level: year-to-date revisions, village figures under a town figure, same-coverage
/// duplicates (later report; same day: imported later), programs apart, the window rule.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn supersession_by_town() {
    for s in started().await {
        let (f, t) = Y22;
        // T1: o6 (Jan–Nov) supersedes o5 (Jan–Jul, wider period) and o7 (T1V1 in March, a village
        //     under T1); o17 is prog_a and no prog_a figure covers it at T1 or below (o16 is at K1,
        //     above the group level): 1100 + 20 = 1120, 2 counted, 2 superseded.
        // T2: o9 supersedes o8 (same coverage, later report); o10 and o11 overlap without one containing
        //     the other: 310 + 400 + 250 = 960. o19 (two years) is outside the window and supersedes nothing.
        // T3: o13 supersedes o12 (same coverage, same day, imported later): 620 + 340 = 960.
        // T4: o15 alone, OVER. K1's own figures are above the level; T5 has nothing.
        let by_town = [
            "T1 - 2022-01-01..2022-11-30 1120 EXACT 2/2",
            "T2 - 2022-03-01..2022-05-15 960 EXACT 3/1",
            "T3 - 2022-05-01..2022-06-30 960 EXACT 2/1",
            "T4 - 2022-09-01..2022-09-30 100 OVER 1/0",
        ];
        check_agg(&s, json!({"w": "K1", "l": "TOWN", "f": f, "t": t}), &by_town).await;
        // By village the town's o6 is above the group, so the village figure counts.
        check_agg(
            &s,
            json!({"w": "T1", "l": "VILLAGE", "f": f, "t": t}),
            &["T1V1 - 2022-03-01..2022-03-31 40 EXACT 1/0"],
        )
        .await;
        // byProgram: T1's no-program and prog_a figures are separate groups (no program first).
        check_agg(
            &s,
            json!({"w": "K1", "l": "TOWN", "bp": true, "f": f, "t": t}),
            &[
                "T1 - 2022-01-01..2022-11-30 1100 EXACT 1/2",
                "T1 prog_a 2022-06-01..2022-06-30 20 EXACT 1/0",
                "T2 - 2022-03-01..2022-05-15 960 EXACT 3/1",
                "T3 - 2022-05-01..2022-06-30 960 EXACT 2/1",
                "T4 - 2022-09-01..2022-09-30 100 OVER 1/0",
            ],
        )
        .await;
        // program: only prog_a figures; by town o17 counts.
        check_agg(
            &s,
            json!({"w": "K1", "l": "TOWN", "p": "prog_a", "f": f, "t": t}),
            &["T1 prog_a 2022-06-01..2022-06-30 20 EXACT 1/0"],
        )
        .await;
        // Window 2021–2022: o19 (T2, both years) is now inside and supersedes o3, o8, o9, o10, o11.
        // T1: o2 1000 + o6 1100 + o17 20; T3: o4 600 + o13 620 + o14 340; T4: o4b 0 + o15 100 (OVER).
        check_agg(
            &s,
            json!({"w": "K1", "l": "TOWN", "f": "2021-01-01", "t": t}),
            &[
                "T1 - 2021-01-01..2022-11-30 2120 EXACT 3/2",
                "T2 - 2021-01-01..2022-12-31 8888 EXACT 1/5",
                "T3 - 2021-01-01..2022-06-30 1560 EXACT 3/1",
                "T4 - 2021-01-01..2022-09-30 100 OVER 2/0",
            ],
        )
        .await;
        s.stop().await;
    }
}

/// Rules 3–4 higher up: a county's own total wins over its towns, a province's over everything, levels
/// skipped, regions above the level left out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn supersession_by_county_and_above() {
    for s in started().await {
        let (f, t) = Y22;
        // K1: o18 (K1, 2022, no program) supersedes o5–o15 (11 figures, among them T4's OVER), and
        //     o16 (K1, prog_a) supersedes o17; o16 and o18 are different programs: 5000 + 50 = 5050.
        // K2: o20 700.
        let k1 = "K1 - 2022-01-01..2022-12-31 5050 EXACT 2/12";
        let k2 = "K2 - 2022-01-01..2022-12-31 700 EXACT 1/0";
        check_agg(&s, json!({"w": "C", "l": "COUNTY", "f": f, "t": t}), &[k1, k2]).await;
        // Without within, K3 (under the province directly) is a county too.
        check_agg(
            &s,
            json!({"l": "COUNTY", "f": f, "t": t}),
            &[k1, k2, "K3 - 2022-01-01..2022-12-31 300 APPROX 1/0"],
        )
        .await;
        // By city: K3 has no city and P is above the level, both left out: 5050 + 700 = 5750.
        check_agg(
            &s,
            json!({"w": "P", "l": "CITY", "f": f, "t": t}),
            &["C - 2022-01-01..2022-12-31 5750 EXACT 3/12"],
        )
        .await;
        // The whole province: o22 supersedes every no-program figure (14), o16 supersedes o17:
        // 100000 + 50.
        check_agg(
            &s,
            json!({"w": "P", "f": f, "t": t}),
            &["P - 2022-01-01..2022-12-31 100050 EXACT 2/15"],
        )
        .await;
        // As of 2023-02-15, before the province's report: o18 + o16 + o20 + o21 (approx).
        check_agg(
            &s,
            json!({"w": "P", "f": f, "t": t, "a": "2023-02-15"}),
            &["P - 2022-01-01..2022-12-31 6050 APPROX 4/12"],
        )
        .await;
        // prog_a only, by county: o16 supersedes o17.
        check_agg(
            &s,
            json!({"w": "K1", "l": "COUNTY", "p": "prog_a", "f": f, "t": t}),
            &["K1 prog_a 2022-01-01..2022-12-31 50 EXACT 1/1"],
        )
        .await;
        // No window: o1 supersedes the 2021 towns (4), o18 the 2022 figures (11), o16 o17; o19 (two years)
        // is contained in nothing and counts next to them: 4000 + 5000 + 8888 + 50.
        check_agg(
            &s,
            json!({"w": "K1", "l": "COUNTY"}),
            &["K1 - 2021-01-01..2022-12-31 17938 EXACT 4/16"],
        )
        .await;
        s.stop().await;
    }
}

/// Rule 3 with a grain: an observation spanning two buckets is left out (and supersedes nothing).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn time_buckets() {
    for s in started().await {
        let (f, t) = Y22;
        // Monthly in T1: o5 and o6 span months, so the village's March and prog_a's June count.
        check_agg(
            &s,
            json!({"w": "T1", "g": "MONTH", "f": f, "t": t}),
            &[
                "T1 - 2022-03-01..2022-03-31 40 EXACT 1/0",
                "T1 - 2022-06-01..2022-06-30 20 EXACT 1/0",
            ],
        )
        .await;
        // Monthly in T2: o11 (April 15 – May 15) is left out.
        check_agg(
            &s,
            json!({"w": "T2", "g": "MONTH", "f": f, "t": t}),
            &[
                "T2 - 2022-03-01..2022-03-31 310 EXACT 1/1",
                "T2 - 2022-04-01..2022-04-30 400 EXACT 1/0",
            ],
        )
        .await;
        // Yearly in T1 without a window: 2021 is o2; in 2022, o6 supersedes o5 and o7.
        check_agg(
            &s,
            json!({"w": "T1", "g": "YEAR"}),
            &[
                "T1 - 2021-01-01..2021-12-31 1000 EXACT 1/0",
                "T1 - 2022-01-01..2022-12-31 1120 EXACT 2/2",
            ],
        )
        .await;
        // Quarterly by town: o11 is inside Q2 this time.
        check_agg(
            &s,
            json!({"w": "K1", "l": "TOWN", "g": "QUARTER", "f": f, "t": t}),
            &[
                "T1 - 2022-01-01..2022-03-31 40 EXACT 1/0",
                "T1 - 2022-04-01..2022-06-30 20 EXACT 1/0",
                "T2 - 2022-01-01..2022-03-31 310 EXACT 1/1",
                "T2 - 2022-04-01..2022-06-30 650 EXACT 2/0",
                "T3 - 2022-04-01..2022-06-30 960 EXACT 2/1",
                "T4 - 2022-07-01..2022-09-30 100 OVER 1/0",
            ],
        )
        .await;
        s.stop().await;
    }
}

/// Rule 1's `asOf`: the data as it stood then, a revised figure as first reported.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn as_of() {
    for s in started().await {
        let (f, t) = Y22;
        check_agg(
            &s,
            json!({"w": "T1", "l": "TOWN", "f": f, "t": t, "a": "2022-09-01"}),
            &["T1 - 2022-01-01..2022-07-31 700 EXACT 1/0"],
        )
        .await;
        check_agg(
            &s,
            json!({"w": "T2", "l": "TOWN", "f": "2022-03-01", "t": "2022-03-31", "a": "2022-04-07"}),
            &["T2 - 2022-03-01..2022-03-31 300 EXACT 1/0"],
        )
        .await;
        // Published on the asOf day counts.
        check_agg(
            &s,
            json!({"w": "T2", "l": "TOWN", "f": "2022-03-01", "t": "2022-03-31", "a": "2022-04-10"}),
            &["T2 - 2022-03-01..2022-03-31 310 EXACT 1/1"],
        )
        .await;
        check_agg(
            &s,
            json!({"w": "K1", "l": "TOWN", "f": f, "t": t, "a": "2022-01-01"}),
            &[],
        )
        .await;
        s.stop().await;
    }
}

/// Rule 5: every function, LAST's tie-breaks, the default of the metric, SUM of a ratio refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn functions() {
    for s in started().await {
        let (f, t) = Y22;
        // Counted per town (see supersession_by_town): T1 {o6 1100 (end 11-30), o17 20 (end 06-30)},
        // T2 {o9 310 (03-31), o10 400 (04-30), o11 250 (05-15)}, T3 {o13 620 (05-31), o14 340 (06-30)},
        // T4 {o15 100 over}.
        let cases: [(&str, [&str; 4]); 5] = [
            ("MAX", ["1100 EXACT", "400 EXACT", "620 EXACT", "100 OVER"]),
            ("MIN", ["20 EXACT", "250 EXACT", "340 EXACT", "100 OVER"]),
            ("MEAN", ["560 EXACT", "320 EXACT", "480 EXACT", "100 OVER"]),
            ("LAST", ["1100 EXACT", "250 EXACT", "340 EXACT", "100 OVER"]),
            ("COUNT", ["2 EXACT", "3 EXACT", "2 EXACT", "1 EXACT"]),
        ];
        for (function, expected) in cases {
            let d = s
                .data(
                    AGG,
                    json!({"m": "visits", "w": "K1", "l": "TOWN", "f": f, "t": t, "fn": function}),
                )
                .await;
            let got: Vec<String> = agg_rows(&d)
                .iter()
                .map(|r| r.split(' ').skip(3).take(2).collect::<Vec<_>>().join(" "))
                .collect();
            assert_eq!(got, expected, "[{}] fn {function}", s.backend.name());
        }
        // staff defaults to LAST: T1, T2, T3 end on 12-31 (T4's 99 ends earlier although published last);
        // of those T2 and T3 were published last, on the same day; T3 was imported later: 25.
        check_agg(
            &s,
            json!({"m": "staff", "w": "K1", "f": f, "t": t}),
            &["K1 - 2022-11-30..2022-12-31 25 EXACT 4/0"],
        )
        .await;
        // Without within and level, the one group has no region.
        check_agg(
            &s,
            json!({"m": "staff", "f": f, "t": t}),
            &["- - 2022-11-30..2022-12-31 25 EXACT 4/0"],
        )
        .await;
        // rate defaults to MEAN: T1V1's June is superseded by T1's year; (90 + 80 nearly) / 2.
        check_agg(
            &s,
            json!({"m": "rate", "w": "K1", "l": "COUNTY", "f": f, "t": t}),
            &["K1 - 2022-01-01..2022-12-31 85 UNDER 2/1"],
        )
        .await;
        for vars in [
            json!({"m": "rate", "w": "K1", "fn": "SUM"}),
            json!({"m": "rate", "fn": "SUM", "l": "TOWN"}),
        ] {
            let (code, message) = s.error_code(AGG, vars).await;
            assert_eq!(code, "BAD_INPUT", "[{}] {message}", s.backend.name());
            assert!(message.contains("fn"), "{message}");
        }
        s.stop().await;
    }
}

/// Rule 6: every combination of qualifiers, superseded inputs not counting, COUNT always EXACT.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qualifiers() {
    for s in started().await {
        let (f, t) = Y22;
        let expected = [
            "EXACT",  // exact + exact
            "OVER",   // exact + over
            "OVER",   // over + over
            "UNDER",  // exact + nearly
            "UNDER",  // exact + under
            "UNDER",  // nearly + under
            "APPROX", // over + nearly
            "APPROX", // over + under
            "APPROX", // exact + approx
            "EXACT",  // exact whole month; the approx day inside it is superseded
            "UNDER",  // nearly + nearly
            "APPROX", // approx + approx
        ];
        let d = s
            .data(AGG, json!({"m": "qmix", "w": "T6", "g": "MONTH", "f": f, "t": t}))
            .await;
        let rows = agg_rows(&d);
        assert_eq!(rows.len(), 12, "[{}] {rows:?}", s.backend.name());
        for (m, (row, q)) in rows.iter().zip(expected).enumerate() {
            let (value, counts) = if m == 9 { ("10", "1/1") } else { ("3", "2/0") };
            let parts: Vec<&str> = row.split(' ').collect();
            assert_eq!(
                &parts[3..],
                [value, q, counts],
                "[{}] month {}: {row}",
                s.backend.name(),
                m + 1
            );
        }
        let d = s
            .data(
                AGG,
                json!({"m": "qmix", "w": "T6", "g": "MONTH", "f": f, "t": t, "fn": "COUNT"}),
            )
            .await;
        assert!(agg_rows(&d).iter().all(|r| r.contains(" EXACT ")), "{d}");
        // The year: 11 × 3 + 10 from 23 counted figures, one superseded; mixed qualifiers: APPROX.
        check_agg(
            &s,
            json!({"m": "qmix", "w": "T6", "l": "TOWN", "g": "YEAR"}),
            &["T6 - 2022-01-01..2022-12-31 43 APPROX 23/1"],
        )
        .await;
        s.stop().await;
    }
}

/// compare: a row for every town, ranks with ties, share, perCapita, baseline and change, the total
/// under the same rules, mean and median before `top`, sources.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compare_towns() {
    for s in started().await {
        let name = s.backend.name();
        let vars = json!({"m": "visits", "w": "K1", "l": "TOWN", "f": "2022-01-01", "t": "2022-12-31",
                          "bf": "2021-01-01", "bt": "2021-12-31", "pc": 10000});
        let d = s.data(CMP, vars.clone()).await;
        // Values as in supersession_by_town; sum of rows 3140.
        // share = v / 3140; perCapita = v × 10000 / population (T3's population is 0: null);
        // baselines 2021: T1 1000, T2 1500, T3 600, T4 0 (so changePct null), T5 none.
        assert_eq!(
            cmp_rows(&d),
            [
                "T1 1120 EXACT #1 0.3567 1120 1000 120 12 2 [t1-nov k1-prog]",
                "T2 960 EXACT #2 0.3057 480 1500 -540 -36 3 [t2-mar-b t2-apr]",
                "T3 960 EXACT #2 0.3057 null 600 360 60 2 [t3-b]",
                "T4 100 OVER #4 0.0318 250 0 100 null 1 [t4-sep]",
                "T5 null EXACT #null null null null null null 0 []",
            ],
            "[{name}]"
        );
        // total: the whole of K1 under the same rules is o18 + o16 (EXACT: T4's OVER is superseded);
        // mean 3140 / 4 = 785; median of 100, 960, 960, 1120 = 960.
        assert_eq!(summary(&d), "5050 EXACT 785 960", "[{name}]");
        assert_eq!(d["compare"]["metric"]["code"], "visits");

        // top keeps the first rows; total, mean and median are unchanged.
        let mut top = vars.clone();
        top["top"] = json!(2);
        let d = s.data(CMP, top).await;
        let rows = cmp_rows(&d);
        assert_eq!(rows.len(), 2, "[{name}]");
        assert!(rows[1].starts_with("T2 960 EXACT #2"), "[{name}] {rows:?}");
        assert_eq!(summary(&d), "5050 EXACT 785 960", "[{name}]");

        // 2021: T2 1500, T1 1000, T3 600, T4 0; the total is K1's own 4000 (supersedes the towns);
        // mean 3100 / 4 = 775, median (600 + 1000) / 2 = 800.
        let d = s
            .data(
                CMP,
                json!({"m": "visits", "w": "K1", "l": "TOWN", "f": "2021-01-01", "t": "2021-12-31"}),
            )
            .await;
        let ranks: Vec<String> = cmp_rows(&d)
            .iter()
            .map(|r| r.split(' ').take(4).collect::<Vec<_>>().join(" "))
            .collect();
        assert_eq!(
            ranks,
            [
                "T2 1500 EXACT #1",
                "T1 1000 EXACT #2",
                "T3 600 EXACT #3",
                "T4 0 EXACT #4",
                "T5 null EXACT #null"
            ],
            "[{name}]"
        );
        assert_eq!(summary(&d), "4000 EXACT 775 800", "[{name}]");

        // As of 2022-09-01: T1 700 (o5), T2 960, T3 960 tie for first, T4 not yet reported;
        // total 700 + 960 + 960 (no K1 figure yet).
        let d = s
            .data(
                CMP,
                json!({"m": "visits", "w": "K1", "l": "TOWN", "f": "2022-01-01", "t": "2022-12-31",
                              "a": "2022-09-01"}),
            )
            .await;
        let ranks: Vec<String> = cmp_rows(&d)
            .iter()
            .map(|r| r.split(' ').take(4).collect::<Vec<_>>().join(" "))
            .collect();
        assert_eq!(
            ranks,
            [
                "T2 960 EXACT #1",
                "T3 960 EXACT #1",
                "T1 700 EXACT #3",
                "T4 null EXACT #null",
                "T5 null EXACT #null"
            ],
            "[{name}]"
        );
        assert_eq!(summary(&d), "2620 EXACT 873.3333 960", "[{name}]");

        // A LAST metric has no share; its total is the last figure of K1 (T3's 25).
        let d = s
            .data(
                CMP,
                json!({"m": "staff", "w": "K1", "l": "TOWN", "f": "2022-01-01", "t": "2022-12-31"}),
            )
            .await;
        assert_eq!(
            cmp_rows(&d)[..4],
            [
                "T4 99 EXACT #1 null null null null null 1 [staff-4]",
                "T2 30 EXACT #2 null null null null null 1 [staff-2]",
                "T3 25 EXACT #3 null null null null null 1 [staff-3]",
                "T1 12 EXACT #4 null null null null null 1 [staff-1]",
            ],
            "[{name}]"
        );
        assert_eq!(summary(&d), "25 EXACT 41.5000 27.5000", "[{name}]");

        // A ratio: MEAN, no share, UNDER where a nearly figure counted.
        let d = s
            .data(
                CMP,
                json!({"m": "rate", "w": "K1", "l": "TOWN", "f": "2022-01-01", "t": "2022-12-31",
                              "top": 2}),
            )
            .await;
        assert_eq!(
            cmp_rows(&d),
            [
                "T1 90 EXACT #1 null null null null null 1 [rate-2022]",
                "T2 80 UNDER #2 null null null null null 1 [rate-2022]",
            ],
            "[{name}]"
        );
        assert_eq!(summary(&d), "85 UNDER 85 85", "[{name}]");

        // The level of within itself: one row, the whole share; by program.
        let d = s
            .data(
                CMP,
                json!({"m": "visits", "w": "K1", "l": "COUNTY", "f": "2022-01-01", "t": "2022-12-31",
                              "p": "prog_a", "pc": 1000}),
            )
            .await;
        assert_eq!(
            cmp_rows(&d),
            ["K1 50 EXACT #1 1 0.1667 null null null 1 [k1-prog]"],
            "[{name}]"
        );
        assert_eq!(summary(&d), "50 EXACT 50 50", "[{name}]");

        // A village compared at its own level: only its own figure (T1's o6 is above it).
        let d = s
            .data(
                CMP,
                json!({"m": "visits", "w": "T1V1", "l": "VILLAGE", "f": "2022-01-01", "t": "2022-12-31"}),
            )
            .await;
        assert_eq!(
            cmp_rows(&d),
            ["T1V1 40 EXACT #1 1 null null null null 1 [t1-nov]"],
            "[{name}]"
        );
        assert_eq!(summary(&d), "40 EXACT 40 40", "[{name}]");
        s.stop().await;
    }
}

/// NOT_FOUND for unknown metric, region or program (named); BAD_INPUT for bad windows, levels above
/// `within`, non-positive perCapita or top.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors() {
    for s in started().await {
        let name = s.backend.name();
        let cmp = json!({"m": "visits", "w": "K1", "l": "TOWN", "f": "2022-01-01", "t": "2022-12-31"});
        let merge = |base: &Value, extra: Value| {
            let mut v = base.clone();
            for (k, x) in extra.as_object().unwrap() {
                v[k] = x.clone();
            }
            v
        };
        for (query, vars, expected, named) in [
            (AGG, json!({"m": "nope"}), "NOT_FOUND", "nope"),
            (
                AGG,
                json!({"m": "visits", "w": "NOWHERE"}),
                "NOT_FOUND",
                "NOWHERE",
            ),
            (AGG, json!({"m": "visits", "p": "noprog"}), "NOT_FOUND", "noprog"),
            (CMP, merge(&cmp, json!({"m": "nope"})), "NOT_FOUND", "nope"),
            (CMP, merge(&cmp, json!({"w": "NOWHERE"})), "NOT_FOUND", "NOWHERE"),
            (CMP, merge(&cmp, json!({"p": "noprog"})), "NOT_FOUND", "noprog"),
            (
                AGG,
                json!({"m": "visits", "f": "2022-12-31", "t": "2022-01-01"}),
                "BAD_INPUT",
                "from",
            ),
            (CMP, merge(&cmp, json!({"f": "2023-01-01"})), "BAD_INPUT", "from"),
            (
                CMP,
                merge(&cmp, json!({"bf": "2021-12-31", "bt": "2021-01-01"})),
                "BAD_INPUT",
                "baselineFrom",
            ),
            (
                CMP,
                merge(&cmp, json!({"bf": "2021-01-01"})),
                "BAD_INPUT",
                "baseline",
            ),
            (
                AGG,
                json!({"m": "visits", "w": "T1", "l": "COUNTY"}),
                "BAD_INPUT",
                "level",
            ),
            (CMP, merge(&cmp, json!({"l": "CITY"})), "BAD_INPUT", "level"),
            (CMP, merge(&cmp, json!({"pc": 0})), "BAD_INPUT", "perCapita"),
            (CMP, merge(&cmp, json!({"pc": -10})), "BAD_INPUT", "perCapita"),
            (CMP, merge(&cmp, json!({"top": 0})), "BAD_INPUT", "top"),
            (CMP, merge(&cmp, json!({"top": -1})), "BAD_INPUT", "top"),
        ] {
            let (code, message) = s.error_code(query, vars.clone()).await;
            assert_eq!(code, expected, "[{name}] {vars}: {message}");
            assert!(message.contains(named), "[{name}] {vars}: {message}");
        }
        s.stop().await;
    }
}

/// One compare runs the same few statements for 5 rows as for 46, sources and regions included.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compare_statements_do_not_grow_with_rows() {
    for backend in backends() {
        let counter = StatementCounter::default();
        let s = TestServer::start_with(&backend, Default::default(), |db| counter.install(db)).await;
        s.import(&fixture()).await;
        // 40 more towns under K2, each with a figure from its own report.
        let mut extra = Vec::new();
        for i in 0..40 {
            let code = format!("X{i:02}");
            extra.push(region(&code, "town", Some("K2"), Some(1000 + i)).to_string());
            extra.push(
                report(
                    &format!("x-{i}"),
                    "2023-01-02",
                    &code,
                    vec![o("visits", &code, i as f64, "2022-01-01", "2022-12-31")],
                )
                .to_string(),
            );
        }
        s.import(&extra.join("\n")).await;
        let mut counts = Vec::new();
        for (within, rows) in [("K1", 5), ("P", 46)] {
            counter.reset();
            let d = s
                .data(
                    CMP,
                    json!({"m": "visits", "w": within, "l": "TOWN", "f": "2022-01-01", "t": "2022-12-31",
                           "bf": "2021-01-01", "bt": "2021-12-31", "pc": 100}),
                )
                .await;
            assert_eq!(d["compare"]["rows"].as_array().unwrap().len(), rows);
            counts.push(counter.get());
        }
        let name = backend.name();
        assert_eq!(counts[0], counts[1], "[{name}] statements for 5 and 46 rows");
        // metric, region, the towns, the window, the baseline, the total, the source reports.
        assert!(counts[1] <= 7, "[{name}] {} statements", counts[1]);
        // aggregate: lookups, one statement, one batch of regions.
        counter.reset();
        let d = s
            .data(
                AGG,
                json!({"m": "visits", "w": "P", "l": "TOWN", "f": "2022-01-01", "t": "2022-12-31"}),
            )
            .await;
        assert_eq!(d["aggregate"].as_array().unwrap().len(), 45);
        assert!(counter.get() <= 5, "[{name}] {} statements", counter.get());
        s.stop().await;
    }
}
