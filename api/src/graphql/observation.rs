//! The `Observation` type.

use async_graphql::{Context, Object, Result};
use entity::observation;

use super::loaders::{Loaders, MetricId, ProgramId, RegionId, ReportId};
use super::metric::Metric;
use super::program::Program;
use super::region::Region;
use super::report::Report;
use super::scalars::Date;
use crate::model::Qualifier;

/// One figure from one report: "累计走访各类人员7000余人次" is 7000, `OVER`, of 走访人次.
pub struct Observation(pub observation::Model);

#[Object]
impl Observation {
    async fn value(&self) -> f64 {
        self.0.value
    }

    /// How exact the value is.
    async fn qualifier(&self) -> Qualifier {
        Qualifier::parse(&self.0.qualifier)
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

    async fn metric(&self, ctx: &Context<'_>) -> Result<Option<Metric>> {
        Ok(ctx
            .data_unchecked::<Loaders>()
            .load_one(MetricId(self.0.metric_id))
            .await?
            .map(Metric))
    }

    async fn region(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        Ok(ctx
            .data_unchecked::<Loaders>()
            .load_one(RegionId(self.0.region_id))
            .await?
            .map(Region))
    }

    async fn program(&self, ctx: &Context<'_>) -> Result<Option<Program>> {
        let Some(id) = self.0.program_id else {
            return Ok(None);
        };
        Ok(ctx
            .data_unchecked::<Loaders>()
            .load_one(ProgramId(id))
            .await?
            .map(Program))
    }

    /// The report the figure came from.
    async fn report(&self, ctx: &Context<'_>) -> Result<Option<Report>> {
        Ok(ctx
            .data_unchecked::<Loaders>()
            .load_one(ReportId(self.0.report_id))
            .await?
            .map(Report))
    }
}
