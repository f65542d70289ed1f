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

use std::sync::{Arc, OnceLock};

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest};
use async_graphql::{
    Data, MergedObject, MergedSubscription, Request, Response, Schema, SchemaBuilder, SchemaEnv, ServerResult,
};
use futures::StreamExt;
use futures::stream::BoxStream;

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

/// The executable schema: async-graphql's schema, every request measured by the cost analysis first
/// (see [`cost`]). The analysis runs here rather than as a schema extension because, with any extension
/// installed, async-graphql sends every field of every object through the extension chain (8 % of the
/// instructions of a request for 20 reports with their 211 figures, BENCHMARKS.md).
#[derive(Clone)]
pub struct AppSchema {
    schema: Schema<QueryRoot, MutationRoot, SubscriptionRoot>,
    cost: Arc<cost::CostAnalysis>,
    /// The schema's environment, for its registry of types, which the analysis walks.
    env: SchemaEnv,
}

impl async_graphql::Executor for AppSchema {
    async fn execute(&self, request: Request) -> Response {
        match self.cost.prepare(&self.env.registry, request) {
            Ok(request) => self.schema.execute(request).await,
            Err(refused) => Response::from_errors(vec![refused]),
        }
    }

    fn execute_stream(
        &self,
        request: Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        match self.cost.prepare(&self.env.registry, request) {
            Ok(request) => async_graphql::Executor::execute_stream(&self.schema, request, session_data),
            Err(refused) => {
                futures::stream::once(async move { Response::from_errors(vec![refused]) }).boxed()
            }
        }
    }
}

/// The environment of a schema built by `builder`. async-graphql shows it only to extensions, so a
/// throwaway schema with an extension that keeps it answers one `{ __typename }`.
pub(crate) fn environment(builder: SchemaBuilder<QueryRoot, MutationRoot, SubscriptionRoot>) -> SchemaEnv {
    struct Keep(Arc<OnceLock<SchemaEnv>>);
    impl ExtensionFactory for Keep {
        fn create(&self) -> Arc<dyn Extension> {
            Arc::new(Keep(self.0.clone()))
        }
    }
    #[async_graphql::async_trait::async_trait]
    impl Extension for Keep {
        async fn prepare_request(
            &self,
            ctx: &ExtensionContext<'_>,
            request: Request,
            next: NextPrepareRequest<'_>,
        ) -> ServerResult<Request> {
            let _ = self.0.set(ctx.schema_env.clone());
            next.run(ctx, request).await
        }
    }
    let kept = Arc::new(OnceLock::new());
    let schema = builder.extension(Keep(kept.clone())).finish();
    futures::executor::block_on(schema.execute("{ __typename }"));
    kept.get().cloned().expect("a request passes prepare_request")
}

/// The schema's types, with no limits: see [`builder`].
pub(crate) fn types() -> SchemaBuilder<QueryRoot, MutationRoot, SubscriptionRoot> {
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        SubscriptionRoot::default(),
    )
}

/// The schema's types, with a debug span per resolver when the log asks for them (see [`spans`]).
fn builder() -> SchemaBuilder<QueryRoot, MutationRoot, SubscriptionRoot> {
    if spans::ResolverSpans::wanted() {
        types().extension(spans::ResolverSpans)
    } else {
        types()
    }
}

/// The schema serving `db` with the limits of `config`; its writes go through `writes`, its parsed
/// documents are kept in `parsed`. Each request runs through [`context::execute`], which gives it its
/// loaders.
pub fn schema(db: Db, config: Config, writes: Writes, parsed: Arc<ParsedQueries>) -> AppSchema {
    let cost = Arc::new(cost::CostAnalysis::new(cost::CostLimits::from(&config), parsed));
    AppSchema {
        schema: builder().data(db).data(config).data(writes).finish(),
        cost,
        env: environment(types()),
    }
}

/// The schema in SDL, as committed in `schema.graphql`.
pub fn sdl() -> String {
    types().finish().sdl()
}
