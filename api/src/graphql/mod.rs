//! The GraphQL schema: one module per type, the query root in `query`, loaders in `loaders`.

pub mod aggregate;
pub mod loaders;
pub mod metric;
pub mod mutation;
pub mod observation;
pub mod paging;
pub mod program;
pub mod query;
pub mod region;
pub mod report;
pub mod scalars;
pub mod subscription;

use async_graphql::{MergedObject, MergedSubscription, Schema, SchemaBuilder};

use crate::db::Db;
use crate::import::post::Events;

/// The query root: reads and aggregations.
#[derive(MergedObject, Default)]
pub struct QueryRoot(query::ReadQuery, aggregate::AggregateQuery);

/// The mutation root: writes.
#[derive(MergedObject, Default)]
pub struct MutationRoot(mutation::WriteMutation);

/// The subscription root: live updates.
#[derive(MergedSubscription, Default)]
pub struct SubscriptionRoot(subscription::LiveSubscription);

/// The executable schema.
pub type AppSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// Deepest selection a query may nest.
const MAX_DEPTH: usize = 16;
/// Largest complexity (roughly, fields selected) a query may have.
const MAX_COMPLEXITY: usize = 5_000;

fn builder() -> SchemaBuilder<QueryRoot, MutationRoot, SubscriptionRoot> {
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        SubscriptionRoot::default(),
    )
    .limit_depth(MAX_DEPTH)
    .limit_complexity(MAX_COMPLEXITY)
}

/// The schema serving `db`. Each request also needs a loader: see [`loaders::new_loader`].
pub fn build_schema(db: Db) -> AppSchema {
    build_schema_with_events(db, Events::default())
}

/// The schema serving `db`, whose writes publish to and whose subscriptions listen to `events`.
pub fn build_schema_with_events(db: Db, events: Events) -> AppSchema {
    builder().data(db).data(events).finish()
}

/// The schema in SDL, as committed in `schema.graphql`.
pub fn sdl() -> String {
    builder().finish().sdl()
}
