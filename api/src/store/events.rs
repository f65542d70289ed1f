//! The report event log (`report_event`): what every write that creates or replaces reports records
//! in its own transaction, what each server's tailer reads to announce them, what `reportPosted(after:)`
//! replays, and its pruning.
//!
//! Sequence numbers are handed out in commit order: on SQLite every write is serialized already; on
//! PostgreSQL a transaction takes the events lock (`locks::lock_events`) right before it inserts its
//! rows and keeps it until it commits, so a reader of `seq > last` never sees a lower number commit
//! later. The same transaction notifies [`CHANNEL`].
//!
//! Pruning deletes the rows older than the retention but keeps the newest of them with its
//! `report_id` set to null: a reader that meets that marker knows that history it had not read is gone.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, FromQueryResult, Statement};

use super::{Db, Sql, locks};
use crate::domain::RegionPath;

/// The PostgreSQL notification channel of committed report events.
pub const CHANNEL: &str = "civicgraph_report_events";

/// Rows per multi-row INSERT, and ids per `IN (…)` lookup.
const ROWS_PER_STATEMENT: usize = 500;

/// Records that the reports `ids` were created or replaced, in that order, inside the write `tx`
/// (nothing when `ids` is empty). Call it last before the commit: on PostgreSQL it takes the events
/// lock, which the transaction then holds until it ends.
pub async fn record(tx: &DatabaseTransaction, ids: &[i64]) -> Result<(), DbErr> {
    if ids.is_empty() {
        return Ok(());
    }
    let backend = tx.get_database_backend();
    locks::lock_events(tx).await?;
    let at = Utc::now();
    for chunk in ids.chunks(ROWS_PER_STATEMENT) {
        let mut sql = Sql::new(backend);
        sql.push("INSERT INTO report_event (report_id, at) VALUES ");
        for (n, id) in chunk.iter().enumerate() {
            sql.push(if n == 0 { "(" } else { ", (" })
                .bind(*id)
                .push(", ")
                .bind(at)
                .push(")");
        }
        tx.execute_raw(sql.build()).await?;
    }
    if backend == DbBackend::Postgres {
        tx.execute_unprepared(&format!("SELECT pg_notify('{CHANNEL}', '')"))
            .await?;
    }
    Ok(())
}

/// The highest sequence number in the log (0 when it is empty).
pub async fn latest(conn: &impl ConnectionTrait) -> Result<i64, DbErr> {
    let sql = "SELECT COALESCE(MAX(seq), 0) AS seq FROM report_event";
    let row = conn
        .query_one_raw(Statement::from_string(conn.get_database_backend(), sql))
        .await?
        .ok_or_else(|| DbErr::Custom("no row".into()))?;
    row.try_get("", "seq")
}

/// One row of the log: a report event, or (`report_id` null) the marker of pruned history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromQueryResult)]
pub struct Logged {
    pub seq: i64,
    pub report_id: Option<i64>,
}

/// The first `limit` rows after `seq`, in order.
pub async fn after(conn: &impl ConnectionTrait, seq: i64, limit: usize) -> Result<Vec<Logged>, DbErr> {
    let mut sql = Sql::new(conn.get_database_backend());
    sql.push("SELECT seq, report_id FROM report_event WHERE seq > ")
        .bind(seq)
        .push(" ORDER BY seq")
        .limit(limit as i64);
    Logged::find_by_statement(sql.build()).all(conn).await
}

/// Deletes the events recorded before `before`, keeping the newest of them as the marker of pruned
/// history (its `report_id` nulled). Answers the number of rows deleted.
pub async fn prune(db: &Db, before: DateTime<Utc>) -> Result<u64, DbErr> {
    let backend = db.backend();
    let mut sql = Sql::new(backend);
    sql.push("SELECT MAX(seq) AS seq FROM report_event WHERE at < ")
        .bind(before)
        .push(" AND report_id IS NOT NULL");
    let boundary: Option<i64> = match db.tail.query_one_raw(sql.build()).await? {
        Some(row) => row.try_get("", "seq")?,
        None => None,
    };
    let Some(boundary) = boundary else {
        return Ok(0);
    };
    let tx = db.begin_write().await?;
    let mut sql = Sql::new(backend);
    sql.push("DELETE FROM report_event WHERE seq < ").bind(boundary);
    let deleted = tx.execute_raw(sql.build()).await?.rows_affected();
    let mut sql = Sql::new(backend);
    sql.push("UPDATE report_event SET report_id = NULL WHERE seq = ")
        .bind(boundary);
    tx.execute_raw(sql.build()).await?;
    tx.commit().await?;
    Ok(deleted)
}

#[derive(FromQueryResult)]
struct PathRow {
    report_id: i64,
    p0: Option<i64>,
    p1: Option<i64>,
    p2: Option<i64>,
    p3: Option<i64>,
    p4: Option<i64>,
}

/// The region paths of each of the reports `ids` (its own region's and its observations'), by report
/// id. A report that no longer exists has no entry; one without a region or observations has an
/// empty one.
pub async fn report_paths(
    conn: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<HashMap<i64, Vec<RegionPath>>, DbErr> {
    let mut paths: HashMap<i64, Vec<RegionPath>> = HashMap::new();
    for chunk in ids.chunks(ROWS_PER_STATEMENT) {
        let queries = [
            "SELECT r.id AS report_id, g.province_id AS p0, g.city_id AS p1, g.county_id AS p2, \
             g.town_id AS p3, g.village_id AS p4 FROM report r LEFT JOIN region g ON g.id = r.region_id \
             WHERE r.id IN ",
            "SELECT DISTINCT report_id, province_id AS p0, city_id AS p1, county_id AS p2, town_id AS p3, \
             village_id AS p4 FROM observation WHERE report_id IN ",
        ];
        for query in queries {
            let mut sql = Sql::new(conn.get_database_backend());
            sql.push(query).bind_list(chunk.iter().copied());
            for row in PathRow::find_by_statement(sql.build()).all(conn).await? {
                let entry = paths.entry(row.report_id).or_default();
                let path =
                    RegionPath::from_ids([row.p0, row.p1, row.p2, row.p3, row.p4].map(|p| p.unwrap_or(0)));
                if !path.is_empty() && !entry.contains(&path) {
                    entry.push(path);
                }
            }
        }
    }
    Ok(paths)
}
