//! The GraphQL schema: one module per type, the query root in `query`, loaders in `loaders`.

pub mod loaders;
pub mod metric;
pub mod observation;
pub mod paging;
pub mod program;
pub mod query;
pub mod region;
pub mod report;
pub mod scalars;

use async_graphql::{EmptyMutation, EmptySubscription, MergedObject, Schema, SchemaBuilder};

use crate::db::Db;

/// The query root: reads and aggregations.
#[derive(MergedObject, Default)]
pub struct QueryRoot(query::ReadQuery);

/// The mutation root.
pub type MutationRoot = EmptyMutation;

/// The subscription root.
pub type SubscriptionRoot = EmptySubscription;

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
    builder().data(db).finish()
}

/// The schema in SDL, as committed in `schema.graphql`.
pub fn sdl() -> String {
    builder().finish().sdl()
}
