//! Which observations of a group are superseded (rule 4 of `aggregate` in `api.md`), in SQL.
//!
//! Two ways to the same answer, chosen per backend by measurement ([`Supersession::for_backend`]):
//! SQLite probes the scope index once per observation and ancestor level, which it does cheaply; on
//! PostgreSQL each probe is a subplan reading several index pages, and sorting the observations in
//! scope once per level, with window functions, is faster. A test runs both ways on the same data on
//! both backends.

use sea_orm::DbBackend;

use super::query::{push_common_filters, top_level};
use super::{AggregateSpec, dialect};
use crate::domain::Level;
use crate::store::Sql;

/// How `aggregate`'s statement decides what is superseded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Supersession {
    /// An indexed `EXISTS` probe per observation in scope and ancestor level, in `scoped` itself.
    Probes,
    /// One window per ancestor level over `scoped`, in the `marked` CTE.
    Windows,
}

impl Supersession {
    /// The faster way on `backend` (`BENCHMARKS.md`, "Query latency on the large dataset").
    pub fn for_backend(backend: DbBackend) -> Self {
        match backend {
            DbBackend::Postgres => Self::Windows,
            _ => Self::Probes,
        }
    }

    /// The columns of each observation (`o`) this way reads from `scoped`.
    pub(super) fn columns(self, spec: &AggregateSpec) -> Vec<&'static str> {
        match self {
            Self::Probes => Vec::new(),
            Self::Windows => {
                let mut columns = vec![
                    "region_id",
                    "period_start",
                    "period_end",
                    "program_id",
                    "published_on",
                ];
                columns.extend(levels_above(spec).iter().map(|l| l.column()));
                columns
            }
        }
    }

    /// What this way adds to `scoped`'s select list: the probes' `sup` column.
    pub(super) fn push_column(self, sql: &mut Sql, spec: &AggregateSpec) {
        if self == Self::Probes {
            push_probes(sql, spec);
        }
    }

    /// What this way adds after `scoped`: the windows' `marked` CTE.
    pub(super) fn push_cte(self, sql: &mut Sql, spec: &AggregateSpec) {
        if self == Self::Windows {
            push_marked(sql, spec);
        }
    }

    /// The relation holding each observation in scope with its `sup`.
    pub(super) fn relation(self) -> &'static str {
        match self {
            Self::Probes => "scoped",
            Self::Windows => "marked",
        }
    }
}

/// The `CASE … END AS sup` column of `scoped` ([`Supersession::Probes`]): 1 when another observation of
/// the same group supersedes this one.
///
/// One indexed probe per ancestor level that can be inside the group (an `OR` of `EXISTS`, so each is
/// a plain index seek on `(region_id, metric_id, period_start, …)`), skipped where the observation has
/// no region at that level, highest level first (the likeliest to supersede).
fn push_probes(sql: &mut Sql, spec: &AggregateSpec) {
    let backend = sql.backend();
    sql.push(", CASE WHEN ");
    for (i, level) in Level::ALL[top_level(spec) as usize..].iter().enumerate() {
        let col = level.column();
        if i > 0 {
            sql.push(" OR ");
        }
        // The figures about o's ancestor at `level` share o's path down to that level and have no
        // deeper one: an equality prefix of the scope index.
        let path: Vec<String> = Level::ALL
            .iter()
            .map(|l| {
                let c = l.column();
                if l <= level {
                    format!("s.{c} = o.{c}")
                } else {
                    format!("s.{c} = 0")
                }
            })
            .collect();
        sql.push(&format!(
            "(o.{col} <> 0 AND EXISTS (SELECT 1 FROM observation s WHERE s.metric_id = o.metric_id AND {} \
             AND s.period_start <= o.period_start AND s.period_end >= o.period_end",
            path.join(" AND ")
        ));
        if let Some(grain) = spec.grain {
            // Inside o's bucket: a tighter lower bound of the index range than `from`.
            let start = dialect::bucket_start(backend, grain, "o.period_start");
            sql.push(&format!(" AND s.period_start >= {start}"));
        }
        push_common_filters(sql, "s", spec);
        if spec.program_id.is_none() {
            sql.push(" AND (s.program_id = o.program_id OR (s.program_id IS NULL AND o.program_id IS NULL))");
        }
        // Strictly more coverage (a higher region or a wider period), or the same coverage from a
        // later-published report, or from the same day's report imported later.
        sql.push(
            " AND (s.region_id <> o.region_id OR s.period_start < o.period_start \
             OR s.period_end > o.period_end OR s.published_on > o.published_on \
             OR (s.published_on = o.published_on AND s.id > o.id))))",
        );
    }
    sql.push(" THEN 1 ELSE 0 END AS sup");
}

/// The levels whose figures can supersede a lower region's inside a group: from [`top_level`] down,
/// but the lowest (which has no region below it).
fn levels_above(spec: &AggregateSpec) -> &'static [Level] {
    &Level::ALL[top_level(spec) as usize..Level::ALL.len() - 1]
}

/// The `marked` CTE ([`Supersession::Windows`]): `scoped` with `sup`, 1 when another observation of the
/// same group supersedes it.
///
/// Every observation that can supersede one in scope is in scope itself (same group, so within
/// `within` and at or below the group's level; same window, as of, program and bucket), so each is
/// decided from `scoped` alone, with one window per ancestor level instead of one probe per
/// observation and level. For each level that can be inside the group and has a level below it, the
/// latest end among the figures *about* the ancestor at that level (`region_id = <level>_id`) that
/// start on or before o's start, per ancestor and program: if it reaches o's end, a figure of a higher
/// region contains o's period. For o's own region, the same over the figures ordered before o by
/// (start, end descending, report date descending, id descending): one that contains o's period and
/// comes first covers more, or the same from a later report.
fn push_marked(sql: &mut Sql, spec: &AggregateSpec) {
    let above = levels_above(spec);
    sql.push(", marked AS (SELECT w.*, CASE WHEN ");
    for level in above {
        let col = level.column();
        sql.push(&format!(
            "({col} <> 0 AND region_id <> {col} AND w_{col} >= period_end) OR "
        ));
    }
    sql.push("w_self >= period_end THEN 1 ELSE 0 END AS sup FROM (SELECT scoped.*");
    for level in above {
        let col = level.column();
        sql.push(&format!(
            ", MAX(CASE WHEN region_id = {col} THEN period_end END) OVER (PARTITION BY {col}, program_id \
             ORDER BY period_start RANGE UNBOUNDED PRECEDING) AS w_{col}"
        ));
    }
    sql.push(
        ", MAX(period_end) OVER (PARTITION BY region_id, program_id ORDER BY period_start, \
         period_end DESC, published_on DESC, id DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) \
         AS w_self FROM scoped) w)",
    );
}
