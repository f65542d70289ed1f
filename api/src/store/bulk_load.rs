//! The initial load of observations on PostgreSQL, done the way `pg_restore` does it: rows first,
//! then indexes and constraints.
//!
//! When an import begins with no observation stored, [`begin`] makes a bare copy of the
//! `observation` table (its columns, defaults and identity; no index, no foreign key) in a schema
//! of its own, [`SCHEMA`], and puts that schema first on the transaction's search path, so that every
//! statement of the import naming `observation` (its inserts, the replacement of a report, a region
//! moving) writes and reads the copy without knowing it, while every other connection goes on
//! reading the stored, empty table. Before the commit, [`BulkLoad::finish`] gives the copy the
//! stored table's primary key and indexes, each built once over every row, and its foreign keys,
//! each checked with one join, and puts the copy in the stored table's place. Row by row, the index
//! entries and the four foreign-key checks cost about four times the rows themselves
//! (`bench/bulk_cost.sql`).
//!
//! The emptiness holds until the commit: [`begin`] locks the stored table against other writers
//! (`SHARE ROW EXCLUSIVE`, which readers do not notice). The swap drops the stored table, which
//! needs it and the tables its foreign keys reference locked alone for a moment; a reader holding
//! one of them while waiting for another can deadlock with the swap, which then gives way and tries
//! again.

use std::time::Duration;

use sea_orm::{
    ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, FromQueryResult, Statement, TransactionTrait,
};

/// The schema holding the copy during the load (dropped before the commit).
pub const SCHEMA: &str = "civicgraph_load";
/// The table loaded this way.
const TABLE: &str = "observation";
/// Attempts at taking the swap's locks before the import fails.
const SWAP_ATTEMPTS: u32 = 20;
/// How long one attempt waits for the swap's locks.
const SWAP_LOCK_WAIT: &str = "2s";

/// A load in progress: what [`BulkLoad::finish`] needs of the stored table, read before the load.
#[derive(Debug)]
pub struct BulkLoad {
    /// Whether no report was stored either (and none can be written by others until the commit).
    only_new_reports: bool,
    /// The schema of the stored table, as an SQL identifier.
    home: String,
    /// The transaction's search path before the load.
    search_path: String,
    /// `ALTER TABLE … ADD CONSTRAINT` of the stored table's primary key, unique and exclusion
    /// constraints, then its plain indexes, then its foreign keys, all aimed at the copy.
    rebuild: Vec<String>,
    /// The stored table and the tables its foreign keys reference, as the swap locks them.
    swap_locks: Vec<String>,
}

#[derive(FromQueryResult)]
struct Setting {
    home: String,
    search_path: String,
}

#[derive(FromQueryResult)]
struct Line {
    line: String,
}

/// Starts a bulk load when the transaction writes to PostgreSQL and no observation is stored;
/// `None` otherwise (and nothing is changed).
pub async fn begin(tx: &DatabaseTransaction) -> Result<Option<BulkLoad>, DbErr> {
    if tx.get_database_backend() != DbBackend::Postgres {
        return Ok(None);
    }
    // Looked at first without a lock, so that imports into a table that holds observations take
    // none; then again under it, which keeps other writers out until the commit. Reports are locked
    // first, as writers write them first.
    let stored = pg(&format!("SELECT 1 AS one FROM {TABLE} LIMIT 1"));
    let reports = pg("SELECT 1 AS one FROM report LIMIT 1");
    if tx.query_one_raw(stored.clone()).await?.is_some() {
        return Ok(None);
    }
    let no_reports = tx.query_one_raw(reports.clone()).await?.is_none();
    let locked = if no_reports { "report, " } else { "" };
    tx.execute_unprepared(&format!("LOCK TABLE {locked}{TABLE} IN SHARE ROW EXCLUSIVE MODE"))
        .await?;
    if tx.query_one_raw(stored).await?.is_some() {
        return Ok(None);
    }
    let only_new_reports = no_reports && tx.query_one_raw(reports).await?.is_none();
    let Setting { home, search_path } = Setting::find_by_statement(pg(
        "SELECT quote_ident(current_schema()) AS home, current_setting('search_path') AS search_path",
    ))
    .one(tx)
    .await?
    .ok_or_else(|| DbErr::Custom("no current schema".into()))?;

    let copy = format!("{SCHEMA}.{TABLE}");
    // Constraints' definitions name the tables they reference as the current search path finds them,
    // which the load leaves as it was by the time they are added.
    let of_table = format!("'{TABLE}'::regclass");
    let rebuild = lines(
        tx,
        &format!(
            "SELECT line FROM (\
               SELECT 0 AS step, conname AS name, 'ALTER TABLE {copy} ADD CONSTRAINT ' || quote_ident(conname) \
                 || ' ' || pg_get_constraintdef(oid) AS line \
                 FROM pg_constraint WHERE conrelid = {of_table} AND contype IN ('p', 'u', 'x') \
               UNION ALL \
               SELECT 1, c.relname, 'CREATE ' || CASE WHEN i.indisunique THEN 'UNIQUE ' ELSE '' END \
                 || 'INDEX ' || quote_ident(c.relname) || ' ON {copy} USING ' \
                 || split_part(pg_get_indexdef(i.indexrelid), ' USING ', 2) \
                 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
                 WHERE i.indrelid = {of_table} \
                 AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) \
               UNION ALL \
               SELECT 2, conname, 'ALTER TABLE {copy} ADD CONSTRAINT ' || quote_ident(conname) \
                 || ' ' || pg_get_constraintdef(oid) \
                 FROM pg_constraint WHERE conrelid = {of_table} AND contype = 'f'\
             ) s ORDER BY step, name"
        ),
    )
    .await?;
    let mut swap_locks = vec![format!("{home}.{TABLE}")];
    swap_locks.extend(
        lines(
            tx,
            &format!(
                "SELECT DISTINCT confrelid::regclass::text AS line FROM pg_constraint \
                 WHERE conrelid = {of_table} AND contype = 'f' AND confrelid <> conrelid ORDER BY 1"
            ),
        )
        .await?,
    );

    tx.execute_unprepared(&format!("CREATE SCHEMA {SCHEMA}")).await?;
    tx.execute_unprepared(&format!(
        "CREATE TABLE {copy} (LIKE {TABLE} INCLUDING ALL EXCLUDING INDEXES)"
    ))
    .await?;
    // The copy's identity columns go on from where the stored table's sequences stand (a sequence
    // never drawn from has no last value, and the copy's starts where it would have).
    tx.execute_unprepared(&format!(
        "SELECT setval(pg_get_serial_sequence('{copy}', attname), \
           pg_sequence_last_value(pg_get_serial_sequence('{TABLE}', attname)::regclass)) \
         FROM pg_attribute WHERE attrelid = {of_table} AND attidentity <> '' AND NOT attisdropped \
           AND pg_sequence_last_value(pg_get_serial_sequence('{TABLE}', attname)::regclass) IS NOT NULL"
    ))
    .await?;
    tx.execute_unprepared(&format!("SET LOCAL search_path TO {SCHEMA}, {search_path}"))
        .await?;
    Ok(Some(BulkLoad {
        only_new_reports,
        home,
        search_path,
        rebuild,
        swap_locks,
    }))
}

impl BulkLoad {
    /// Whether every report the import writes is new: none was stored when it began and no other
    /// writer can add one before it commits, so none needs looking up.
    pub fn only_new_reports(&self) -> bool {
        self.only_new_reports
    }

    /// Builds the copy's constraints and indexes, checks its foreign keys, and puts it in the stored
    /// table's place. Call it last in the transaction, after every write of observations.
    pub async fn finish(self, tx: &DatabaseTransaction) -> Result<(), DbErr> {
        tx.execute_unprepared(&format!("SET LOCAL search_path TO {}", self.search_path))
            .await?;
        for statement in &self.rebuild {
            tx.execute_unprepared(statement).await?;
        }
        tx.execute_unprepared(&format!("ANALYZE {SCHEMA}.{TABLE}"))
            .await?;
        self.lock_for_swap(tx).await?;
        let home = &self.home;
        tx.execute_unprepared(&format!("DROP TABLE {home}.{TABLE}"))
            .await?;
        tx.execute_unprepared(&format!("ALTER TABLE {SCHEMA}.{TABLE} SET SCHEMA {home}"))
            .await?;
        tx.execute_unprepared(&format!("DROP SCHEMA {SCHEMA}")).await?;
        Ok(())
    }

    /// Takes the swap's locks, all at once or none: an attempt that deadlocks with a reader or waits
    /// too long is undone and tried again.
    async fn lock_for_swap(&self, tx: &DatabaseTransaction) -> Result<(), DbErr> {
        let lock = format!(
            "LOCK TABLE {} IN ACCESS EXCLUSIVE MODE",
            self.swap_locks.join(", ")
        );
        let mut attempt = 1;
        loop {
            let savepoint = tx.begin().await?;
            savepoint
                .execute_unprepared(&format!("SET LOCAL lock_timeout = '{SWAP_LOCK_WAIT}'"))
                .await?;
            match savepoint.execute_unprepared(&lock).await {
                Ok(_) => {
                    savepoint
                        .execute_unprepared("SET LOCAL lock_timeout TO DEFAULT")
                        .await?;
                    return savepoint.commit().await;
                }
                Err(e) if attempt < SWAP_ATTEMPTS && contended(&e) => {
                    savepoint.rollback().await?;
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(10 * u64::from(attempt))).await;
                }
                Err(e) => return Err(e),
            }
        }
    }
}

/// Whether `err` is a deadlock or a lock not granted in time.
fn contended(err: &DbErr) -> bool {
    matches!(super::sqlstate(err).as_deref(), Some("40P01" | "55P03"))
}

async fn lines(tx: &DatabaseTransaction, sql: &str) -> Result<Vec<String>, DbErr> {
    Ok(Line::find_by_statement(pg(sql))
        .all(tx)
        .await?
        .into_iter()
        .map(|l| l.line)
        .collect())
}

fn pg(sql: &str) -> Statement {
    Statement::from_string(DbBackend::Postgres, sql)
}
