//! The writes of `../shared/spec/api.md`: `postReport`, `upsertRegions`, `upsertMetrics`,
//! `upsertPrograms` and `deleteReport`. Each needs a bearer token (`importer`, or `admin` to delete)
//! and is all-or-nothing.
//!
//! Errors: every invalid input, including a reference to a region, metric or program that does not
//! exist, is `BAD_INPUT`; valid input that contradicts stored data (a metric's value type or a
//! region's level that can no longer change) is `CONFLICT`. The message names each field at fault
//! (`observations[2].metric: unknown metric \`x\``, `regions[1].parent: …`), and
//! `extensions.errors` lists them as `{ field, message }`, `extensions.field` the first.

use async_graphql::{Context, Enum, ErrorExtensions, InputObject, Object, Result, SimpleObject};

use super::context::{self, caller};
use super::extract::SkippedFigure;
use super::metric::Metric;
use super::program::Program;
use super::region::Region;
use super::report::Report;
use super::scalars::Date;
use crate::auth::Role;
use crate::domain::{Aggregation, Level, Qualifier, ValueType};
use crate::error::ApiError;
use crate::extraction;
use crate::interchange::{MetricRecord, ObservationRecord, ProgramRecord, RegionRecord, ReportRecord};
use crate::writes::{ItemError, PostStatus, WriteError};

/// The write half of the mutation root.
#[derive(Default)]
pub struct WriteMutation;

/// A report as the interchange `report` record has it, in camelCase.
#[derive(InputObject)]
pub struct ReportInput {
    /// The importer's own stable id (URL, file name…): the identity of the report, 1..200 characters.
    pub external_id: String,
    pub title: String,
    /// The publisher.
    pub source: Option<String>,
    pub url: Option<String>,
    pub published_on: Date,
    pub authors: Option<Vec<String>>,
    /// The report's main region (code): the default region of its observations.
    pub region: Option<String>,
    /// The full text.
    pub body: Option<String>,
    /// The figures of the report; may be empty.
    #[graphql(default)]
    pub observations: Vec<ObservationInput>,
    /// Also store every reported figure of `body` whose metric and region resolve, marked as
    /// extracted (observations given here win over extracted ones with the same quote).
    #[graphql(default)]
    pub extract: bool,
}

/// One figure of a posted report.
#[derive(InputObject)]
pub struct ObservationInput {
    /// Metric code.
    pub metric: String,
    /// Region code; defaults to the report's region.
    pub region: Option<String>,
    /// Program code.
    pub program: Option<String>,
    pub value: f64,
    /// Defaults to `EXACT`.
    pub qualifier: Option<Qualifier>,
    /// Defaults to the report's `publishedOn`.
    pub period_start: Option<Date>,
    /// Defaults to the report's `publishedOn`.
    pub period_end: Option<Date>,
    /// The source text the figure came from.
    pub quote: Option<String>,
}

impl ReportInput {
    fn into_record(self) -> ReportRecord {
        ReportRecord {
            external_id: self.external_id,
            title: self.title,
            source: self.source,
            url: self.url,
            published_on: self.published_on.0,
            authors: self.authors,
            region: self.region,
            body: self.body,
            observations: self
                .observations
                .into_iter()
                .map(|o| ObservationRecord {
                    metric: o.metric,
                    region: o.region,
                    program: o.program,
                    value: o.value,
                    qualifier: o.qualifier,
                    period_start: o.period_start.map(|d| d.0),
                    period_end: o.period_end.map(|d| d.0),
                    quote: o.quote,
                    quote_start: None,
                    quote_end: None,
                    extracted: false,
                })
                .collect(),
        }
    }
}

/// A region to create or overwrite, by code.
#[derive(InputObject)]
pub struct RegionInput {
    pub code: String,
    pub name: String,
    pub level: Level,
    /// The parent's code: a stored region or an earlier item of the same call; null only at the top.
    pub parent: Option<String>,
    pub population: Option<i64>,
    pub aliases: Option<Vec<String>>,
}

/// A metric to create or overwrite, by code.
#[derive(InputObject)]
pub struct MetricInput {
    /// snake_case.
    pub code: String,
    pub name: String,
    pub unit: String,
    pub value_type: ValueType,
    /// Defaults to `SUM` for counts and amounts, `MEAN` for ratios.
    pub aggregation: Option<Aggregation>,
}

/// A program to create or overwrite, by code.
#[derive(InputObject)]
pub struct ProgramInput {
    pub code: String,
    pub name: String,
    /// The code of the region that runs it.
    pub region: String,
    pub category: Option<String>,
    pub description: Option<String>,
    pub started_on: Option<Date>,
    pub ended_on: Option<Date>,
}

/// What `postReport` did.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(name = "PostReportStatus")]
pub enum PostReportStatus {
    /// No report had this `externalId`.
    Created,
    /// The stored report had other content: it and its observations were replaced.
    Replaced,
    /// The stored report has the same content: nothing was written.
    Unchanged,
}

/// The answer of `postReport`.
#[derive(SimpleObject)]
pub struct PostReportPayload {
    pub status: PostReportStatus,
    /// The report as stored.
    pub report: Report,
    /// With `extract`, the figures of the body that were not stored, and why.
    pub skipped_figures: Vec<SkippedFigure>,
}

/// The answer of `upsertRegions`.
#[derive(SimpleObject)]
pub struct UpsertRegionsPayload {
    pub created: i32,
    pub updated: i32,
    pub unchanged: i32,
    /// The regions as stored, in the order of the input (each code once).
    pub regions: Vec<Region>,
}

/// The answer of `upsertMetrics`.
#[derive(SimpleObject)]
pub struct UpsertMetricsPayload {
    pub created: i32,
    pub updated: i32,
    pub unchanged: i32,
    /// The metrics as stored, in the order of the input (each code once).
    pub metrics: Vec<Metric>,
}

/// The answer of `upsertPrograms`.
#[derive(SimpleObject)]
pub struct UpsertProgramsPayload {
    pub created: i32,
    pub updated: i32,
    pub unchanged: i32,
    /// The programs as stored, in the order of the input (each code once).
    pub programs: Vec<Program>,
}

/// `BAD_INPUT` when a list of `n` items is longer than one upsert takes; larger loads go through
/// `POST /import`.
fn check_size(ctx: &Context<'_>, list: &str, n: usize) -> Result<()> {
    let max = context::config(ctx)?.max_upsert_items;
    if n > max {
        return Err(ApiError::bad_input(format!(
            "{list}: at most {max} items per call; use POST /import for more"
        ))
        .into());
    }
    Ok(())
}

fn count(n: u64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

#[Object]
impl WriteMutation {
    /// Creates, replaces or leaves alone (same content) the report with `externalId`, with its
    /// observations, in one transaction. Needs role `importer`.
    async fn post_report(&self, ctx: &Context<'_>, report: ReportInput) -> Result<PostReportPayload> {
        caller(ctx).require(Role::Importer)?;
        let extract = report.extract;
        let mut record = report.into_record();
        let skipped = if extract {
            let extractor = extraction::extractor(context::db(ctx)?, &[])
                .await
                .map_err(|e| ApiError::Internal(e.to_string()))?;
            extraction::fill(&mut record, &extractor)
        } else {
            Vec::new()
        };
        let posted = context::writes(ctx)?
            .post_report(&record)
            .await
            .map_err(|e| write_error("", e))?;
        let status = match posted.status {
            PostStatus::Created => PostReportStatus::Created,
            PostStatus::Replaced => PostReportStatus::Replaced,
            PostStatus::Unchanged => PostReportStatus::Unchanged,
        };
        Ok(PostReportPayload {
            status,
            report: Report::new(posted.report),
            skipped_figures: skipped.into_iter().map(SkippedFigure::from).collect(),
        })
    }

    /// Creates or overwrites regions by code, all or nothing. A parent may be an earlier item.
    /// Moving a region moves its subtree and their observations. Needs role `importer`.
    async fn upsert_regions(
        &self,
        ctx: &Context<'_>,
        regions: Vec<RegionInput>,
    ) -> Result<UpsertRegionsPayload> {
        caller(ctx).require(Role::Importer)?;
        check_size(ctx, "regions", regions.len())?;
        let records: Vec<RegionRecord> = regions
            .into_iter()
            .map(|r| RegionRecord {
                code: r.code,
                name: r.name,
                level: r.level,
                parent: r.parent,
                population: r.population,
                aliases: r.aliases,
            })
            .collect();
        let (counts, rows) = context::writes(ctx)?
            .upsert_regions(&records)
            .await
            .map_err(|e| write_error("regions", e))?;
        Ok(UpsertRegionsPayload {
            created: count(counts.created),
            updated: count(counts.updated),
            unchanged: count(counts.unchanged),
            regions: rows.into_iter().map(Region).collect(),
        })
    }

    /// Creates or overwrites metrics by code, all or nothing. Needs role `importer`.
    async fn upsert_metrics(
        &self,
        ctx: &Context<'_>,
        metrics: Vec<MetricInput>,
    ) -> Result<UpsertMetricsPayload> {
        caller(ctx).require(Role::Importer)?;
        check_size(ctx, "metrics", metrics.len())?;
        let records: Vec<MetricRecord> = metrics
            .into_iter()
            .map(|m| MetricRecord {
                code: m.code,
                name: m.name,
                unit: m.unit,
                value_type: m.value_type,
                aggregation: m.aggregation,
            })
            .collect();
        let (counts, rows) = context::writes(ctx)?
            .upsert_metrics(&records)
            .await
            .map_err(|e| write_error("metrics", e))?;
        Ok(UpsertMetricsPayload {
            created: count(counts.created),
            updated: count(counts.updated),
            unchanged: count(counts.unchanged),
            metrics: rows.into_iter().map(Metric::from).collect(),
        })
    }

    /// Creates or overwrites programs by code, all or nothing. Needs role `importer`.
    async fn upsert_programs(
        &self,
        ctx: &Context<'_>,
        programs: Vec<ProgramInput>,
    ) -> Result<UpsertProgramsPayload> {
        caller(ctx).require(Role::Importer)?;
        check_size(ctx, "programs", programs.len())?;
        let records: Vec<ProgramRecord> = programs
            .into_iter()
            .map(|p| ProgramRecord {
                code: p.code,
                name: p.name,
                region: p.region,
                category: p.category,
                description: p.description,
                started_on: p.started_on.map(|d| d.0),
                ended_on: p.ended_on.map(|d| d.0),
            })
            .collect();
        let (counts, rows) = context::writes(ctx)?
            .upsert_programs(&records)
            .await
            .map_err(|e| write_error("programs", e))?;
        Ok(UpsertProgramsPayload {
            created: count(counts.created),
            updated: count(counts.updated),
            unchanged: count(counts.unchanged),
            programs: rows.into_iter().map(Program).collect(),
        })
    }

    /// Deletes the report with `externalId` and its observations; false when there was none.
    /// Needs role `admin`.
    async fn delete_report(&self, ctx: &Context<'_>, external_id: String) -> Result<bool> {
        caller(ctx).require(Role::Admin)?;
        Ok(context::writes(ctx)?
            .delete_report(&external_id)
            .await
            .map_err(ApiError::from)?)
    }
}

/// `period_start` → `periodStart`, segment by segment (`observations[2].period_start`).
fn camel_case(field: &str) -> String {
    let mut out = String::with_capacity(field.len());
    let mut upper = false;
    for c in field.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// Where an error points in the GraphQL input: `regions[3].parent`, `observations[2].metric`.
fn field_path(list: &str, e: &ItemError) -> String {
    let field = camel_case(&e.field);
    match (e.index, field.is_empty()) {
        (Some(i), true) => format!("{list}[{i}]"),
        (Some(i), false) => format!("{list}[{i}].{field}"),
        (None, _) => field,
    }
}

fn write_error(list: &str, e: WriteError) -> async_graphql::Error {
    let (code, errors) = match e {
        WriteError::Invalid(errors) => ("BAD_INPUT", errors),
        WriteError::Conflict(errors) => ("CONFLICT", errors),
        WriteError::Db(e) => return ApiError::from(e).extend(),
    };
    let items: Vec<(String, String)> = errors
        .iter()
        .map(|e| (field_path(list, e), e.message.clone()))
        .collect();
    let message = items
        .iter()
        .map(|(field, message)| {
            if field.is_empty() {
                message.clone()
            } else {
                format!("{field}: {message}")
            }
        })
        .collect::<Vec<_>>()
        .join("; ");
    let first = items.first().map(|(f, _)| f.clone()).unwrap_or_default();
    let list = async_graphql::Value::List(
        items
            .into_iter()
            .map(|(field, message)| {
                let mut m = async_graphql::indexmap::IndexMap::new();
                m.insert(
                    async_graphql::Name::new("field"),
                    async_graphql::Value::from(field),
                );
                m.insert(
                    async_graphql::Name::new("message"),
                    async_graphql::Value::from(message),
                );
                async_graphql::Value::Object(m)
            })
            .collect(),
    );
    async_graphql::Error::new(message).extend_with(|_, ext| {
        ext.set("code", code);
        ext.set("field", first.clone());
        ext.set("errors", list.clone());
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_named_as_in_the_input() {
        assert_eq!(
            camel_case("observations[2].period_start"),
            "observations[2].periodStart"
        );
        assert_eq!(camel_case("external_id"), "externalId");
        let e = ItemError {
            index: Some(3),
            field: "value_type".into(),
            message: String::new(),
        };
        assert_eq!(field_path("metrics", &e), "metrics[3].valueType");
        let e = ItemError {
            index: None,
            field: "observations[0].metric".into(),
            message: String::new(),
        };
        assert_eq!(field_path("", &e), "observations[0].metric");
    }
}
