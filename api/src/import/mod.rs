//! Importing and exporting the NDJSON interchange format, and generating synthetic data in it.
//!
//! An [`Importer`] takes a file line by line inside one write transaction. Every line is parsed and
//! checked against the codes known so far (the database's and those of earlier lines); reports are
//! written in batches. A file is all-or-nothing: after the first invalid line nothing more is written,
//! the remaining lines are still checked so that every error is listed, and the transaction is rolled
//! back. With `skip_invalid` the valid records are committed and the invalid ones listed.

pub mod export;
pub mod generate;
pub mod post;
pub mod record;
pub mod validate;
pub mod writer;

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use sea_orm::{ConnectionTrait, DatabaseTransaction, DbErr, FromQueryResult, Statement};
use serde::Serialize;

use crate::db::Db;
use crate::model::{Level, ValueType};
use crate::sql::Sql;
use record::{FieldError, MetricRecord, ProgramRecord, Record, RegionRecord, ReportRecord};
use validate::{Known, KnownMetric, KnownProgram, KnownRegion};
use writer::{ObservationRow, ReportOutcome, ReportRow};

/// How many errors an import lists in full; the rest are only counted.
pub const MAX_LISTED_ERRORS: usize = 1000;
/// Observations buffered before a batch of reports is written.
const OBSERVATIONS_PER_BATCH: usize = 20_000;
/// Reports buffered before a batch is written.
const REPORTS_PER_BATCH: usize = 2_000;

/// How to treat invalid lines.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportOptions {
    /// Write the valid records and list the invalid ones, instead of writing nothing.
    pub skip_invalid: bool,
}

/// Created, updated and unchanged records of one kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
}

/// An invalid line: where, which field (empty for the whole line) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineError {
    pub line: u64,
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for LineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.field.is_empty() {
            write!(f, "line {}: {}", self.line, self.message)
        } else {
            write!(f, "line {}: {}: {}", self.line, self.field, self.message)
        }
    }
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    /// Whether anything was written (false when an all-or-nothing import found errors).
    pub committed: bool,
    /// Lines read, blank ones included.
    pub lines: u64,
    pub regions: Counts,
    pub metrics: Counts,
    pub programs: Counts,
    /// `updated` counts reports replaced with new content.
    pub reports: Counts,
    /// Observations written (those of created and replaced reports).
    pub observations: u64,
    /// Number of invalid records.
    pub error_count: u64,
    /// The first [`MAX_LISTED_ERRORS`] errors, in line order.
    pub errors: Vec<LineError>,
}

/// An import in progress: one write transaction, fed one line at a time.
pub struct Importer {
    tx: DatabaseTransaction,
    options: ImportOptions,
    known: Known,
    /// Content hash and line of every report seen in this file, by external id hash (regions, metrics
    /// and programs remember their line in `known`).
    seen: HashMap<u64, (u64, u64)>,
    pending: Vec<ReportRow>,
    pending_observations: usize,
    next_placeholder: i64,
    regions_inserted: bool,
    summary: ImportSummary,
}

impl Importer {
    /// Begins an import: opens the write transaction and loads the codes already in the database.
    pub async fn begin(db: &Db, options: ImportOptions) -> Result<Importer, DbErr> {
        let tx = db.begin_write().await?;
        let known = load_known(&tx).await?;
        Ok(Importer::with_known(tx, options, known))
    }

    /// An import inside `tx` that knows only `known` of the database (enough for the records it
    /// will be given).
    pub fn with_known(tx: DatabaseTransaction, options: ImportOptions, known: Known) -> Importer {
        Importer {
            tx,
            options,
            known,
            seen: HashMap::new(),
            pending: Vec::new(),
            pending_observations: 0,
            next_placeholder: -1,
            regions_inserted: false,
            summary: ImportSummary::default(),
        }
    }

    /// Whether records are still being written (false once an all-or-nothing import saw an error).
    fn writing(&self) -> bool {
        self.options.skip_invalid || self.summary.error_count == 0
    }

    fn error(&mut self, line: u64, e: FieldError) {
        self.summary.error_count += 1;
        if self.summary.errors.len() < MAX_LISTED_ERRORS {
            self.summary.errors.push(LineError {
                line,
                field: e.field,
                message: e.message,
            });
        }
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
                let content = hash_of(&hash);
                let key = hash_of(&r.external_id);
                match self.seen.get(&key) {
                    Some(&(c, _)) if c == content => {
                        self.summary.reports.unchanged += 1;
                        return Ok(());
                    }
                    Some(&(_, first)) => Err(vec![twice("report", &r.external_id, first, "external_id")]),
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

    async fn region(&mut self, line: u64, r: &RegionRecord) -> Result<Result<(), Vec<FieldError>>, DbErr> {
        let parent = match validate::region(&self.known, r) {
            Ok(p) => p,
            Err(e) => return Ok(Err(e)),
        };
        let content = region_content(&r.name, r.level, parent.map(|p| p.id), r.population, &r.aliases);
        let existing = self.known.regions.get(&r.code).copied();
        let writing = self.writing();
        let entry = match existing {
            Some(old) if old.content == content => {
                self.summary.regions.unchanged += 1;
                return Ok(Ok(()));
            }
            Some(old) if old.line > 0 => return Ok(Err(vec![twice("region", &r.code, old.line, "code")])),
            Some(old) => {
                if old.level != r.level
                    && old.id > 0
                    && writer::has_children_at_or_above(&self.tx, old.id, r.level).await?
                {
                    let message = format!(
                        "`{}` has children at or above the {} level, so it cannot become one",
                        r.code,
                        r.level.as_str()
                    );
                    return Ok(Err(vec![FieldError::new("level", message)]));
                }
                let path = if writing && old.id > 0 {
                    writer::update_region(&self.tx, &old, r, parent.as_ref()).await?
                } else {
                    writer::child_path(parent.as_ref(), r.level, old.id)
                };
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
                    self.regions_inserted = true;
                    writer::insert_region(&self.tx, r, parent.as_ref()).await?
                } else {
                    self.placeholder()
                };
                self.summary.regions.created += 1;
                KnownRegion {
                    id,
                    level: r.level,
                    path: writer::child_path(parent.as_ref(), r.level, id),
                    content,
                    line,
                }
            }
        };
        self.known.regions.insert(r.code.clone(), entry);
        Ok(Ok(()))
    }

    /// Moves the known descendants of `old` under its new path.
    fn reroot_known(&mut self, old: &KnownRegion, new_level: Level, path: [i64; 5]) {
        let deepest = old.level.max(new_level) as usize;
        for entry in self.known.regions.values_mut() {
            if entry.path[old.level as usize] == old.id {
                entry.path[..=deepest].copy_from_slice(&path[..=deepest]);
            }
        }
    }

    async fn metric(&mut self, line: u64, m: &MetricRecord) -> Result<Result<(), Vec<FieldError>>, DbErr> {
        if let Err(e) = validate::metric(m) {
            return Ok(Err(e));
        }
        let content = hash_of(&(
            &m.name,
            &m.unit,
            m.value_type.as_str(),
            m.effective_aggregation().as_str(),
        ));
        let existing = self.known.metrics.get(&m.code).copied();
        if let Some(old) = existing {
            if old.content == content {
                self.summary.metrics.unchanged += 1;
                return Ok(Ok(()));
            }
            if old.line > 0 {
                return Ok(Err(vec![twice("metric", &m.code, old.line, "code")]));
            }
            if old.value_type != m.value_type && old.id > 0 && self.metric_has_observations(old.id).await? {
                let message = format!(
                    "metric `{}` already has observations as a {}; its value type cannot change",
                    m.code,
                    old.value_type.as_str()
                );
                return Ok(Err(vec![FieldError::new("value_type", message)]));
            }
        }
        let id = match (self.writing(), existing) {
            (true, Some(old)) if old.id > 0 => writer::upsert_metric(&self.tx, Some(old.id), m).await?,
            (true, None) => writer::upsert_metric(&self.tx, None, m).await?,
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

    async fn metric_has_observations(&self, id: i64) -> Result<bool, DbErr> {
        let mut sql = Sql::new(self.tx.get_database_backend());
        sql.push("SELECT id FROM observation WHERE metric_id = ")
            .bind(id)
            .push(" LIMIT 1");
        Ok(self.tx.query_one_raw(sql.build()).await?.is_some())
    }

    async fn program(&mut self, line: u64, p: &ProgramRecord) -> Result<Result<(), Vec<FieldError>>, DbErr> {
        let region = match validate::program(&self.known, p) {
            Ok(r) => r,
            Err(e) => return Ok(Err(e)),
        };
        let content = hash_of(&(
            &p.name,
            region.id,
            &p.category,
            &p.description,
            p.started_on,
            p.ended_on,
        ));
        let existing = self.known.programs.get(&p.code).copied();
        match existing {
            Some(old) if old.content == content => {
                self.summary.programs.unchanged += 1;
                return Ok(Ok(()));
            }
            Some(old) if old.line > 0 => return Ok(Err(vec![twice("program", &p.code, old.line, "code")])),
            _ => {}
        }
        let id = match (self.writing(), existing) {
            (true, Some(old)) if old.id > 0 => {
                writer::upsert_program(&self.tx, Some(old.id), p, region.id).await?
            }
            (true, None) => writer::upsert_program(&self.tx, None, p, region.id).await?,
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

    async fn report(&mut self, r: &ReportRecord, hash: String) -> Result<Result<(), Vec<FieldError>>, DbErr> {
        if let Err(e) = validate::report(&self.known, r) {
            return Ok(Err(e));
        }
        if !self.writing() {
            return Ok(Ok(()));
        }
        let row = resolve_report(&self.known, r, hash);
        self.pending_observations += row.observations.len();
        self.pending.push(row);
        if self.pending_observations >= OBSERVATIONS_PER_BATCH || self.pending.len() >= REPORTS_PER_BATCH {
            self.flush().await?;
        }
        Ok(Ok(()))
    }

    async fn flush(&mut self) -> Result<(), DbErr> {
        if self.pending.is_empty() {
            return Ok(());
        }
        if self.regions_inserted {
            writer::fill_own_path_columns(&self.tx).await?;
            self.regions_inserted = false;
        }
        let batch = std::mem::take(&mut self.pending);
        self.pending_observations = 0;
        for (row, outcome) in batch.iter().zip(writer::write_reports(&self.tx, &batch).await?) {
            match outcome {
                ReportOutcome::Created(_) => self.summary.reports.created += 1,
                ReportOutcome::Replaced(_) => self.summary.reports.updated += 1,
                ReportOutcome::Unchanged(_) => self.summary.reports.unchanged += 1,
            }
            if !matches!(outcome, ReportOutcome::Unchanged(_)) {
                self.summary.observations += row.observations.len() as u64;
            }
        }
        Ok(())
    }

    /// Ends the import: commits what was written, or rolls everything back when an all-or-nothing
    /// import found an invalid line.
    pub async fn finish(mut self) -> Result<ImportSummary, DbErr> {
        if self.writing() {
            self.flush().await?;
            if self.regions_inserted {
                writer::fill_own_path_columns(&self.tx).await?;
            }
            self.tx.commit().await?;
            self.summary.committed = true;
        } else {
            self.tx.rollback().await?;
            self.summary.committed = false;
            self.summary.regions = Counts::default();
            self.summary.metrics = Counts::default();
            self.summary.programs = Counts::default();
            self.summary.reports = Counts::default();
            self.summary.observations = 0;
        }
        Ok(self.summary)
    }
}

/// Imports every line of `lines` (1-based numbering) in one transaction.
pub async fn import_lines<I>(db: &Db, options: ImportOptions, lines: I) -> Result<ImportSummary, DbErr>
where
    I: IntoIterator<Item = String>,
{
    let mut importer = Importer::begin(db, options).await?;
    for (i, line) in lines.into_iter().enumerate() {
        importer.line(i as u64 + 1, &line).await?;
    }
    importer.finish().await
}

/// One line, parsed: its record (None for a blank line) or why it is invalid, and the hashes the
/// importer compares it by. Parsing needs no database, so it can run ahead of the writes.
#[derive(Debug)]
pub struct Parsed {
    pub line: u64,
    pub record: Option<Result<Record, FieldError>>,
    /// For reports: the content hash of the normalized report (stored, and compared with a repeat of
    /// the same external id in the file).
    pub report_hash: Option<String>,
}

/// Parses line `line` of a file; reports are normalized (defaults made explicit) and hashed.
pub fn parse(line: u64, text: &str) -> Parsed {
    let text = text.trim();
    if text.is_empty() {
        return Parsed {
            line,
            record: None,
            report_hash: None,
        };
    }
    match record::parse_line(text) {
        Err(e) => Parsed {
            line,
            record: Some(Err(e)),
            report_hash: None,
        },
        Ok(record) => Parsed::from_record(line, record),
    }
}

impl Parsed {
    /// A record that did not come from text (a GraphQL input), as if it stood on line `line`.
    pub fn from_record(line: u64, record: Record) -> Parsed {
        match record {
            Record::Report(r) => {
                let normalized = r.normalized();
                let hash = normalized.content_hash();
                Parsed {
                    line,
                    record: Some(Ok(Record::Report(normalized))),
                    report_hash: Some(hash),
                }
            }
            record => Parsed {
                line,
                record: Some(Ok(record)),
                report_hash: None,
            },
        }
    }
}

/// Lines parsed per message from the parsing task to the writing one.
const LINES_PER_CHUNK: usize = 64;

/// Imports NDJSON read from `reader` in one transaction, advancing `progress` by the bytes read.
/// Reading and parsing run on their own task, ahead of the database writes.
pub async fn import_reader(
    db: &Db,
    reader: impl tokio::io::AsyncRead + Unpin + Send + 'static,
    options: ImportOptions,
    progress: Option<&indicatif::ProgressBar>,
) -> Result<ImportSummary, DbErr> {
    let mut importer = Importer::begin(db, options).await?;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<std::io::Result<(Vec<Parsed>, u64)>>(4);
    let producer = tokio::spawn(async move {
        use tokio::io::AsyncBufReadExt;
        let mut input = tokio::io::BufReader::with_capacity(1 << 20, reader);
        let mut buf = Vec::new();
        let mut number = 0u64;
        loop {
            let mut chunk = Vec::with_capacity(LINES_PER_CHUNK);
            let mut bytes = 0u64;
            while chunk.len() < LINES_PER_CHUNK {
                buf.clear();
                match input.read_until(b'\n', &mut buf).await {
                    Ok(0) => break,
                    Ok(n) => bytes += n as u64,
                    Err(e) => {
                        let _ = tx.send(Err(e)).await;
                        return;
                    }
                }
                number += 1;
                chunk.push(match std::str::from_utf8(&buf) {
                    Ok(text) => parse(number, text),
                    Err(_) => Parsed {
                        line: number,
                        record: Some(Err(FieldError::new("", "is not valid UTF-8"))),
                        report_hash: None,
                    },
                });
            }
            let done = chunk.len() < LINES_PER_CHUNK;
            if tx.send(Ok((chunk, bytes))).await.is_err() || done {
                return;
            }
        }
    });
    while let Some(chunk) = rx.recv().await {
        let (lines, bytes) = match chunk {
            Ok(c) => c,
            Err(e) => {
                producer.abort();
                return Err(DbErr::Custom(format!("reading the input: {e}")));
            }
        };
        for parsed in lines {
            importer.take(parsed).await?;
        }
        if let Some(bar) = progress {
            bar.inc(bytes);
        }
    }
    importer.finish().await
}

/// Resolves a validated, normalized report's codes to ids.
pub fn resolve_report(known: &Known, r: &ReportRecord, content_hash: String) -> ReportRow {
    let observations = r
        .observations
        .iter()
        .map(|o| {
            let region = &known.regions[o.region.as_ref().expect("normalized and validated")];
            ObservationRow {
                metric_id: known.metrics[&o.metric].id,
                region_id: region.id,
                program_id: o.program.as_ref().map(|p| known.programs[p].id),
                value: o.value,
                qualifier: o.qualifier.unwrap_or_default(),
                period_start: o.period_start.unwrap_or(r.published_on),
                period_end: o.period_end.unwrap_or(r.published_on),
                quote: o.quote.clone(),
                path: region.path,
            }
        })
        .collect();
    ReportRow {
        external_id: r.external_id.clone(),
        title: r.title.clone(),
        source: r.source.clone(),
        url: r.url.clone(),
        published_on: r.published_on,
        authors: r
            .authors
            .as_ref()
            .map(|a| serde_json::to_string(a).expect("strings serialize")),
        region_id: r.region.as_ref().map(|c| known.regions[c].id),
        body: r.body.clone(),
        content_hash,
        observations,
    }
}

/// The error for a record whose key an earlier line of the same file defined differently.
fn twice(kind: &str, key: &str, first: u64, field: &str) -> FieldError {
    FieldError::new(
        field,
        format!("{kind} `{key}` appears on line {first} with different content"),
    )
}

fn hash_of<T: Hash + ?Sized>(value: &T) -> u64 {
    let mut h = DefaultHasher::new();
    value.hash(&mut h);
    h.finish()
}

fn region_content(
    name: &str,
    level: Level,
    parent: Option<i64>,
    population: Option<i64>,
    aliases: &Option<Vec<String>>,
) -> u64 {
    hash_of(&(name, level.depth(), parent, population, aliases))
}

#[derive(FromQueryResult)]
struct RegionRow {
    id: i64,
    code: String,
    name: String,
    level: i16,
    parent_id: Option<i64>,
    population: Option<i64>,
    aliases: Option<String>,
    province_id: i64,
    city_id: i64,
    county_id: i64,
    town_id: i64,
    village_id: i64,
}

#[derive(FromQueryResult)]
struct MetricRow {
    id: i64,
    code: String,
    name: String,
    unit: String,
    value_type: String,
    aggregation: String,
}

#[derive(FromQueryResult)]
struct ProgramRow {
    id: i64,
    code: String,
    name: String,
    region_id: i64,
    category: Option<String>,
    description: Option<String>,
    started_on: Option<chrono::NaiveDate>,
    ended_on: Option<chrono::NaiveDate>,
}

impl RegionRow {
    /// What the importer knows of this stored region.
    fn into_known(self) -> Result<(String, KnownRegion), DbErr> {
        let r = self;
        let level =
            Level::from_depth(r.level).ok_or_else(|| DbErr::Custom(format!("bad level {}", r.level)))?;
        let aliases: Option<Vec<String>> = r.aliases.as_deref().and_then(|a| serde_json::from_str(a).ok());
        let mut path = [r.province_id, r.city_id, r.county_id, r.town_id, r.village_id];
        path[level as usize] = r.id;
        let content = region_content(&r.name, level, r.parent_id, r.population, &aliases);
        Ok((
            r.code,
            KnownRegion {
                id: r.id,
                level,
                path,
                content,
                line: 0,
            },
        ))
    }
}

impl MetricRow {
    /// What the importer knows of this stored metric.
    fn into_known(self) -> (String, KnownMetric) {
        let m = self;
        let value_type = ValueType::parse(&m.value_type).unwrap_or(ValueType::Amount);
        let content = hash_of(&(&m.name, &m.unit, m.value_type.as_str(), m.aggregation.as_str()));
        (
            m.code,
            KnownMetric {
                id: m.id,
                value_type,
                content,
                line: 0,
            },
        )
    }
}

impl ProgramRow {
    /// What the importer knows of this stored program.
    fn into_known(self) -> (String, KnownProgram) {
        let p = self;
        let content = hash_of(&(
            &p.name,
            p.region_id,
            &p.category,
            &p.description,
            p.started_on,
            p.ended_on,
        ));
        (
            p.code,
            KnownProgram {
                id: p.id,
                content,
                line: 0,
            },
        )
    }
}

/// Loads what the database already holds, a page at a time.
pub async fn load_known<C: sea_orm::ConnectionTrait>(db: &C) -> Result<Known, DbErr> {
    const PAGE: i64 = 5_000;
    let backend = db.get_database_backend();
    let mut known = Known::default();
    // Sized once: growing a map of hundreds of thousands of regions would briefly hold it twice.
    let count = db
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT COUNT(*) AS n FROM region",
        ))
        .await?
        .map(|row| row.try_get::<i64>("", "n"))
        .transpose()?
        .unwrap_or(0);
    known.regions.reserve(count as usize);
    let mut after = 0i64;
    loop {
        let mut sql = Sql::new(backend);
        sql.push(
            "SELECT id, code, name, level, parent_id, population, aliases, province_id, city_id, county_id, \
             town_id, village_id FROM region WHERE id > ",
        );
        sql.bind(after).push(" ORDER BY id LIMIT ").bind(PAGE);
        let rows = RegionRow::find_by_statement(sql.build()).all(db).await?;
        let Some(last) = rows.last() else { break };
        after = last.id;
        for r in rows {
            let (code, region) = r.into_known()?;
            known.regions.insert(code, region);
        }
    }
    let metrics = MetricRow::find_by_statement(Statement::from_string(
        backend,
        "SELECT id, code, name, unit, value_type, aggregation FROM metric",
    ))
    .all(db)
    .await?;
    for m in metrics {
        let (code, metric) = m.into_known();
        known.metrics.insert(code, metric);
    }
    let programs = ProgramRow::find_by_statement(Statement::from_string(
        backend,
        "SELECT id, code, name, region_id, category, description, started_on, ended_on FROM program",
    ))
    .all(db)
    .await?;
    for p in programs {
        let (code, program) = p.into_known();
        known.programs.insert(code, program);
    }
    Ok(known)
}
