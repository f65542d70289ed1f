//! Bulk imports of interchange records: the [`Importer`] and the reader pipeline that feeds it.
//!
//! An [`Importer`] takes a file line by line inside one write transaction. Every line is parsed and
//! checked against the codes known so far (the database's and those of earlier lines); reports are
//! written in batches. A file is all-or-nothing: after the first invalid line nothing more is written,
//! the remaining lines are still checked so that every error is listed, and the transaction is rolled
//! back. With `skip_invalid` the valid records are committed and the invalid ones listed.
//! [`import_reader`] streams a file through it, parsing on a task of its own ahead of the writes.

mod importer;
mod reader;
mod resolve;

pub use importer::Importer;
pub use reader::{Parsed, import_reader, parse, parse_extracting};
pub use resolve::resolve_report;

use sea_orm::DbErr;
use serde::Serialize;

use crate::config::Config;
use crate::interchange::Fault;
use crate::store::Db;

/// How an import treats invalid lines and how it batches its writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportOptions {
    /// Write the valid records and list the invalid ones, instead of writing nothing.
    pub skip_invalid: bool,
    /// How errors refer to other items: by line (files) or by index (lists given to the API).
    pub numbering: Numbering,
    /// Observations buffered before a batch of reports is written.
    pub batch_observations: usize,
    /// Reports buffered before a batch is written.
    pub batch_reports: usize,
    /// Errors listed in full; the rest are only counted.
    pub max_listed_errors: usize,
}

/// How an import's errors refer to another item ("appears on line 3", "appears at index 2").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Numbering {
    /// Lines of a file, from 1.
    #[default]
    Lines,
    /// Items of a list, from 0.
    Indexes,
}

impl ImportOptions {
    /// The options the configuration gives, all-or-nothing.
    pub fn new(config: &Config) -> ImportOptions {
        ImportOptions {
            skip_invalid: false,
            numbering: Numbering::Lines,
            batch_observations: config.import_batch_observations,
            batch_reports: config.import_batch_reports,
            max_listed_errors: config.import_max_listed_errors,
        }
    }

    /// The same options, writing the valid records when `skip` and listing the invalid ones.
    pub fn skipping_invalid(self, skip: bool) -> ImportOptions {
        ImportOptions {
            skip_invalid: skip,
            ..self
        }
    }
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions::new(&Config::default())
    }
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
    /// Whether the record is invalid or contradicts stored data.
    #[serde(skip)]
    pub fault: Fault,
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
    /// The first errors (see [`ImportOptions::max_listed_errors`]), in line order.
    pub errors: Vec<LineError>,
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
