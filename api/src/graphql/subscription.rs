//! Live updates for dashboards, over the GraphQL websocket protocol at `/graphql/ws`.

use async_graphql::{Context, Result, Subscription};
use futures::Stream;
use tokio::sync::broadcast::error::RecvError;

use super::context::{self, optional, region_by_code};
use super::report::Report;
use crate::store::reads;
use crate::telemetry;

/// The subscription half of the schema.
#[derive(Default)]
pub struct LiveSubscription;

#[Subscription]
impl LiveSubscription {
    /// Every report created or replaced from now on (by `postReport` or `POST /import`), once its
    /// write has committed. With `within`, only reports whose region, or one of whose observations'
    /// regions, is that region or below it. A re-post that changes nothing is not announced.
    async fn report_posted(
        &self,
        ctx: &Context<'_>,
        within: Option<String>,
    ) -> Result<impl Stream<Item = Report> + use<>> {
        let scope = optional(within.as_deref().map(|c| region_by_code(ctx, c)))
            .await?
            .map(|region| (region.level, region.id));
        let receiver = context::writes(ctx)?.events().subscribe();
        let db = context::db(ctx)?.read.clone();
        let live = telemetry::Subscription::start();
        Ok(futures::stream::unfold(
            (receiver, db, live),
            move |(mut receiver, db, live)| async move {
                loop {
                    let event = match receiver.recv().await {
                        Ok(event) => event,
                        Err(RecvError::Lagged(n)) => {
                            tracing::warn!(missed = n, "a reportPosted subscriber fell behind");
                            continue;
                        }
                        Err(RecvError::Closed) => return None,
                    };
                    if let Some((level, id)) = scope
                        && !event.is_within(level, id)
                    {
                        continue;
                    }
                    match reads::report_by_id(&db, event.report_id).await {
                        Ok(Some(model)) => {
                            live.delivered();
                            return Some((Report(model), (receiver, db, live)));
                        }
                        // Deleted since: nothing to announce.
                        Ok(None) => continue,
                        Err(e) => {
                            tracing::error!(error = %e, "loading a posted report failed");
                            continue;
                        }
                    }
                }
            },
        ))
    }
}
