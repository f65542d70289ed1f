//! The store: every SQL statement outside the aggregation engine, and the connections they run on.
//!
//! [`Db`] connects to SQLite or PostgreSQL and migrates. The submodules hold the statements by concern:
//! [`sql`] builds them with the backend's placeholders, [`within`] scopes rows to a region's subtree,
//! [`reads`] and [`relations`] serve the read API, [`known`] loads what the importers compare against,
//! [`writer`] writes records in batches, [`locks`] serializes writers across servers, [`changes`] tells
//! which reports a write touched, [`exports`] reads the database back as records and [`tokens`] keeps
//! the bearer tokens' hashes.
//!
//! SQLite runs in WAL mode with a pool of readers and a single writer connection: every write
//! transaction begins `IMMEDIATE` on that one connection, so two writers never hold read locks that
//! both need to upgrade. PostgreSQL uses one pool for both.

pub mod changes;
pub mod exports;
pub mod known;
pub mod locks;
pub mod reads;
pub mod relations;
pub mod sql;
pub mod tokens;
pub mod within;
pub mod writer;

use std::str::FromStr;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
pub use sql::Sql;

use crate::config::Config;
use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

/// The database handles of a running civicgraph.
#[derive(Clone, Debug)]
pub struct Db {
    /// Connections for reads.
    pub read: DatabaseConnection,
    /// Connections for writes (the single writer on SQLite; the same pool as `read` on PostgreSQL).
    pub write: DatabaseConnection,
}

impl Db {
    /// Connects to `url` (`sqlite://FILE` or `postgres://…`); an SQLite file is created if missing.
    pub async fn connect(url: &str, config: &Config) -> Result<Db, DbErr> {
        if is_sqlite(url) {
            let readers = sqlite_options(url, config, config.sqlite_readers, config.sqlite_reader_cache_kib);
            let writer = sqlite_options(url, config, 1, config.sqlite_writer_cache_kib);
            let read = Database::connect(readers).await?;
            let write = Database::connect(writer).await?;
            Ok(Db { read, write })
        } else {
            let statement_cache = config.statement_cache;
            let mut opts = ConnectOptions::new(url);
            opts.max_connections(config.postgres_connections)
                .min_connections(1)
                .acquire_timeout(config.postgres_acquire_timeout())
                .sqlx_logging(false)
                // The aggregation statements cost enough for the planner to JIT-compile them, which
                // takes far longer than running them.
                .map_sqlx_postgres_opts(move |o| {
                    o.statement_cache_capacity(statement_cache)
                        .options([("jit", "off")])
                });
            let read = Database::connect(opts).await?;
            Ok(Db {
                write: read.clone(),
                read,
            })
        }
    }

    /// Connects to `url` and applies every pending migration.
    pub async fn open(url: &str, config: &Config) -> Result<Db, DbErr> {
        let db = Db::connect(url, config).await?;
        db.migrate().await?;
        Ok(db)
    }

    /// Applies every pending migration. On PostgreSQL, servers starting together take turns: the
    /// first migrates while the others wait on an advisory lock, then find nothing pending.
    pub async fn migrate(&self) -> Result<(), DbErr> {
        if self.backend() != DbBackend::Postgres {
            return Migrator::up(&self.write, None).await;
        }
        let lock = self.write.begin().await?;
        locks::lock_exclusive(&lock, locks::MIGRATION_LOCK).await?;
        let result = Migrator::up(&self.write, None).await;
        lock.commit().await?;
        result
    }

    /// Checks that the database answers (for `/healthz`).
    pub async fn ping(&self) -> Result<(), DbErr> {
        self.read.ping().await
    }

    /// Which SQL dialect the database speaks.
    pub fn backend(&self) -> DbBackend {
        self.read.get_database_backend()
    }

    /// Begins a write transaction: `BEGIN IMMEDIATE` on SQLite, a plain `BEGIN` on PostgreSQL.
    pub async fn begin_write(&self) -> Result<DatabaseTransaction, DbErr> {
        let options = TransactionOptions {
            sqlite_transaction_mode: (self.backend() == DbBackend::Sqlite)
                .then_some(SqliteTransactionMode::Immediate),
            ..Default::default()
        };
        self.write.begin_with_options(options).await
    }
}

/// Whether `url` names an SQLite database.
pub fn is_sqlite(url: &str) -> bool {
    url.starts_with("sqlite:")
}

fn sqlite_options(url: &str, config: &Config, connections: u32, cache_kib: u32) -> ConnectOptions {
    let busy_timeout = config.sqlite_busy_timeout();
    let statement_cache = config.statement_cache;
    let mut opts = ConnectOptions::new(url);
    opts.max_connections(connections)
        .min_connections(1)
        .acquire_timeout(config.sqlite_acquire_timeout())
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(move |o: SqliteConnectOptions| {
            o.create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(busy_timeout)
                .foreign_keys(true)
                .pragma("cache_size", format!("-{cache_kib}"))
                // Bulk inserts vary in row count; a small cache keeps their large prepared statements
                // from piling up.
                .statement_cache_capacity(statement_cache)
                .pragma("temp_store", "memory")
        });
    opts
}

/// Parses an SQLite URL the way the driver will, to report a bad one early.
pub fn check_sqlite_url(url: &str) -> Result<(), String> {
    SqliteConnectOptions::from_str(url)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// What kind of failure a database error is, for the answer the client gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The database cannot be reached now (down, restarting, the pool exhausted): worth a retry.
    Unreachable,
    /// A statement ran out of its time and was cancelled.
    TimedOut,
    /// Anything else.
    Other,
}

/// Classifies a database error (see [`Failure`]).
pub fn failure(err: &DbErr) -> Failure {
    use sea_orm::sqlx::Error as Sqlx;
    let runtime = match err {
        DbErr::ConnectionAcquire(_) => return Failure::Unreachable,
        DbErr::Conn(r) | DbErr::Exec(r) | DbErr::Query(r) => r,
        _ => return Failure::Other,
    };
    let sea_orm::RuntimeErr::SqlxError(e) = runtime else {
        return Failure::Other;
    };
    match e.as_ref() {
        Sqlx::Io(_) | Sqlx::PoolTimedOut | Sqlx::PoolClosed | Sqlx::WorkerCrashed | Sqlx::Tls(_) => {
            Failure::Unreachable
        }
        Sqlx::Database(db) => match db.code().as_deref() {
            // PostgreSQL: query_canceled, raised by `statement_timeout`.
            Some("57014") => Failure::TimedOut,
            // PostgreSQL: connection exceptions and operator intervention (shutdown, starting up).
            Some(code) if code.starts_with("08") || code.starts_with("57P") => Failure::Unreachable,
            _ => Failure::Other,
        },
        _ => Failure::Other,
    }
}
