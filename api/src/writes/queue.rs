//! Group commit on SQLite: posts that arrive together are written in one transaction, each with the
//! outcome it would have had alone, in the order they arrived. One of the waiting posts becomes the
//! writer of everything queued so far; the others wait for their answer.

use std::collections::HashMap;

use sea_orm::DbErr;

use super::WriteError;
use super::post::{Outcome, changed, outcome_of, post_alone, references};
use crate::ingest::resolve_report;
use crate::interchange::{ReportRecord, validate};
use crate::store::known::load_known_for;
use crate::store::writer::{self, ReportRow};
use crate::store::{Db, events};

/// Posts waiting to be written together, and the right to write them.
pub(super) struct PostQueue {
    pending: std::sync::Mutex<Vec<Job>>,
    writer: tokio::sync::Mutex<()>,
    next_id: std::sync::atomic::AtomicU64,
    /// Most posts written in one transaction.
    per_batch: usize,
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

impl PostQueue {
    /// An empty queue writing at most `per_batch` posts per transaction.
    pub(super) fn new(per_batch: usize) -> PostQueue {
        PostQueue {
            pending: std::sync::Mutex::default(),
            writer: tokio::sync::Mutex::default(),
            next_id: std::sync::atomic::AtomicU64::default(),
            per_batch: per_batch.max(1),
        }
    }

    /// Queues a post; then either its outcome arrives, or it becomes the writer of the queue.
    pub(super) async fn post(&self, db: &Db, record: ReportRecord) -> Outcome {
        post_queued(db, self, record).await
    }
}

async fn post_queued(db: &Db, queue: &PostQueue, record: ReportRecord) -> Outcome {
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
                    let n = pending.len().min(queue.per_batch);
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
    let known = load_known_for(&tx, &references(&records)).await?;
    let mut outcomes: Vec<Option<Outcome>> = (0..jobs.len()).map(|_| None).collect();
    let mut rounds: Vec<(Vec<usize>, Vec<ReportRow>)> = Vec::new();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, record) in records.iter().enumerate() {
        if let Err(errors) = validate::report(&known, record) {
            outcomes[i] = Some(Err(WriteError::of_fields(errors)));
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
        let results = writer::write_reports(&tx, &rows, true).await?;
        written.extend(indices.into_iter().zip(rows).zip(results));
    }
    let ids: Vec<i64> = written
        .iter()
        .filter_map(|(_, outcome)| changed(*outcome))
        .collect();
    events::record(&tx, &ids).await?;
    tx.commit().await?;
    for ((i, row), outcome) in written {
        outcomes[i] = Some(Ok(outcome_of(row, outcome)));
    }
    Ok(outcomes
        .into_iter()
        .map(|o| o.unwrap_or_else(|| Err(DbErr::Custom("a post was not written".into()).into())))
        .collect())
}
