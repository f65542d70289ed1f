//! Writes through the API: one report at a time (`postReport`), small upserts of regions, metrics and
//! programs, `deleteReport`, and the streamed bulk import of `POST /import`; and the events that live
//! subscriptions listen to, published once a write has committed.
//!
//! Single writes do not preload every code as a bulk import does: they load only the codes they
//! reference (one query per kind), check them with the same [`validate`] rules and write them with the
//! same [`writer`] functions, all in one write transaction, so nothing is ever partly written.
//!
//! Concurrency.
//! - In one server, posts and deletes share a gate that upserts and bulk imports take exclusively
//!   (see [`Events`]); writers wait there without holding a database connection.
//! - On SQLite every write transaction begins `IMMEDIATE` on the single writer connection (and the
//!   file lock serializes several processes), so writes never interleave; posts that arrive together
//!   are written in one transaction (group commit), each with the outcome it would have had alone.
//! - On PostgreSQL, transactions take advisory locks before they read anything: a report write takes
//!   the report's own lock (by `externalId`) and the shared "tree" lock, so any number of posts of the
//!   same report, from any number of server processes, run one after the other and all but the first
//!   see the stored report (`UNCHANGED` or `REPLACED`); upserts and `POST /import` take the tree lock
//!   exclusively and run alone, as on SQLite. A post that still meets a unique-key violation (from a
//!   command line import, which takes no lock) is retried.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use entity::{metric, program, region, report};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, EntityTrait, FromQueryResult,
    QueryFilter, TransactionTrait,
};
use tokio::io::AsyncRead;
use tokio::sync::broadcast;

use super::record::{MetricRecord, ProgramRecord, Record, RegionRecord, ReportRecord};
use super::validate::{self, Known};
use super::writer::{self, ReportOutcome, ReportRow};
use super::{
    Counts, ImportOptions, ImportSummary, Importer, MetricRow, ProgramRow, RegionRow, import_reader,
    resolve_report,
};
use crate::db::Db;
use crate::model::Level;
use crate::sql::Sql;

/// A region's ancestor-or-self id at each level (index 0 = province).
pub type Path = [i64; 5];

/// A report was created or replaced (published after the commit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportEvent {
    pub report_id: i64,
    /// The paths of the report's region and of its observations' regions.
    pub paths: Vec<Path>,
}

impl ReportEvent {
    /// Whether the report is within the region `id` at `level`: its own region or one of its
    /// observations' regions is that region or below it.
    pub fn is_within(&self, level: Level, id: i64) -> bool {
        self.paths.iter().any(|p| p[level as usize] == id)
    }
}

/// How many events a slow subscriber may fall behind before it misses some.
const EVENT_BUFFER: usize = 4096;
/// How many of the reports it creates or replaces one bulk import announces.
pub const ANNOUNCED_PER_IMPORT: usize = 10_000;

/// What the writers of one server share: the channel of [`ReportEvent`]s (writers publish,
/// subscriptions listen), the in-process side of the tree lock and the queue of posts (SQLite).
///
/// The gate is taken before a connection is: shared by posts and deletes, exclusive for upserts and
/// bulk imports. Writers that must wait for a bulk import therefore wait here, holding no database
/// connection, and cannot starve the import (or each other) of the pool.
#[derive(Clone)]
pub struct Events {
    sender: broadcast::Sender<Arc<ReportEvent>>,
    gate: Arc<tokio::sync::RwLock<()>>,
    queue: Arc<PostQueue>,
}

impl Default for Events {
    fn default() -> Self {
        Events {
            sender: broadcast::channel(EVENT_BUFFER).0,
            gate: Arc::default(),
            queue: Arc::default(),
        }
    }
}

impl std::fmt::Debug for Events {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Events")
            .field("subscribers", &self.sender.receiver_count())
            .finish_non_exhaustive()
    }
}

impl Events {
    /// A receiver of the events published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<ReportEvent>> {
        self.sender.subscribe()
    }

    /// Publishes an event to every current subscriber (none is fine).
    pub fn publish(&self, event: ReportEvent) {
        let _ = self.sender.send(Arc::new(event));
    }
}

/// An invalid field: which item of a list (`None` for a single report), which field, what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemError {
    pub index: Option<usize>,
    /// The field in interchange spelling (`observations[2].period_start`), `""` for the whole item.
    pub field: String,
    pub message: String,
}

/// Why a write was refused; nothing was written.
#[derive(Debug)]
pub enum WriteError {
    /// The input is invalid or references codes that do not exist.
    Invalid(Vec<ItemError>),
    /// The input is valid but contradicts stored data (a metric's value type or a region's level
    /// that can no longer change).
    Conflict(Vec<ItemError>),
    /// The database failed.
    Db(DbErr),
}

impl From<DbErr> for WriteError {
    fn from(e: DbErr) -> Self {
        WriteError::Db(e)
    }
}

/// What `postReport` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostStatus {
    Created,
    Replaced,
    Unchanged,
}

/// A posted report as stored.
#[derive(Debug, Clone)]
pub struct Posted {
    pub status: PostStatus,
    pub report: report::Model,
}

/// How many times a post that met a unique-key violation is retried.
const RETRIES: usize = 3;
/// The PostgreSQL advisory lock of the region tree and the other reference data (one bigint key).
const TREE_LOCK: i64 = 0x6367_7472_6565;
/// The class of the per-report advisory locks (two int keys: this class and the id's hash).
const REPORT_LOCK_CLASS: i32 = 0x6367;

fn is_unique_violation(e: &DbErr) -> bool {
    matches!(e.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_)))
}

/// Serializes the writers of one report (PostgreSQL; SQLite writers are serial already).
async fn lock_report(tx: &DatabaseTransaction, external_id: &str) -> Result<(), DbErr> {
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

/// Makes this transaction the only writer of reference data and reports (PostgreSQL).
async fn lock_tree(tx: &DatabaseTransaction) -> Result<(), DbErr> {
    if tx.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    let mut sql = Sql::new(DbBackend::Postgres);
    sql.push(&format!("SELECT pg_advisory_xact_lock({TREE_LOCK})"));
    tx.execute_raw(sql.build()).await?;
    Ok(())
}

/// Posts one report: validates it against the codes it references and creates, replaces or leaves
/// alone the stored report of the same `external_id`, in one transaction.
///
/// On SQLite, whose single writer connection makes writers queue, posts that arrive together are
/// written together ("group commit"): one of the waiting posts writes everything queued so far in one
/// transaction, each report with the outcome it would have had alone, in the order they arrived.
pub async fn post_report(db: &Db, events: &Events, record: &ReportRecord) -> Result<Posted, WriteError> {
    let record = record.normalized();
    let _shared = events.gate.read().await;
    let (posted, event) = match db.backend() {
        DbBackend::Sqlite => post_queued(db, &events.queue, record).await?,
        _ => post_alone(db, &record).await?,
    };
    if let Some(event) = event {
        events.publish(event);
    }
    Ok(posted)
}

/// A post and what it made, with the event to publish once it has committed.
type Outcome = Result<(Posted, Option<ReportEvent>), WriteError>;

/// Posts one report in a transaction of its own, retrying after a unique-key violation.
async fn post_alone(db: &Db, record: &ReportRecord) -> Outcome {
    let mut attempt = 0;
    loop {
        match try_post(db, record).await {
            Err(WriteError::Db(e)) if is_unique_violation(&e) && attempt < RETRIES => {
                tracing::debug!(external_id = %record.external_id, "retrying a post after a unique violation");
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// The region, metric and program codes a report references.
fn references(records: &[&ReportRecord]) -> [BTreeSet<String>; 3] {
    let mut regions = BTreeSet::new();
    let mut metrics = BTreeSet::new();
    let mut programs = BTreeSet::new();
    for record in records {
        regions.extend(record.region.iter().cloned());
        for o in &record.observations {
            regions.extend(o.region.iter().cloned());
            metrics.insert(o.metric.clone());
            programs.extend(o.program.iter().cloned());
        }
    }
    [regions, metrics, programs]
}

fn invalid(errors: Vec<super::record::FieldError>) -> WriteError {
    WriteError::Invalid(
        errors
            .into_iter()
            .map(|e| ItemError {
                index: None,
                field: e.field,
                message: e.message,
            })
            .collect(),
    )
}

/// The stored report and the event of a written row.
fn outcome_of(
    known: &Known,
    record: &ReportRecord,
    row: ReportRow,
    outcome: ReportOutcome,
) -> (Posted, Option<ReportEvent>) {
    let (status, id) = match outcome {
        ReportOutcome::Created(id) => (PostStatus::Created, id),
        ReportOutcome::Replaced(id) => (PostStatus::Replaced, id),
        ReportOutcome::Unchanged(id) => (PostStatus::Unchanged, id),
    };
    let event = (status != PostStatus::Unchanged).then(|| {
        let [regions, _, _] = references(&[record]);
        let mut paths: Vec<Path> = regions.iter().map(|c| known.regions[c].path).collect();
        paths.sort();
        paths.dedup();
        ReportEvent { report_id: id, paths }
    });
    let report = report::Model {
        id,
        external_id: row.external_id,
        title: row.title,
        source: row.source,
        url: row.url,
        published_on: row.published_on,
        authors: row.authors,
        region_id: row.region_id,
        body: row.body,
        content_hash: row.content_hash,
    };
    (Posted { status, report }, event)
}

async fn try_post(db: &Db, record: &ReportRecord) -> Outcome {
    let tx = db.begin_write().await?;
    lock_report(&tx, &record.external_id).await?;
    let [regions, metrics, programs] = references(&[record]);
    let known = load_known_for(&tx, &regions, &metrics, &programs).await?;
    if let Err(errors) = validate::report(&known, record) {
        tx.rollback().await?;
        return Err(invalid(errors));
    }
    let row = resolve_report(&known, record, record.content_hash());
    let outcome = writer::write_reports(&tx, std::slice::from_ref(&row))
        .await?
        .pop()
        .ok_or_else(|| DbErr::Custom("no outcome for the posted report".into()))?;
    tx.commit().await?;
    Ok(outcome_of(&known, record, row, outcome))
}

/// Most posts written in one transaction.
const POSTS_PER_BATCH: usize = 256;

/// Posts waiting to be written together, and the right to write them.
#[derive(Default)]
struct PostQueue {
    pending: std::sync::Mutex<Vec<Job>>,
    writer: tokio::sync::Mutex<()>,
    next_id: std::sync::atomic::AtomicU64,
}

struct Job {
    id: u64,
    record: ReportRecord,
    reply: tokio::sync::oneshot::Sender<Outcome>,
}

/// Takes a post that went away (its request was dropped) out of the queue if it is still there, so
/// that it is not written later, out of its time.
struct Dequeue<'a> {
    queue: &'a PostQueue,
    id: u64,
}

impl Drop for Dequeue<'_> {
    fn drop(&mut self) {
        let mut pending = self.queue.pending.lock().unwrap_or_else(|p| p.into_inner());
        pending.retain(|job| job.id != self.id);
    }
}

/// Queues a post; then either its outcome arrives, or it becomes the writer of the queue.
async fn post_queued(db: &Db, queue: &Arc<PostQueue>, record: ReportRecord) -> Outcome {
    let (reply, mut answer) = tokio::sync::oneshot::channel();
    let id = queue.next_id.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    queue
        .pending
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(Job { id, record, reply });
    let _dequeue = Dequeue { queue, id };
    loop {
        tokio::select! {
            biased;
            outcome = &mut answer => {
                return outcome.unwrap_or_else(|_| Err(DbErr::Custom("a batch of posts was lost".into()).into()));
            }
            _writer = queue.writer.lock() => {
                let jobs: Vec<Job> = {
                    let mut pending = queue.pending.lock().unwrap_or_else(|p| p.into_inner());
                    let n = pending.len().min(POSTS_PER_BATCH);
                    pending.drain(..n).collect()
                };
                if !jobs.is_empty() {
                    // On a task of its own, so that the batch is written and every post answered even
                    // if this request goes away.
                    let db = db.clone();
                    let _ = tokio::spawn(async move { write_batch(&db, jobs).await }).await;
                }
            }
        }
    }
}

/// Writes queued posts in one transaction; if that fails, one by one.
async fn write_batch(db: &Db, jobs: Vec<Job>) {
    match try_batch(db, &jobs).await {
        Ok(outcomes) => {
            for (job, outcome) in jobs.into_iter().zip(outcomes) {
                let _ = job.reply.send(outcome);
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, posts = jobs.len(), "a batch of posts failed; writing them one by one");
            for job in jobs {
                let outcome = post_alone(db, &job.record).await;
                let _ = job.reply.send(outcome);
            }
        }
    }
}

/// Validates every job, then writes the valid ones in rounds in which each `external_id` appears
/// once (a report posted twice in one batch is written twice, in order, as if posted one by one).
async fn try_batch(db: &Db, jobs: &[Job]) -> Result<Vec<Outcome>, DbErr> {
    let tx = db.begin_write().await?;
    let records: Vec<&ReportRecord> = jobs.iter().map(|j| &j.record).collect();
    let [regions, metrics, programs] = references(&records);
    let known = load_known_for(&tx, &regions, &metrics, &programs).await?;
    let mut outcomes: Vec<Option<Outcome>> = (0..jobs.len()).map(|_| None).collect();
    let mut rounds: Vec<(Vec<usize>, Vec<ReportRow>)> = Vec::new();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, record) in records.iter().enumerate() {
        if let Err(errors) = validate::report(&known, record) {
            outcomes[i] = Some(Err(invalid(errors)));
            continue;
        }
        let round = seen.entry(&record.external_id).or_insert(0);
        if rounds.len() <= *round {
            rounds.push(Default::default());
        }
        rounds[*round].0.push(i);
        rounds[*round]
            .1
            .push(resolve_report(&known, record, record.content_hash()));
        *round += 1;
    }
    let mut written = Vec::new();
    for (indices, rows) in rounds {
        let results = writer::write_reports(&tx, &rows).await?;
        written.extend(indices.into_iter().zip(rows).zip(results));
    }
    tx.commit().await?;
    for ((i, row), outcome) in written {
        outcomes[i] = Some(Ok(outcome_of(&known, records[i], row, outcome)));
    }
    Ok(outcomes
        .into_iter()
        .map(|o| o.unwrap_or_else(|| Err(DbErr::Custom("a post was not written".into()).into())))
        .collect())
}

/// Deletes the report `external_id` with its observations; false when there is none.
pub async fn delete_report(db: &Db, events: &Events, external_id: &str) -> Result<bool, DbErr> {
    let _shared = events.gate.read().await;
    let tx = db.begin_write().await?;
    lock_report(&tx, external_id).await?;
    let backend = tx.get_database_backend();
    let mut sql = Sql::new(backend);
    sql.push("DELETE FROM observation WHERE report_id IN (SELECT id FROM report WHERE external_id = ")
        .bind(external_id.to_owned())
        .push(")");
    tx.execute_raw(sql.build()).await?;
    let mut sql = Sql::new(backend);
    sql.push("DELETE FROM report WHERE external_id = ")
        .bind(external_id.to_owned());
    let deleted = tx.execute_raw(sql.build()).await?.rows_affected() > 0;
    tx.commit().await?;
    Ok(deleted)
}

/// Upserts regions by code (parents may be earlier items or stored regions), all or nothing.
/// Answers the counts and the stored regions, in the order of their first appearance.
pub async fn upsert_regions(
    db: &Db,
    events: &Events,
    records: &[RegionRecord],
) -> Result<(Counts, Vec<region::Model>), WriteError> {
    let mut regions = BTreeSet::new();
    for r in records {
        regions.insert(r.code.clone());
        regions.extend(r.parent.iter().cloned());
    }
    let items = records.iter().cloned().map(Record::Region).collect();
    let summary = upsert(db, events, items, &regions, &BTreeSet::new(), &BTreeSet::new()).await?;
    let codes = first_appearance(records.iter().map(|r| &r.code));
    let rows = region::Entity::find()
        .filter(region::Column::Code.is_in(codes.clone()))
        .all(&db.read)
        .await?;
    Ok((summary.regions, in_order(rows, &codes, |m| &m.code)))
}

/// Upserts metrics by code, all or nothing.
pub async fn upsert_metrics(
    db: &Db,
    events: &Events,
    records: &[MetricRecord],
) -> Result<(Counts, Vec<metric::Model>), WriteError> {
    let codes = first_appearance(records.iter().map(|m| &m.code));
    let metrics = codes.iter().cloned().collect();
    let items = records.iter().cloned().map(Record::Metric).collect();
    let summary = upsert(db, events, items, &BTreeSet::new(), &metrics, &BTreeSet::new()).await?;
    let rows = metric::Entity::find()
        .filter(metric::Column::Code.is_in(codes.clone()))
        .all(&db.read)
        .await?;
    Ok((summary.metrics, in_order(rows, &codes, |m| &m.code)))
}

/// Upserts programs by code (their regions must exist), all or nothing.
pub async fn upsert_programs(
    db: &Db,
    events: &Events,
    records: &[ProgramRecord],
) -> Result<(Counts, Vec<program::Model>), WriteError> {
    let codes = first_appearance(records.iter().map(|p| &p.code));
    let programs = codes.iter().cloned().collect();
    let regions = records.iter().map(|p| p.region.clone()).collect();
    let items = records.iter().cloned().map(Record::Program).collect();
    let summary = upsert(db, events, items, &regions, &BTreeSet::new(), &programs).await?;
    let rows = program::Entity::find()
        .filter(program::Column::Code.is_in(codes.clone()))
        .all(&db.read)
        .await?;
    Ok((summary.programs, in_order(rows, &codes, |m| &m.code)))
}

fn first_appearance<'a>(codes: impl Iterator<Item = &'a String>) -> Vec<String> {
    let mut seen = HashSet::new();
    codes.filter(|c| seen.insert(*c)).cloned().collect()
}

fn in_order<M>(rows: Vec<M>, codes: &[String], code: impl Fn(&M) -> &String) -> Vec<M> {
    let mut by_code: HashMap<String, M> = rows.into_iter().map(|m| (code(&m).clone(), m)).collect();
    codes.iter().filter_map(|c| by_code.remove(c)).collect()
}

/// Feeds `items` to an importer that knows only the codes they reference; all or nothing.
async fn upsert(
    db: &Db,
    events: &Events,
    items: Vec<Record>,
    regions: &BTreeSet<String>,
    metrics: &BTreeSet<String>,
    programs: &BTreeSet<String>,
) -> Result<ImportSummary, WriteError> {
    let _exclusive = events.gate.write().await;
    let tx = db.begin_write().await?;
    lock_tree(&tx).await?;
    let known = load_known_for(&tx, regions, metrics, programs).await?;
    let mut importer = Importer::with_known(tx, ImportOptions::default(), known);
    for (i, item) in items.iter().enumerate() {
        importer
            .take(super::Parsed::from_record(i as u64 + 1, item.clone()))
            .await?;
    }
    let summary = importer.finish().await?;
    if summary.committed && summary.error_count == 0 {
        return Ok(summary);
    }
    let errors: Vec<ItemError> = summary
        .errors
        .into_iter()
        .map(|e| ItemError {
            index: Some(e.line as usize - 1),
            field: e.field,
            message: renumber(&e.message),
        })
        .collect();
    let conflict = errors.iter().all(|e| {
        (e.field == "value_type" && e.message.contains("already has observations"))
            || (e.field == "level" && e.message.contains("has children at or above"))
    });
    Err(if conflict {
        WriteError::Conflict(errors)
    } else {
        WriteError::Invalid(errors)
    })
}

/// The importer's "appears on line N" as the list index it is here.
fn renumber(message: &str) -> String {
    let Some(at) = message.find("appears on line ") else {
        return message.to_owned();
    };
    let rest = &message[at + "appears on line ".len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    match digits.parse::<usize>() {
        Ok(line) if line > 0 => format!(
            "{}appears at index {}{}",
            &message[..at],
            line - 1,
            &rest[digits.len()..]
        ),
        _ => message.to_owned(),
    }
}

/// Codes per `IN (…)` lookup.
const CODES_PER_LOOKUP: usize = 500;

/// Loads what the database holds of the given codes only.
pub async fn load_known_for<C: ConnectionTrait>(
    db: &C,
    regions: &BTreeSet<String>,
    metrics: &BTreeSet<String>,
    programs: &BTreeSet<String>,
) -> Result<Known, DbErr> {
    let backend = db.get_database_backend();
    let mut known = Known::default();
    let regions: Vec<&String> = regions.iter().collect();
    for chunk in regions.chunks(CODES_PER_LOOKUP) {
        let mut sql = Sql::new(backend);
        sql.push(
            "SELECT id, code, name, level, parent_id, population, aliases, province_id, city_id, county_id, \
             town_id, village_id FROM region WHERE code IN ",
        );
        sql.bind_list(chunk.iter().map(|c| (*c).clone()));
        for r in RegionRow::find_by_statement(sql.build()).all(db).await? {
            let (code, region) = r.into_known()?;
            known.regions.insert(code, region);
        }
    }
    let metrics: Vec<&String> = metrics.iter().collect();
    for chunk in metrics.chunks(CODES_PER_LOOKUP) {
        let mut sql = Sql::new(backend);
        sql.push("SELECT id, code, name, unit, value_type, aggregation FROM metric WHERE code IN ");
        sql.bind_list(chunk.iter().map(|c| (*c).clone()));
        for m in MetricRow::find_by_statement(sql.build()).all(db).await? {
            let (code, metric) = m.into_known();
            known.metrics.insert(code, metric);
        }
    }
    let programs: Vec<&String> = programs.iter().collect();
    for chunk in programs.chunks(CODES_PER_LOOKUP) {
        let mut sql = Sql::new(backend);
        sql.push(
            "SELECT id, code, name, region_id, category, description, started_on, ended_on FROM program \
             WHERE code IN ",
        );
        sql.bind_list(chunk.iter().map(|c| (*c).clone()));
        for p in ProgramRow::find_by_statement(sql.build()).all(db).await? {
            let (code, program) = p.into_known();
            known.programs.insert(code, program);
        }
    }
    Ok(known)
}

/// Imports NDJSON read from `reader` with the command line importer (one transaction, all or nothing
/// unless `skip_invalid`), alone among the API's writers on PostgreSQL, and announces the reports it
/// created or replaced (at most [`ANNOUNCED_PER_IMPORT`]) once it has committed.
///
/// The announced reports are told apart without looking inside the importer: ids only grow (SQLite's
/// `AUTOINCREMENT`, PostgreSQL's identity), so a report created by the import has an id above the
/// highest before it, and a replaced one has observations above the highest observation id before it.
pub async fn import_stream(
    db: &Db,
    events: &Events,
    reader: impl AsyncRead + Unpin + Send + 'static,
    options: ImportOptions,
) -> Result<ImportSummary, DbErr> {
    let _exclusive = events.gate.write().await;
    // On PostgreSQL the tree lock is held by a transaction of its own for the whole import.
    let guard = match db.backend() {
        DbBackend::Postgres => {
            let tx = db.write.begin().await?;
            lock_tree(&tx).await?;
            Some(tx)
        }
        _ => None,
    };
    let before = high_water(db).await?;
    let summary = import_reader(db, reader, options, None).await?;
    let mut announced = Vec::new();
    if summary.committed && summary.reports.created + summary.reports.updated > 0 {
        match changed_since(db, before).await {
            Ok(events) => announced = events,
            Err(e) => tracing::warn!(error = %e, "the reports of an import could not be announced"),
        }
    }
    if let Some(guard) = guard {
        guard.rollback().await?;
    }
    for event in announced {
        events.publish(event);
    }
    Ok(summary)
}

/// The highest report and observation ids.
async fn high_water(db: &Db) -> Result<(i64, i64), DbErr> {
    let sql = "SELECT (SELECT COALESCE(MAX(id), 0) FROM report) AS r, \
               (SELECT COALESCE(MAX(id), 0) FROM observation) AS o";
    let row = db
        .write
        .query_one_raw(sea_orm::Statement::from_string(db.backend(), sql))
        .await?
        .ok_or_else(|| DbErr::Custom("no row".into()))?;
    Ok((row.try_get("", "r")?, row.try_get("", "o")?))
}

/// Observations scanned to find the replaced reports of an import.
const SCANNED_OBSERVATIONS: i64 = 200_000;

/// The events of the reports created or replaced since [`high_water`] answered `before`.
async fn changed_since(db: &Db, before: (i64, i64)) -> Result<Vec<ReportEvent>, DbErr> {
    let backend = db.backend();
    let limit = ANNOUNCED_PER_IMPORT as i64;
    let mut sql = Sql::new(backend);
    sql.push("SELECT id FROM report WHERE id > ").bind(before.0);
    sql.push(" ORDER BY id LIMIT ").bind(limit);
    let mut ids = BTreeSet::new();
    for row in db.write.query_all_raw(sql.build()).await? {
        ids.insert(row.try_get::<i64>("", "id")?);
    }
    let mut sql = Sql::new(backend);
    sql.push("SELECT DISTINCT report_id FROM (SELECT report_id FROM observation WHERE id > ")
        .bind(before.1);
    sql.push(" ORDER BY id LIMIT ")
        .bind(SCANNED_OBSERVATIONS)
        .push(") o");
    for row in db.write.query_all_raw(sql.build()).await? {
        ids.insert(row.try_get::<i64>("", "report_id")?);
    }
    let ids: Vec<i64> = ids.into_iter().take(ANNOUNCED_PER_IMPORT).collect();
    report_events(&db.write, &ids).await
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

/// The events of the stored reports `ids`: their region paths.
async fn report_events<C: ConnectionTrait>(db: &C, ids: &[i64]) -> Result<Vec<ReportEvent>, DbErr> {
    let backend = db.get_database_backend();
    let mut paths: HashMap<i64, Vec<Path>> = HashMap::new();
    for chunk in ids.chunks(CODES_PER_LOOKUP) {
        let queries = [
            "SELECT r.id AS report_id, g.province_id AS p0, g.city_id AS p1, g.county_id AS p2, \
             g.town_id AS p3, g.village_id AS p4 FROM report r LEFT JOIN region g ON g.id = r.region_id \
             WHERE r.id IN ",
            "SELECT DISTINCT report_id, province_id AS p0, city_id AS p1, county_id AS p2, town_id AS p3, \
             village_id AS p4 FROM observation WHERE report_id IN ",
        ];
        for query in queries {
            let mut sql = Sql::new(backend);
            sql.push(query).bind_list(chunk.iter().copied());
            for row in PathRow::find_by_statement(sql.build()).all(db).await? {
                // Every report gets an entry, also one without a region or observations.
                let entry = paths.entry(row.report_id).or_default();
                let path = [row.p0, row.p1, row.p2, row.p3, row.p4].map(|p| p.unwrap_or(0));
                if path.iter().any(|&p| p != 0) && !entry.contains(&path) {
                    entry.push(path);
                }
            }
        }
    }
    let mut events: Vec<ReportEvent> = paths
        .into_iter()
        .map(|(report_id, paths)| ReportEvent { report_id, paths })
        .collect();
    events.sort_by_key(|e| e.report_id);
    Ok(events)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_messages_name_the_index() {
        assert_eq!(
            renumber("region `a` appears on line 3 with different content"),
            "region `a` appears at index 2 with different content"
        );
        assert_eq!(renumber("unknown region `x`"), "unknown region `x`");
    }

    #[test]
    fn events_match_their_paths() {
        let event = ReportEvent {
            report_id: 1,
            paths: vec![[1, 2, 3, 4, 0]],
        };
        assert!(event.is_within(Level::County, 3));
        assert!(event.is_within(Level::Town, 4));
        assert!(!event.is_within(Level::Town, 5));
        assert!(!event.is_within(Level::Village, 4));
    }
}
