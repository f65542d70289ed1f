//! The [`Importer`]: one write transaction fed one record at a time, with every record checked
//! against the codes known so far and reports written in batches.

use std::collections::HashMap;
use std::sync::Arc;

use sea_orm::{DatabaseTransaction, DbErr};
use tokio::task::JoinHandle;

use super::{Counts, ImportOptions, ImportSummary, LineError, Numbering, Parsed, parse, resolve_report};
use crate::domain::{Level, RegionPath};
use crate::interchange::validate;
use crate::interchange::{FieldError, MetricRecord, ProgramRecord, Record, RegionRecord, ReportRecord};
use crate::store::bulk_load::{self, BulkLoad};
use crate::store::known::{
    Known, KnownMetric, KnownProgram, KnownRegion, fingerprint, has_children_at_or_above, load_known,
    metric_content, metric_has_observations, program_content, region_content,
};
use crate::store::writer::{
    self, IdsOf, MetricColumns, NewProgram, NewRegion, ProgramColumns, REGIONS_PER_STATEMENT, RegionColumns,
    ReportOutcome, ReportRow,
};
use crate::store::{Db, events};
use crate::telemetry;

/// A record's result: `Ok`, or the fields at fault (the database failing is the outer error).
type Checked = Result<Result<(), Vec<FieldError>>, DbErr>;

/// What became of each report of a batch written, with its number of observations.
type Written = Result<Vec<(ReportOutcome, u64)>, DbErr>;

/// An import in progress: one write transaction, fed one line at a time.
pub struct Importer {
    /// The transaction; statements reach it through [`Importer::db`], which waits for `behind`.
    tx: Arc<DatabaseTransaction>,
    /// The batch of reports being written while the next records are read and checked, and what
    /// became of each (with its number of observations).
    behind: Option<JoinHandle<Written>>,
    options: ImportOptions,
    known: Known,
    /// Content hash and line of every report seen in this file, by external id hash (regions, metrics
    /// and programs remember their line in `known`).
    seen: HashMap<u64, (u64, u64)>,
    pending: Vec<ReportRow>,
    pending_observations: usize,
    next_placeholder: i64,
    /// New regions not inserted yet: they go in together, before anything reads or references them.
    new_regions: Vec<NewRegion>,
    /// Region ids reserved and not given yet, the next one last.
    region_ids: Vec<i64>,
    /// New programs not inserted yet: they go in together, after the new regions and before the
    /// reports that name them.
    new_programs: Vec<NewProgram>,
    /// Program ids reserved and not given yet, the next one last.
    program_ids: Vec<i64>,
    /// The reports created or replaced so far, in order: their events are recorded at the commit.
    changed: Vec<i64>,
    /// The bulk load of observations, when the import began with none stored (PostgreSQL).
    bulk: Option<BulkLoad>,
    summary: ImportSummary,
}

impl Importer {
    /// Begins an import: opens the write transaction and loads the codes already in the database.
    /// On PostgreSQL, an import that begins with no observation stored loads them in bulk (see
    /// [`bulk_load`]).
    pub async fn begin(db: &Db, options: ImportOptions) -> Result<Importer, DbErr> {
        let tx = db.begin_write().await?;
        let bulk = bulk_load::begin(&tx).await?;
        let known = load_known(&tx).await?;
        Ok(Importer {
            bulk,
            ..Importer::with_known(tx, options, known)
        })
    }

    /// An import inside `tx` that knows only `known` of the database (enough for the records it
    /// will be given).
    pub fn with_known(tx: DatabaseTransaction, options: ImportOptions, known: Known) -> Importer {
        Importer {
            tx: Arc::new(tx),
            behind: None,
            options,
            known,
            seen: HashMap::new(),
            pending: Vec::new(),
            pending_observations: 0,
            next_placeholder: -1,
            new_regions: Vec::new(),
            region_ids: Vec::new(),
            new_programs: Vec::new(),
            program_ids: Vec::new(),
            changed: Vec::new(),
            bulk: None,
            summary: ImportSummary::default(),
        }
    }

    /// Whether records are still being written (false once an all-or-nothing import saw an error).
    fn writing(&self) -> bool {
        self.options.skip_invalid || self.summary.error_count == 0
    }

    fn error(&mut self, line: u64, e: FieldError) {
        self.summary.error_count += 1;
        if self.summary.errors.len() < self.options.max_listed_errors {
            self.summary.errors.push(LineError {
                line,
                field: e.field,
                message: e.message,
                fault: e.fault,
            });
        }
    }

    /// The error for a record whose key an earlier item of the same import defined differently.
    fn twice(&self, kind: &str, key: &str, first: u64, field: &str) -> FieldError {
        let place = match self.options.numbering {
            Numbering::Lines => format!("on line {first}"),
            Numbering::Indexes => format!("at index {}", first.saturating_sub(1)),
        };
        FieldError::new(
            field,
            format!("{kind} `{key}` appears {place} with different content"),
        )
    }

    /// Takes line `line` (1-based) of the file.
    pub async fn line(&mut self, line: u64, text: &str) -> Result<(), DbErr> {
        self.take(parse(line, text)).await
    }

    /// Takes a line parsed by [`parse`] (possibly on another task).
    pub async fn take(&mut self, parsed: Parsed) -> Result<(), DbErr> {
        let Parsed {
            line,
            record,
            report_hash,
        } = parsed;
        self.summary.lines = self.summary.lines.max(line);
        let record = match record {
            None => return Ok(()),
            Some(Err(e)) => {
                self.error(line, e);
                return Ok(());
            }
            Some(Ok(r)) => r,
        };
        let result = match &record {
            Record::Region(r) => self.region(line, r).await?,
            Record::Metric(m) => self.metric(line, m).await?,
            Record::Program(p) => self.program(line, p).await?,
            Record::Report(r) => {
                let hash = report_hash.unwrap_or_else(|| r.content_hash());
                let content = fingerprint(&hash);
                let key = fingerprint(&r.external_id);
                match self.seen.get(&key) {
                    Some(&(c, _)) if c == content => {
                        self.summary.reports.unchanged += 1;
                        return Ok(());
                    }
                    Some(&(_, first)) => {
                        Err(vec![self.twice("report", &r.external_id, first, "external_id")])
                    }
                    None => {
                        let result = self.report(r, hash).await?;
                        if result.is_ok() {
                            self.seen.insert(key, (content, line));
                        }
                        result
                    }
                }
            }
        };
        if let Err(errors) = result {
            errors.into_iter().for_each(|e| self.error(line, e));
        }
        Ok(())
    }

    fn placeholder(&mut self) -> i64 {
        self.next_placeholder -= 1;
        self.next_placeholder
    }

    /// The next reserved region id. When none is left, inserts the new regions waiting, then reserves
    /// more (see [`Importer::reserve`]).
    async fn region_id(&mut self) -> Result<i64, DbErr> {
        if self.region_ids.is_empty() {
            self.insert_new_regions().await?;
            self.region_ids = self.reserve(IdsOf::Region, self.summary.regions.created).await?;
        }
        Ok(self.region_ids.pop().expect("ids were just reserved"))
    }

    /// Ids for new rows of `of`, the next one last: one for a single write, as many as were created so
    /// far for a large one, up to a statement's worth.
    async fn reserve(&mut self, of: IdsOf, created: u64) -> Result<Vec<i64>, DbErr> {
        let n = (created as usize + 1).min(REGIONS_PER_STATEMENT);
        let mut ids = writer::reserve_ids(&*self.db().await?, of, n).await?;
        ids.reverse();
        Ok(ids)
    }

    /// Inserts the new regions waiting.
    async fn insert_new_regions(&mut self) -> Result<(), DbErr> {
        if !self.new_regions.is_empty() {
            writer::insert_regions(&*self.db().await?, &self.new_regions).await?;
            self.new_regions.clear();
        }
        Ok(())
    }

    /// The next reserved program id, reserved as [`Importer::region_id`] reserves region ids.
    async fn program_id(&mut self) -> Result<i64, DbErr> {
        if self.program_ids.is_empty() {
            self.insert_new_programs().await?;
            self.program_ids = self
                .reserve(IdsOf::Program, self.summary.programs.created)
                .await?;
        }
        Ok(self.program_ids.pop().expect("ids were just reserved"))
    }

    /// Inserts the new regions, then the new programs, waiting.
    async fn insert_new_programs(&mut self) -> Result<(), DbErr> {
        self.insert_new_regions().await?;
        if !self.new_programs.is_empty() {
            writer::insert_programs(&*self.db().await?, &self.new_programs).await?;
            self.new_programs.clear();
        }
        Ok(())
    }

    async fn region(&mut self, line: u64, r: &RegionRecord) -> Checked {
        let parent = match validate::region(&self.known, r) {
            Ok(p) => p,
            Err(e) => return Ok(Err(e)),
        };
        let content = region_content(&r.name, r.level, parent.map(|p| p.id), r.population, &r.aliases);
        let columns = RegionColumns {
            code: &r.code,
            name: &r.name,
            level: r.level,
            population: r.population,
            aliases: r.aliases.as_deref(),
        };
        let existing = self.known.regions.get(&r.code).copied();
        let writing = self.writing();
        let entry = match existing {
            Some(old) if old.content == content => {
                self.summary.regions.unchanged += 1;
                return Ok(Ok(()));
            }
            Some(old) if old.line > 0 => {
                return Ok(Err(vec![self.twice("region", &r.code, old.line, "code")]));
            }
            Some(old) => {
                self.insert_new_regions().await?;
                if old.level != r.level
                    && old.id > 0
                    && has_children_at_or_above(&*self.db().await?, old.id, r.level).await?
                {
                    let message = format!(
                        "`{}` has children at or above the {} level, so it cannot become one",
                        r.code,
                        r.level.as_str()
                    );
                    return Ok(Err(vec![FieldError::conflict("level", message)]));
                }
                let path = RegionPath::child(parent.as_ref().map(|p| &p.path), r.level, old.id);
                if path != old.path {
                    // Reports waiting to be written carry their regions' paths as they stand: they go
                    // in first, and move with the region.
                    self.flush().await?;
                }
                if writing && old.id > 0 {
                    writer::update_region(&*self.db().await?, &old, &columns, parent.as_ref(), path).await?;
                }
                if path != old.path {
                    self.reroot_known(&old, r.level, path);
                }
                self.summary.regions.updated += 1;
                KnownRegion {
                    id: old.id,
                    level: r.level,
                    path,
                    content,
                    line,
                }
            }
            None => {
                let id = if writing {
                    self.region_id().await?
                } else {
                    self.placeholder()
                };
                let path = RegionPath::child(parent.as_ref().map(|p| &p.path), r.level, id);
                if writing {
                    self.new_regions.push(NewRegion {
                        id,
                        code: r.code.clone(),
                        name: r.name.clone(),
                        level: r.level,
                        parent_id: parent.map(|p| p.id),
                        population: r.population,
                        aliases: r.aliases.clone(),
                        path,
                    });
                }
                self.summary.regions.created += 1;
                KnownRegion {
                    id,
                    level: r.level,
                    path,
                    content,
                    line,
                }
            }
        };
        self.known.regions.insert(r.code.clone(), entry);
        Ok(Ok(()))
    }

    /// Moves the known descendants of `old` under its new path.
    fn reroot_known(&mut self, old: &KnownRegion, new_level: Level, path: RegionPath) {
        let deepest = old.level.max(new_level);
        for entry in self.known.regions.values_mut() {
            if entry.path.is_within(old.level, old.id) {
                entry.path.reroot(&path, deepest);
            }
        }
    }

    async fn metric(&mut self, line: u64, m: &MetricRecord) -> Checked {
        if let Err(e) = validate::metric(m) {
            return Ok(Err(e));
        }
        let columns = MetricColumns {
            code: &m.code,
            name: &m.name,
            unit: &m.unit,
            value_type: m.value_type,
            aggregation: m.effective_aggregation(),
        };
        let content = metric_content(&m.name, &m.unit, m.value_type, columns.aggregation);
        let existing = self.known.metrics.get(&m.code).copied();
        if let Some(old) = existing {
            if old.content == content {
                self.summary.metrics.unchanged += 1;
                return Ok(Ok(()));
            }
            if old.line > 0 {
                return Ok(Err(vec![self.twice("metric", &m.code, old.line, "code")]));
            }
            if old.value_type != m.value_type
                && old.id > 0
                && metric_has_observations(&*self.db().await?, old.id).await?
            {
                let message = format!(
                    "metric `{}` already has observations as a {}; its value type cannot change",
                    m.code,
                    old.value_type.as_str()
                );
                return Ok(Err(vec![FieldError::conflict("value_type", message)]));
            }
        }
        let id = match (self.writing(), existing) {
            (true, Some(old)) if old.id > 0 => {
                writer::upsert_metric(&*self.db().await?, Some(old.id), &columns).await?
            }
            (true, None) => writer::upsert_metric(&*self.db().await?, None, &columns).await?,
            (_, Some(old)) => old.id,
            (false, None) => self.placeholder(),
        };
        let counts = &mut self.summary.metrics;
        if existing.is_some() {
            counts.updated += 1
        } else {
            counts.created += 1
        }
        self.known.metrics.insert(
            m.code.clone(),
            KnownMetric {
                id,
                value_type: m.value_type,
                content,
                line,
            },
        );
        Ok(Ok(()))
    }

    async fn program(&mut self, line: u64, p: &ProgramRecord) -> Checked {
        let region = match validate::program(&self.known, p) {
            Ok(r) => r,
            Err(e) => return Ok(Err(e)),
        };
        let content = program_content(
            &p.name,
            region.id,
            &p.category,
            &p.description,
            p.started_on,
            p.ended_on,
        );
        let columns = ProgramColumns {
            code: &p.code,
            name: &p.name,
            region_id: region.id,
            category: p.category.as_deref(),
            description: p.description.as_deref(),
            started_on: p.started_on,
            ended_on: p.ended_on,
        };
        let existing = self.known.programs.get(&p.code).copied();
        match existing {
            Some(old) if old.content == content => {
                self.summary.programs.unchanged += 1;
                return Ok(Ok(()));
            }
            Some(old) if old.line > 0 => {
                return Ok(Err(vec![self.twice("program", &p.code, old.line, "code")]));
            }
            _ => {}
        }
        let id = match (self.writing(), existing) {
            (true, Some(old)) if old.id > 0 => {
                self.insert_new_regions().await?;
                writer::update_program(&*self.db().await?, old.id, &columns).await?;
                old.id
            }
            (true, None) => {
                let id = self.program_id().await?;
                self.new_programs.push(NewProgram {
                    id,
                    code: p.code.clone(),
                    name: p.name.clone(),
                    region_id: region.id,
                    category: p.category.clone(),
                    description: p.description.clone(),
                    started_on: p.started_on,
                    ended_on: p.ended_on,
                });
                id
            }
            (_, Some(old)) => old.id,
            (false, None) => self.placeholder(),
        };
        let counts = &mut self.summary.programs;
        if existing.is_some() {
            counts.updated += 1
        } else {
            counts.created += 1
        }
        self.known
            .programs
            .insert(p.code.clone(), KnownProgram { id, content, line });
        Ok(Ok(()))
    }

    async fn report(&mut self, r: &ReportRecord, hash: String) -> Checked {
        if let Err(e) = validate::report(&self.known, r) {
            return Ok(Err(e));
        }
        if !self.writing() {
            return Ok(Ok(()));
        }
        let row = resolve_report(&self.known, r, hash);
        self.pending_observations += row.observations.len();
        self.pending.push(row);
        if self.pending_observations >= self.options.batch_observations
            || self.pending.len() >= self.options.batch_reports
        {
            self.flush().await?;
        }
        Ok(Ok(()))
    }

    /// Starts writing the reports waiting, and returns while they are written: the next statement
    /// waits for them (see [`Importer::db`]).
    async fn flush(&mut self) -> Result<(), DbErr> {
        if self.pending.is_empty() {
            return Ok(());
        }
        self.insert_new_programs().await?;
        let tx = self.db().await?;
        let batch = std::mem::take(&mut self.pending);
        self.pending_observations = 0;
        let look_up = !self.bulk.as_ref().is_some_and(BulkLoad::only_new_reports);
        self.behind = Some(tokio::spawn(async move {
            let outcomes = writer::write_reports(&tx, &batch, look_up).await?;
            Ok(outcomes
                .into_iter()
                .zip(&batch)
                .map(|(outcome, row)| (outcome, row.observations.len() as u64))
                .collect())
        }));
        Ok(())
    }

    /// The transaction, once the batch of reports being written (if any) is written and counted.
    async fn db(&mut self) -> Result<Arc<DatabaseTransaction>, DbErr> {
        if let Some(behind) = self.behind.take() {
            let outcomes = behind
                .await
                .map_err(|e| DbErr::Custom(format!("writing reports: {e}")))??;
            for (outcome, observations) in outcomes {
                match outcome {
                    ReportOutcome::Created(id) => {
                        self.summary.reports.created += 1;
                        self.changed.push(id);
                    }
                    ReportOutcome::Replaced(id) => {
                        self.summary.reports.updated += 1;
                        self.changed.push(id);
                    }
                    ReportOutcome::Unchanged(_) => self.summary.reports.unchanged += 1,
                }
                if !matches!(outcome, ReportOutcome::Unchanged(_)) {
                    self.summary.observations += observations;
                }
            }
        }
        Ok(Arc::clone(&self.tx))
    }

    /// Ends the import: commits what was written, or rolls everything back when an all-or-nothing
    /// import found an invalid line.
    pub async fn finish(mut self) -> Result<ImportSummary, DbErr> {
        let commit = self.writing();
        if commit {
            self.flush().await?;
            self.insert_new_programs().await?;
            let tx = self.db().await?;
            if let Some(bulk) = self.bulk.take() {
                bulk.finish(&tx).await?;
            }
            events::record(&tx, &self.changed).await?;
        } else {
            // A batch written before the first error is rolled back with the rest, once written.
            self.db().await.ok();
        }
        let Importer { tx, mut summary, .. } = self;
        let tx = Arc::try_unwrap(tx)
            .map_err(|_| DbErr::Custom("the import's transaction is still in use".into()))?;
        if commit {
            tx.commit().await?;
            summary.committed = true;
        } else {
            tx.rollback().await?;
            summary = ImportSummary {
                committed: false,
                regions: Counts::default(),
                metrics: Counts::default(),
                programs: Counts::default(),
                reports: Counts::default(),
                observations: 0,
                ..summary
            };
        }
        telemetry::imported(summary.lines, summary.error_count);
        telemetry::written(
            summary.reports.created + summary.reports.updated,
            summary.observations,
        );
        Ok(summary)
    }
}
