//! The `Report` type.

use async_graphql::{Context, Object, Result};
use entity::report;

use super::loaders::{RegionId, ReportObservations, load};
use super::observation::Observation;
use super::paging::{Page, relation_page, window};
use super::region::Region;
use super::scalars::Date;
use crate::store::relations::Slice;

/// A dated source document; every figure in it is an observation.
pub struct Report(pub report::Model);

#[Object]
impl Report {
    /// The importer's stable id of the report.
    async fn external_id(&self) -> &str {
        &self.0.external_id
    }

    async fn title(&self) -> &str {
        &self.0.title
    }

    /// The publisher.
    async fn source(&self) -> Option<&str> {
        self.0.source.as_deref()
    }

    async fn url(&self) -> Option<&str> {
        self.0.url.as_deref()
    }

    async fn published_on(&self) -> Date {
        Date(self.0.published_on)
    }

    async fn authors(&self) -> Vec<String> {
        self.0
            .authors
            .as_deref()
            .and_then(|a| serde_json::from_str(a).ok())
            .unwrap_or_default()
    }

    /// The full text, where the importer supplied it.
    async fn body(&self) -> Option<&str> {
        self.0.body.as_deref()
    }

    /// The report's main region.
    async fn region(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        load(ctx, self.0.region_id.map(RegionId), Region).await
    }

    /// The figures of this report, in the report's order.
    async fn observations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Page<Observation>> {
        let window = window(ctx, first, after)?;
        let key = ReportObservations(Slice {
            parent: self.0.id,
            window,
            filter: (),
        });
        relation_page(ctx, key, window, Observation).await
    }
}
