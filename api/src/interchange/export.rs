//! Writing the database (or the part of it within one region) as interchange NDJSON, in an order that
//! imports back: regions parents first, then metrics, programs, and reports with their observations.

use std::io::Write;

use sea_orm::DbErr;

use super::record::{
    MetricRecord, ObservationRecord, ProgramRecord, Record, RegionRecord, ReportRecord, to_line,
};
use crate::store::Db;
use crate::store::exports::{self, Scope};

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

/// A JSON array of strings as stored (aliases, authors); `None` when absent or unreadable.
fn string_list(json: Option<String>) -> Option<Vec<String>> {
    json.and_then(|a| serde_json::from_str(&a).ok())
}

/// Writes the database, or the part within region `within`, to `out` as NDJSON.
pub async fn export(db: &Db, within: Option<&str>, out: &mut impl Write) -> Result<ExportStats, ExportError> {
    let conn = &db.read;
    let scope = match within {
        None => Scope::all(),
        Some(code) => Scope::within(conn, code)
            .await?
            .ok_or_else(|| ExportError::UnknownRegion(code.into()))?,
    };
    let mut stats = ExportStats::default();
    let mut line = |record: Record| writeln!(out, "{}", to_line(&record));

    let mut after = None;
    loop {
        let rows = exports::regions(
            conn,
            &scope,
            after.as_ref().map(|(l, c): &(_, String)| (*l, c.as_str())),
        )
        .await?;
        let Some(last) = rows.last() else { break };
        after = Some((last.level, last.code.clone()));
        for r in rows {
            line(Record::Region(RegionRecord {
                code: r.code,
                name: r.name,
                level: r.level,
                parent: r.parent,
                population: r.population,
                aliases: string_list(r.aliases),
            }))?;
            stats.regions += 1;
        }
    }

    for m in exports::metrics(conn).await? {
        let aggregation = Some(m.aggregation).filter(|a| *a != m.value_type.default_aggregation());
        line(Record::Metric(MetricRecord {
            code: m.code,
            name: m.name,
            unit: m.unit,
            value_type: m.value_type,
            aggregation,
        }))?;
        stats.metrics += 1;
    }

    for p in exports::programs(conn, &scope).await? {
        line(Record::Program(ProgramRecord {
            code: p.code,
            name: p.name,
            region: p.region,
            category: p.category,
            description: p.description,
            started_on: p.started_on,
            ended_on: p.ended_on,
        }))?;
        stats.programs += 1;
    }

    let mut after = 0i64;
    loop {
        let reports = exports::reports(conn, &scope, after).await?;
        let Some(last) = reports.last() else { break };
        after = last.report.id;
        let ids: Vec<i64> = reports.iter().map(|r| r.report.id).collect();
        let mut observations = exports::observations(conn, &ids).await?.into_iter().peekable();
        for exports::ReportRow { report: r, region } in reports {
            let mut record = ReportRecord {
                external_id: r.external_id,
                title: r.title,
                source: r.source,
                url: r.url,
                published_on: r.published_on,
                authors: string_list(r.authors),
                region,
                body: r.body,
                observations: Vec::new(),
            };
            while let Some(o) = observations.next_if(|o| o.report_id == r.id) {
                record.observations.push(ObservationRecord {
                    metric: o.metric,
                    region: Some(o.region),
                    program: o.program,
                    value: o.value,
                    qualifier: Some(o.qualifier),
                    period_start: Some(o.period_start),
                    period_end: Some(o.period_end),
                    quote: o.quote,
                    quote_start: o.quote_start.and_then(|n| u32::try_from(n).ok()),
                    quote_end: o.quote_end.and_then(|n| u32::try_from(n).ok()),
                    extracted: o.extracted,
                });
            }
            stats.observations += record.observations.len() as u64;
            line(Record::Report(record))?;
            stats.reports += 1;
        }
    }
    out.flush()?;
    Ok(stats)
}
