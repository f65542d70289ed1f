//! Batched loading: every relation field goes through [`DbLoader`], so one request runs one statement
//! per relation and argument set, however many rows it returns. The statements are the store's
//! (`store::reads::all_in`, `store::relations`); this module holds the loader keys and their batching.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use entity::{metric, observation, program, region, report};
use sea_orm::{DatabaseConnection, DbErr};

use super::context::{self, Slots};
use crate::error::ApiError;
use crate::store::reads::{self, Rows};
use crate::store::relations::{self, PeriodFilter, Picked, Relation, Slice};

/// Loads rows for one request: see `context::execute`, which creates one per request.
pub struct DbLoader {
    db: DatabaseConnection,
    /// The request's connection slots, taken by each batch (none for subscriptions).
    slots: Option<Slots>,
}

impl DbLoader {
    /// A loader reading from `db`, holding one of `slots` while a batch runs.
    pub fn new(db: DatabaseConnection, slots: Option<Slots>) -> DbLoader {
        DbLoader { db, slots }
    }

    /// Waits for a slot of the request, if it has slots.
    async fn slot(&self) -> async_graphql::Result<Option<tokio::sync::SemaphorePermit<'_>>> {
        match &self.slots {
            Some(slots) => slots.take(1).await.map(Some),
            None => Ok(None),
        }
    }
}

/// The per-request loader held in the GraphQL context. Its cache, when enabled, keeps what a request
/// loaded for the rest of that request (see `context::execute`).
pub type Loaders = DataLoader<DbLoader, HashMapCache>;

/// A loader whose batches run on their own tokio tasks, without a cache (for subscriptions: it lives
/// as long as its connection, and what it reads changes meanwhile).
pub fn new_loader(db: DatabaseConnection) -> Loaders {
    let loader = DataLoader::with_cache(DbLoader::new(db, None), tokio::spawn, HashMapCache::default());
    loader.enable_all_cache(false);
    loader
}

/// Loads `key` through the request's loader and wraps the row (`None` stays `None`): what every
/// to-one relation field does.
pub async fn load<K, M, T>(
    ctx: &async_graphql::Context<'_>,
    key: Option<K>,
    wrap: impl FnOnce(M) -> T,
) -> async_graphql::Result<Option<T>>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    DbLoader: Loader<K, Value = M, Error = async_graphql::Error>,
{
    let Some(key) = key else { return Ok(None) };
    Ok(context::loaders(ctx)?.load_one(key).await?.map(wrap))
}

/// Loads every key through the request's loader, in the order of `keys` (missing ones left out).
pub async fn load_all<K, M>(ctx: &async_graphql::Context<'_>, keys: Vec<K>) -> async_graphql::Result<Vec<M>>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    DbLoader: Loader<K, Value = M, Error = async_graphql::Error>,
{
    let mut found = context::loaders(ctx)?.load_many(keys.iter().cloned()).await?;
    Ok(keys.iter().filter_map(|k| found.remove(k)).collect())
}

fn error(e: DbErr) -> async_graphql::Error {
    ApiError::from(e).into()
}

macro_rules! by_key {
    ($(#[$doc:meta])* $key:ident($ty:ty): $module:ident by $column:ident, $field:ident) => {
        by_key!(@ $(#[$doc])* $key($ty): $module by $column, $field => $module::Model, |row| row);
    };
    // Rows handed out many times a request (a metric to each observation of a page) are shared.
    ($(#[$doc:meta])* $key:ident($ty:ty): $module:ident by $column:ident, $field:ident, shared) => {
        by_key!(@ $(#[$doc])* $key($ty): $module by $column, $field => Arc<$module::Model>, Arc::new);
    };
    (@ $(#[$doc:meta])* $key:ident($ty:ty): $module:ident by $column:ident, $field:ident => $value:ty, $wrap:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub struct $key(pub $ty);

        impl Loader<$key> for DbLoader {
            type Value = $value;
            type Error = async_graphql::Error;

            async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, Self::Value>, Self::Error> {
                let values: Vec<$ty> = keys.iter().map(|k| k.0.clone()).collect();
                let _slot = self.slot().await?;
                let rows = reads::all_in::<$module::Entity, _>(&self.db, $module::Column::$column, &values)
                    .await
                    .map_err(error)?;
                Ok(rows.into_iter().map(|r| ($key(r.$field.clone()), $wrap(r))).collect())
            }
        }
    };
}

by_key!(
    /// Loads a region by id.
    RegionId(i64): region by Id, id
);
by_key!(
    /// Loads a metric by id.
    MetricId(i64): metric by Id, id, shared
);
by_key!(
    /// Loads a metric by code.
    MetricCode(String): metric by Code, code, shared
);
by_key!(
    /// Loads a program by id.
    ProgramId(i64): program by Id, id
);
by_key!(
    /// Loads a report by id.
    ReportId(i64): report by Id, id
);
by_key!(
    /// Loads an observation by id.
    ObservationId(i64): observation by Id, id
);

macro_rules! relation {
    ($(#[$doc:meta])* $name:ident: $model:ty, $filter:ty, $relation:expr, $push:expr, $reader:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub struct $name(pub Slice<$filter>);

        impl Loader<$name> for DbLoader {
            type Value = Rows<$model>;
            type Error = async_graphql::Error;

            async fn load(&self, keys: &[$name]) -> Result<HashMap<$name, Self::Value>, Self::Error> {
                let relation: &Relation = &$relation;
                let slices: Vec<Slice<$filter>> = keys.iter().map(|k| k.0).collect();
                let _slot = self.slot().await?;
                let map = relations::load_slices(&self.db, relation, &slices, $push, $reader)
                    .await
                    .map_err(error)?;
                Ok(map.into_iter().map(|(k, v)| ($name(k), v)).collect())
            }
        }
    };
}

relation!(
    /// `Region.children`.
    RegionChildren: region::Model, (), relations::REGION_CHILDREN, relations::no_filter,
    relations::whole()
);
relation!(
    /// `Region.programs`.
    RegionPrograms: program::Model, (), relations::REGION_PROGRAMS, relations::no_filter,
    relations::whole()
);
relation!(
    /// `Region.reports`.
    RegionReports: report::Model, (), relations::REGION_REPORTS, relations::no_filter,
    relations::whole()
);
relation!(
    /// `Region.observations`.
    RegionObservations: observation::Model, Picked<PeriodFilter>, relations::REGION_OBSERVATIONS,
    relations::period_filter, relations::observations()
);
relation!(
    /// `Report.observations`.
    ReportObservations: observation::Model, Picked<()>, relations::REPORT_OBSERVATIONS,
    relations::no_filter, relations::observations()
);
