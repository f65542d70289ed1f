//! The `Observation` type.

use async_graphql::{Context, Object, Result};
use entity::observation;

use super::loaders::{MetricId, ProgramId, RegionId, ReportId, load};
use super::metric::Metric;
use super::program::Program;
use super::region::Region;
use super::report::Report;
use super::scalars::Date;
use crate::domain::Qualifier;

/// One figure from one report: "累计走访各类人员7000余人次" is 7000, `OVER`, of 走访人次.
pub struct Observation(pub observation::Model);

#[Object]
impl Observation {
    async fn value(&self) -> f64 {
        self.0.value
    }

    /// How exact the value is.
    async fn qualifier(&self) -> Qualifier {
        self.0.qualifier
    }

    /// First day of the period the figure covers.
    async fn period_start(&self) -> Date {
        Date(self.0.period_start)
    }

    /// Last day of the period the figure covers.
    async fn period_end(&self) -> Date {
        Date(self.0.period_end)
    }

    /// The source text the figure came from.
    async fn quote(&self) -> Option<&str> {
        self.0.quote.as_deref()
    }

    /// Whether the extractor filled it from the report's body (`postReport(extract: true)`).
    async fn extracted(&self) -> bool {
        self.0.extracted
    }

    /// Where `quote` starts in the report's body, in characters (extracted figures).
    async fn quote_start(&self) -> Option<i32> {
        self.0.quote_start
    }

    /// Where `quote` ends in the report's body (exclusive).
    async fn quote_end(&self) -> Option<i32> {
        self.0.quote_end
    }

    async fn metric(&self, ctx: &Context<'_>) -> Result<Option<Metric>> {
        load(ctx, Some(MetricId(self.0.metric_id)), Metric).await
    }

    async fn region(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        load(ctx, Some(RegionId(self.0.region_id)), Region).await
    }

    async fn program(&self, ctx: &Context<'_>) -> Result<Option<Program>> {
        load(ctx, self.0.program_id.map(ProgramId), Program).await
    }

    /// The report the figure came from.
    async fn report(&self, ctx: &Context<'_>) -> Result<Option<Report>> {
        load(ctx, Some(ReportId(self.0.report_id)), Report::new).await
    }
}
