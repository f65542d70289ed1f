//! Figures from report text, with what the database knows: the extractor (crate
//! `civicgraph-extract`) given a catalog of the stored regions, metrics and programs, and the shipped
//! dictionaries extended by the user's files.

use civicgraph_extract::{
    Catalog, CatalogMetric, CatalogProgram, CatalogRegion, Dictionaries, Document, Extractor, Mention,
};
use sea_orm::DbErr;

use crate::interchange::{ObservationRecord, ReportRecord};
use crate::store::Db;
use crate::store::exports::{self, Scope};

/// What the database knows, as the extractor's catalog (read a page at a time).
pub async fn catalog(db: &Db) -> Result<Catalog, DbErr> {
    let conn = &db.read;
    let scope = Scope::all();
    let mut catalog = Catalog::default();
    let mut after: Option<(crate::domain::Level, String)> = None;
    loop {
        let page = exports::regions(conn, &scope, after.as_ref().map(|(l, c)| (*l, c.as_str()))).await?;
        let Some(last) = page.last() else { break };
        after = Some((last.level, last.code.clone()));
        catalog.regions.extend(page.into_iter().map(|r| {
            CatalogRegion {
                code: r.code,
                name: r.name,
                aliases: r
                    .aliases
                    .and_then(|a| serde_json::from_str(&a).ok())
                    .unwrap_or_default(),
                level: r.level,
                parent: r.parent,
            }
        }));
    }
    catalog.metrics = exports::metrics(conn)
        .await?
        .into_iter()
        .map(|m| CatalogMetric {
            code: m.code,
            name: m.name,
            unit: m.unit,
            aliases: Vec::new(),
        })
        .collect();
    catalog.programs = exports::programs(conn, &scope)
        .await?
        .into_iter()
        .map(|p| CatalogProgram {
            code: p.code,
            name: p.name,
            region: Some(p.region),
            started_on: p.started_on,
        })
        .collect();
    Ok(catalog)
}

/// An extractor over the database's catalog, with the shipped dictionaries and the user's `files`.
pub async fn extractor(db: &Db, files: &[std::path::PathBuf]) -> anyhow::Result<Extractor> {
    let mut dictionaries = Dictionaries::builtin();
    for file in files {
        dictionaries.extend_from_file(file)?;
    }
    Ok(Extractor::new(catalog(db).await?, dictionaries))
}

/// Why an extracted figure was not stored as an observation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SkipReason {
    /// A norm, plan, target or descriptive detail rather than a reported figure.
    NotAFigure,
    /// What it measures matches no metric of the database.
    NoMetric,
    /// The place it belongs to matches no region of the database.
    NoRegion,
    /// An observation given explicitly in the input has the same quote, and wins.
    GivenExplicitly,
}

/// A figure of the body that was not stored, and why.
#[derive(Clone, Debug)]
pub struct Skipped {
    pub mention: Mention,
    pub reason: SkipReason,
}

/// Adds to `report` an observation for every reported figure of its body whose metric and region
/// resolved, marked as extracted with its quote's offsets; an explicit observation with the same quote
/// wins. Answers the figures that were not stored and why.
pub fn fill(report: &mut ReportRecord, extractor: &Extractor) -> Vec<Skipped> {
    let Some(body) = report.body.clone() else {
        return Vec::new();
    };
    let document = Document {
        name: report.external_id.clone(),
        text: body,
        published_on: Some(report.published_on),
        region: report.region.clone(),
    };
    let explicit: Vec<String> = report
        .observations
        .iter()
        .filter_map(|o| o.quote.clone())
        .collect();
    let mut skipped = Vec::new();
    for mention in extractor.extract(&document) {
        let region = mention.region.as_ref().and_then(|r| r.code.clone());
        let reason = if !mention.figure {
            Some(SkipReason::NotAFigure)
        } else if mention.metric.is_none() {
            Some(SkipReason::NoMetric)
        } else if region.is_none() {
            Some(SkipReason::NoRegion)
        } else if explicit.iter().any(|q| q.contains(&mention.quote)) {
            Some(SkipReason::GivenExplicitly)
        } else {
            None
        };
        if let Some(reason) = reason {
            skipped.push(Skipped { mention, reason });
            continue;
        }
        report.observations.push(ObservationRecord {
            metric: mention.metric.clone().unwrap_or_default(),
            region,
            program: mention.program.as_ref().and_then(|p| p.code.clone()),
            value: mention.value,
            qualifier: Some(mention.qualifier),
            period_start: mention.period.start,
            period_end: mention.period.end,
            quote: Some(mention.quote.clone()),
            quote_start: u32::try_from(mention.start).ok(),
            quote_end: u32::try_from(mention.end).ok(),
            extracted: true,
        });
    }
    skipped
}
