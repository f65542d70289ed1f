//! Connecting to SQLite or PostgreSQL and migrating.
//!
//! SQLite runs in WAL mode with a pool of readers and a single writer connection: every write
//! transaction begins `IMMEDIATE` on that one connection, so two writers never hold read locks that
//! both need to upgrade. PostgreSQL uses one pool for both.

use std::str::FromStr;
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

/// How many read connections an SQLite database gets.
const SQLITE_READERS: u32 = 8;
/// How many connections a PostgreSQL pool holds.
const POSTGRES_POOL: u32 = 16;
/// Page cache of each SQLite reader connection, in KiB.
const SQLITE_READER_CACHE_KIB: u32 = 16 * 1024;
/// Page cache of the SQLite writer connection, in KiB: bulk imports update indexes at random places.
const SQLITE_WRITER_CACHE_KIB: u32 = 64 * 1024;
/// The PostgreSQL advisory lock key that serializes migrations ("civicgr" in ASCII).
const MIGRATION_LOCK: i64 = 0x63_69_76_69_63_67_72;
/// Prepared statements kept per connection.
const STATEMENT_CACHE: usize = 32;
/// How long SQLite waits for a lock held by another process before failing.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(30);

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
    pub async fn connect(url: &str) -> Result<Db, DbErr> {
        if is_sqlite(url) {
            let read =
                Database::connect(sqlite_options(url, SQLITE_READERS, SQLITE_READER_CACHE_KIB)).await?;
            let write = Database::connect(sqlite_options(url, 1, SQLITE_WRITER_CACHE_KIB)).await?;
            Ok(Db { read, write })
        } else {
            let mut opts = ConnectOptions::new(url);
            opts.max_connections(POSTGRES_POOL)
                .min_connections(1)
                .acquire_timeout(Duration::from_secs(30))
                .sqlx_logging(false)
                // The aggregation statements cost enough for the planner to JIT-compile them, which
                // takes far longer than running them.
                .map_sqlx_postgres_opts(|o| {
                    o.statement_cache_capacity(STATEMENT_CACHE)
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
    pub async fn open(url: &str) -> Result<Db, DbErr> {
        let db = Db::connect(url).await?;
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
        lock.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"))
            .await?;
        let result = Migrator::up(&self.write, None).await;
        lock.commit().await?;
        result
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

fn sqlite_options(url: &str, connections: u32, cache_kib: u32) -> ConnectOptions {
    let mut opts = ConnectOptions::new(url);
    opts.max_connections(connections)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(60))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(move |o: SqliteConnectOptions| {
            o.create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(SQLITE_BUSY_TIMEOUT)
                .foreign_keys(true)
                .pragma("cache_size", format!("-{cache_kib}"))
                // Bulk inserts vary in row count; a small cache keeps their large prepared statements
                // from piling up.
                .statement_cache_capacity(STATEMENT_CACHE)
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
