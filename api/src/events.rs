//! The report-posted events that live subscriptions listen to: published by the writers once a write
//! has committed, delivered to every subscriber of this server.

use std::sync::Arc;

use tokio::sync::broadcast;

use crate::domain::{Level, RegionPath};

/// A report was created or replaced (published after the commit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportEvent {
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

/// The channel of [`ReportEvent`]s of one server: writers publish, subscriptions listen.
#[derive(Clone)]
pub struct Events {
    sender: broadcast::Sender<Arc<ReportEvent>>,
}

impl Events {
    /// A channel on which a subscriber may fall `buffer` events behind before it misses some.
    pub fn new(buffer: usize) -> Events {
        Events {
            sender: broadcast::channel(buffer.max(1)).0,
        }
    }

    /// A receiver of the events published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<ReportEvent>> {
        self.sender.subscribe()
    }

    /// Publishes an event to every current subscriber (none is fine).
    pub fn publish(&self, event: ReportEvent) {
        let _ = self.sender.send(Arc::new(event));
    }
}

impl std::fmt::Debug for Events {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Events")
            .field("subscribers", &self.sender.receiver_count())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_match_their_paths() {
        let event = ReportEvent {
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
        events.publish(ReportEvent {
            report_id: 1,
            paths: Vec::new(),
        });
        let mut receiver = events.subscribe();
        events.publish(ReportEvent {
            report_id: 2,
            paths: Vec::new(),
        });
        assert_eq!(receiver.recv().await.map(|e| e.report_id).ok(), Some(2));
    }
}
