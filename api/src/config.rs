//! Every setting and limit of a running civicgraph, in one place.
//!
//! [`Config`] is read once, from `serve`'s flags or the environment (`CIVICGRAPH_…`), and carried by the
//! application state: the pools, the GraphQL schema, the importers and the HTTP layer all take their
//! limits from it. Commands other than `serve` use [`Config::default`], which reads the environment too.
//! README.md lists every setting.

use std::num::NonZeroU32;
use std::time::Duration;

use clap::{Args, Parser, ValueEnum};

/// The database used when neither `--db` nor `DATABASE_URL` names one.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://civicgraph.db";
/// The address `serve` listens on by default.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8000";

/// How log lines are written to standard error (`--log-format`, `CIVICGRAPH_LOG_FORMAT`).
#[derive(ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// Plain text, one event a line (coloured only on a terminal).
    #[default]
    Text,
    /// One JSON object a line, its fields at the top level.
    Json,
}

/// The settings and limits of a server (flags of `serve`, or `CIVICGRAPH_*` variables).
#[derive(Args, Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// A streaming replica of the PostgreSQL database: queries and subscriptions read from it, while
    /// writes and what a mutation answers use the primary (`--db`).
    #[arg(long = "db-read", env = "DATABASE_READ_URL")]
    pub database_read_url: Option<String>,

    /// Require a token for reads too.
    #[arg(long, env = "CIVICGRAPH_PRIVATE")]
    pub private: bool,

    /// Largest `POST /graphql` body, in bytes.
    #[arg(long, env = "CIVICGRAPH_GRAPHQL_BODY_LIMIT", default_value_t = 2 * 1024 * 1024)]
    pub graphql_body_limit: usize,
    /// Largest `POST /import` body, in bytes.
    #[arg(long, env = "CIVICGRAPH_IMPORT_BODY_LIMIT", default_value_t = 1024 * 1024 * 1024)]
    pub import_body_limit: usize,

    /// Largest cost a query may have (a field 1, a connection its page size times one item, an
    /// aggregation 1,000; see README.md), checked before anything runs.
    #[arg(long, env = "CIVICGRAPH_MAX_COST", default_value_t = 50_000)]
    pub max_cost: u64,
    /// Deepest selection a query may nest.
    #[arg(long, env = "CIVICGRAPH_MAX_DEPTH", default_value_t = 16)]
    pub max_depth: usize,
    /// Most aliased fields a query may write.
    #[arg(long, env = "CIVICGRAPH_MAX_ALIASES", default_value_t = 200)]
    pub max_aliases: u64,
    /// Most fields an operation may select at its root.
    #[arg(long, env = "CIVICGRAPH_MAX_ROOT_FIELDS", default_value_t = 50)]
    pub max_root_fields: u64,
    /// Rows a list returns when `first` is not given.
    #[arg(long, env = "CIVICGRAPH_DEFAULT_PAGE_SIZE", default_value_t = 20)]
    pub default_page_size: u64,
    /// The most rows one page returns (a larger `first` is clamped).
    #[arg(long, env = "CIVICGRAPH_MAX_PAGE_SIZE", default_value_t = 100)]
    pub max_page_size: u64,
    /// Longest `search` text, in characters.
    #[arg(long, env = "CIVICGRAPH_MAX_SEARCH_LENGTH", default_value_t = 200)]
    pub max_search_length: usize,
    /// Most items one `upsertRegions`/`upsertMetrics`/`upsertPrograms` call takes.
    #[arg(long, env = "CIVICGRAPH_MAX_UPSERT_ITEMS", default_value_t = 10_000)]
    pub max_upsert_items: usize,

    /// Requests per second one client may send (its bearer token, else its address), in bursts of as
    /// many; over it a request is refused with 429 and `RATE_LIMITED`. Off when not given.
    #[arg(long, env = "CIVICGRAPH_RATE_LIMIT")]
    pub rate_limit: Option<NonZeroU32>,

    /// Seconds a GraphQL request may run; then it answers `TIMEOUT` (PostgreSQL cancels its
    /// statements at the same limit).
    #[arg(long, env = "CIVICGRAPH_REQUEST_TIMEOUT", default_value_t = 10)]
    pub request_timeout_secs: u64,
    /// Pool connections one request may hold at once.
    #[arg(long, env = "CIVICGRAPH_MAX_CONNECTIONS_PER_REQUEST", default_value_t = 4)]
    pub max_connections_per_request: u32,

    /// Read connections of an SQLite database (it always has one writer connection besides).
    #[arg(long, env = "CIVICGRAPH_SQLITE_READERS", default_value_t = 8)]
    pub sqlite_readers: u32,
    /// Page cache of each SQLite reader connection, in KiB.
    #[arg(long, env = "CIVICGRAPH_SQLITE_READER_CACHE_KIB", default_value_t = 16 * 1024)]
    pub sqlite_reader_cache_kib: u32,
    /// Page cache of the SQLite writer connection, in KiB (bulk imports update indexes at random places).
    #[arg(long, env = "CIVICGRAPH_SQLITE_WRITER_CACHE_KIB", default_value_t = 64 * 1024)]
    pub sqlite_writer_cache_kib: u32,
    /// Seconds SQLite waits for a lock held by another process before failing.
    #[arg(long, env = "CIVICGRAPH_SQLITE_BUSY_TIMEOUT", default_value_t = 30)]
    pub sqlite_busy_timeout_secs: u64,
    /// Seconds a request waits for an SQLite connection.
    #[arg(long, env = "CIVICGRAPH_SQLITE_ACQUIRE_TIMEOUT", default_value_t = 5)]
    pub sqlite_acquire_timeout_secs: u64,
    /// Connections of a PostgreSQL pool.
    #[arg(long, env = "CIVICGRAPH_POSTGRES_CONNECTIONS", default_value_t = 16)]
    pub postgres_connections: u32,
    /// Seconds a request waits for a PostgreSQL connection (and a new connection may take): when the
    /// database is down, requests fail this fast with `SERVICE_UNAVAILABLE`.
    #[arg(long, env = "CIVICGRAPH_POSTGRES_ACQUIRE_TIMEOUT", default_value_t = 2)]
    pub postgres_acquire_timeout_secs: u64,
    /// Prepared statements kept per connection.
    #[arg(long, env = "CIVICGRAPH_STATEMENT_CACHE", default_value_t = 32)]
    pub statement_cache: usize,

    /// Observations an import buffers before it writes a batch of reports.
    #[arg(long, env = "CIVICGRAPH_IMPORT_BATCH_OBSERVATIONS", default_value_t = 20_000)]
    pub import_batch_observations: usize,
    /// Reports an import buffers before it writes a batch.
    #[arg(long, env = "CIVICGRAPH_IMPORT_BATCH_REPORTS", default_value_t = 2_000)]
    pub import_batch_reports: usize,
    /// Errors an import lists in full; the rest are only counted.
    #[arg(long, env = "CIVICGRAPH_IMPORT_MAX_LISTED_ERRORS", default_value_t = 1_000)]
    pub import_max_listed_errors: usize,
    /// Posts written in one transaction on SQLite (group commit).
    #[arg(long, env = "CIVICGRAPH_POSTS_PER_BATCH", default_value_t = 256)]
    pub posts_per_batch: usize,
    /// Events a slow subscriber may fall behind the server's channel before it reads what it missed
    /// from the event log instead.
    #[arg(long, env = "CIVICGRAPH_EVENT_BUFFER", default_value_t = 4_096)]
    pub event_buffer: usize,
    /// Seconds the report event log keeps an event (how far back `reportPosted(after:)` reaches);
    /// 0 keeps every event.
    #[arg(long, env = "CIVICGRAPH_EVENT_RETENTION", default_value_t = 7 * 24 * 3600)]
    pub event_retention_secs: u64,
}

/// Parses nothing but the environment, for [`Config::default`].
#[derive(Parser)]
struct Defaults {
    #[command(flatten)]
    config: Config,
}

impl Default for Config {
    /// The defaults, overridden by any `CIVICGRAPH_*` variable that is set.
    fn default() -> Self {
        Defaults::try_parse_from(["civicgraph"])
            .map(|d| d.config)
            .unwrap_or_else(|e| e.exit())
    }
}

impl Config {
    /// How long SQLite waits for another process's lock.
    pub fn sqlite_busy_timeout(&self) -> Duration {
        Duration::from_secs(self.sqlite_busy_timeout_secs)
    }

    /// How long a request waits for an SQLite connection.
    pub fn sqlite_acquire_timeout(&self) -> Duration {
        Duration::from_secs(self.sqlite_acquire_timeout_secs)
    }

    /// How long a GraphQL request may run.
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs)
    }

    /// How long a request waits for a PostgreSQL connection.
    pub fn postgres_acquire_timeout(&self) -> Duration {
        Duration::from_secs(self.postgres_acquire_timeout_secs)
    }

    /// How long the event log keeps an event (zero: for ever).
    pub fn event_retention(&self) -> Duration {
        Duration::from_secs(self.event_retention_secs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_come_from_the_flags() {
        let config = Config::default();
        assert_eq!(config.max_page_size, 100);
        assert_eq!(config.import_body_limit, 1 << 30);
        assert!(!config.private);
        assert_eq!(config.rate_limit, None);
    }
}
