//! `postReport` and `deleteReport`: one report at a time, in a transaction of its own (PostgreSQL) or
//! queued to be written with the posts that arrive together (SQLite, see `queue`).

use entity::report;
use sea_orm::{DbBackend, DbErr};

use super::{WriteError, Writes};
use crate::ingest::resolve_report;
use crate::interchange::{ReportRecord, validate};
use crate::store::known::{Codes, load_known_for};
use crate::store::writer::{self, ReportOutcome, ReportRow};
use crate::store::{Db, events, locks};
use crate::telemetry;

/// How many times a post that met a unique-key violation is retried.
const RETRIES: usize = 3;

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

/// A post and what it made.
pub(super) type Outcome = Result<Posted, WriteError>;

impl Writes {
    /// Posts one report: validates it against the codes it references and creates, replaces or leaves
    /// alone the stored report of the same `external_id`, in one transaction.
    pub async fn post_report(&self, record: &ReportRecord) -> Result<Posted, WriteError> {
        let record = record.normalized();
        let observations = record.observations.len() as u64;
        let _shared = self.gate.read().await;
        let posted = match self.db.backend() {
            DbBackend::Sqlite => self.queue.post(&self.db, record).await?,
            _ => post_alone(&self.db, &record).await?,
        };
        if posted.status != PostStatus::Unchanged {
            self.events.poke();
            telemetry::written(1, observations);
        }
        Ok(posted)
    }

    /// Deletes the report `external_id` with its observations; false when there is none. A deletion
    /// is not an event: subscribers are not told, and earlier events of the report are skipped.
    pub async fn delete_report(&self, external_id: &str) -> Result<bool, DbErr> {
        let _shared = self.gate.read().await;
        let tx = self.db.begin_write().await?;
        locks::lock_report(&tx, external_id).await?;
        let deleted = writer::delete_report(&tx, external_id).await?;
        tx.commit().await?;
        Ok(deleted)
    }
}

fn is_unique_violation(e: &DbErr) -> bool {
    matches!(e.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_)))
}

/// Posts one report in a transaction of its own, retrying after a unique-key violation.
pub(super) async fn post_alone(db: &Db, record: &ReportRecord) -> Outcome {
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

/// The region, metric and program codes reports reference.
pub(super) fn references(records: &[&ReportRecord]) -> Codes {
    let mut codes = Codes::default();
    for record in records {
        codes.regions.extend(record.region.iter().cloned());
        for o in &record.observations {
            codes.regions.extend(o.region.iter().cloned());
            codes.metrics.insert(o.metric.clone());
            codes.programs.extend(o.program.iter().cloned());
        }
    }
    codes
}

/// The id of the report a write created or replaced (whose event it records), if it did.
pub(super) fn changed(outcome: ReportOutcome) -> Option<i64> {
    match outcome {
        ReportOutcome::Created(id) | ReportOutcome::Replaced(id) => Some(id),
        ReportOutcome::Unchanged(_) => None,
    }
}

/// The stored report of a written row.
pub(super) fn outcome_of(row: ReportRow, outcome: ReportOutcome) -> Posted {
    let (status, id) = match outcome {
        ReportOutcome::Created(id) => (PostStatus::Created, id),
        ReportOutcome::Replaced(id) => (PostStatus::Replaced, id),
        ReportOutcome::Unchanged(id) => (PostStatus::Unchanged, id),
    };
    let [province_id, city_id, county_id, town_id, village_id] = row.path.ids();
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
        province_id,
        city_id,
        county_id,
        town_id,
        village_id,
    };
    Posted { status, report }
}

async fn try_post(db: &Db, record: &ReportRecord) -> Outcome {
    let tx = db.begin_write().await?;
    locks::lock_report(&tx, &record.external_id).await?;
    let known = load_known_for(&tx, &references(&[record])).await?;
    if let Err(errors) = validate::report(&known, record) {
        tx.rollback().await?;
        return Err(WriteError::of_fields(errors));
    }
    let row = resolve_report(&known, record, record.content_hash());
    let outcome = writer::write_reports(&tx, std::slice::from_ref(&row), true)
        .await?
        .pop()
        .ok_or_else(|| DbErr::Custom("no outcome for the posted report".into()))?;
    events::record(&tx, changed(outcome).as_slice()).await?;
    tx.commit().await?;
    Ok(outcome_of(row, outcome))
}
