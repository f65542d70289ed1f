//! The tailer of one server: reads the event log as it grows and publishes each event once, in order,
//! to the server's subscribers, whatever server or process wrote it; and the pruning of the log.
//!
//! It reads when the server's own writers poke it, when PostgreSQL notifies a commit from anywhere
//! (one dedicated connection that listens and reconnects by itself with backoff), and on a timer: every
//! 250 ms on SQLite, where it is the only way to hear of other processes writing the same file, and
//! every 5 s on PostgreSQL, as a safety net for notifications lost while reconnecting.

use std::time::Duration;

use sea_orm::DbBackend;
use sea_orm::sqlx::postgres::{PgListener, PgPoolOptions};
use tokio_util::sync::CancellationToken;

use super::{Events, Logged, read_after};
use crate::store::{Db, events as log};

/// How often the log is read without being told to, by backend.
const POLL_SQLITE: Duration = Duration::from_millis(250);
const POLL_POSTGRES: Duration = Duration::from_secs(5);
/// Rows read per page.
const PAGE: usize = 500;
/// Waits between attempts to (re)connect the listening connection.
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
const LAST_BACKOFF: Duration = Duration::from_secs(5);
/// The longest pause between two prunings.
const PRUNE_EVERY: Duration = Duration::from_secs(60);

/// Starts the tasks that feed `events` from the log of `db` (and listen on PostgreSQL), and the one
/// that prunes events older than `retention` (none when it is zero), until `stop` is cancelled.
pub fn spawn(db: Db, events: Events, retention: Duration, stop: CancellationToken) {
    if db.backend() == DbBackend::Postgres {
        tokio::spawn(listen(db.clone(), events.clone(), stop.clone()));
    }
    if !retention.is_zero() {
        tokio::spawn(prune(db.clone(), retention, stop.clone()));
    }
    tokio::spawn(tail(db, events, stop));
}

async fn tail(db: Db, events: Events, stop: CancellationToken) {
    let poll = match db.backend() {
        DbBackend::Postgres => POLL_POSTGRES,
        _ => POLL_SQLITE,
    };
    // Where the log ended when this server started: what it holds already is history.
    let mut last = None;
    let mut failing = false;
    loop {
        match catch_up(&db, &events, &mut last).await {
            Ok(()) => failing = false,
            Err(e) if !failing => {
                failing = true;
                tracing::warn!(error = %e, "reading the report event log failed; retrying");
            }
            Err(e) => tracing::debug!(error = %e, "reading the report event log failed again"),
        }
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = events.poked() => {}
            _ = tokio::time::sleep(poll) => {}
        }
    }
}

/// Publishes every event after `last`, in order, advancing `last` as it goes.
async fn catch_up(db: &Db, events: &Events, last: &mut Option<i64>) -> Result<(), sea_orm::DbErr> {
    let mut seq = match *last {
        Some(seq) => seq,
        None => {
            *last = Some(log::latest(&db.tail).await?);
            return Ok(());
        }
    };
    loop {
        let page = read_after(&db.tail, seq, PAGE).await?;
        for entry in page.entries {
            match entry {
                Logged::Event(event) => events.publish(event),
                Logged::Pruned(at) => {
                    tracing::warn!(
                        seq = at,
                        "report events were pruned before this server announced them"
                    );
                }
            }
        }
        if let Some(read) = page.last {
            seq = read;
            *last = Some(read);
        }
        if page.complete {
            return Ok(());
        }
    }
}

/// Listens for PostgreSQL notifications of committed events on a connection of its own, poking the
/// tailer for each and whenever it (re)connects, since notifications sent meanwhile are lost.
async fn listen(db: Db, events: Events, stop: CancellationToken) {
    let options = db.write.get_postgres_connection_pool().connect_options();
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .min_connections(0)
        .max_lifetime(None)
        .idle_timeout(None)
        .acquire_timeout(LAST_BACKOFF)
        .connect_lazy_with((*options).clone());
    let mut backoff = FIRST_BACKOFF;
    loop {
        let connect = async {
            let mut listener = PgListener::connect_with(&pool).await?;
            listener.listen(log::CHANNEL).await?;
            Ok::<_, sea_orm::sqlx::Error>(listener)
        };
        let connected = tokio::select! {
            _ = stop.cancelled() => return,
            connected = connect => connected,
        };
        match connected {
            Ok(mut listener) => {
                tracing::debug!("listening for report events");
                backoff = FIRST_BACKOFF;
                events.poke();
                loop {
                    let received = tokio::select! {
                        _ = stop.cancelled() => return,
                        received = listener.try_recv() => received,
                    };
                    match received {
                        // A notification, or a connection lost and made again (poke to catch up).
                        Ok(_) => events.poke(),
                        Err(e) => {
                            tracing::warn!(error = %e, "the connection listening for report events was lost");
                            break;
                        }
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot listen for report events; retrying"),
        }
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(backoff) => {}
        }
        backoff = (backoff * 2).min(LAST_BACKOFF);
    }
}

/// Deletes the events older than `retention`, every half of it (at most every minute).
async fn prune(db: Db, retention: Duration, stop: CancellationToken) {
    let every = (retention / 2).clamp(Duration::from_secs(1), PRUNE_EVERY);
    let Ok(age) = chrono::Duration::from_std(retention) else {
        return;
    };
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(every) => {}
        }
        let Some(before) = chrono::Utc::now().checked_sub_signed(age) else {
            continue;
        };
        match log::prune(&db, before).await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(deleted = n, "pruned report events"),
            Err(e) => tracing::warn!(error = %e, "pruning report events failed"),
        }
    }
}
