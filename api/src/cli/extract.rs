//! `civicgraph extract`: the figures of report text, one JSON object per quantity mention (or a table).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::NaiveDate;
use civicgraph_extract::{Document, Mention, publication_date};
use clap::{Args, ValueEnum};

use crate::extraction;
use crate::store::Db;

/// The arguments of `civicgraph extract`.
#[derive(Args, Debug)]
pub struct ExtractArgs {
    /// UTF-8 text files; `-` (or none) reads standard input.
    pub files: Vec<PathBuf>,
    /// The publication date, against which `今年以来` and `截至7月底` resolve (default: a full date in
    /// the text's header, if any).
    #[arg(long)]
    pub published_on: Option<NaiveDate>,
    /// The report's region code: where figures that name no place belong.
    #[arg(long)]
    pub region: Option<String>,
    /// NDJSON (one object per mention) or an aligned table.
    #[arg(long, value_enum, default_value_t = Format::Ndjson)]
    pub format: Format,
    /// More dictionary lines (measures to metrics, counters, place suffixes, period words), added to
    /// the shipped ones; may be repeated.
    #[arg(long = "dictionary")]
    pub dictionaries: Vec<PathBuf>,
}

/// How `extract` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Ndjson,
    Table,
}

/// Runs `extract` against the catalog of `db`.
pub async fn run(db: &Db, args: ExtractArgs) -> anyhow::Result<ExitCode> {
    let extractor = extraction::extractor(db, &args.dictionaries).await?;
    let files = if args.files.is_empty() {
        vec![PathBuf::from("-")]
    } else {
        args.files
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for file in &files {
        let (name, text) = read(file)?;
        let document = Document {
            published_on: args.published_on.or_else(|| publication_date(&text)),
            region: args.region.clone(),
            name,
            text,
        };
        for mention in extractor.extract(&document) {
            match args.format {
                Format::Ndjson => writeln!(out, "{}", serde_json::to_string(&mention)?)?,
                Format::Table => writeln!(out, "{}", table_row(&mention))?,
            }
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// The name a mention's `doc` carries (the file's base name, `-` for standard input) and the text.
fn read(file: &Path) -> anyhow::Result<(String, String)> {
    if file.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text)?;
        return Ok(("-".to_owned(), text));
    }
    let text = std::fs::read_to_string(file).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let name = file.file_name().map_or_else(
        || file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    Ok((name, text))
}

/// One mention as a tab-separated row: offsets, quote, value, qualifier, figure, metric, region,
/// period.
fn table_row(m: &Mention) -> String {
    let region = m.region.as_ref().map_or("-", |r| r.name.as_str());
    let period = match (m.period.start, m.period.end) {
        (Some(start), Some(end)) => format!("{start}..{end}"),
        _ => "-".to_owned(),
    };
    format!(
        "{}\t{}-{}\t{}\t{} {}\t{}\t{}\t{}\t{}\t{}",
        m.doc,
        m.start,
        m.end,
        m.quote,
        m.value,
        m.unit,
        m.qualifier.graphql_name(),
        if m.figure { "figure" } else { "-" },
        m.metric.as_deref().unwrap_or("-"),
        region,
        period
    )
}
