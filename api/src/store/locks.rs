//! PostgreSQL advisory locks that serialize writers across server processes (SQLite needs none: its
//! single writer connection and file lock serialize every write already).
//!
//! A report write takes the report's own lock (by `externalId`) and the shared "tree" lock, so any
//! number of posts of the same report run one after the other; upserts and bulk imports take the tree
//! lock exclusively and run alone. Every transaction that records report events takes the events lock
//! last, just before it inserts them (see `store::events`). Migrations take a lock of their own.

use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, DbErr};

use super::Sql;

/// The lock that serializes migrations ("civicgr" in ASCII).
pub const MIGRATION_LOCK: i64 = 0x63_69_76_69_63_67_72;
/// The lock of the region tree and the other reference data (one bigint key).
const TREE_LOCK: i64 = 0x6367_7472_6565;
/// The lock of the report event log ("cgevent"): held from a transaction's first event row to its
/// commit, so that event sequence numbers commit in order.
const EVENTS_LOCK: i64 = 0x63_67_65_76_65_6e_74;
/// The class of the per-report locks (two int keys: this class and the id's hash).
const REPORT_LOCK_CLASS: i32 = 0x6367;

/// Serializes the writers of one report: the report's lock, and the tree lock shared.
pub async fn lock_report(tx: &DatabaseTransaction, external_id: &str) -> Result<(), DbErr> {
    if tx.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    let mut sql = Sql::new(DbBackend::Postgres);
    sql.push(&format!(
        "SELECT pg_advisory_xact_lock_shared({TREE_LOCK}), pg_advisory_xact_lock({REPORT_LOCK_CLASS}, hashtext("
    ))
    .bind(external_id.to_owned())
    .push("))");
    tx.execute_raw(sql.build()).await?;
    Ok(())
}

/// Makes this transaction the only one writing report events until it ends (taken last, right
/// before the event rows, so that it is held only for the end of a write).
pub async fn lock_events(tx: &DatabaseTransaction) -> Result<(), DbErr> {
    lock_exclusive(tx, EVENTS_LOCK).await
}

/// Makes this transaction the only writer of reference data and reports.
pub async fn lock_tree(tx: &DatabaseTransaction) -> Result<(), DbErr> {
    lock_exclusive(tx, TREE_LOCK).await
}

/// Takes the transaction-scoped advisory lock `key` exclusively (PostgreSQL; a no-op elsewhere).
pub async fn lock_exclusive(tx: &DatabaseTransaction, key: i64) -> Result<(), DbErr> {
    if tx.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    let mut sql = Sql::new(DbBackend::Postgres);
    sql.push(&format!("SELECT pg_advisory_xact_lock({key})"));
    tx.execute_raw(sql.build()).await?;
    Ok(())
}
