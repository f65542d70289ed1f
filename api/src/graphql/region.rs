//! The `Region` type.

use async_graphql::dataloader::Loader;
use async_graphql::{Context, Object, Result};
use entity::region;

use super::loaders::{
    DbLoader, Loaders, MetricCode, ObservationFilter, RegionChildren, RegionId, RegionObservations,
    RegionPrograms, RegionReports, Rows, Slice, Window, load,
};
use super::observation::Observation;
use super::paging::{self, Page};
use super::program::Program;
use super::report::Report;
use super::scalars::Date;
use crate::model::Level;

/// A node of the administrative tree: province, city, county, town (街道/镇/乡) or village (村/社区).
pub struct Region(pub region::Model);

/// The loader window for a relation field's `first` and `after`.
pub(super) fn window(first: Option<i32>, after: Option<String>) -> Result<Window> {
    Ok(Window {
        first: paging::page_size(first)?,
        offset: paging::decode_offset(after.as_deref())?,
    })
}

/// A page of a relation field, loaded through the request's loader.
pub(super) async fn relation_page<K, M, N: async_graphql::OutputType>(
    ctx: &Context<'_>,
    key: K,
    window: Window,
    node: impl Fn(M) -> N,
) -> Result<Page<N>>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    DbLoader: Loader<K, Value = Rows<M>, Error = async_graphql::Error>,
{
    let rows = ctx
        .data_unchecked::<Loaders>()
        .load_one(key)
        .await?
        .unwrap_or_default();
    Ok(paging::page(
        rows.rows,
        window.first,
        window.offset > 0,
        rows.total,
        |i, _| paging::offset_cursor(window.offset, i),
        node,
    ))
}

impl Region {
    /// The region's level.
    pub fn level(&self) -> Level {
        Level::from_depth(self.0.level).unwrap_or(Level::Village)
    }

    /// The ids of its ancestors, from the top.
    fn ancestor_ids(&self) -> Vec<i64> {
        let m = &self.0;
        [m.province_id, m.city_id, m.county_id, m.town_id, m.village_id]
            .into_iter()
            .take(self.level() as usize)
            .filter(|id| *id != 0 && *id != m.id)
            .collect()
    }
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

    #[graphql(name = "level")]
    async fn level_field(&self) -> Level {
        self.level()
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
        let ids = self.ancestor_ids();
        let mut found = ctx
            .data_unchecked::<Loaders>()
            .load_many(ids.iter().map(|id| RegionId(*id)))
            .await?;
        Ok(ids
            .iter()
            .filter_map(|id| found.remove(&RegionId(*id)))
            .map(Region)
            .collect())
    }

    /// The regions directly below, by code.
    async fn children(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Page<Region>> {
        let window = window(first, after)?;
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
        let window = window(first, after)?;
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
        let window = window(first, after)?;
        let key = RegionReports(Slice {
            parent: self.0.id,
            window,
            filter: (),
        });
        relation_page(ctx, key, window, Report).await
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
        let window = window(first, after)?;
        let metric_id = match metric {
            Some(code) => {
                let found = ctx
                    .data_unchecked::<Loaders>()
                    .load_one(MetricCode(code.clone()))
                    .await?;
                Some(
                    found
                        .ok_or_else(|| crate::error::ApiError::not_found("metric", &code))?
                        .id,
                )
            }
            None => None,
        };
        let filter = ObservationFilter {
            metric_id,
            from: from.map(|d| d.0),
            to: to.map(|d| d.0),
        };
        let key = RegionObservations(Slice {
            parent: self.0.id,
            window,
            filter,
        });
        relation_page(ctx, key, window, Observation).await
    }
}
