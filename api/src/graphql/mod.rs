//! The GraphQL schema: one module per type, the query roots in `query` and `aggregate`, the writes in
//! `mutation`, live updates in `subscription`; what resolvers reach (database, settings, writers,
//! loaders, the caller) and the one way to execute a request in `context`; batched loading in
//! `loaders`; Relay connections in `paging`; debug spans per resolver in `spans`.

pub mod aggregate;
pub mod context;
pub mod cost;
pub mod extract;
pub mod hygiene;
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
pub mod spans;
pub mod subscription;

use async_graphql::{MergedObject, MergedSubscription, Schema, SchemaBuilder};

use std::sync::Arc;

use crate::config::Config;
use crate::store::Db;
use crate::writes::Writes;
use cost::ParsedQueries;

/// The query root: reads and aggregations.
#[derive(MergedObject, Default)]
pub struct QueryRoot(query::ReadQuery, aggregate::AggregateQuery, extract::ExtractQuery);

/// The mutation root: writes.
#[derive(MergedObject, Default)]
pub struct MutationRoot(mutation::WriteMutation);

/// The subscription root: live updates.
#[derive(MergedSubscription, Default)]
pub struct SubscriptionRoot(subscription::LiveSubscription);

/// The executable schema.
pub type AppSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// The schema's types, with no limits: see [`builder`].
pub(crate) fn types() -> SchemaBuilder<QueryRoot, MutationRoot, SubscriptionRoot> {
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        SubscriptionRoot::default(),
    )
}

/// The schema with the cost analysis of `config`'s limits, which every request passes before anything
/// runs (see [`cost`]), keeping its parsed documents in `parsed`.
fn builder(
    config: &Config,
    parsed: Arc<ParsedQueries>,
) -> SchemaBuilder<QueryRoot, MutationRoot, SubscriptionRoot> {
    let limits = cost::CostLimits::from(config);
    let builder = types().extension(cost::CostAnalysis::new(limits, parsed));
    if spans::ResolverSpans::wanted() {
        builder.extension(spans::ResolverSpans)
    } else {
        builder
    }
}

/// The schema serving `db` with the limits of `config`; its writes go through `writes`, its parsed
/// documents are kept in `parsed`. Each request runs through [`context::execute`], which gives it its
/// loaders.
pub fn schema(db: Db, config: Config, writes: Writes, parsed: Arc<ParsedQueries>) -> AppSchema {
    builder(&config, parsed)
        .data(db)
        .data(config)
        .data(writes)
        .finish()
}

/// The schema in SDL, as committed in `schema.graphql`.
pub fn sdl() -> String {
    builder(&Config::default(), Arc::default()).finish().sdl()
}
