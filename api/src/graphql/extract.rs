//! `extract`: the figures of a text as the extractor reads them, a preview that writes nothing; and
//! the figures `postReport(extract: true)` did not store.

use async_graphql::{Context, Enum, Object, Result, SimpleObject};
use civicgraph_extract::{Document, Mention};

use super::context;
use super::scalars::Date;
use crate::domain::Qualifier;
use crate::error::ApiError;
use crate::extraction::{self, SkipReason, Skipped};

/// The longest text `extract` reads, in characters.
const MAX_TEXT: usize = 200_000;

/// The extraction half of the query root.
#[derive(Default)]
pub struct ExtractQuery;

#[Object]
impl ExtractQuery {
    /// The quantity mentions of `text` (Chinese report prose), in text order, resolved against the
    /// regions, metrics and programs of the database: a preview, nothing is written. `publishedOn`
    /// anchors relative periods (`今年以来`); `region` is where figures that name no place belong.
    async fn extract(
        &self,
        ctx: &Context<'_>,
        text: String,
        published_on: Date,
        region: Option<String>,
    ) -> Result<Vec<ExtractedFigure>> {
        if text.chars().count() > MAX_TEXT {
            return Err(ApiError::bad_input(format!("text: at most {MAX_TEXT} characters")).into());
        }
        let extractor = extraction::extractor(context::db(ctx)?, &[])
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        let document = Document {
            name: "-".to_owned(),
            text,
            published_on: Some(published_on.0),
            region,
        };
        Ok(extractor
            .extract(&document)
            .into_iter()
            .map(ExtractedFigure::from)
            .collect())
    }
}

/// One quantity written in a text.
#[derive(SimpleObject)]
pub struct ExtractedFigure {
    /// The text of the mention: qualifier, number, scale word and counter (`7000余人次`).
    pub quote: String,
    /// Where the quote starts in the text, in characters.
    pub start: i32,
    /// Where the quote ends (exclusive).
    pub end: i32,
    /// The number with 万/亿 multiplied out; a percentage keeps its percent number.
    pub value: f64,
    /// The counter or unit as written, without 万/亿.
    pub unit: String,
    pub qualifier: Qualifier,
    /// `count`, `money`, `percent`, `area`, `duration`, `weight`, `length` or `other`.
    pub kind: String,
    /// A reported figure, rather than a norm, plan, target or descriptive detail.
    pub figure: bool,
    /// The words that say what is counted.
    pub measure: String,
    /// The code of the metric the measure matches.
    pub metric: Option<String>,
    /// The place as the text names it.
    pub region_name: Option<String>,
    /// The code of the matching region.
    pub region_code: Option<String>,
    /// The period wording in the text (`今年以来`).
    pub period_text: Option<String>,
    pub period_start: Option<Date>,
    pub period_end: Option<Date>,
    /// The code of the program the figure reports on.
    pub program_code: Option<String>,
}

impl From<Mention> for ExtractedFigure {
    fn from(m: Mention) -> Self {
        ExtractedFigure {
            quote: m.quote,
            start: i32::try_from(m.start).unwrap_or(i32::MAX),
            end: i32::try_from(m.end).unwrap_or(i32::MAX),
            value: m.value,
            unit: m.unit,
            qualifier: m.qualifier,
            kind: m.kind.as_str().to_owned(),
            figure: m.figure,
            measure: m.measure,
            metric: m.metric,
            region_name: m.region.as_ref().map(|r| r.name.clone()),
            region_code: m.region.and_then(|r| r.code),
            period_text: m.period.text,
            period_start: m.period.start.map(Date),
            period_end: m.period.end.map(Date),
            program_code: m.program.and_then(|p| p.code),
        }
    }
}

/// Why `postReport(extract: true)` did not store a figure.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum SkippedBecause {
    /// A norm, plan, target or descriptive detail rather than a reported figure.
    NotAFigure,
    /// What it measures matches no metric.
    NoMetric,
    /// The place it belongs to matches no region.
    NoRegion,
    /// An observation given in the input has the same quote.
    GivenExplicitly,
}

/// A figure of the body that `postReport(extract: true)` did not store.
#[derive(SimpleObject)]
pub struct SkippedFigure {
    pub figure: ExtractedFigure,
    pub reason: SkippedBecause,
}

impl From<Skipped> for SkippedFigure {
    fn from(s: Skipped) -> Self {
        let reason = match s.reason {
            SkipReason::NotAFigure => SkippedBecause::NotAFigure,
            SkipReason::NoMetric => SkippedBecause::NoMetric,
            SkipReason::NoRegion => SkippedBecause::NoRegion,
            SkipReason::GivenExplicitly => SkippedBecause::GivenExplicitly,
        };
        SkippedFigure {
            figure: s.mention.into(),
            reason,
        }
    }
}
