//! `POST /import`: the command line importer behind the API's gate. The importer records the event of
//! every report it creates or replaces in its transaction (see `store::events`); this pokes the
//! server's tailer once it has committed.

use sea_orm::{DbBackend, DbErr, TransactionTrait};
use tokio::io::AsyncRead;

use super::Writes;
use crate::ingest::{ImportSummary, import_reader};
use crate::store::locks;

impl Writes {
    /// Imports NDJSON read from `reader` with the command line importer (one transaction, all or
    /// nothing unless `skip_invalid`), alone among the API's writers; every report it created or
    /// replaced is announced once it has committed.
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
        let options = self.import.skipping_invalid(skip_invalid);
        let summary = import_reader(db, reader, options, None, None).await;
        if let Some(guard) = guard {
            guard.rollback().await?;
        }
        let summary = summary?;
        if summary.committed && summary.reports.created + summary.reports.updated > 0 {
            self.events.poke();
        }
        Ok(summary)
    }
}
