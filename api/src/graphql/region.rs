//! The `Region` type.

use async_graphql::{Context, InputType, Lookahead, Object, Result};
use entity::region;

use super::context;
use super::loaders::{
    MetricCode, RegionChildren, RegionId, RegionObservations, RegionPrograms, RegionReports, load, load_all,
};
use super::observation::{self, Observation, with_metrics};
use super::paging::{Page, relation_page, window, window_of};
use super::program::Program;
use super::report::Report;
use super::scalars::Date;
use crate::aggregate::check_window;
use crate::domain::{Level, RegionPath};
use crate::error::ApiError;
use crate::store::relations::{PeriodFilter, Picked, Slice, Window};

/// A node of the administrative tree: province, city, county, town (街道/镇/乡) or village (村/社区).
pub struct Region(pub region::Model);

/// The window `Region.children` of the region looked ahead as `region` will read, when the query
/// selects it once and without `totalCount` (which a read ahead does not count): what
/// [`window`] makes of the same arguments. `None` when it cannot tell; the field then reads for itself.
pub fn children_window(ctx: &Context<'_>, region: &Lookahead<'_>) -> Option<Window> {
    let selected = region.field("children").selection_fields();
    let [children] = selected.as_slice() else {
        return None;
    };
    if Lookahead::from(*children).field("totalCount").exists() {
        return None;
    }
    // The arguments as the field's own resolver parses them.
    let (mut first, mut after) = (None, None);
    for (name, value) in children.arguments().ok()? {
        match name.as_str() {
            "first" => first = Option::<i32>::parse(Some(value)).ok()?,
            "after" => after = Option::<String>::parse(Some(value)).ok()?,
            _ => return None,
        }
    }
    window_of(context::config(ctx).ok()?, first, after.as_deref(), false).ok()
}

#[Object]
impl Region {
    /// The stable natural key: an administrative division code or a slug.
    async fn code(&self) -> &str {
        &self.0.code
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn level(&self) -> Level {
        self.0.level
    }

    /// Resident population, where known; used by per-capita comparisons.
    async fn population(&self) -> Option<i64> {
        self.0.population
    }

    /// Other names the region goes by.
    async fn aliases(&self) -> Vec<String> {
        self.0
            .aliases
            .as_deref()
            .and_then(|a| serde_json::from_str(a).ok())
            .unwrap_or_default()
    }

    /// The region one level up, if any.
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        load(ctx, self.0.parent_id.map(RegionId), Region).await
    }

    /// Every region above this one, from the top (province first).
    async fn ancestors(&self, ctx: &Context<'_>) -> Result<Vec<Region>> {
        let ids = RegionPath::of(&self.0).ancestors(self.0.level);
        let rows = load_all(ctx, ids.into_iter().map(RegionId).collect()).await?;
        Ok(rows.into_iter().map(Region).collect())
    }

    /// The regions directly below, by code.
    async fn children(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Page<Region>> {
        let window = window(ctx, first, after)?;
        let key = RegionChildren(Slice {
            parent: self.0.id,
            window,
            filter: (),
        });
        relation_page(ctx, key, window, Region).await
    }

    /// The programs this region runs, by code.
    async fn programs(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Page<Program>> {
        let window = window(ctx, first, after)?;
        let key = RegionPrograms(Slice {
            parent: self.0.id,
            window,
            filter: (),
        });
        relation_page(ctx, key, window, Program).await
    }

    /// The reports whose main region this is, newest first.
    async fn reports(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Page<Report>> {
        let window = window(ctx, first, after)?;
        let key = RegionReports(Slice {
            parent: self.0.id,
            window,
            filter: (),
        });
        relation_page(ctx, key, window, Report::new).await
    }

    /// The observations about this region itself (use `observations(within:)` for its subtree), by period;
    /// `from`/`to` keep those whose whole period lies inside.
    async fn observations(
        &self,
        ctx: &Context<'_>,
        metric: Option<String>,
        from: Option<Date>,
        to: Option<Date>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Page<Observation>> {
        let window = window(ctx, first, after)?;
        let metric_id = match metric {
            Some(code) => {
                let found = context::loaders(ctx)?.load_one(MetricCode(code.clone())).await?;
                Some(found.ok_or_else(|| ApiError::not_found("metric", &code))?.id)
            }
            None => None,
        };
        let (from, to) = (from.map(|d| d.0), to.map(|d| d.0));
        check_window("from", from, "to", to)?;
        let filter = Picked {
            filter: PeriodFilter { metric_id, from, to },
            columns: observation::columns(&ctx.look_ahead()),
        };
        let key = RegionObservations(Slice {
            parent: self.0.id,
            window,
            filter,
        });
        with_metrics(ctx, relation_page(ctx, key, window, Observation::new).await?).await
    }
}
