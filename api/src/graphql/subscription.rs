//! Live updates for dashboards, over the GraphQL websocket protocol at `/graphql/ws`.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use async_graphql::{Context, Result, Subscription};
use entity::report;
use futures::Stream;
use sea_orm::DatabaseConnection;

use super::context::{self, optional, region_by_code};
use super::report::Report;
use crate::domain::Level;
use crate::events::{Follower, ReportEvent};
use crate::store::{Db, reads};
use crate::telemetry;

/// The wait before loading announced reports again after the database failed.
const RETRY: Duration = Duration::from_secs(1);
/// The most announced reports loaded at once.
const LOADED_AT_ONCE: usize = 256;
/// How long an announced report is waited for on a replica before it is read from the primary.
const REPLAY_WAIT: Duration = Duration::from_secs(2);
/// How often the replica is asked again meanwhile.
const REPLAY_POLL: Duration = Duration::from_millis(50);

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
        let db = context::db(ctx)?.clone();
        // The log is read where it is written: a replica may not have replayed the newest events.
        let follower = Follower::start(context::writes(ctx)?.events(), db.fresh().clone(), after).await?;
        let feed = Feed {
            follower,
            db,
            scope,
            ready: VecDeque::new(),
            live: telemetry::Subscription::start(),
        };
        Ok(futures::stream::unfold(Some(feed), |feed| async move {
            let mut feed = feed?;
            match feed.next().await? {
                Ok(report) => Some((Ok(report), Some(feed))),
                Err(e) => Some((Err(e), None)),
            }
        }))
    }
}

/// The reports one subscription announces, loaded a batch of events at a time.
struct Feed {
    follower: Follower,
    db: Db,
    scope: Option<(Level, i64)>,
    ready: VecDeque<Report>,
    live: telemetry::Subscription,
}

impl Feed {
    /// The next report to announce; an error ends the subscription.
    async fn next(&mut self) -> Option<Result<Report>> {
        loop {
            if let Some(report) = self.ready.pop_front() {
                self.live.delivered();
                return Some(Ok(report));
            }
            let batch = match self.follower.next_batch(LOADED_AT_ONCE).await? {
                Ok(batch) => batch,
                Err(e) => return Some(Err(e.into())),
            };
            let events: Vec<Arc<ReportEvent>> = batch
                .into_iter()
                .filter(|e| self.scope.is_none_or(|(level, id)| e.is_within(level, id)))
                .collect();
            let models = self.load(&events).await;
            // A report deleted since is not announced; one announced twice in a batch is loaded once.
            for event in events {
                if let Some(model) = models.get(&event.report_id) {
                    self.ready.push_back(Report {
                        model: model.clone(),
                        event_seq: Some(event.seq),
                    });
                }
            }
        }
    }

    /// The reports of `events` as they are now, by id. They are read from the read pool; with a replica,
    /// a report it has not replayed yet is waited for (its observations arrive in the same
    /// transaction) and, after [`REPLAY_WAIT`], read from the primary. A report in neither was deleted.
    async fn load(&self, events: &[Arc<ReportEvent>]) -> HashMap<i64, report::Model> {
        if events.is_empty() {
            return HashMap::new();
        }
        let mut ids: Vec<i64> = events.iter().map(|e| e.report_id).collect();
        ids.sort_unstable();
        ids.dedup();
        let mut found = load_from(&self.db.read, &ids).await;
        if self.db.has_replica() {
            let waited = tokio::time::Instant::now();
            let mut missing: Vec<i64> = ids.iter().copied().filter(|id| !found.contains_key(id)).collect();
            while !missing.is_empty() && waited.elapsed() < REPLAY_WAIT {
                tokio::time::sleep(REPLAY_POLL).await;
                found.extend(load_from(&self.db.read, &missing).await);
                missing.retain(|id| !found.contains_key(id));
            }
            if !missing.is_empty() {
                found.extend(load_from(self.db.fresh(), &missing).await);
            }
        }
        found
    }
}

/// The reports `ids` on `conn`, by id (retrying while the database fails).
async fn load_from(conn: &DatabaseConnection, ids: &[i64]) -> HashMap<i64, report::Model> {
    loop {
        match reads::all_in::<report::Entity, _>(conn, report::Column::Id, ids).await {
            Ok(models) => return models.into_iter().map(|m| (m.id, m)).collect(),
            Err(e) => {
                tracing::warn!(error = %e, "loading announced reports failed; retrying");
                tokio::time::sleep(RETRY).await;
            }
        }
    }
}
