//! Programs: the ten kinds (templates) and the programs a county runs.

use crate::calendar::Calendar;
use crate::catalog::mi;
use crate::names::Name;
use crate::random::{Rng, mix, tag};
use crate::scale::Shape;
use crate::world::{Area, Tree};

/// A kind of program: name, category, topic, and the metrics its reports state (the first is the lead).
pub(crate) struct Template {
    pub(crate) name: &'static str,
    pub(crate) category: &'static str,
    pub(crate) topic: &'static str,
    /// The lead metric (additive, stated for every child region too) and two more.
    pub(crate) metrics: [usize; 3],
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

/// Every kind of program; a county runs at most one of each.
pub(crate) const TEMPLATES: [Template; 10] = [
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

/// A program run by a county or one of its towns.
pub(crate) struct Program {
    /// `prog-{county}-{number}`; the number is 1, 2 or 3 within the county.
    pub(crate) code: String,
    /// Its index in [`TEMPLATES`].
    pub(crate) template: usize,
    /// The region that runs it: the county, or the town of index `town`.
    pub(crate) region: u64,
    pub(crate) town: Option<usize>,
    /// The name of the region that runs it.
    pub(crate) place: Name,
    /// The first day, and the last if it has ended.
    pub(crate) started: u32,
    pub(crate) ended: Option<u32>,
    /// The share of its region's activity the program accounts for.
    pub(crate) intensity: f64,
}

impl Program {
    /// Whether it runs on `day`.
    pub(crate) fn active(&self, day: u32) -> bool {
        self.started <= day && self.ended.is_none_or(|e| day <= e)
    }

    /// Its kind.
    pub(crate) fn template(&self) -> &'static Template {
        &TEMPLATES[self.template]
    }
}

/// The programs of `county` (whose towns `tree` holds): 1–3 of different kinds, each run by the county or
/// by one of its towns, started in 2019–2023, a quarter of them ended a year or more later.
pub(crate) fn draw(seed: u64, shape: &Shape, cal: &Calendar, county: &Area, tree: &Tree) -> Vec<Program> {
    let mut rng = Rng::new(mix(mix(seed, tag::PROGRAMS), county.code));
    let mut programs: Vec<Program> = Vec::new();
    for number in 1..=rng.range(shape.programs) {
        let template = loop {
            let t = rng.below(TEMPLATES.len());
            if programs.iter().all(|p| p.template != t) {
                break t;
            }
        };
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
            code: format!("prog-{}-{number}", county.code),
            template,
            region,
            town,
            place,
            started,
            ended,
            intensity: rng.between(0.25, 0.6),
        });
    }
    programs
}

#[cfg(test)]
mod tests {
    use entity::ValueType;

    use super::*;
    use crate::catalog::METRICS;

    #[test]
    fn lead_metrics_add_up() {
        for t in &TEMPLATES {
            assert_ne!(
                METRICS[t.metrics[0]].value_type,
                ValueType::Ratio,
                "{}: a program's lead metric adds up",
                t.name
            );
        }
    }
}
