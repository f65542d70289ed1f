//! Debug-level spans, one per resolver (its path, parent type and return type), so that a trace shows
//! where a request's time went; the SQL statements run inside them are debug events of `store`.
//! Installed only when something listens at that level (`RUST_LOG` or the OpenTelemetry filter), so
//! that they cost nothing otherwise.

use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextResolve, ResolveInfo};
use async_graphql::{ServerResult, Value};
use tracing::Instrument;

/// The extension that wraps each resolver in a `resolve` span.
pub struct ResolverSpans;

impl ResolverSpans {
    /// Whether a subscriber listens to the resolvers' spans.
    pub fn wanted() -> bool {
        tracing::enabled!(target: "civicgraph::graphql::spans", tracing::Level::DEBUG)
    }
}

impl ExtensionFactory for ResolverSpans {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ResolverSpans)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for ResolverSpans {
    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        let span = tracing::debug_span!(
            "resolve",
            field = %info.path_node,
            parent_type = info.parent_type,
            return_type = info.return_type,
        );
        next.run(ctx, info).instrument(span).await
    }
}
