//! Writing the database (or the part of it within one region) as interchange NDJSON, in an order that
//! imports back: regions parents first, then metrics, programs, and reports with their observations.

use std::io::Write;

use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryOrder};

use crate::db::Db;
use crate::model::{Aggregation, Level, Qualifier, ValueType};
use crate::sql::Sql;

use super::record::{
    MetricRecord, ObservationRecord, ProgramRecord, Record, RegionRecord, ReportRecord, to_line,
};

/// Rows fetched per query while exporting.
const PAGE: i64 = 1000;

/// Counts of what an export wrote.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ExportStats {
    pub regions: u64,
    pub metrics: u64,
    pub programs: u64,
    pub reports: u64,
    pub observations: u64,
}

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("region `{0}` does not exist")]
    UnknownRegion(String),
    #[error(transparent)]
    Db(#[from] DbErr),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

#[derive(FromQueryResult)]
struct RegionRow {
    code: String,
    name: String,
    level: i16,
    parent: Option<String>,
    population: Option<i64>,
    aliases: Option<String>,
}

#[derive(FromQueryResult)]
struct ReportRow {
    id: i64,
    external_id: String,
    title: String,
    source: Option<String>,
    url: Option<String>,
    published_on: NaiveDate,
    authors: Option<String>,
    region: Option<String>,
    body: Option<String>,
}

#[derive(FromQueryResult)]
struct ObservationRow {
    report_id: i64,
    metric: String,
    region: String,
    program: Option<String>,
    value: f64,
    qualifier: String,
    period_start: NaiveDate,
    period_end: NaiveDate,
    quote: Option<String>,
}

/// Which regions an export covers: all, or those within one region.
struct Scope {
    /// `(level column, id)` of the `within` region.
    within: Option<(&'static str, i64)>,
    /// Its ancestors, exported too so that the file imports into an empty database.
    ancestors: Vec<i64>,
}

impl Scope {
    /// Appends a predicate on the region table aliased `alias`.
    fn region_predicate(&self, sql: &mut Sql, alias: &str) {
        match self.within {
            None => {
                sql.push("1 = 1");
            }
            Some((col, id)) => {
                sql.push(&format!("({alias}.{col} = ")).bind(id);
                sql.push(&format!(" OR {alias}.id IN "))
                    .bind_list(self.ancestors.iter().copied());
                sql.push(&format!(
                    " OR {alias}.id IN (SELECT o.region_id FROM observation o JOIN report rp ON rp.id = o.report_id \
                     JOIN region rr ON rr.id = rp.region_id WHERE rr.{col} = "
                ));
                sql.bind(id).push("))");
            }
        }
    }
}

/// Writes the database, or the part within region `within`, to `out` as NDJSON.
pub async fn export(db: &Db, within: Option<&str>, out: &mut impl Write) -> Result<ExportStats, ExportError> {
    let conn = &db.read;
    let backend = db.backend();
    let scope = match within {
        None => Scope {
            within: None,
            ancestors: Vec::new(),
        },
        Some(code) => {
            let mut sql = Sql::new(backend);
            sql.push("SELECT id, level, province_id, city_id, county_id, town_id FROM region WHERE code = ");
            sql.bind(code.to_owned());
            let row = conn
                .query_one_raw(sql.build())
                .await?
                .ok_or_else(|| ExportError::UnknownRegion(code.into()))?;
            let id: i64 = row.try_get("", "id")?;
            let level = Level::from_depth(row.try_get("", "level")?).unwrap_or(Level::Village);
            let mut ancestors = Vec::new();
            for l in &Level::ALL[..level as usize] {
                let a: i64 = row.try_get("", l.column())?;
                if a != 0 {
                    ancestors.push(a);
                }
            }
            Scope {
                within: Some((level.column(), id)),
                ancestors,
            }
        }
    };
    let mut stats = ExportStats::default();

    let (mut level, mut code) = (0i16, String::new());
    loop {
        let mut sql = Sql::new(backend);
        sql.push(
            "SELECT r.code, r.name, r.level, p.code AS parent, r.population, r.aliases \
             FROM region r LEFT JOIN region p ON p.id = r.parent_id WHERE ",
        );
        scope.region_predicate(&mut sql, "r");
        sql.push(" AND (r.level > ")
            .bind(level)
            .push(" OR (r.level = ")
            .bind(level);
        sql.push(" AND r.code > ")
            .bind(code.clone())
            .push(")) ORDER BY r.level, r.code LIMIT ")
            .bind(PAGE);
        let rows = RegionRow::find_by_statement(sql.build()).all(conn).await?;
        let Some(last) = rows.last() else { break };
        (level, code) = (last.level, last.code.clone());
        for r in rows {
            let record = RegionRecord {
                code: r.code,
                name: r.name,
                level: Level::from_depth(r.level).unwrap_or(Level::Village),
                parent: r.parent,
                population: r.population,
                aliases: r.aliases.and_then(|a| serde_json::from_str(&a).ok()),
            };
            writeln!(out, "{}", to_line(&Record::Region(record)))?;
            stats.regions += 1;
        }
    }

    let metrics = entity::metric::Entity::find()
        .order_by_asc(entity::metric::Column::Code)
        .all(conn)
        .await?;
    for m in metrics {
        let value_type = ValueType::parse(&m.value_type).unwrap_or(ValueType::Amount);
        let aggregation =
            Aggregation::parse(&m.aggregation).filter(|a| *a != value_type.default_aggregation());
        let record = MetricRecord {
            code: m.code,
            name: m.name,
            unit: m.unit,
            value_type,
            aggregation,
        };
        writeln!(out, "{}", to_line(&Record::Metric(record)))?;
        stats.metrics += 1;
    }

    let mut sql = Sql::new(backend);
    sql.push(
        "SELECT p.code, p.name, r.code AS region, p.category, p.description, p.started_on, p.ended_on \
         FROM program p JOIN region r ON r.id = p.region_id WHERE ",
    );
    scope.region_predicate(&mut sql, "r");
    sql.push(" ORDER BY p.code");
    for p in ProgramRecordRow::find_by_statement(sql.build()).all(conn).await? {
        let record = ProgramRecord {
            code: p.code,
            name: p.name,
            region: p.region,
            category: p.category,
            description: p.description,
            started_on: p.started_on,
            ended_on: p.ended_on,
        };
        writeln!(out, "{}", to_line(&Record::Program(record)))?;
        stats.programs += 1;
    }

    let mut after = 0i64;
    loop {
        let mut sql = Sql::new(backend);
        sql.push(
            "SELECT rp.id, rp.external_id, rp.title, rp.source, rp.url, rp.published_on, rp.authors, \
             r.code AS region, rp.body FROM report rp LEFT JOIN region r ON r.id = rp.region_id WHERE rp.id > ",
        );
        sql.bind(after);
        if let Some((col, id)) = scope.within {
            sql.push(&format!(" AND r.{col} = ")).bind(id);
        }
        sql.push(" ORDER BY rp.id LIMIT ").bind(PAGE);
        let reports = ReportRow::find_by_statement(sql.build()).all(conn).await?;
        let Some(last) = reports.last() else { break };
        after = last.id;
        let mut sql = Sql::new(backend);
        sql.push(
            "SELECT o.report_id, m.code AS metric, r.code AS region, p.code AS program, o.value, o.qualifier, \
             o.period_start, o.period_end, o.quote FROM observation o JOIN metric m ON m.id = o.metric_id \
             JOIN region r ON r.id = o.region_id LEFT JOIN program p ON p.id = o.program_id \
             WHERE o.report_id IN ",
        );
        sql.bind_list(reports.iter().map(|r| r.id))
            .push(" ORDER BY o.report_id, o.id");
        let observations = ObservationRow::find_by_statement(sql.build()).all(conn).await?;
        let mut observations = observations.into_iter().peekable();
        for r in reports {
            let mut record = ReportRecord {
                external_id: r.external_id,
                title: r.title,
                source: r.source,
                url: r.url,
                published_on: r.published_on,
                authors: r.authors.and_then(|a| serde_json::from_str(&a).ok()),
                region: r.region,
                body: r.body,
                observations: Vec::new(),
            };
            while let Some(o) = observations.next_if(|o| o.report_id == r.id) {
                record.observations.push(ObservationRecord {
                    metric: o.metric,
                    region: Some(o.region),
                    program: o.program,
                    value: o.value,
                    qualifier: Some(Qualifier::parse(&o.qualifier)),
                    period_start: Some(o.period_start),
                    period_end: Some(o.period_end),
                    quote: o.quote,
                });
            }
            stats.observations += record.observations.len() as u64;
            writeln!(out, "{}", to_line(&Record::Report(record)))?;
            stats.reports += 1;
        }
    }
    out.flush()?;
    Ok(stats)
}

#[derive(FromQueryResult)]
struct ProgramRecordRow {
    code: String,
    name: String,
    region: String,
    category: Option<String>,
    description: Option<String>,
    started_on: Option<NaiveDate>,
    ended_on: Option<NaiveDate>,
}
