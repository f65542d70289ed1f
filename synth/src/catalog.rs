//! The 40 metrics, and which of them each kind of report states.

use entity::ValueType::{Amount, Count, Ratio};
use entity::{Aggregation, ValueType};

/// A metric: its record, and how the generator draws and quotes its figures.
pub(crate) struct MetricDef {
    pub(crate) code: &'static str,
    pub(crate) name: &'static str,
    pub(crate) unit: &'static str,
    pub(crate) value_type: ValueType,
    /// Written only when given; importers default to `sum` (`mean` for ratios).
    pub(crate) aggregation: Option<Aggregation>,
    /// How a text states the figure (`走访群众` 7000 人次).
    pub(crate) phrase: &'static str,
    /// Counts and amounts: per 10,000 people and month; ratios: the typical percentage.
    pub(crate) base: f64,
}

const fn metric(
    code: &'static str,
    name: &'static str,
    unit: &'static str,
    value_type: ValueType,
    aggregation: Option<Aggregation>,
    phrase: &'static str,
    base: f64,
) -> MetricDef {
    MetricDef {
        code,
        name,
        unit,
        value_type,
        aggregation,
        phrase,
        base,
    }
}

const SUM: Option<Aggregation> = Some(Aggregation::Sum);
const MEAN: Option<Aggregation> = Some(Aggregation::Mean);
const MAX: Option<Aggregation> = Some(Aggregation::Max);
const LAST: Option<Aggregation> = Some(Aggregation::Last);

/// Every metric, in the order they are written.
#[rustfmt::skip]
pub(crate) const METRICS: [MetricDef; 40] = [
    metric("people_visited", "走访人次", "人次", Count, SUM, "走访群众", 900.0),
    metric("households_visited", "走访户数", "户", Count, None, "走访农户", 260.0),
    metric("disputes_mediated", "调解矛盾纠纷", "件", Count, None, "调解矛盾纠纷", 6.0),
    metric("disputes_resolved", "化解矛盾纠纷", "件", Count, None, "化解矛盾纠纷", 5.6),
    metric("petitions_received", "受理信访事项", "件", Count, None, "受理信访事项", 2.2),
    metric("petitions_closed", "办结信访事项", "件", Count, None, "办结信访事项", 2.0),
    metric("hidden_risks_found", "排查安全隐患", "处", Count, None, "排查安全隐患", 12.0),
    metric("hidden_risks_fixed", "整改安全隐患", "处", Count, None, "整改安全隐患", 11.0),
    metric("volunteer_services", "志愿服务", "人次", Count, None, "开展志愿服务", 150.0),
    metric("volunteers_registered", "注册志愿者", "人", Count, LAST, "注册志愿者", 800.0),
    metric("peak_daily_visitors", "单日最高接待人次", "人次", Count, MAX, "单日最高接待群众", 0.0),
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
    metric("grid_coverage_rate", "网格化管理覆盖率", "%", Ratio, MEAN, "网格化管理覆盖率", 97.0),
    metric("satisfaction_rate", "群众满意度", "%", Ratio, None, "群众满意度", 93.0),
];

/// The index of the metric `code` in [`METRICS`] (checked at compile time).
pub(crate) const fn mi(code: &str) -> usize {
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

/// Monthly per town in every bulletin, and year to date for the county.
pub(crate) const PEOPLE_VISITED: usize = mi("people_visited");
/// Monthly per town in every bulletin, and year to date for the county.
pub(crate) const DISPUTES_MEDIATED: usize = mi("disputes_mediated");
/// An event day's figure when no program is running.
pub(crate) const VOLUNTEER_SERVICES: usize = mi("volunteer_services");
/// The year-end figure of annual reports (aggregated by `last`).
pub(crate) const VOLUNTEERS_REGISTERED: usize = mi("volunteers_registered");
/// The busiest day of a town (aggregated by `max`).
pub(crate) const PEAK_DAILY_VISITORS: usize = mi("peak_daily_visitors");
/// The ratio of every county's ledger.
pub(crate) const DISPUTE_RESOLUTION_RATE: usize = mi("dispute_resolution_rate");

/// A county's *extra* metric (one of these): monthly in its ledger, reported quarterly per town and
/// year-to-date for the county.
pub(crate) const EXTRA_METRICS: [usize; 8] = [
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
pub(crate) const COUNTY_METRICS: [usize; 6] = [
    mi("petitions_received"),
    mi("new_jobs"),
    mi("subsidies_paid"),
    mi("legal_consultations"),
    mi("patrols"),
    mi("meetings_held"),
];
/// What annual reports state for the whole county.
pub(crate) const ANNUAL_METRICS: [usize; 17] = [
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
pub(crate) const TOWN_ANNUAL_METRICS: [usize; 4] = [
    mi("collective_income"),
    mi("farmland_restored"),
    mi("garbage_collected"),
    mi("roads_repaired"),
];
/// The metrics of village reports: a town's reports state one of the first list and one of the second, a
/// county's one of the two.
pub(crate) const VILLAGE_METRICS: [&[usize]; 2] = [
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn metrics_are_as_described() {
        let ratios = METRICS.iter().filter(|m| m.value_type == Ratio).count();
        assert_eq!(ratios, 8);
        let codes: BTreeSet<_> = METRICS.iter().map(|m| m.code).collect();
        assert_eq!(codes.len(), METRICS.len());
        for m in &METRICS {
            assert_eq!(m.value_type == Ratio, m.unit == "%", "{}", m.code);
            assert!(
                m.code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{}",
                m.code
            );
        }
        assert_eq!(METRICS[mi("grid_coverage_rate")].aggregation, MEAN);
    }

    #[test]
    fn report_metric_sets_fit_their_use() {
        // Year-to-date ledgers add towns up: the county metrics are additive.
        for &m in &COUNTY_METRICS {
            assert_ne!(METRICS[m].value_type, Ratio, "{}", METRICS[m].code);
        }
        for &m in TOWN_ANNUAL_METRICS.iter().chain(VILLAGE_METRICS[0]) {
            assert_ne!(METRICS[m].value_type, Ratio, "{}", METRICS[m].code);
        }
        let annual: BTreeSet<_> = ANNUAL_METRICS.iter().collect();
        assert_eq!(annual.len(), ANNUAL_METRICS.len());
    }
}
