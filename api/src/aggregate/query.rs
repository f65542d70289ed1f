//! The one statement behind `aggregate`: scope, window, groups, supersession, function and qualifier.
//!
//! ```sql
//! WITH scoped AS MATERIALIZED (                   -- idx_observation_scope, read from the index alone
//!   SELECT o.id, o.region_id, o.period_start, o.period_end, o.program_id, o.published_on,
//!          o.county_id, o.town_id,                -- the ancestor levels that can supersede, but the lowest
//!          o.<level>_id AS grp_region, <bucket(o.period_start)> AS grp_bucket
//!   FROM observation o
//!   WHERE o.metric_id = ? AND <o's path within> AND o.<level>_id <> 0 AND <o in window, as of, …>),
//! marked AS (SELECT w.*, CASE WHEN (county_id <> 0 AND region_id <> county_id AND w_county_id >= period_end)
//!                             OR (town_id <> 0 AND region_id <> town_id AND w_town_id >= period_end)
//!                             OR w_self >= period_end THEN 1 ELSE 0 END AS sup
//!   FROM (SELECT scoped.*,
//!           MAX(CASE WHEN region_id = county_id THEN period_end END)
//!             OVER (PARTITION BY county_id, program_id ORDER BY period_start RANGE UNBOUNDED PRECEDING) AS w_county_id,
//!           … the same for town_id …,
//!           MAX(period_end) OVER (PARTITION BY region_id, program_id
//!             ORDER BY period_start, period_end DESC, published_on DESC, id DESC
//!             ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS w_self
//!         FROM scoped) w)
//! SELECT g.*, <the group's region> FROM (
//!   SELECT keys, <counted, superseded, value, dates, qualifier flags of the sup = 0 and 1 rows>
//!   FROM (SELECT keys, sup, COUNT(*), <fn>(t.value), MIN(t.period_start), …
//!         FROM marked c LEFT JOIN observation t ON t.id = CASE WHEN c.sup = 0 THEN c.id END
//!         GROUP BY keys, sup) x
//!   GROUP BY keys) g
//! ```
//!
//! The sketch decides supersession by windows, PostgreSQL's way ([`Supersession`]): whatever
//! supersedes an observation in scope is in scope too, so one sort per ancestor level replaces an
//! index probe per observation and level. SQLite's way has no `marked`: `scoped` computes `sup` itself
//! with an indexed `EXISTS` per ancestor level (`supersession`). Only the levels that can be inside
//! the group count, from the lower of `within`'s and the group's level down: an observation above
//! them is in another group or out of scope. The scope index
//! carries `program_id`, `published_on` and `region_id`, so deciding what is superseded reads no table
//! row, and only counted observations are read from the table. On PostgreSQL the index also includes
//! `id`, `value` and `qualifier` (and an index's entries do not carry the row's id otherwise): there
//! `scoped` carries the values too and no table row is read at all ([`carries_values`]).

use std::collections::HashSet;

use chrono::NaiveDate;
use entity::region;
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, FromQueryResult, IdenStatic, Iterable, QueryResult, Value,
};

use super::supersession::Supersession;
use super::{AggregateSpec, GroupRow, combine_qualifiers, dialect, period};
use crate::domain::{Aggregation, Level, Qualifier};
use crate::error::ApiResult;
use crate::store::Sql;
use crate::store::within::push_within_path;

/// Runs `aggregate` for `spec` (checked beforehand) and answers its groups, ordered by region code
/// (when the regions are collected), program code (none first), then period.
pub async fn aggregate(db: &DatabaseConnection, spec: &AggregateSpec) -> ApiResult<Vec<GroupRow>> {
    let backend = db.get_database_backend();
    aggregate_with(db, spec, Supersession::for_backend(backend)).await
}

/// [`aggregate`] with supersession decided `how`, whatever the backend (both answer the same).
pub async fn aggregate_with(
    db: &DatabaseConnection,
    spec: &AggregateSpec,
    how: Supersession,
) -> ApiResult<Vec<GroupRow>> {
    let sql = build(db.get_database_backend(), spec, how);
    let mut rows = Vec::new();
    for row in db.query_all_raw(sql.build()).await? {
        if let Some(group) = read_row(&row, spec)? {
            rows.push(group);
        }
    }
    rows.sort_by(|a, b| {
        (a.region_code(), &a.program_code, a.period_start, a.period_end).cmp(&(
            b.region_code(),
            &b.program_code,
            b.period_start,
            b.period_end,
        ))
    });
    Ok(rows)
}

/// The highest level whose observations can be in a group: the lower of `within`'s and `level`.
pub(super) fn top_level(spec: &AggregateSpec) -> Level {
    let within = spec.within.as_ref().map_or(Level::Province, |w| w.level);
    spec.level.map_or(within, |l| l.max(within))
}

/// The group key columns of `scoped`.
fn group_keys(spec: &AggregateSpec) -> Vec<&'static str> {
    let mut keys = Vec::new();
    if spec.level.is_some() {
        keys.push("grp_region");
    }
    if spec.by_program {
        keys.push("program_id");
    }
    if spec.grain.is_some() {
        keys.push("grp_bucket");
    }
    keys
}

/// Conditions every observation of a group meets, for the row aliased `alias`: program, window, as of,
/// and (with a grain) a period inside one bucket.
pub(super) fn push_common_filters(sql: &mut Sql, alias: &str, spec: &AggregateSpec) {
    if let Some(p) = spec.program_id {
        sql.push(&format!(" AND {alias}.program_id = ")).bind(p);
    }
    if let Some(from) = spec.from {
        sql.push(&format!(" AND {alias}.period_start >= "))
            .bind(date(from));
    }
    if let Some(to) = spec.to {
        sql.push(&format!(" AND {alias}.period_end <= ")).bind(date(to));
    }
    if let Some(as_of) = spec.as_of {
        sql.push(&format!(" AND {alias}.published_on <= "))
            .bind(date(as_of));
    }
    if let Some(grain) = spec.grain {
        let backend = sql.backend();
        let start = dialect::bucket(backend, grain, &format!("{alias}.period_start"));
        let end = dialect::bucket(backend, grain, &format!("{alias}.period_end"));
        sql.push(&format!(" AND {start} = {end}"));
    }
}

fn date(d: NaiveDate) -> Value {
    Value::from(d)
}

/// The function of the values of one `(group, sup)` partition (`None` for `COUNT`: the count itself).
fn value_expr(function: Aggregation) -> Option<&'static str> {
    Some(match function {
        Aggregation::Sum => "SUM(t.value)",
        Aggregation::Mean => "AVG(t.value)",
        Aggregation::Min => "MIN(t.value)",
        Aggregation::Max => "MAX(t.value)",
        // `rn` = 1 is the latest counted observation of the group (see `build`).
        Aggregation::Last => "MAX(CASE WHEN c.rn = 1 THEN t.value END)",
        Aggregation::Count => return None,
    })
}

/// Whether `scoped` carries every column the groups read (`value`, `qualifier`, the period), so that
/// no table row is read at all: on PostgreSQL, whose scope index includes `id`, `value` and
/// `qualifier`, unless the groups' reports are collected (`report_id` is in the table only). On SQLite
/// the join of each counted row to the table is a rowid seek, cheaper than reading every row in scope.
fn carries_values(backend: DbBackend, spec: &AggregateSpec) -> bool {
    backend == DbBackend::Postgres && !spec.collect.reports
}

/// The carried columns of each row `c` of `scoped` under the names the groups read from `t`. A
/// superseded row's values are read too, but only counted rows' figures are kept (`sup = 0`).
const CARRIED_ROWS: &str = "CROSS JOIN LATERAL (SELECT c.id, c.c_value AS value, c.c_qualifier AS qualifier, \
                            c.period_start, c.period_end) t";

/// The columns of `scoped` besides the group keys: what the groups read (below), and what deciding
/// supersession `how` reads of each observation.
fn scoped_columns(spec: &AggregateSpec, how: Supersession, carried: bool) -> String {
    let mut names = vec!["id"];
    names.extend(how.columns(spec));
    if carried {
        names.extend(["period_start", "period_end"]);
    }
    if spec.function == Aggregation::Last {
        names.extend(["period_end", "published_on"]);
    }
    if spec.by_program {
        names.push("program_id");
    }
    let mut seen = HashSet::new();
    names.retain(|name| seen.insert(*name));
    let mut columns: Vec<String> = names.iter().map(|c| format!("o.{c}")).collect();
    if carried {
        columns.push("o.value AS c_value, o.qualifier AS c_qualifier".to_owned());
    }
    columns.join(", ")
}

/// The statement `aggregate` runs for `spec`, for `EXPLAIN` and benchmarks.
pub fn statement(backend: DbBackend, spec: &AggregateSpec) -> sea_orm::Statement {
    build(backend, spec, Supersession::for_backend(backend)).build()
}

/// The statement for `spec`.
///
/// `scoped` holds the observations in scope, read from the index alone, each marked superseded or not
/// (`sup`) in it or in a CTE after it, as `how` decides. The inner query reads only the counted
/// observations from the table (the join key is null for superseded ones), or what `scoped` carries,
/// and aggregates each group's counted and superseded observations apart (`GROUP BY …, sup`); the
/// outer one puts both on one row.
fn build(backend: DbBackend, spec: &AggregateSpec, how: Supersession) -> Sql {
    let mut sql = Sql::new(backend);
    let carried = carries_values(backend, spec);
    sql.push("WITH scoped AS MATERIALIZED (SELECT ");
    sql.push(&scoped_columns(spec, how, carried));
    if let Some(level) = spec.level {
        sql.push(&format!(", o.{} AS grp_region", level.column()));
    }
    if let Some(grain) = spec.grain {
        sql.push(&format!(
            ", {} AS grp_bucket",
            dialect::bucket(backend, grain, "o.period_start")
        ));
    }
    how.push_column(&mut sql, spec);
    sql.push(" FROM observation o WHERE o.metric_id = ")
        .bind(spec.metric_id);
    if let Some(within) = &spec.within {
        push_within_path(&mut sql, "o", within);
    }
    if let Some(level) = spec.level {
        // 0 (or NULL) where the region has no ancestor at that level: above it, or a skipped level.
        sql.push(&format!(" AND o.{} <> 0", level.column()));
    }
    push_common_filters(&mut sql, "o", spec);
    sql.push(")");
    how.push_cte(&mut sql, spec);

    let keys = group_keys(spec);
    let key_list: String = keys.iter().map(|k| format!("{k}, ")).collect();
    let inner_keys: String = keys.iter().map(|k| format!("c.{k}, ")).collect();
    let mut source = how.relation();
    if spec.function == Aggregation::Last {
        // LAST: latest periodEnd, then latest-published report, then the one imported later.
        let partition = if keys.is_empty() {
            String::new()
        } else {
            format!("PARTITION BY {} ", keys.join(", "))
        };
        sql.push(&format!(
            ", ranked AS (SELECT {source}.*, ROW_NUMBER() OVER ({partition}ORDER BY sup, period_end DESC, \
             published_on DESC, id DESC) AS rn FROM {source})"
        ));
        source = "ranked";
    }

    // Each group's region whole when asked for (see `read_row`), and its program's code by a scalar
    // subquery: one primary-key lookup per group whatever the planner estimates.
    let regions = spec.level.is_some() && spec.collect.regions;
    sql.push(" SELECT g.*");
    if regions {
        for column in region::Column::iter() {
            let name = column.as_str();
            sql.push(&format!(", r.{name} AS {REGION_PREFIX}{name}"));
        }
    }
    if spec.by_program {
        sql.push(", (SELECT p.code FROM program p WHERE p.id = g.program_id) AS program_code");
    }
    sql.push(&format!(
        " FROM (SELECT {key_list}MAX(CASE WHEN sup = 0 THEN n END) AS counted, \
         MAX(CASE WHEN sup = 1 THEN n END) AS superseded, \
         MIN(CASE WHEN sup = 0 THEN first_day END) AS first_day, \
         MAX(CASE WHEN sup = 0 THEN last_day END) AS last_day, \
         MAX(CASE WHEN sup = 0 THEN q_over END) AS q_over, \
         MAX(CASE WHEN sup = 0 THEN q_under END) AS q_under, \
         MAX(CASE WHEN sup = 0 THEN q_approx END) AS q_approx"
    ));
    if value_expr(spec.function).is_some() {
        sql.push(", MAX(CASE WHEN sup = 0 THEN v END) AS value");
    }
    if spec.function == Aggregation::Last {
        sql.push(", MAX(CASE WHEN sup = 0 THEN last_q END) AS last_qualifier");
    }
    if spec.collect.reports {
        sql.push(", MAX(CASE WHEN sup = 0 THEN sources END) AS sources");
    }
    if spec.collect.observations {
        sql.push(", MAX(CASE WHEN sup = 0 THEN counted_ids END) AS counted_ids");
    }
    sql.push(&format!(
        " FROM (SELECT {inner_keys}c.sup, COUNT(*) AS n, MIN(t.period_start) AS first_day, \
         MAX(t.period_end) AS last_day, \
         SUM(CASE WHEN t.qualifier = 'over' THEN 1 ELSE 0 END) AS q_over, \
         SUM(CASE WHEN t.qualifier IN ('under', 'nearly') THEN 1 ELSE 0 END) AS q_under, \
         SUM(CASE WHEN t.qualifier NOT IN ('exact', 'over', 'under', 'nearly') THEN 1 ELSE 0 END) \
         AS q_approx"
    ));
    if let Some(expr) = value_expr(spec.function) {
        sql.push(&format!(", {expr} AS v"));
    }
    if spec.function == Aggregation::Last {
        // Rule 6: LAST answers one figure, with that figure's own qualifier.
        sql.push(", MAX(CASE WHEN c.rn = 1 THEN t.qualifier END) AS last_q");
    }
    if spec.collect.reports {
        let list = dialect::id_list(backend, "t.report_id");
        sql.push(&format!(", {list} AS sources"));
    }
    if spec.collect.observations {
        let list = dialect::id_list(backend, "t.id");
        sql.push(&format!(", {list} AS counted_ids"));
    }
    let counted = if carried {
        CARRIED_ROWS
    } else {
        dialect::counted_rows(backend)
    };
    sql.push(&format!(
        " FROM {source} c {counted} GROUP BY {inner_keys}c.sup) x"
    ));
    if !keys.is_empty() {
        sql.push(&format!(" GROUP BY {}", keys.join(", ")));
    }
    sql.push(") g");
    if regions {
        sql.push(" ").push(dialect::region_of_group(backend));
    }
    sql
}

/// The prefix of the group's region columns in `aggregate`'s result rows.
const REGION_PREFIX: &str = "r_";

/// One group from its result row; `None` for the empty row an ungrouped aggregate gives when nothing
/// is in scope.
fn read_row(row: &QueryResult, spec: &AggregateSpec) -> ApiResult<Option<GroupRow>> {
    let counted: Option<i64> = row.try_get("", "counted")?;
    let superseded: Option<i64> = row.try_get("", "superseded")?;
    let counted = counted.unwrap_or(0);
    if counted == 0 {
        return Ok(None);
    }
    let flag = |name: &str| -> ApiResult<bool> {
        let n: Option<i64> = row.try_get("", name)?;
        Ok(n.unwrap_or(0) > 0)
    };
    let (value, qualifier) = match spec.function {
        Aggregation::Count => (Some(counted as f64), Qualifier::Exact),
        Aggregation::Last => (
            row.try_get::<Option<f64>>("", "value")?,
            row.try_get::<Option<Qualifier>>("", "last_qualifier")?
                .unwrap_or_default(),
        ),
        _ => (
            row.try_get::<Option<f64>>("", "value")?,
            combine_qualifiers(flag("q_over")?, flag("q_under")?, flag("q_approx")?),
        ),
    };
    let (mut period_start, mut period_end): (Option<NaiveDate>, Option<NaiveDate>) =
        (row.try_get("", "first_day")?, row.try_get("", "last_day")?);
    if let Some(grain) = spec.grain {
        let key: i64 = row.try_get("", "grp_bucket")?;
        if let Some((start, end)) = period::bucket_bounds(grain, key) {
            (period_start, period_end) = (Some(start), Some(end));
        }
    }
    let (region_id, region) = match spec.level {
        Some(_) if spec.collect.regions => {
            let region = region::Model::from_query_result(row, REGION_PREFIX)?;
            (Some(region.id), Some(region))
        }
        Some(_) => (row.try_get("", "grp_region")?, None),
        None => {
            let region = spec.within.as_ref().filter(|_| spec.collect.regions);
            (spec.within.as_ref().map(|w| w.id), region.cloned())
        }
    };
    let program_id = if spec.by_program {
        row.try_get("", "program_id")?
    } else {
        spec.program_id
    };
    let ids = |collected: bool, column: &str| -> ApiResult<Vec<i64>> {
        if !collected {
            return Ok(Vec::new());
        }
        let text: Option<String> = row.try_get("", column)?;
        Ok(parse_ids(text.as_deref()))
    };
    let report_ids = ids(spec.collect.reports, "sources")?;
    let observation_ids = ids(spec.collect.observations, "counted_ids")?;
    Ok(Some(GroupRow {
        region_id,
        region,
        program_id,
        period_start,
        period_end,
        value,
        qualifier,
        observations: counted,
        superseded: superseded.unwrap_or(0),
        report_ids,
        observation_ids,
        program_code: if spec.by_program {
            row.try_get("", "program_code")?
        } else {
            None
        },
    }))
}

/// The ids in a comma-separated list, sorted.
fn parse_ids(text: Option<&str>) -> Vec<i64> {
    let mut ids: Vec<i64> = text
        .unwrap_or("")
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::Collect;

    fn spec() -> AggregateSpec {
        AggregateSpec {
            metric_id: 7,
            within: None,
            level: Some(Level::County),
            program_id: None,
            by_program: false,
            from: None,
            to: None,
            grain: None,
            function: Aggregation::Sum,
            as_of: None,
            collect: Collect::default(),
        }
    }

    #[test]
    fn ids_parse() {
        assert_eq!(parse_ids(Some("3,1,2,3")), vec![1, 2, 3]);
        assert_eq!(parse_ids(None), Vec::<i64>::new());
    }

    #[test]
    fn windows_start_at_the_group_level() {
        let s = spec();
        let text = build(DbBackend::Sqlite, &s, Supersession::Windows).build().sql;
        // County and town figures can supersede inside a county group; a village has none below it.
        assert!(
            text.contains("(county_id <> 0 AND region_id <> county_id AND w_county_id >= period_end)"),
            "{text}"
        );
        assert!(
            text.contains("PARTITION BY town_id, program_id ORDER BY period_start"),
            "{text}"
        );
        assert!(!text.contains("w_city_id"), "{text}");
        assert!(!text.contains("w_village_id"), "{text}");
        assert!(
            text.contains("PARTITION BY region_id, program_id ORDER BY period_start, period_end DESC"),
            "{text}"
        );
        assert!(
            text.contains("GROUP BY c.grp_region, c.sup) x GROUP BY grp_region"),
            "{text}"
        );
        let mut s = spec();
        s.level = None;
        let text = build(DbBackend::Sqlite, &s, Supersession::Windows).build().sql;
        assert!(text.contains("w_province_id >= period_end"), "{text}");
        assert!(text.contains("GROUP BY c.sup) x) g"), "{text}");
    }

    #[test]
    fn probes_start_at_the_group_level() {
        let s = spec();
        let text = build(DbBackend::Sqlite, &s, Supersession::Probes).build().sql;
        assert!(text.contains("(o.county_id <> 0 AND EXISTS"), "{text}");
        assert!(text.contains("(o.village_id <> 0 AND EXISTS"), "{text}");
        assert!(!text.contains("(o.city_id <> 0 AND EXISTS"), "{text}");
        assert!(
            text.contains("s.county_id = o.county_id AND s.town_id = 0 AND s.village_id = 0"),
            "{text}"
        );
        assert!(!text.contains("marked"), "{text}");
    }

    #[test]
    fn last_ranks_within_the_group() {
        let mut s = spec();
        s.function = Aggregation::Last;
        s.by_program = true;
        let text = build(DbBackend::Postgres, &s, Supersession::Windows).build().sql;
        assert!(
            text.contains("PARTITION BY grp_region, program_id ORDER BY sup, period_end DESC"),
            "{text}"
        );
    }
}
