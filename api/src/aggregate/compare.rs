//! `compare`: one row for every region at a level within a region, built from a fixed number of
//! statements (the regions, the grouped values of the window, and those of the baseline window and
//! the total when asked for), whatever the number of rows. Ranks, shares, per-capita figures,
//! changes, mean and median are computed here over the already aggregated rows, one per region.

use std::collections::HashMap;

use chrono::NaiveDate;
use entity::region;
use sea_orm::{DatabaseConnection, FromQueryResult};

use super::{AggregateSpec, Collect, GroupRow, aggregate, check_level, check_window};
use crate::domain::{Aggregation, Level, Qualifier};
use crate::error::{ApiError, ApiResult};
use crate::store::Sql;

/// How many statements `compare` runs at once: the regions, the window, the total and the baseline.
pub const COMPARE_STATEMENTS: u32 = 4;

/// The resolved and checked arguments of `compare`.
#[derive(Clone, Debug)]
pub struct CompareSpec {
    /// The metric's id.
    pub metric_id: i64,
    /// The metric's aggregation (checked with [`super::resolve_function`]).
    pub function: Aggregation,
    /// The region whose descendants at `level` are compared.
    pub within: region::Model,
    /// The level of the compared regions (not above `within`'s).
    pub level: Level,
    /// The window.
    pub from: NaiveDate,
    /// The window's last day.
    pub to: NaiveDate,
    /// The baseline window, if any.
    pub baseline: Option<(NaiveDate, NaiveDate)>,
    /// Per how many people `perCapita` is given (> 0).
    pub per_capita: Option<i64>,
    /// Only observations of this program.
    pub program_id: Option<i64>,
    /// Keep only the first rows after ranking (> 0).
    pub top: Option<usize>,
    /// Only observations from reports published on or before this day.
    pub as_of: Option<NaiveDate>,
    /// Which ids of what counted to collect for each row.
    pub collect: Collect,
    /// Whether to aggregate the whole of `within` too (`total`, `totalQualifier`); without it the
    /// comparison's total is absent and one statement fewer runs.
    pub with_total: bool,
}

impl CompareSpec {
    /// Checks the arguments that need no database: both windows' order, the level against `within`,
    /// and that `perCapita` and `top` are positive.
    pub fn check(&self) -> ApiResult<()> {
        check_window("from", Some(self.from), "to", Some(self.to))?;
        if let Some((from, to)) = self.baseline {
            check_window("baselineFrom", Some(from), "baselineTo", Some(to))?;
        }
        check_level(self.level, self.within.level, &self.within.code)?;
        if self.per_capita.is_some_and(|n| n <= 0) {
            return Err(ApiError::bad_input("perCapita: must be positive"));
        }
        if self.top == Some(0) {
            return Err(ApiError::bad_input("top: must be positive"));
        }
        Ok(())
    }
}

/// One compared region.
#[derive(Clone, Debug, PartialEq)]
pub struct CompareRow {
    /// The region.
    pub region: region::Model,
    /// Its value in the window; `None` without counted observations.
    pub value: Option<f64>,
    /// How exact the value is.
    pub qualifier: Qualifier,
    /// 1 = highest value; ties share a rank and the next rank skips.
    pub rank: Option<i64>,
    /// The value over the sum of row values (SUM metrics only).
    pub share: Option<f64>,
    /// The value per `perCapita` people.
    pub per_capita: Option<f64>,
    /// The value in the baseline window.
    pub baseline: Option<f64>,
    /// `value − baseline`.
    pub change: Option<f64>,
    /// `change / baseline × 100`.
    pub change_pct: Option<f64>,
    /// How many observations counted in the window.
    pub observations: i64,
    /// The reports whose observations counted, by id.
    pub report_ids: Vec<i64>,
    /// The observations that counted in the window, by id.
    pub observation_ids: Vec<i64>,
}

/// The answer of `compare`.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    /// The rows after ranking and `top`.
    pub rows: Vec<CompareRow>,
    /// The aggregate of the whole of `within` under the same rules (with `with_total`).
    pub total: Option<f64>,
    /// How exact `total` is.
    pub total_qualifier: Qualifier,
    /// The mean of the row values (before `top`).
    pub mean: Option<f64>,
    /// The median of the row values (before `top`).
    pub median: Option<f64>,
}

/// Runs `compare` for `spec`: four statements at most (the total and the baseline only when asked
/// for), run concurrently.
pub async fn compare(db: &DatabaseConnection, spec: &CompareSpec) -> ApiResult<Comparison> {
    let grouped = |from: NaiveDate, to: NaiveDate, level: Option<Level>, collect: Collect| AggregateSpec {
        metric_id: spec.metric_id,
        within: Some(spec.within.clone()),
        level,
        program_id: spec.program_id,
        by_program: false,
        from: Some(from),
        to: Some(to),
        grain: None,
        function: spec.function,
        as_of: spec.as_of,
        collect,
    };
    let current = grouped(spec.from, spec.to, Some(spec.level), spec.collect);
    let total = spec
        .with_total
        .then(|| grouped(spec.from, spec.to, None, Collect::default()));
    let baseline = spec
        .baseline
        .map(|(from, to)| grouped(from, to, Some(spec.level), Collect::default()));
    let (regions, current, total, baseline) = futures::try_join!(
        regions_at(db, &spec.within, spec.level),
        aggregate(db, &current),
        optional_aggregate(db, total.as_ref()),
        optional_aggregate(db, baseline.as_ref()),
    )?;
    let total = total.and_then(|rows| rows.into_iter().next());
    Ok(compose(spec, regions, current, baseline, total))
}

/// The groups of `spec`, when there is one.
async fn optional_aggregate(
    db: &DatabaseConnection,
    spec: Option<&AggregateSpec>,
) -> ApiResult<Option<Vec<GroupRow>>> {
    match spec {
        Some(spec) => aggregate(db, spec).await.map(Some),
        None => Ok(None),
    }
}

/// Every region at `level` within `within`, by code.
async fn regions_at(
    db: &DatabaseConnection,
    within: &region::Model,
    level: Level,
) -> ApiResult<Vec<region::Model>> {
    let within_level = within.level;
    // At `within`'s own level the only row is `within` (and `village_id` has no index).
    let column = if level == within_level {
        "id"
    } else {
        within_level.column()
    };
    let mut sql = Sql::new(db.get_database_backend());
    sql.push(&format!("SELECT * FROM region WHERE {column} = "))
        .bind(within.id)
        .push(" AND level = ")
        .bind(level.depth())
        .push(" ORDER BY code");
    Ok(region::Model::find_by_statement(sql.build()).all(db).await?)
}

/// The rows and summary from the aggregated groups.
fn compose(
    spec: &CompareSpec,
    regions: Vec<region::Model>,
    current: Vec<GroupRow>,
    baseline: Option<Vec<GroupRow>>,
    total: Option<GroupRow>,
) -> Comparison {
    let by_region = |rows: Vec<GroupRow>| -> HashMap<i64, GroupRow> {
        rows.into_iter().filter_map(|r| Some((r.region_id?, r))).collect()
    };
    let mut current = by_region(current);
    let baseline = baseline.map(by_region).unwrap_or_default();
    let mut rows: Vec<CompareRow> = regions
        .into_iter()
        .map(|region| {
            let group = current.remove(&region.id);
            let baseline = baseline.get(&region.id).and_then(|g| g.value);
            let value = group.as_ref().and_then(|g| g.value);
            let change = value.zip(baseline).map(|(v, b)| v - b);
            let qualifier = group.as_ref().map_or(Qualifier::Exact, |g| g.qualifier);
            let observations = group.as_ref().map_or(0, |g| g.observations);
            let (report_ids, observation_ids) = group
                .map(|g| (g.report_ids, g.observation_ids))
                .unwrap_or_default();
            CompareRow {
                value,
                qualifier,
                rank: None,
                share: None,
                per_capita: per_capita(value, spec.per_capita, region.population),
                baseline,
                change,
                change_pct: change_pct(change, baseline),
                observations,
                report_ids,
                observation_ids,
                region,
            }
        })
        .collect();
    rank_rows(&mut rows);
    let values: Vec<f64> = rows.iter().filter_map(|r| r.value).collect();
    if spec.function == Aggregation::Sum {
        let sum: f64 = values.iter().sum();
        if sum != 0.0 {
            for row in &mut rows {
                row.share = row.value.map(|v| v / sum);
            }
        }
    }
    let mean = (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64);
    let median = median(&values);
    if let Some(top) = spec.top {
        rows.truncate(top);
    }
    Comparison {
        rows,
        total: total.as_ref().and_then(|t| t.value),
        total_qualifier: total.map_or(Qualifier::Exact, |t| t.qualifier),
        mean,
        median,
    }
}

/// Sorts rows by value, highest first (ties by region code, rows without a value last by code), and
/// ranks them: ties share a rank and the next rank skips (1, 2, 2, 4).
fn rank_rows(rows: &mut [CompareRow]) {
    rows.sort_by(|a, b| match (a.value, b.value) {
        (Some(x), Some(y)) => y.total_cmp(&x).then_with(|| a.region.code.cmp(&b.region.code)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.region.code.cmp(&b.region.code),
    });
    let values: Vec<f64> = rows.iter().map_while(|r| r.value).collect();
    for (row, rank) in rows.iter_mut().zip(competition_ranks(&values)) {
        row.rank = Some(rank);
    }
}

/// Competition ranks of values sorted highest first: `[9, 5, 5, 1]` ranks `[1, 2, 2, 4]`.
fn competition_ranks(sorted_desc: &[f64]) -> Vec<i64> {
    let mut ranks = Vec::with_capacity(sorted_desc.len());
    for (i, v) in sorted_desc.iter().enumerate() {
        let rank = if i > 0 && sorted_desc[i - 1] == *v {
            ranks[i - 1]
        } else {
            i as i64 + 1
        };
        ranks.push(rank);
    }
    ranks
}

/// The median; the mean of the middle two for an even count.
fn median(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

/// `value × per / population`, when the population is known and not zero.
fn per_capita(value: Option<f64>, per: Option<i64>, population: Option<i64>) -> Option<f64> {
    let population = population.filter(|p| *p != 0)?;
    Some(value? * per? as f64 / population as f64)
}

/// `change / baseline × 100`; `None` when either is missing or the baseline is zero.
fn change_pct(change: Option<f64>, baseline: Option<f64>) -> Option<f64> {
    let baseline = baseline.filter(|b| *b != 0.0)?;
    Some(change? / baseline * 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_share_a_rank_and_the_next_skips() {
        assert_eq!(competition_ranks(&[9.0, 5.0, 5.0, 1.0]), vec![1, 2, 2, 4]);
        assert_eq!(competition_ranks(&[3.0, 3.0, 3.0]), vec![1, 1, 1]);
        assert_eq!(competition_ranks(&[]), Vec::<i64>::new());
    }

    #[test]
    fn medians() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[1500.0, 0.0, 1000.0, 600.0]), Some(800.0));
    }

    #[test]
    fn per_capita_and_change() {
        assert_eq!(per_capita(Some(960.0), Some(10_000), Some(20_000)), Some(480.0));
        assert_eq!(per_capita(Some(960.0), Some(10_000), Some(0)), None);
        assert_eq!(per_capita(Some(960.0), Some(10_000), None), None);
        assert_eq!(per_capita(None, Some(10_000), Some(5)), None);
        assert_eq!(per_capita(Some(1.0), None, Some(5)), None);
        assert_eq!(change_pct(Some(-540.0), Some(1500.0)), Some(-36.0));
        assert_eq!(change_pct(Some(100.0), Some(0.0)), None);
        assert_eq!(change_pct(None, Some(1.0)), None);
    }
}
