//! `POST /import`: the command line importer behind the API's gate, announcing what it wrote.

use sea_orm::{DbBackend, DbErr, TransactionTrait};
use tokio::io::AsyncRead;

use super::Writes;
use crate::events::ReportEvent;
use crate::ingest::{ImportSummary, import_reader};
use crate::store::{changes, locks};

impl Writes {
    /// Imports NDJSON read from `reader` with the command line importer (one transaction, all or
    /// nothing unless `skip_invalid`), alone among the API's writers, and announces the reports it
    /// created or replaced (at most `announced_per_import`) once it has committed.
    ///
    /// The announced reports are told apart without looking inside the importer, by the ids above the
    /// high-water marks taken before it (see `store::changes`).
    pub async fn import_stream(
        &self,
        reader: impl AsyncRead + Unpin + Send + 'static,
        skip_invalid: bool,
    ) -> Result<ImportSummary, DbErr> {
        let db = &self.db;
        let _exclusive = self.gate.write().await;
        // On PostgreSQL the tree lock is held by a transaction of its own for the whole import.
        let guard = match db.backend() {
            DbBackend::Postgres => {
                let tx = db.write.begin().await?;
                locks::lock_tree(&tx).await?;
                Some(tx)
            }
            _ => None,
        };
        let before = changes::high_water(db).await?;
        let options = self.import.skipping_invalid(skip_invalid);
        let summary = import_reader(db, reader, options, None, None).await?;
        let mut announced = Vec::new();
        if summary.committed && summary.reports.created + summary.reports.updated > 0 {
            match self.changed_since(before).await {
                Ok(events) => announced = events,
                Err(e) => tracing::warn!(error = %e, "the reports of an import could not be announced"),
            }
        }
        if let Some(guard) = guard {
            guard.rollback().await?;
        }
        for event in announced {
            self.events.publish(event);
        }
        Ok(summary)
    }

    /// The events of the reports created or replaced since the marks `before`, in id order.
    async fn changed_since(&self, before: changes::HighWater) -> Result<Vec<ReportEvent>, DbErr> {
        let ids = changes::changed_since(&self.db, before, self.announced_per_import).await?;
        let mut paths = changes::report_paths(&self.db, &ids).await?;
        Ok(ids
            .into_iter()
            .map(|report_id| ReportEvent {
                report_id,
                paths: paths.remove(&report_id).unwrap_or_default(),
            })
            .collect())
    }
}
