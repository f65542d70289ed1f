//! The statements of the read API: lookups by key and the filtered, keyset-paged lists.
//!
//! Lists return `first + 1` rows (the extra one tells that there is a next page) and, when asked, the
//! number of rows that match over all pages.

use chrono::NaiveDate;
use entity::{metric, observation, program, region, report};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, FromQueryResult, PaginatorTrait,
    QueryFilter, Value,
};

use super::Sql;
use super::relations::Window;
use super::within::{push_region_subtree, push_region_within, push_within_path};
use crate::domain::Level;

/// The row of entity `E` whose `column` equals `value` (a unique key: code, external id).
pub async fn one_by<E: EntityTrait>(
    db: &DatabaseConnection,
    column: E::Column,
    value: &str,
) -> Result<Option<E::Model>, DbErr> {
    // `all`, not `one`: `one` binds its LIMIT, which SQLite re-prepares on every use (see `Sql::limit`).
    let rows = E::find().filter(column.eq(value)).all(db).await?;
    Ok(rows.into_iter().next())
}

/// The rows of entity `E` whose `column` is one of `values`, in no particular order.
pub async fn all_in<E, V>(
    db: &DatabaseConnection,
    column: E::Column,
    values: &[V],
) -> Result<Vec<E::Model>, DbErr>
where
    E: EntityTrait,
    V: Into<Value> + Clone,
{
    E::find()
        .filter(column.is_in(values.iter().cloned()))
        .all(db)
        .await
}

/// The region with `code`.
pub async fn region_by_code(db: &DatabaseConnection, code: &str) -> Result<Option<region::Model>, DbErr> {
    one_by::<region::Entity>(db, region::Column::Code, code).await
}

/// A region found by code with its parent and, when asked for, one window of its children.
#[derive(Debug)]
pub struct RegionKin {
    pub region: region::Model,
    pub parent: Option<region::Model>,
    /// Up to `first + 1` children from `offset`, by code (not counted): what `Region.children`
    /// reads for that window.
    pub children: Option<Rows<region::Model>>,
}

/// The region `code` with its parent and the `children` window of its children, in one statement.
pub async fn region_kin_by_code(
    db: &DatabaseConnection,
    code: &str,
    children: Option<Window>,
) -> Result<Option<RegionKin>, DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("SELECT region.*, 0 AS kin FROM region WHERE code = ")
        .bind(code.to_owned())
        .push(
            " UNION ALL SELECT region.*, 1 AS kin FROM region \
             WHERE id = (SELECT parent_id FROM region WHERE code = ",
        )
        .bind(code.to_owned())
        .push(")");
    if let Some(window) = children {
        sql.push(
            " UNION ALL SELECT * FROM (SELECT region.*, 2 AS kin FROM region \
             WHERE parent_id = (SELECT id FROM region WHERE code = ",
        )
        .bind(code.to_owned())
        .push(") ORDER BY code")
        .limit(window.first as i64 + 1)
        .push(&format!(" OFFSET {}) c", window.offset));
    }
    let (mut found, mut parent, mut kids) = (None, None, Vec::new());
    for row in db.query_all_raw(sql.build()).await? {
        let kin: i32 = row.try_get("", "kin")?;
        let model = region::Model::from_query_result(&row, "")?;
        match kin {
            0 => found = Some(model),
            1 => parent = Some(model),
            _ => kids.push(model),
        }
    }
    // A union keeps no order: the window's is restored here (an `ORDER BY kin, code` on the union
    // cost SQLite 7 % more instructions per Q1 than this sort of a page).
    kids.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(found.map(|region| RegionKin {
        region,
        parent,
        children: children.map(|_| Rows { rows: kids, total: 0 }),
    }))
}

/// The metric with `code`.
pub async fn metric_by_code(db: &DatabaseConnection, code: &str) -> Result<Option<metric::Model>, DbErr> {
    one_by::<metric::Entity>(db, metric::Column::Code, code).await
}

/// The program with `code`.
pub async fn program_by_code(db: &DatabaseConnection, code: &str) -> Result<Option<program::Model>, DbErr> {
    one_by::<program::Entity>(db, program::Column::Code, code).await
}

/// The report with `external_id`.
pub async fn report_by_external_id(
    db: &DatabaseConnection,
    id: &str,
) -> Result<Option<report::Model>, DbErr> {
    one_by::<report::Entity>(db, report::Column::ExternalId, id).await
}

/// How many reports the database holds.
pub async fn report_count(db: &DatabaseConnection) -> Result<u64, DbErr> {
    report::Entity::find().count(db).await
}

/// One page of a list: up to `first + 1` rows, and the number of matching rows when it was asked for.
#[derive(Debug, Clone)]
pub struct Rows<M> {
    pub rows: Vec<M>,
    pub total: i64,
}

impl<M> Rows<M> {
    /// No rows.
    pub fn empty() -> Self {
        Rows {
            rows: Vec::new(),
            total: 0,
        }
    }
}

/// How much of a list to read.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    /// Rows wanted (one more is read).
    pub first: u64,
    /// Whether to count the matching rows too.
    pub with_total: bool,
}

/// Appends ` LOWER({column}) LIKE LOWER(pattern)`: `column` contains `text`, ignoring case the same
/// way on both backends (SQLite's `LIKE` ignores ASCII case, PostgreSQL's none).
fn push_contains(sql: &mut Sql, column: &str, text: &str) {
    let escaped = text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    sql.push(&format!("LOWER({column}) LIKE LOWER("))
        .bind(format!("%{escaped}%"))
        .push(") ESCAPE '\\'");
}

/// Runs `SELECT t.* FROM {from} {filter} {after} ORDER BY … LIMIT first+1` and, when asked for, the
/// matching count.
async fn keyset_page<M: FromQueryResult>(
    db: &DatabaseConnection,
    from: &str,
    filter: &(dyn Fn(&mut Sql) + Sync),
    after: &(dyn Fn(&mut Sql) + Sync),
    order: &str,
    limit: Limit,
) -> Result<Rows<M>, DbErr> {
    let backend = db.get_database_backend();
    let mut sql = Sql::new(backend);
    sql.push(&format!("SELECT t.* FROM {from} WHERE 1 = 1"));
    filter(&mut sql);
    after(&mut sql);
    sql.push(&format!(" ORDER BY {order}"))
        .limit(limit.first as i64 + 1);
    let rows = M::find_by_statement(sql.build()).all(db).await?;
    let total = total(db, from, filter, limit).await?;
    Ok(Rows { rows, total })
}

/// `SELECT COUNT(*) FROM {from} {filter}` when `limit` asks for the total, else 0.
async fn total(
    db: &DatabaseConnection,
    from: &str,
    filter: &(dyn Fn(&mut Sql) + Sync),
    limit: Limit,
) -> Result<i64, DbErr> {
    if !limit.with_total {
        return Ok(0);
    }
    let mut sql = Sql::new(db.get_database_backend());
    sql.push(&format!("SELECT COUNT(*) AS n FROM {from} WHERE 1 = 1"));
    filter(&mut sql);
    let row = db.query_one_raw(sql.build()).await?;
    Ok(row.map(|r| r.try_get::<i64>("", "n")).transpose()?.unwrap_or(0))
}

/// Appends ` AND t.code > after`: the keyset of lists ordered by code.
fn after_code(after: Option<&str>) -> impl Fn(&mut Sql) + Sync + '_ {
    move |sql: &mut Sql| {
        if let Some(code) = after {
            sql.push(" AND t.code > ").bind(code.to_owned());
        }
    }
}

/// What `regions` keeps.
#[derive(Debug, Default, Clone, Copy)]
pub struct RegionFilter<'a> {
    pub level: Option<Level>,
    pub within: Option<&'a region::Model>,
    /// Matches names, aliases and codes.
    pub search: Option<&'a str>,
}

/// Regions by code, after the code `after`.
pub async fn regions(
    db: &DatabaseConnection,
    f: RegionFilter<'_>,
    after: Option<&str>,
    limit: Limit,
) -> Result<Rows<region::Model>, DbErr> {
    let filter = |sql: &mut Sql| {
        if let Some(level) = f.level {
            sql.push(" AND t.level = ").bind(level.depth());
        }
        if let Some(w) = f.within {
            push_region_subtree(sql, "t", w);
        }
        if let Some(s) = f.search {
            sql.push(" AND (");
            push_contains(sql, "t.name", s);
            sql.push(" OR ");
            push_contains(sql, "t.aliases", s);
            sql.push(" OR t.code = ").bind(s.to_owned()).push(")");
        }
    };
    keyset_page(db, "region t", &filter, &after_code(after), "t.code", limit).await
}

/// Metrics by code, after the code `after`.
pub async fn metrics(
    db: &DatabaseConnection,
    after: Option<&str>,
    limit: Limit,
) -> Result<Rows<metric::Model>, DbErr> {
    keyset_page(db, "metric t", &|_| {}, &after_code(after), "t.code", limit).await
}

/// What `programs` keeps.
#[derive(Debug, Default, Clone, Copy)]
pub struct ProgramFilter<'a> {
    /// Programs run by a region within this one.
    pub within: Option<&'a region::Model>,
    pub category: Option<&'a str>,
    /// Matches names and codes.
    pub search: Option<&'a str>,
}

/// Programs by code, after the code `after`.
pub async fn programs(
    db: &DatabaseConnection,
    f: ProgramFilter<'_>,
    after: Option<&str>,
    limit: Limit,
) -> Result<Rows<program::Model>, DbErr> {
    let filter = |sql: &mut Sql| {
        if let Some(w) = f.within {
            push_region_within(sql, "t.region_id", w);
        }
        if let Some(c) = f.category {
            sql.push(" AND t.category = ").bind(c.to_owned());
        }
        if let Some(s) = f.search {
            sql.push(" AND (");
            push_contains(sql, "t.name", s);
            sql.push(" OR t.code = ").bind(s.to_owned()).push(")");
        }
    };
    keyset_page(db, "program t", &filter, &after_code(after), "t.code", limit).await
}

/// What `reports` keeps.
#[derive(Debug, Default, Clone, Copy)]
pub struct ReportFilter<'a> {
    /// Reports whose main region is within this one.
    pub within: Option<&'a region::Model>,
    /// Published on or after.
    pub from: Option<NaiveDate>,
    /// Published on or before.
    pub to: Option<NaiveDate>,
    pub source: Option<&'a str>,
    /// Matches titles.
    pub search: Option<&'a str>,
}

/// Reports, newest first, after the report `(published_on, id)`.
pub async fn reports(
    db: &DatabaseConnection,
    f: ReportFilter<'_>,
    after: Option<(NaiveDate, i64)>,
    limit: Limit,
) -> Result<Rows<report::Model>, DbErr> {
    let filter = |sql: &mut Sql| {
        // Within a region, one walk of one index newest first: the level's (`idx_report_county`…, on
        // the report's copy of its region's path), or a village's own reports (`idx_report_region`).
        // On PostgreSQL the walk per region of the subtree that this replaced took Q5 of the
        // benchmark 0.35–0.41 ms against 0.08 (pgbench, `bench/statements/q5_reports.sql` and
        // `q5_reports_path.sql`).
        match f.within {
            Some(w) if w.level == Level::Village => {
                sql.push(" AND t.region_id = ").bind(w.id);
            }
            Some(w) => push_region_subtree(sql, "t", w),
            None => {}
        }
        if let Some(from) = f.from {
            sql.push(" AND t.published_on >= ").bind(Value::from(from));
        }
        if let Some(to) = f.to {
            sql.push(" AND t.published_on <= ").bind(Value::from(to));
        }
        if let Some(s) = f.source {
            sql.push(" AND t.source = ").bind(s.to_owned());
        }
        if let Some(s) = f.search {
            sql.push(" AND ");
            push_contains(sql, "t.title", s);
        }
    };
    // A row value, which both backends read as a range of the index walked.
    let after = |sql: &mut Sql| {
        if let Some((date, id)) = after {
            sql.push(" AND (t.published_on, t.id) < (")
                .bind(Value::from(date))
                .push(", ")
                .bind(id)
                .push(")");
        }
    };
    keyset_page(
        db,
        "report t",
        &filter,
        &after,
        "t.published_on DESC, t.id DESC",
        limit,
    )
    .await
}

/// What `observations` keeps.
#[derive(Debug, Default, Clone, Copy)]
pub struct ObservationFilter<'a> {
    pub metric_id: Option<i64>,
    /// Observations about a region within this one.
    pub within: Option<&'a region::Model>,
    pub program_id: Option<i64>,
    /// Whole period on or after.
    pub from: Option<NaiveDate>,
    /// Whole period on or before.
    pub to: Option<NaiveDate>,
}

/// Observations in import order, after the observation id `after`.
pub async fn observations(
    db: &DatabaseConnection,
    f: ObservationFilter<'_>,
    after: Option<i64>,
    limit: Limit,
) -> Result<Rows<observation::Model>, DbErr> {
    let filter = |sql: &mut Sql| {
        if let Some(m) = f.metric_id {
            sql.push(" AND t.metric_id = ").bind(m);
        }
        if let Some(w) = f.within {
            if f.metric_id.is_none() {
                // Lets the scope index (led by the metric) answer once per metric.
                sql.push(" AND t.metric_id IN (SELECT id FROM metric)");
            }
            push_within_path(sql, "t", w);
        }
        if let Some(p) = f.program_id {
            sql.push(" AND t.program_id = ").bind(p);
        }
        if let Some(from) = f.from {
            sql.push(" AND t.period_start >= ").bind(Value::from(from));
        }
        if let Some(to) = f.to {
            sql.push(" AND t.period_end <= ").bind(Value::from(to));
        }
    };
    let after = |sql: &mut Sql| {
        if let Some(id) = after {
            sql.push(" AND t.id > ").bind(id);
        }
    };
    keyset_page(db, "observation t", &filter, &after, "t.id", limit).await
}
