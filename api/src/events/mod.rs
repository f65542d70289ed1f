//! The report events that live subscriptions listen to.
//!
//! Every write that creates or replaces reports records one event per report in the database's event
//! log, in its own transaction (`store::events`): an event exists if and only if its write committed,
//! and its sequence number gives its place in commit order. Each server runs one tailer (`tailer`)
//! that reads the log as it grows, woken by its own writers, by PostgreSQL notifications from any
//! server or process, and by a timer, and publishes each event once, in order, on the server's
//! [`Events`] channel. A subscription's [`Follower`] replays the log after a sequence number and then
//! follows the channel.

mod follow;
pub mod tailer;

pub use follow::Follower;

use std::sync::Arc;

use sea_orm::{DatabaseConnection, DbErr};
use tokio::sync::{Notify, broadcast};

use crate::domain::{Level, RegionPath};
use crate::store::events as log;

/// A report was created or replaced (its write has committed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportEvent {
    /// The event's place in the log: increasing in commit order, across every server.
    pub seq: i64,
    pub report_id: i64,
    /// The paths of the report's region and of its observations' regions.
    pub paths: Vec<RegionPath>,
}

impl ReportEvent {
    /// Whether the report is within the region `id` at `level`: its own region or one of its
    /// observations' regions is that region or below it.
    pub fn is_within(&self, level: Level, id: i64) -> bool {
        self.paths.iter().any(|p| p.is_within(level, id))
    }
}

/// The channel of [`ReportEvent`]s of one server: the tailer publishes, subscriptions listen, and
/// writers poke the tailer when they have committed events.
#[derive(Clone)]
pub struct Events {
    sender: broadcast::Sender<Arc<ReportEvent>>,
    poke: Arc<Notify>,
}

impl Events {
    /// A channel on which a subscriber may fall `buffer` events behind before it has to read what it
    /// missed from the log.
    pub fn new(buffer: usize) -> Events {
        Events {
            sender: broadcast::channel(buffer.max(1)).0,
            poke: Arc::default(),
        }
    }

    /// A receiver of the events published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<ReportEvent>> {
        self.sender.subscribe()
    }

    /// Publishes an event to every current subscriber (none is fine).
    pub fn publish(&self, event: Arc<ReportEvent>) {
        let _ = self.sender.send(event);
    }

    /// Tells the tailer that new events have committed (a poke while it reads is kept for after).
    pub fn poke(&self) {
        self.poke.notify_one();
    }

    /// Waits for a [`poke`](Events::poke).
    pub async fn poked(&self) {
        self.poke.notified().await;
    }
}

impl std::fmt::Debug for Events {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Events")
            .field("subscribers", &self.sender.receiver_count())
            .finish()
    }
}

/// One entry of the log as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Logged {
    /// A report event.
    Event(Arc<ReportEvent>),
    /// The marker of pruned history: the events up to this sequence number that were not read yet
    /// are gone.
    Pruned(i64),
}

/// A page of the log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogPage {
    /// The events and markers, in order; events of reports deleted since are left out.
    pub entries: Vec<Logged>,
    /// The sequence number of the last row read, when any was.
    pub last: Option<i64>,
    /// Whether the page reached the end of the log (it has fewer rows than asked for).
    pub complete: bool,
}

/// The first `limit` rows of the log after `seq`, with the regions of their reports.
pub async fn read_after(db: &DatabaseConnection, seq: i64, limit: usize) -> Result<LogPage, DbErr> {
    let rows = log::after(db, seq, limit).await?;
    let ids: Vec<i64> = rows.iter().filter_map(|r| r.report_id).collect();
    let paths = log::report_paths(db, &ids).await?;
    let entries = rows
        .iter()
        .filter_map(|row| match row.report_id {
            None => Some(Logged::Pruned(row.seq)),
            Some(report_id) => {
                // Several events of one report in a page share its paths.
                let paths = paths.get(&report_id)?.clone();
                Some(Logged::Event(Arc::new(ReportEvent {
                    seq: row.seq,
                    report_id,
                    paths,
                })))
            }
        })
        .collect();
    Ok(LogPage {
        entries,
        last: rows.last().map(|r| r.seq),
        complete: rows.len() < limit,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_match_their_paths() {
        let event = ReportEvent {
            seq: 1,
            report_id: 1,
            paths: vec![RegionPath::from_ids([1, 2, 3, 4, 0])],
        };
        assert!(event.is_within(Level::County, 3));
        assert!(event.is_within(Level::Town, 4));
        assert!(!event.is_within(Level::Town, 5));
        assert!(!event.is_within(Level::Village, 4));
    }

    #[tokio::test]
    async fn subscribers_receive_what_is_published_after_they_subscribe() {
        let events = Events::new(4);
        let event = |seq| {
            Arc::new(ReportEvent {
                seq,
                report_id: seq,
                paths: Vec::new(),
            })
        };
        events.publish(event(1));
        let mut receiver = events.subscribe();
        events.publish(event(2));
        assert_eq!(receiver.recv().await.map(|e| e.report_id).ok(), Some(2));
    }

    #[tokio::test]
    async fn a_poke_before_the_wait_is_kept() {
        let events = Events::new(4);
        events.poke();
        tokio::time::timeout(std::time::Duration::from_secs(5), events.poked())
            .await
            .expect("the poke was kept");
    }
}
