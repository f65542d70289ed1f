//! The store: every SQL statement outside the aggregation engine, and the connections they run on.
//!
//! [`Db`] connects to SQLite or PostgreSQL and migrates. The submodules hold the statements by concern:
//! [`sql`] builds them with the backend's placeholders, [`within`] scopes rows to a region's subtree,
//! [`reads`] and [`relations`] serve the read API (a page of observations reads only the
//! [`observation_columns`] its query selects), [`known`] loads what the importers compare against,
//! [`writer`] writes records in batches (an import into an empty store loads its observations as
//! [`bulk_load`] says), [`locks`] serializes writers across servers, [`events`] keeps
//! the log of report events, [`exports`] reads the database back as records and [`tokens`] keeps
//! the bearer tokens' hashes.
//!
//! SQLite runs in WAL mode with a pool of readers and a single writer connection: every write
//! transaction begins `IMMEDIATE` on that one connection, so two writers never hold read locks that
//! both need to upgrade. PostgreSQL uses one pool for both, or, with a read replica (`--db-read`), a
//! second pool on the replica for the reads that may lag behind the primary (see [`Db::fresh`]). The
//! event tailer has a connection of its own on either (on the primary).

pub mod bulk_load;
pub mod events;
pub mod exports;
pub mod known;
pub mod locks;
pub mod observation_columns;
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
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
};

/// The page cache of the event tailer's SQLite connection, which reads only the log's newest rows.
const TAIL_CACHE_KIB: u32 = 2048;

/// The database handles of a running civicgraph.
#[derive(Clone, Debug)]
pub struct Db {
    /// Connections for reads (a read replica's when there is one).
    pub read: DatabaseConnection,
    /// Connections for writes (the single writer on SQLite; on PostgreSQL the primary's pool, the same
    /// as `read` unless there is a replica).
    pub write: DatabaseConnection,
    /// The one connection, opened when first used, on which the server's event tailer reads the
    /// event log, so that busy readers never delay an event (the shared connection of an in-memory
    /// SQLite database). On the primary.
    pub tail: DatabaseConnection,
    /// Whether `read` is a replica's pool, which may lag behind `write`.
    replica: bool,
}

impl Db {
    /// Connects to `url` (`sqlite://FILE` or `postgres://…`); an SQLite file is created if missing.
    /// With `config.database_read_url`, reads go to that replica of a PostgreSQL `url`.
    pub async fn connect(url: &str, config: &Config) -> Result<Db, DbErr> {
        let mut db = Db::connect_one(url, config).await?;
        if let Some(read_url) = &config.database_read_url {
            if db.backend() != DbBackend::Postgres || is_sqlite(read_url) {
                return Err(DbErr::Custom(
                    "a read replica (`--db-read`) needs PostgreSQL for both the database and the replica"
                        .into(),
                ));
            }
            db.read = Db::connect_one(read_url, config).await?.read;
            db.replica = true;
        }
        if tracing::enabled!(target: "civicgraph::store::statements", tracing::Level::DEBUG) {
            db.read.set_metric_callback(log_statement);
            db.write.set_metric_callback(log_statement);
        }
        Ok(db)
    }

    async fn connect_one(url: &str, config: &Config) -> Result<Db, DbErr> {
        if !is_sqlite(url) && !url.starts_with("postgres://") && !url.starts_with("postgresql://") {
            return Err(DbErr::Custom(format!(
                "`{url}` is not a database URL: use sqlite://FILE or postgres://USER@HOST:PORT/DATABASE"
            )));
        }
        if is_sqlite(url) && (url.contains(":memory:") || url.contains("mode=memory")) {
            // Every connection to an in-memory database has a database of its own: readers and the
            // writer share one connection, kept open for the life of the server.
            let mut opts = sqlite_options(url, config, 1, config.sqlite_writer_cache_kib);
            opts.idle_timeout(None).max_lifetime(None);
            let db = Database::connect(opts).await?;
            return Ok(Db {
                read: db.clone(),
                tail: db.clone(),
                write: db,
                replica: false,
            });
        }
        if is_sqlite(url) {
            let readers = sqlite_options(url, config, config.sqlite_readers, config.sqlite_reader_cache_kib);
            let writer = sqlite_options(url, config, 1, config.sqlite_writer_cache_kib);
            let mut tailer = sqlite_options(url, config, 1, TAIL_CACHE_KIB);
            tailer.min_connections(0).connect_lazy(true);
            let read = Database::connect(readers).await?;
            let write = Database::connect(writer).await?;
            let tail = Database::connect(tailer).await?;
            Ok(Db {
                read,
                write,
                tail,
                replica: false,
            })
        } else {
            let statement_cache = config.statement_cache;
            // Every statement is cancelled by the server once it runs longer than a request may;
            // writes lift the limit inside their transactions (see `begin_write`).
            let statement_timeout = format!("{}ms", config.request_timeout().as_millis());
            let mut opts = ConnectOptions::new(url);
            opts.max_connections(config.postgres_connections)
                .min_connections(1)
                .test_before_acquire_if_idle_for(PING_IF_IDLE_FOR)
                .acquire_timeout(config.postgres_acquire_timeout())
                .connect_timeout(config.postgres_acquire_timeout())
                .sqlx_logging(false)
                // The aggregation statements cost enough for the planner to JIT-compile them, which
                // takes far longer than running them. And left to choose, PostgreSQL plans every
                // execution of a prepared aggregation afresh: planning took 0.5 ms, running 0.16 ms
                // (Q2 of the benchmark, BENCHMARKS.md). Each statement's shape is fixed by its text
                // (levels, filters, page sizes and offsets are written into it; only values such
                // as ids, codes, dates and search text are bound), so one plan per prepared statement serves every execution.
                .map_sqlx_postgres_opts(move |o| {
                    o.statement_cache_capacity(statement_cache).options([
                        ("jit", "off"),
                        ("plan_cache_mode", "force_generic_plan"),
                        ("statement_timeout", statement_timeout.as_str()),
                    ])
                });
            let mut tailer = opts.clone();
            tailer.max_connections(1).min_connections(0).connect_lazy(true);
            let read = match Database::connect(opts).await {
                Ok(read) => read,
                Err(e) => return Err(unreachable(url, e).await),
            };
            Ok(Db {
                write: read.clone(),
                tail: Database::connect(tailer).await?,
                read,
                replica: false,
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
        let tx = self.write.begin().await?;
        lift_statement_timeout(&tx).await?;
        locks::lock_exclusive(&tx, locks::MIGRATION_LOCK).await?;
        Migrator::up(&tx, None).await?;
        tx.commit().await
    }

    /// Whether reads go to a replica that may lag behind the primary.
    pub fn has_replica(&self) -> bool {
        self.replica
    }

    /// Connections that see every committed write at once: the primary's when reads go to a
    /// replica, else the read pool. What a write answers, or reads back, is read here.
    pub fn fresh(&self) -> &DatabaseConnection {
        if self.replica { &self.write } else { &self.read }
    }

    /// Closes every connection. On SQLite the last connection to a file moves the write-ahead log
    /// into it and removes the log: after an import the log is as large as what the import wrote,
    /// and a process that left it behind would make the next one read it all back before its first
    /// statement.
    pub async fn close(self) -> Result<(), DbErr> {
        self.read.close_by_ref().await?;
        self.write.close_by_ref().await?;
        self.tail.close_by_ref().await
    }

    /// Checks that the reads' database answers (for `/healthz`).
    pub async fn ping(&self) -> Result<(), DbErr> {
        self.read.ping().await
    }

    /// Checks that the primary answers, when it is not the reads' database (for `/healthz`).
    pub async fn ping_primary(&self) -> Result<(), DbErr> {
        self.write.ping().await
    }

    /// How many seconds the replica's data lags behind the primary's (0 when it has replayed all it
    /// received), or `None` without a replica or when the read pool is not replaying (not a standby).
    pub async fn replica_lag(&self) -> Result<Option<f64>, DbErr> {
        if !self.replica {
            return Ok(None);
        }
        let sql = "SELECT CASE WHEN NOT pg_is_in_recovery() THEN NULL \
                   WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0.0 \
                   ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0.0)::float8 \
                   END AS lag";
        let row = self
            .read
            .query_one_raw(Statement::from_string(DbBackend::Postgres, sql))
            .await?;
        match row {
            Some(row) => row.try_get::<Option<f64>>("", "lag"),
            None => Ok(None),
        }
    }

    /// Which SQL dialect the database speaks.
    pub fn backend(&self) -> DbBackend {
        self.read.get_database_backend()
    }

    /// Begins a write transaction: `BEGIN IMMEDIATE` on SQLite, a plain `BEGIN` on PostgreSQL.
    /// On PostgreSQL the transaction has no statement timeout: a bulk import may take minutes.
    pub async fn begin_write(&self) -> Result<DatabaseTransaction, DbErr> {
        let options = TransactionOptions {
            sqlite_transaction_mode: (self.backend() == DbBackend::Sqlite)
                .then_some(SqliteTransactionMode::Immediate),
            ..Default::default()
        };
        let tx = self.write.begin_with_options(options).await?;
        lift_statement_timeout(&tx).await?;
        Ok(tx)
    }
}

/// A debug event for each statement run (installed only when something listens at that level): inside
/// a request, it lands in the span of the resolver that ran it.
fn log_statement(info: &sea_orm::metric::Info<'_>) {
    tracing::debug!(
        target: "civicgraph::store::statements",
        sql = %info.statement.sql,
        duration_ms = info.elapsed.as_secs_f64() * 1e3,
        failed = info.failed,
        "statement"
    );
}

/// Lifts PostgreSQL's statement timeout for the rest of `tx` (a no-op elsewhere).
pub async fn lift_statement_timeout(tx: &DatabaseTransaction) -> Result<(), DbErr> {
    if tx.get_database_backend() == DbBackend::Postgres {
        tx.execute_unprepared("SET LOCAL statement_timeout = 0").await?;
    }
    Ok(())
}

/// The error of a server that cannot be reached, in one line naming its host and port and, when one
/// more attempt tells it, the reason (the pool only says that it timed out).
async fn unreachable(url: &str, e: DbErr) -> DbErr {
    use sea_orm::sqlx::Connection;
    use sea_orm::sqlx::postgres::{PgConnectOptions, PgConnection};
    let Ok(options) = PgConnectOptions::from_str(url) else {
        return e;
    };
    let place = format!("{}:{}", options.get_host(), options.get_port());
    let attempt = tokio::time::timeout(
        std::time::Duration::from_secs(2),
        PgConnection::connect_with(&options),
    );
    let cause = match attempt.await {
        Ok(Err(reason)) => reason.to_string(),
        Ok(Ok(_)) => e.to_string(),
        Err(_) => "no answer within 2 s".to_owned(),
    };
    DbErr::Custom(format!("cannot reach PostgreSQL at {place}: {cause}"))
}

/// A pooled connection idle for this long is pinged before use; a busy one is not. The pool's default
/// pings on every checkout, which on PostgreSQL is one more round trip per statement (a sixth of a
/// simple lookup's time in the server) and on SQLite one more hop to the connection's thread. (The
/// ping sqlx 0.9.0 also makes when a connection goes back to the pool is patched out in
/// `vendor/sqlx-core`, see its PATCHED.md.)
const PING_IF_IDLE_FOR: std::time::Duration = std::time::Duration::from_secs(30);

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
        .test_before_acquire_if_idle_for(PING_IF_IDLE_FOR)
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

/// The connections of `conn`'s pool: (in use, idle).
pub fn pool_usage(conn: &DatabaseConnection) -> (u32, u32) {
    let (size, idle) = match conn.get_database_backend() {
        DbBackend::Postgres => {
            let pool = conn.get_postgres_connection_pool();
            (pool.size(), pool.num_idle())
        }
        DbBackend::Sqlite => {
            let pool = conn.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle())
        }
        _ => (0, 0),
    };
    let idle = u32::try_from(idle).unwrap_or(u32::MAX);
    (size.saturating_sub(idle), idle)
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

/// The driver's error under a database error, when the driver raised it.
fn sqlx_error(err: &DbErr) -> Option<&sea_orm::sqlx::Error> {
    match err {
        DbErr::Conn(r) | DbErr::Exec(r) | DbErr::Query(r) => match r {
            sea_orm::RuntimeErr::SqlxError(e) => Some(e.as_ref()),
            _ => None,
        },
        _ => None,
    }
}

/// The SQLSTATE of an error the database raised.
pub fn sqlstate(err: &DbErr) -> Option<String> {
    match sqlx_error(err)? {
        sea_orm::sqlx::Error::Database(db) => db.code().map(|c| c.into_owned()),
        _ => None,
    }
}

/// Classifies a database error (see [`Failure`]).
pub fn failure(err: &DbErr) -> Failure {
    use sea_orm::sqlx::Error as Sqlx;
    if let DbErr::ConnectionAcquire(_) = err {
        return Failure::Unreachable;
    }
    match sqlx_error(err) {
        Some(Sqlx::Io(_) | Sqlx::PoolTimedOut | Sqlx::PoolClosed | Sqlx::WorkerCrashed | Sqlx::Tls(_)) => {
            Failure::Unreachable
        }
        Some(Sqlx::Database(db)) => match db.code().as_deref() {
            // PostgreSQL: query_canceled, raised by `statement_timeout`.
            Some("57014") => Failure::TimedOut,
            // PostgreSQL: connection exceptions and operator intervention (shutdown, starting up).
            Some(code) if code.starts_with("08") || code.starts_with("57P") => Failure::Unreachable,
            _ => Failure::Other,
        },
        _ => Failure::Other,
    }
}
