//! Live updates for dashboards, over the GraphQL websocket protocol at `/graphql/ws`.

use std::time::Duration;

use async_graphql::{Context, Result, Subscription};
use futures::Stream;

use super::context::{self, optional, region_by_code};
use super::report::Report;
use crate::events::Follower;
use crate::store::reads;
use crate::telemetry;

/// The wait before loading an announced report again after the database failed.
const RETRY: Duration = Duration::from_secs(1);

/// The subscription half of the schema.
#[derive(Default)]
pub struct LiveSubscription;

#[Subscription]
impl LiveSubscription {
    /// Every report created or replaced from now on (by `postReport`, `POST /import` or a command
    /// line import, through any server of the database), once its write has committed, in commit
    /// order. With `within`, only reports whose region, or one of whose observations' regions, is
    /// that region or below it. A re-post that changes nothing is not announced, nor is a deletion.
    ///
    /// With `after` (a `Report.eventSeq` seen earlier), first every report created or replaced since
    /// that event, in order, then the live ones, without a gap or a duplicate. The log reaches back
    /// as far as the server's event retention: an `after` older than that is `HISTORY_EXPIRED`.
    async fn report_posted(
        &self,
        ctx: &Context<'_>,
        within: Option<String>,
        after: Option<i64>,
    ) -> Result<impl Stream<Item = Result<Report>> + use<>> {
        let scope = optional(within.as_deref().map(|c| region_by_code(ctx, c)))
            .await?
            .map(|region| (region.level, region.id));
        let db = context::db(ctx)?.read.clone();
        let follower = Follower::start(context::writes(ctx)?.events(), db.clone(), after).await?;
        let live = telemetry::Subscription::start();
        Ok(futures::stream::unfold(
            Some((follower, db, live)),
            move |state| async move {
                let (mut follower, db, live) = state?;
                loop {
                    let event = match follower.next().await? {
                        Ok(event) => event,
                        Err(e) => return Some((Err(e.into()), None)),
                    };
                    if let Some((level, id)) = scope
                        && !event.is_within(level, id)
                    {
                        continue;
                    }
                    let model = loop {
                        match reads::report_by_id(&db, event.report_id).await {
                            Ok(model) => break model,
                            Err(e) => {
                                tracing::warn!(error = %e, "loading an announced report failed; retrying");
                                tokio::time::sleep(RETRY).await;
                            }
                        }
                    };
                    // None: deleted since, nothing to announce.
                    if let Some(model) = model {
                        live.delivered();
                        let report = Report {
                            model,
                            event_seq: Some(event.seq),
                        };
                        return Some((Ok(report), Some((follower, db, live))));
                    }
                }
            },
        ))
    }
}
