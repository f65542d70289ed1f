//! `upsertRegions`, `upsertMetrics` and `upsertPrograms`: small lists of reference data written by an
//! importer that knows only the codes they reference, all or nothing, alone among the writers.

use std::collections::{HashMap, HashSet};

use entity::{metric, program, region};

use super::{WriteError, Writes};
use crate::ingest::{Counts, ImportOptions, ImportSummary, Importer, Numbering, Parsed};
use crate::interchange::{MetricRecord, ProgramRecord, Record, RegionRecord};
use crate::store::known::{Codes, load_known_for};
use crate::store::{locks, reads};

impl Writes {
    /// Upserts regions by code (parents may be earlier items or stored regions), all or nothing.
    /// Answers the counts and the stored regions, in the order of their first appearance.
    pub async fn upsert_regions(
        &self,
        records: &[RegionRecord],
    ) -> Result<(Counts, Vec<region::Model>), WriteError> {
        let mut codes = Codes::default();
        for r in records {
            codes.regions.insert(r.code.clone());
            codes.regions.extend(r.parent.iter().cloned());
        }
        let items = records.iter().cloned().map(Record::Region).collect();
        let summary = self.upsert(items, &codes).await?;
        let order = first_appearance(records.iter().map(|r| &r.code));
        let rows = reads::all_in::<region::Entity, _>(self.db.fresh(), region::Column::Code, &order).await?;
        Ok((summary.regions, in_order(rows, &order, |m| &m.code)))
    }

    /// Upserts metrics by code, all or nothing.
    pub async fn upsert_metrics(
        &self,
        records: &[MetricRecord],
    ) -> Result<(Counts, Vec<metric::Model>), WriteError> {
        let order = first_appearance(records.iter().map(|m| &m.code));
        let codes = Codes {
            metrics: order.iter().cloned().collect(),
            ..Codes::default()
        };
        let items = records.iter().cloned().map(Record::Metric).collect();
        let summary = self.upsert(items, &codes).await?;
        let rows = reads::all_in::<metric::Entity, _>(self.db.fresh(), metric::Column::Code, &order).await?;
        Ok((summary.metrics, in_order(rows, &order, |m| &m.code)))
    }

    /// Upserts programs by code (their regions must exist), all or nothing.
    pub async fn upsert_programs(
        &self,
        records: &[ProgramRecord],
    ) -> Result<(Counts, Vec<program::Model>), WriteError> {
        let order = first_appearance(records.iter().map(|p| &p.code));
        let codes = Codes {
            programs: order.iter().cloned().collect(),
            regions: records.iter().map(|p| p.region.clone()).collect(),
            ..Codes::default()
        };
        let items = records.iter().cloned().map(Record::Program).collect();
        let summary = self.upsert(items, &codes).await?;
        let rows =
            reads::all_in::<program::Entity, _>(self.db.fresh(), program::Column::Code, &order).await?;
        Ok((summary.programs, in_order(rows, &order, |m| &m.code)))
    }

    /// Feeds `items` to an importer that knows only the `codes` they reference; all or nothing.
    async fn upsert(&self, items: Vec<Record>, codes: &Codes) -> Result<ImportSummary, WriteError> {
        let _exclusive = self.gate.write().await;
        let tx = self.db.begin_write().await?;
        locks::lock_tree(&tx).await?;
        let known = load_known_for(&tx, codes).await?;
        let options = ImportOptions {
            numbering: Numbering::Indexes,
            ..self.import
        };
        let mut importer = Importer::with_known(tx, options, known);
        for (i, item) in items.into_iter().enumerate() {
            importer.take(Parsed::from_record(i as u64 + 1, item)).await?;
        }
        let summary = importer.finish().await?;
        if summary.committed && summary.error_count == 0 {
            return Ok(summary);
        }
        Err(WriteError::of_lines(summary.errors))
    }
}

/// Each code once, in the order of its first appearance.
fn first_appearance<'a>(codes: impl Iterator<Item = &'a String>) -> Vec<String> {
    let mut seen = HashSet::new();
    codes.filter(|c| seen.insert(*c)).cloned().collect()
}

/// `rows` in the order of `codes`.
fn in_order<M>(rows: Vec<M>, codes: &[String], code: impl Fn(&M) -> &String) -> Vec<M> {
    let mut by_code: HashMap<String, M> = rows.into_iter().map(|m| (code(&m).clone(), m)).collect();
    codes.iter().filter_map(|c| by_code.remove(c)).collect()
}
