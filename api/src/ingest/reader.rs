//! Reading NDJSON for the importer: each line parsed (and reports normalized and hashed) on a task of
//! its own, ahead of the database writes.

use sea_orm::DbErr;
use tokio::io::AsyncBufReadExt;

use std::sync::Arc;

use civicgraph_extract::Extractor;

use super::{ImportOptions, ImportSummary, Importer};
use crate::extraction;
use crate::interchange::{FieldError, Record, parse_line};
use crate::store::Db;

/// Lines parsed per message from the parsing task to the writing one.
const LINES_PER_CHUNK: usize = 64;
/// Parsed chunks the parsing task may hold ahead of the writing one (4,096 lines, a few MB): enough
/// to keep parsing while a batch is written (a batch of 20,000 observations is about 1,900 lines of
/// the benchmark's file), so that parsing and writing overlap instead of taking turns.
const CHUNKS_AHEAD: usize = 64;

/// One line, parsed: its record (None for a blank line) or why it is invalid, and the hash the
/// importer compares reports by. Parsing needs no database, so it can run ahead of the writes.
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
    // A byte order mark may open a file written on Windows.
    let text = if line == 1 {
        text.trim_start_matches('\u{feff}')
    } else {
        text
    };
    let text = text.trim();
    if text.is_empty() {
        return Parsed {
            line,
            record: None,
            report_hash: None,
        };
    }
    match parse_line(text) {
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

/// Parses line `line` like [`parse`] and, with an `extractor`, first adds to a report the reported
/// figures of its body (see `extraction::fill`).
pub fn parse_extracting(line: u64, text: &str, extractor: Option<&Extractor>) -> Parsed {
    let parsed = parse(line, text);
    match (extractor, parsed.record) {
        (Some(extractor), Some(Ok(Record::Report(mut report)))) if report.body.is_some() => {
            extraction::fill(&mut report, extractor);
            Parsed::from_record(line, Record::Report(report))
        }
        (_, record) => Parsed { record, ..parsed },
    }
}

/// Imports NDJSON read from `reader` in one transaction, advancing `progress` by the bytes read; with
/// an `extractor`, reports also get the reported figures of their bodies. Reading, parsing and
/// extracting run on their own task, ahead of the database writes.
pub async fn import_reader(
    db: &Db,
    reader: impl tokio::io::AsyncRead + Unpin + Send + 'static,
    options: ImportOptions,
    progress: Option<&indicatif::ProgressBar>,
    extractor: Option<Arc<Extractor>>,
) -> Result<ImportSummary, DbErr> {
    let mut importer = Importer::begin(db, options).await?;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<std::io::Result<(Vec<Parsed>, u64)>>(CHUNKS_AHEAD);
    let producer = tokio::spawn(async move {
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
                    Ok(text) => parse_extracting(number, text, extractor.as_deref()),
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
