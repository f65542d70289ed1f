//! Aggregation and comparison of observations, computed in SQL.
//!
//! [`aggregate`] implements the rules of `aggregate` in `api.md` as one statement: the observations in
//! scope and window are read through the scope index, each is marked *superseded* (by indexed `EXISTS`
//! probes at its ancestor ids on SQLite, by window functions over the observations in scope on
//! PostgreSQL: see `supersession`), and the counted ones are grouped by region level, program and
//! calendar bucket with `GROUP BY` (see `query`).
//! [`compare`] composes a fixed handful of those statements into the rows of `compare`.

mod compare;
mod dialect;
mod period;
mod query;
mod supersession;

use async_graphql::Enum;
use chrono::NaiveDate;
use entity::region;

pub use compare::{COMPARE_STATEMENTS, CompareRow, CompareSpec, Comparison, compare};
pub use period::bucket_bounds;
pub use query::{aggregate, aggregate_with, statement};
pub use supersession::Supersession;

use crate::domain::{Aggregation, Level, Qualifier, ValueType};
use crate::error::{ApiError, ApiResult};

/// The calendar buckets of `aggregate(grain:)`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[graphql(name = "TimeGrain")]
pub enum Grain {
    /// Calendar years.
    Year,
    /// Calendar quarters (January–March, …).
    Quarter,
    /// Calendar months.
    Month,
}

/// What to aggregate: the resolved arguments of `aggregate`.
#[derive(Clone, Debug)]
pub struct AggregateSpec {
    /// The metric's id.
    pub metric_id: i64,
    /// Only observations of regions within this one (all when `None`).
    pub within: Option<region::Model>,
    /// Group by the ancestor-or-self region at this level (one group when `None`).
    pub level: Option<Level>,
    /// Only observations of this program.
    pub program_id: Option<i64>,
    /// Whether the program is part of the group key.
    pub by_program: bool,
    /// Window: observations whose period starts on or after this day.
    pub from: Option<NaiveDate>,
    /// Window: observations whose period ends on or before this day.
    pub to: Option<NaiveDate>,
    /// Group by calendar bucket; observations spanning two buckets are left out.
    pub grain: Option<Grain>,
    /// How counted observations combine (already checked with [`resolve_function`]).
    pub function: Aggregation,
    /// Only observations from reports published on or before this day.
    pub as_of: Option<NaiveDate>,
    /// Which ids of what counted to collect per row.
    pub collect: Collect,
}

/// What an aggregation reads per row besides its figures (each costs work in SQL).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Collect {
    /// The ids of the reports whose observations counted (`sources`).
    pub reports: bool,
    /// The ids of the observations that counted (`evidence`).
    pub observations: bool,
    /// The group's region whole, in the same statement (`region`; without a level it is `within`).
    pub regions: bool,
}

impl AggregateSpec {
    /// Checks the arguments that need no database: the window's order and the level against `within`.
    pub fn check(&self) -> ApiResult<()> {
        check_window("from", self.from, "to", self.to)?;
        if let (Some(level), Some(within)) = (self.level, &self.within) {
            check_level(level, within.level, &within.code)?;
        }
        Ok(())
    }
}

/// One group of `aggregate`.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupRow {
    /// The id of the group's region: the ancestor-or-self at `level`, or `within` without a level.
    pub region_id: Option<i64>,
    /// The group's region (only with `Collect::regions`).
    pub region: Option<region::Model>,
    /// The group's program (with `byProgram`, or the `program` filter).
    pub program_id: Option<i64>,
    /// The bucket's first day with a grain, else the earliest start of the counted observations.
    pub period_start: Option<NaiveDate>,
    /// The bucket's last day with a grain, else the latest end of the counted observations.
    pub period_end: Option<NaiveDate>,
    /// The aggregated value.
    pub value: Option<f64>,
    /// How exact the value is (rule 6).
    pub qualifier: Qualifier,
    /// How many observations counted.
    pub observations: i64,
    /// How many observations were dropped as superseded.
    pub superseded: i64,
    /// The reports whose observations counted, by id (only with `Collect::reports`).
    pub report_ids: Vec<i64>,
    /// The observations that counted, by id (only with `Collect::observations`).
    pub observation_ids: Vec<i64>,
    /// The program's code (for ordering).
    pub program_code: Option<String>,
}

impl GroupRow {
    /// The code of the group's region, when it was read (for ordering).
    pub fn region_code(&self) -> Option<&str> {
        self.region.as_ref().map(|r| r.code.as_str())
    }
}

/// The function `aggregate` applies: `requested`, or the metric's own aggregation. A `SUM` of a ratio
/// is refused: percentages do not add.
pub fn resolve_function(
    value_type: ValueType,
    metric_default: Aggregation,
    requested: Option<Aggregation>,
) -> ApiResult<Aggregation> {
    let function = requested.unwrap_or(metric_default);
    if function == Aggregation::Sum && value_type == ValueType::Ratio {
        return Err(ApiError::bad_input(
            "fn: SUM of a RATIO metric is refused (percentages do not add); use MEAN, MIN, MAX or LAST",
        ));
    }
    Ok(function)
}

/// `BAD_INPUT` when both ends of a window are given and the first is after the second.
pub fn check_window(
    from_name: &str,
    from: Option<NaiveDate>,
    to_name: &str,
    to: Option<NaiveDate>,
) -> ApiResult<()> {
    match (from, to) {
        (Some(f), Some(t)) if f > t => Err(ApiError::bad_input(format!(
            "{from_name}: {f} is after {to_name} ({t})"
        ))),
        _ => Ok(()),
    }
}

/// `BAD_INPUT` when `level` is above `within_level`, the level of the region `within_code`.
pub fn check_level(level: Level, within_level: Level, within_code: &str) -> ApiResult<()> {
    if level < within_level {
        return Err(ApiError::bad_input(format!(
            "level: {} is above the level of within `{within_code}` ({})",
            level.as_str(),
            within_level.as_str(),
        )));
    }
    Ok(())
}

/// The qualifier of a result from which kinds of counted inputs it had (rule 6): `EXACT` when all are
/// exact, `OVER` when all are exact or over, `UNDER` when all are exact, under or nearly, else `APPROX`.
pub fn combine_qualifiers(any_over: bool, any_under: bool, any_approx: bool) -> Qualifier {
    match (any_over, any_under, any_approx) {
        (false, false, false) => Qualifier::Exact,
        (true, false, false) => Qualifier::Over,
        (false, true, false) => Qualifier::Under,
        _ => Qualifier::Approx,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qualifiers_combine() {
        assert_eq!(combine_qualifiers(false, false, false), Qualifier::Exact);
        assert_eq!(combine_qualifiers(true, false, false), Qualifier::Over);
        assert_eq!(combine_qualifiers(false, true, false), Qualifier::Under);
        assert_eq!(combine_qualifiers(true, true, false), Qualifier::Approx);
        assert_eq!(combine_qualifiers(false, false, true), Qualifier::Approx);
        assert_eq!(combine_qualifiers(true, true, true), Qualifier::Approx);
    }

    #[test]
    fn sum_of_a_ratio_is_refused() {
        use Aggregation::*;
        assert!(resolve_function(ValueType::Ratio, Mean, Some(Sum)).is_err());
        assert!(resolve_function(ValueType::Ratio, Sum, None).is_err());
        assert_eq!(resolve_function(ValueType::Ratio, Mean, None), Ok(Mean));
        assert_eq!(resolve_function(ValueType::Count, Sum, Some(Last)), Ok(Last));
        assert_eq!(resolve_function(ValueType::Amount, Sum, None), Ok(Sum));
    }

    #[test]
    fn windows_and_levels_are_checked() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
        assert!(check_window("from", d("2022-02-01"), "to", d("2022-01-31")).is_err());
        assert!(check_window("from", d("2022-01-01"), "to", d("2022-01-01")).is_ok());
        assert!(check_window("from", None, "to", d("2022-01-01")).is_ok());
        assert!(check_level(Level::City, Level::County, "K").is_err());
        assert!(check_level(Level::County, Level::County, "K").is_ok());
        assert!(check_level(Level::Village, Level::County, "K").is_ok());
    }
}
