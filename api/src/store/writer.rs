//! The SQL that writes records: batched inserts for new regions, reports and their observations, and
//! single updates and upserts for the rest. Callers pass plain column values; ids are resolved already.

use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, FromQueryResult, Statement, Value};

use super::Sql;
use super::known::KnownRegion;
use crate::domain::{Aggregation, Level, Qualifier, RegionPath, ValueType};

/// A region's columns as written.
#[derive(Debug, Clone, Copy)]
pub struct RegionColumns<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub level: Level,
    pub population: Option<i64>,
    pub aliases: Option<&'a [String]>,
}

/// A metric's columns as written.
#[derive(Debug, Clone, Copy)]
pub struct MetricColumns<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub unit: &'a str,
    pub value_type: ValueType,
    pub aggregation: Aggregation,
}

/// A program's columns as written (its region resolved to an id).
#[derive(Debug, Clone, Copy)]
pub struct ProgramColumns<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub region_id: i64,
    pub category: Option<&'a str>,
    pub description: Option<&'a str>,
    pub started_on: Option<NaiveDate>,
    pub ended_on: Option<NaiveDate>,
}

/// Rows per multi-row observation INSERT (18 values a row stays below SQLite's 32766 bound values).
const OBSERVATION_ROWS_PER_INSERT: usize = 1000;
/// Rows per multi-row region INSERT (12 values a row), and ids reserved at most at once.
pub const REGIONS_PER_STATEMENT: usize = 500;
/// Rows per multi-row program INSERT (8 values a row).
const PROGRAMS_PER_STATEMENT: usize = 500;
/// Rows per multi-row report INSERT or lookup.
const REPORTS_PER_STATEMENT: usize = 500;

/// A new region, its id reserved by [`reserve_ids`], ready for [`insert_regions`].
#[derive(Debug, Clone)]
pub struct NewRegion {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub level: Level,
    pub parent_id: Option<i64>,
    pub population: Option<i64>,
    pub aliases: Option<Vec<String>>,
    /// Its ancestor-or-self ids, its own id included.
    pub path: RegionPath,
}

/// A new program, its id reserved by [`reserve_ids`], ready for [`insert_programs`].
#[derive(Debug, Clone)]
pub struct NewProgram {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub region_id: i64,
    pub category: Option<String>,
    pub description: Option<String>,
    pub started_on: Option<NaiveDate>,
    pub ended_on: Option<NaiveDate>,
}

/// A table whose new rows get ids reserved ahead (see [`reserve_ids`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdsOf {
    Region,
    Program,
}

/// Reserves `n` ids for new rows of `table`, in increasing order. PostgreSQL draws them from the
/// table's id sequence; SQLite, whose write transaction keeps every other writer out, answers the ids
/// after the highest given so far, so the caller inserts them before it reserves again.
pub async fn reserve_ids(tx: &DatabaseTransaction, table: IdsOf, n: usize) -> Result<Vec<i64>, DbErr> {
    let backend = tx.get_database_backend();
    let table = match table {
        IdsOf::Region => "region",
        IdsOf::Program => "program",
    };
    let mut sql = Sql::new(backend);
    if backend == DbBackend::Postgres {
        sql.push(&format!(
            "SELECT nextval(pg_get_serial_sequence('{table}', 'id')) AS id FROM generate_series(1, "
        ))
        .bind(n as i64)
        .push(") ORDER BY 1");
        return tx
            .query_all_raw(sql.build())
            .await?
            .iter()
            .map(|row| row.try_get("", "id"))
            .collect();
    }
    // AUTOINCREMENT: never an id given before, even one since deleted.
    sql.push(&format!(
        "SELECT MAX(COALESCE((SELECT MAX(id) FROM {table}), 0), \
         COALESCE((SELECT seq FROM sqlite_sequence WHERE name = '{table}'), 0)) AS id"
    ));
    let last: i64 = tx
        .query_one_raw(sql.build())
        .await?
        .ok_or(DbErr::RecordNotFound(format!("the highest {table} id")))?
        .try_get("", "id")?;
    Ok((last + 1..=last + n as i64).collect())
}

/// Inserts new regions with their reserved ids and whole paths, parents before children as given.
pub async fn insert_regions(tx: &DatabaseTransaction, rows: &[NewRegion]) -> Result<(), DbErr> {
    for chunk in rows.chunks(REGIONS_PER_STATEMENT) {
        let mut sql = Sql::new(tx.get_database_backend());
        sql.push(
            "INSERT INTO region (id, code, name, level, parent_id, population, aliases, \
             province_id, city_id, county_id, town_id, village_id) VALUES ",
        );
        for (n, r) in chunk.iter().enumerate() {
            sql.push(if n == 0 { "(" } else { ", (" });
            sql.bind(r.id)
                .push(", ")
                .bind(r.code.clone())
                .push(", ")
                .bind(r.name.clone());
            sql.push(", ")
                .bind(r.level.depth())
                .push(", ")
                .bind(r.parent_id)
                .push(", ")
                .bind(r.population);
            sql.push(", ").bind(aliases_json(r.aliases.as_deref()));
            for p in r.path.ids() {
                sql.push(", ").bind(p);
            }
            sql.push(")");
        }
        tx.execute_raw(sql.build()).await?;
    }
    Ok(())
}

/// Inserts new programs with their reserved ids (their regions inserted already).
pub async fn insert_programs(tx: &DatabaseTransaction, rows: &[NewProgram]) -> Result<(), DbErr> {
    for chunk in rows.chunks(PROGRAMS_PER_STATEMENT) {
        let mut sql = Sql::new(tx.get_database_backend());
        sql.push(
            "INSERT INTO program (id, code, name, region_id, category, description, started_on, ended_on) \
             VALUES ",
        );
        for (n, p) in chunk.iter().enumerate() {
            sql.push(if n == 0 { "(" } else { ", (" });
            sql.bind(p.id)
                .push(", ")
                .bind(p.code.clone())
                .push(", ")
                .bind(p.name.clone())
                .push(", ")
                .bind(p.region_id);
            sql.push(", ")
                .bind(p.category.clone())
                .push(", ")
                .bind(p.description.clone())
                .push(", ")
                .bind(p.started_on)
                .push(", ")
                .bind(p.ended_on)
                .push(")");
        }
        tx.execute_raw(sql.build()).await?;
    }
    Ok(())
}

/// Overwrites an existing region under `parent` and, when its `path` (its new ancestor-or-self ids)
/// differs from the old, re-roots the ancestor columns of its whole subtree and of the reports and
/// observations in it.
pub async fn update_region(
    tx: &DatabaseTransaction,
    old: &KnownRegion,
    r: &RegionColumns<'_>,
    parent: Option<&KnownRegion>,
    path: RegionPath,
) -> Result<(), DbErr> {
    let backend = tx.get_database_backend();
    let mut sql = Sql::new(backend);
    sql.push("UPDATE region SET name = ").bind(r.name.to_owned());
    sql.push(", level = ").bind(r.level.depth());
    sql.push(", parent_id = ").bind(parent.map(|p| p.id));
    sql.push(", population = ").bind(r.population);
    sql.push(", aliases = ").bind(aliases_json(r.aliases));
    sql.push(" WHERE id = ").bind(old.id);
    tx.execute_raw(sql.build()).await?;

    if path != old.path {
        let deepest = old.level.max(r.level);
        for table in ["region", "report", "observation"] {
            let mut sql = Sql::new(backend);
            sql.push("UPDATE ").push(table).push(" SET ");
            for (k, (level, id)) in path.down_to(deepest).enumerate() {
                if k > 0 {
                    sql.push(", ");
                }
                sql.push(level.column()).push(" = ").bind(id);
            }
            sql.push(" WHERE ")
                .push(old.level.column())
                .push(" = ")
                .bind(old.id);
            tx.execute_raw(sql.build()).await?;
        }
    }
    Ok(())
}

fn aliases_json(aliases: Option<&[String]>) -> Option<String> {
    aliases.map(|a| serde_json::to_string(a).expect("strings serialize"))
}

/// Inserts or overwrites a metric by code and answers its id.
pub async fn upsert_metric(
    tx: &DatabaseTransaction,
    existing: Option<i64>,
    m: &MetricColumns<'_>,
) -> Result<i64, DbErr> {
    let mut sql = Sql::new(tx.get_database_backend());
    let aggregation = m.aggregation.as_str();
    match existing {
        Some(id) => {
            sql.push("UPDATE metric SET name = ").bind(m.name.to_owned());
            sql.push(", unit = ")
                .bind(m.unit.to_owned())
                .push(", value_type = ")
                .bind(m.value_type.as_str());
            sql.push(", aggregation = ")
                .bind(aggregation)
                .push(" WHERE id = ")
                .bind(id);
            tx.execute_raw(sql.build()).await?;
            Ok(id)
        }
        None => {
            sql.push("INSERT INTO metric (code, name, unit, value_type, aggregation) VALUES (");
            sql.bind(m.code.to_owned())
                .push(", ")
                .bind(m.name.to_owned())
                .push(", ")
                .bind(m.unit.to_owned());
            sql.push(", ")
                .bind(m.value_type.as_str())
                .push(", ")
                .bind(aggregation)
                .push(") RETURNING id");
            returning_id(tx, sql).await
        }
    }
}

/// Overwrites the program `id`.
pub async fn update_program(tx: &DatabaseTransaction, id: i64, p: &ProgramColumns<'_>) -> Result<(), DbErr> {
    let mut sql = Sql::new(tx.get_database_backend());
    let values: [(&str, Value); 6] = [
        ("name", p.name.to_owned().into()),
        ("region_id", p.region_id.into()),
        ("category", p.category.map(str::to_owned).into()),
        ("description", p.description.map(str::to_owned).into()),
        ("started_on", p.started_on.into()),
        ("ended_on", p.ended_on.into()),
    ];
    sql.push("UPDATE program SET ");
    for (i, (col, v)) in values.into_iter().enumerate() {
        sql.push(if i == 0 { "" } else { ", " })
            .push(col)
            .push(" = ")
            .bind(v);
    }
    sql.push(" WHERE id = ").bind(id);
    tx.execute_raw(sql.build()).await?;
    Ok(())
}

async fn returning_id(tx: &DatabaseTransaction, sql: Sql) -> Result<i64, DbErr> {
    let row = tx
        .query_one_raw(sql.build())
        .await?
        .ok_or_else(|| DbErr::RecordNotInserted)?;
    row.try_get("", "id")
}

/// A report ready to be written: its columns and its resolved observations.
#[derive(Debug, Clone)]
pub struct ReportRow {
    pub external_id: String,
    pub title: String,
    pub source: Option<String>,
    pub url: Option<String>,
    pub published_on: NaiveDate,
    pub authors: Option<String>,
    pub region_id: Option<i64>,
    /// Its region's ancestor-or-self ids (empty without a region).
    pub path: RegionPath,
    pub body: Option<String>,
    pub content_hash: String,
    pub observations: Vec<ObservationRow>,
}

/// An observation with every reference resolved to ids.
#[derive(Debug, Clone)]
pub struct ObservationRow {
    pub metric_id: i64,
    pub region_id: i64,
    pub program_id: Option<i64>,
    pub value: f64,
    pub qualifier: Qualifier,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub quote: Option<String>,
    /// Where the quote stands in the report's body, in characters (start, end exclusive).
    pub quote_span: Option<(i32, i32)>,
    /// Whether the extractor filled it from the report's body.
    pub extracted: bool,
    pub path: RegionPath,
}

/// What became of a written report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportOutcome {
    Created(i64),
    Replaced(i64),
    Unchanged(i64),
}

#[derive(FromQueryResult)]
struct StoredReport {
    id: i64,
    external_id: String,
    content_hash: String,
}

/// Writes a batch of reports: new ones are inserted, changed ones replace the stored report and its
/// observations, identical ones are left alone. Outcomes come back in the order of `reports`. Without
/// `look_up` every report is taken to be new (the caller knows none of them is stored).
pub async fn write_reports(
    tx: &DatabaseTransaction,
    reports: &[ReportRow],
    look_up: bool,
) -> Result<Vec<ReportOutcome>, DbErr> {
    let backend = tx.get_database_backend();
    let mut stored: HashMap<String, (i64, String)> = HashMap::new();
    let to_look_up = if look_up { reports } else { &[] };
    for chunk in to_look_up.chunks(REPORTS_PER_STATEMENT) {
        let mut sql = Sql::new(backend);
        sql.push("SELECT id, external_id, content_hash FROM report WHERE external_id IN ");
        sql.bind_list(chunk.iter().map(|r| r.external_id.clone()));
        for row in StoredReport::find_by_statement(sql.build()).all(tx).await? {
            stored.insert(row.external_id, (row.id, row.content_hash));
        }
    }

    let mut outcomes = Vec::with_capacity(reports.len());
    let mut fresh = Vec::new();
    let mut replaced = Vec::new();
    for (i, r) in reports.iter().enumerate() {
        match stored.get(&r.external_id) {
            Some((id, hash)) if *hash == r.content_hash => outcomes.push(ReportOutcome::Unchanged(*id)),
            Some((id, _)) => {
                replaced.push(*id);
                update_report(tx, *id, r).await?;
                outcomes.push(ReportOutcome::Replaced(*id));
            }
            None => {
                fresh.push(i);
                outcomes.push(ReportOutcome::Created(0));
            }
        }
    }
    for chunk in replaced.chunks(REPORTS_PER_STATEMENT) {
        let mut sql = Sql::new(backend);
        sql.push("DELETE FROM observation WHERE report_id IN ")
            .bind_list(chunk.iter().copied());
        tx.execute_raw(sql.build()).await?;
    }
    for chunk in fresh.chunks(REPORTS_PER_STATEMENT) {
        let mut sql = Sql::new(backend);
        sql.push(
            "INSERT INTO report (external_id, title, source, url, published_on, authors, region_id, body, \
             content_hash, province_id, city_id, county_id, town_id, village_id) VALUES ",
        );
        for (n, &i) in chunk.iter().enumerate() {
            let r = &reports[i];
            sql.push(if n == 0 { "(" } else { ", (" });
            sql.bind(r.external_id.clone())
                .push(", ")
                .bind(r.title.clone())
                .push(", ")
                .bind(r.source.clone());
            sql.push(", ")
                .bind(r.url.clone())
                .push(", ")
                .bind(r.published_on)
                .push(", ")
                .bind(r.authors.clone());
            sql.push(", ")
                .bind(r.region_id)
                .push(", ")
                .bind(r.body.clone())
                .push(", ");
            sql.bind(r.content_hash.clone());
            for p in r.path.ids() {
                sql.push(", ").bind(p);
            }
            sql.push(")");
        }
        sql.push(" RETURNING id, external_id");
        let ids: HashMap<String, i64> = tx
            .query_all_raw(sql.build())
            .await?
            .into_iter()
            .map(|row| Ok((row.try_get("", "external_id")?, row.try_get("", "id")?)))
            .collect::<Result<_, DbErr>>()?;
        for &i in chunk {
            outcomes[i] = ReportOutcome::Created(ids[&reports[i].external_id]);
        }
    }

    let mut rows: Vec<(i64, &ReportRow, &ObservationRow)> = Vec::new();
    for (r, outcome) in reports.iter().zip(&outcomes) {
        if let ReportOutcome::Created(id) | ReportOutcome::Replaced(id) = *outcome {
            rows.extend(r.observations.iter().map(|o| (id, r, o)));
        }
    }
    // Each statement is built while the one before it runs.
    let mut chunks = rows.chunks(OBSERVATION_ROWS_PER_INSERT);
    let mut statement = chunks.next().map(|c| insert_observations(backend, c));
    while let Some(current) = statement.take() {
        let (done, next) = tokio::join!(tx.execute_raw(current), async {
            chunks.next().map(|c| insert_observations(backend, c))
        });
        done?;
        statement = next;
    }
    Ok(outcomes)
}

async fn update_report(tx: &DatabaseTransaction, id: i64, r: &ReportRow) -> Result<(), DbErr> {
    let mut sql = Sql::new(tx.get_database_backend());
    sql.push("UPDATE report SET title = ").bind(r.title.clone());
    sql.push(", source = ")
        .bind(r.source.clone())
        .push(", url = ")
        .bind(r.url.clone());
    sql.push(", published_on = ")
        .bind(r.published_on)
        .push(", authors = ")
        .bind(r.authors.clone());
    sql.push(", region_id = ")
        .bind(r.region_id)
        .push(", body = ")
        .bind(r.body.clone());
    sql.push(", content_hash = ").bind(r.content_hash.clone());
    for (level, p) in r.path.down_to(Level::Village) {
        sql.push(&format!(", {} = ", level.column())).bind(p);
    }
    sql.push(" WHERE id = ").bind(id);
    tx.execute_raw(sql.build()).await?;
    Ok(())
}

/// The multi-row INSERT of `rows`.
fn insert_observations(backend: DbBackend, rows: &[(i64, &ReportRow, &ObservationRow)]) -> Statement {
    let mut sql = Sql::new(backend);
    sql.push(
        "INSERT INTO observation (report_id, metric_id, region_id, program_id, value, qualifier, \
         period_start, period_end, quote, quote_start, quote_end, extracted, published_on, \
         province_id, city_id, county_id, town_id, village_id) \
         VALUES ",
    );
    for (n, (report_id, r, o)) in rows.iter().enumerate() {
        sql.push(if n == 0 { "(" } else { ", (" });
        sql.bind(*report_id)
            .push(", ")
            .bind(o.metric_id)
            .push(", ")
            .bind(o.region_id);
        sql.push(", ")
            .bind(o.program_id)
            .push(", ")
            .bind(o.value)
            .push(", ")
            .bind(o.qualifier.as_str());
        sql.push(", ")
            .bind(o.period_start)
            .push(", ")
            .bind(o.period_end)
            .push(", ")
            .bind(o.quote.clone());
        sql.push(", ")
            .bind(o.quote_span.map(|s| s.0))
            .push(", ")
            .bind(o.quote_span.map(|s| s.1))
            .push(", ")
            .bind(o.extracted);
        sql.push(", ").bind(r.published_on);
        for p in o.path.ids() {
            sql.push(", ").bind(p);
        }
        sql.push(")");
    }
    sql.build()
}

/// Deletes the report `external_id` with its observations; false when there was none.
pub async fn delete_report(tx: &DatabaseTransaction, external_id: &str) -> Result<bool, DbErr> {
    let backend = tx.get_database_backend();
    let mut sql = Sql::new(backend);
    sql.push("DELETE FROM observation WHERE report_id IN (SELECT id FROM report WHERE external_id = ")
        .bind(external_id.to_owned())
        .push(")");
    tx.execute_raw(sql.build()).await?;
    let mut sql = Sql::new(backend);
    sql.push("DELETE FROM report WHERE external_id = ")
        .bind(external_id.to_owned());
    Ok(tx.execute_raw(sql.build()).await?.rows_affected() > 0)
}
