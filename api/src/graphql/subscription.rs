//! Live updates for dashboards, over the GraphQL websocket protocol at `/graphql/ws`.

use async_graphql::{Context, Result, Subscription};
use entity::report;
use futures::Stream;
use sea_orm::EntityTrait;
use tokio::sync::broadcast::error::RecvError;

use super::query::region_by_code;
use super::report::Report;
use crate::db::Db;
use crate::error::ApiError;
use crate::import::post::Events;
use crate::model::Level;

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
        let scope = match within {
            Some(code) => {
                let region = region_by_code(ctx, &code).await?;
                let level = Level::from_depth(region.level).unwrap_or(Level::Village);
                Some((level, region.id))
            }
            None => None,
        };
        let events = ctx
            .data_opt::<Events>()
            .ok_or_else(|| ApiError::Internal("no event channel".into()))?;
        let receiver = events.subscribe();
        let db = ctx.data_unchecked::<Db>().read.clone();
        Ok(futures::stream::unfold(
            (receiver, db),
            move |(mut receiver, db)| async move {
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
                    match report::Entity::find_by_id(event.report_id).one(&db).await {
                        Ok(Some(model)) => return Some((Report(model), (receiver, db))),
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
