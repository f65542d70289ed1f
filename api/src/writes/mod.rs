//! Writes through the API: one report at a time (`postReport`), small upserts of regions, metrics and
//! programs, `deleteReport`, and the streamed bulk import of `POST /import`. Each write that creates
//! or replaces reports records their events in its own transaction (`store::events`) and, once it
//! has committed, pokes the server's tailer, which announces them (see `events`).
//!
//! Single writes do not preload every code as a bulk import does: they load only the codes they
//! reference, check them with the same `interchange::validate` rules and write them with the same
//! `store::writer` functions, all in one write transaction, so nothing is ever partly written.
//!
//! Concurrency.
//! - In one server, posts and deletes share a gate that upserts and bulk imports take exclusively
//!   (see [`Writes`]); writers wait there without holding a database connection.
//! - On SQLite every write transaction begins `IMMEDIATE` on the single writer connection (and the
//!   file lock serializes several processes), so writes never interleave; posts that arrive together
//!   are written in one transaction (group commit, see `queue`), each with the outcome it would have
//!   had alone.
//! - On PostgreSQL, transactions take advisory locks (`store::locks`) before they read anything: a
//!   report write takes the report's own lock and the shared "tree" lock, so any number of posts of the
//!   same report, from any number of server processes, run one after the other and all but the first
//!   see the stored report (`UNCHANGED` or `REPLACED`); upserts and `POST /import` take the tree lock
//!   exclusively and run alone, as on SQLite. A transaction that records report events takes the
//!   events lock last, just before them, so that their sequence numbers commit in order. A post
//!   that still meets a unique-key violation (from a command line import, which takes no lock) is
//!   retried.

mod bulk;
mod error;
mod post;
mod queue;
mod upsert;

pub use error::{ItemError, WriteError};
pub use post::{PostStatus, Posted};

use std::sync::Arc;

use tokio::sync::RwLock;

use crate::config::Config;
use crate::events::Events;
use crate::ingest::ImportOptions;
use crate::store::Db;
use queue::PostQueue;

/// The writers of one server: the database, the events they poke, the gate they share and the
/// queue of posts waiting to be written together (SQLite).
///
/// The gate is taken before a connection is: shared by posts and deletes, exclusive for upserts and
/// bulk imports. Writers that must wait for a bulk import therefore wait here, holding no database
/// connection, and cannot starve the import (or each other) of the pool.
#[derive(Clone)]
pub struct Writes {
    db: Db,
    events: Events,
    gate: Arc<RwLock<()>>,
    queue: Arc<PostQueue>,
    /// Options of the importers behind upserts and bulk imports.
    import: ImportOptions,
}

impl Writes {
    /// The writers of a server on `db` publishing to `events`.
    pub fn new(db: Db, events: Events, config: &Config) -> Writes {
        Writes {
            db,
            events,
            gate: Arc::default(),
            queue: Arc::new(PostQueue::new(config.posts_per_batch)),
            import: ImportOptions::new(config),
        }
    }

    /// The events of the writes (and of every other writer of the database).
    pub fn events(&self) -> &Events {
        &self.events
    }

    /// The database written to.
    pub fn db(&self) -> &Db {
        &self.db
    }
}

impl std::fmt::Debug for Writes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writes")
            .field("events", &self.events)
            .finish_non_exhaustive()
    }
}
