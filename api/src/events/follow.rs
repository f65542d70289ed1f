//! Following the events from a point of the log: first the history after it, read from the log page by
//! page, then the server's channel, without a gap or a duplicate. A follower that falls too far behind
//! the channel reads what it missed from the log again.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use sea_orm::DatabaseConnection;
use tokio::sync::broadcast::{self, error::RecvError, error::TryRecvError};

use super::{Events, Logged, ReportEvent, read_after};
use crate::error::ApiError;
use crate::store::events as log;

/// Rows read from the log per page.
const PAGE: usize = 256;
/// The wait before reading the log again after it failed.
const RETRY: Duration = Duration::from_secs(1);

/// The events after a sequence number, in order, each once.
pub struct Follower {
    receiver: broadcast::Receiver<Arc<ReportEvent>>,
    db: DatabaseConnection,
    /// Every event up to this sequence number has been yielded or read into `backlog`.
    cursor: i64,
    /// Whether the log still has to be read up to its end before the channel is followed.
    replaying: bool,
    backlog: VecDeque<Arc<ReportEvent>>,
    /// Set once the history was found pruned: nothing more follows.
    ended: bool,
}

impl Follower {
    /// Follows the events of `events` after `after`, replaying the log of `db` from there; without
    /// `after`, the events from now on. An `after` beyond the log's last event is `BAD_INPUT`; one
    /// whose following events were pruned is `HISTORY_EXPIRED`.
    pub async fn start(
        events: &Events,
        db: DatabaseConnection,
        after: Option<i64>,
    ) -> Result<Follower, ApiError> {
        // Subscribed before the log is read: whatever is published meanwhile is in one or the other.
        let receiver = events.subscribe();
        let latest = log::latest(&db).await?;
        let cursor = match after {
            None => latest,
            Some(after) if after < 0 => {
                return Err(ApiError::bad_input(format!(
                    "after: {after} is not an event sequence number"
                )));
            }
            Some(after) if after > latest => {
                return Err(ApiError::bad_input(format!(
                    "after: {after} is beyond the last event ({latest})"
                )));
            }
            Some(after) => {
                if let Some(log::Logged { seq, report_id: None }) = log::after(&db, after, 1).await?.first() {
                    return Err(expired(*seq));
                }
                after
            }
        };
        Ok(Follower {
            receiver,
            db,
            cursor,
            replaying: true,
            backlog: VecDeque::new(),
            ended: false,
        })
    }

    /// The next event; `HISTORY_EXPIRED` (and then the end) when events not yet read were pruned, and
    /// the end when the channel closes.
    pub async fn next(&mut self) -> Option<Result<Arc<ReportEvent>, ApiError>> {
        let mut failing = false;
        loop {
            if self.ended {
                return None;
            }
            if let Some(event) = self.backlog.pop_front() {
                return Some(Ok(event));
            }
            if self.replaying {
                let page = match read_after(&self.db, self.cursor, PAGE).await {
                    Ok(page) => page,
                    Err(e) => {
                        if !failing {
                            tracing::warn!(error = %e, "replaying report events failed; retrying");
                            failing = true;
                        }
                        tokio::time::sleep(RETRY).await;
                        continue;
                    }
                };
                for entry in page.entries {
                    match entry {
                        Logged::Event(event) => self.backlog.push_back(event),
                        // The marker is the log's first row: nothing was queued before it.
                        Logged::Pruned(seq) => {
                            self.ended = true;
                            return Some(Err(expired(seq)));
                        }
                    }
                }
                if let Some(last) = page.last {
                    self.cursor = last;
                }
                self.replaying = !page.complete;
                continue;
            }
            match self.receiver.recv().await {
                Ok(event) if event.seq > self.cursor => {
                    self.cursor = event.seq;
                    return Some(Ok(event));
                }
                Ok(_) => continue,
                Err(RecvError::Lagged(missed)) => {
                    tracing::debug!(missed, "a reportPosted subscriber fell behind; reading the log");
                    self.replaying = true;
                }
                Err(RecvError::Closed) => return None,
            }
        }
    }

    /// The next events, at most `max`: the next one (waiting for it as [`next`](Follower::next)
    /// does) and those already at hand after it, so that a follower far behind handles them by the
    /// page.
    pub async fn next_batch(&mut self, max: usize) -> Option<Result<Vec<Arc<ReportEvent>>, ApiError>> {
        let first = match self.next().await? {
            Ok(event) => event,
            Err(e) => return Some(Err(e)),
        };
        let mut batch = vec![first];
        while batch.len() < max {
            if let Some(event) = self.backlog.pop_front() {
                batch.push(event);
                continue;
            }
            if self.replaying {
                break;
            }
            match self.receiver.try_recv() {
                Ok(event) if event.seq > self.cursor => {
                    self.cursor = event.seq;
                    batch.push(event);
                }
                Ok(_) => {}
                Err(TryRecvError::Lagged(_)) => {
                    self.replaying = true;
                    break;
                }
                Err(TryRecvError::Empty | TryRecvError::Closed) => break,
            }
        }
        Some(Ok(batch))
    }
}

fn expired(seq: i64) -> ApiError {
    ApiError::Expired(format!(
        "after: the events up to {seq} are no longer kept; reload and subscribe again without `after`"
    ))
}
