//! The `Report` type.

use async_graphql::{Context, Object, Result};
use entity::report;

use super::loaders::{RegionId, ReportObservations, load};
use super::observation::{self, Observation, with_metrics};
use super::paging::{Page, relation_page, window};
use super::region::Region;
use super::scalars::Date;
use crate::store::relations::{Picked, Slice};

/// A dated source document; every figure in it is an observation.
pub struct Report {
    pub model: report::Model,
    /// The sequence number of the event that delivered it (`reportPosted`), else none.
    pub event_seq: Option<i64>,
}

impl Report {
    /// A report read from the store.
    pub fn new(model: report::Model) -> Report {
        Report {
            model,
            event_seq: None,
        }
    }
}

#[Object]
impl Report {
    /// The importer's stable id of the report.
    async fn external_id(&self) -> &str {
        &self.model.external_id
    }

    async fn title(&self) -> &str {
        &self.model.title
    }

    /// The publisher.
    async fn source(&self) -> Option<&str> {
        self.model.source.as_deref()
    }

    async fn url(&self) -> Option<&str> {
        self.model.url.as_deref()
    }

    async fn published_on(&self) -> Date {
        Date(self.model.published_on)
    }

    async fn authors(&self) -> Vec<String> {
        self.model
            .authors
            .as_deref()
            .and_then(|a| serde_json::from_str(a).ok())
            .unwrap_or_default()
    }

    /// The full text, where the importer supplied it.
    async fn body(&self) -> Option<&str> {
        self.model.body.as_deref()
    }

    /// In a `reportPosted` subscription, the sequence number of the event that announced this report:
    /// pass the last one seen as `reportPosted(after:)` to resume without a gap. Null elsewhere.
    async fn event_seq(&self) -> Option<i64> {
        self.event_seq
    }

    /// The report's main region.
    async fn region(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        load(ctx, self.model.region_id.map(RegionId), Region).await
    }

    /// The figures of this report, in the report's order.
    async fn observations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Page<Observation>> {
        let window = window(ctx, first, after)?;
        let filter = Picked {
            filter: (),
            columns: observation::columns(&ctx.look_ahead()),
        };
        let key = ReportObservations(Slice {
            parent: self.model.id,
            window,
            filter,
        });
        with_metrics(ctx, relation_page(ctx, key, window, Observation::new).await?).await
    }
}
