//! The `Program` type.

use async_graphql::{Context, Object, Result};
use entity::program;

use super::loaders::{RegionId, load};
use super::region::Region;
use super::scalars::Date;

/// A named initiative (四五行动, 六事工作法…) run by one region.
pub struct Program(pub program::Model);

#[Object]
impl Program {
    /// The stable key.
    async fn code(&self) -> &str {
        &self.0.code
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    /// A free tag such as `outreach` or `service`.
    async fn category(&self) -> Option<&str> {
        self.0.category.as_deref()
    }

    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }

    async fn started_on(&self) -> Option<Date> {
        self.0.started_on.map(Date)
    }

    async fn ended_on(&self) -> Option<Date> {
        self.0.ended_on.map(Date)
    }

    /// The region that runs the program.
    async fn region(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        load(ctx, Some(RegionId(self.0.region_id)), Region).await
    }
}
