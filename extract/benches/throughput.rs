//! Extraction throughput on one core: the report texts of `shared/corpus/`, repeated, through one
//! extractor with the demo catalog, and the time for one 600-character article.
//!
//! ```sh
//! cd /work/main && cargo bench -p civicgraph-extract --bench throughput
//! ```
//!
//! `CORPUS_DIR` and `CATALOG` override the corpus directory and the catalog file.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use civicgraph_extract::{Catalog, Dictionaries, Document, Extractor};

/// How long the throughput run lasts at least.
const RUN_FOR: Duration = Duration::from_secs(3);
/// How many times the short article is extracted.
const ARTICLE_RUNS: u32 = 2_000;
/// The length of the short article, in characters.
const ARTICLE_CHARS: usize = 600;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let corpus =
        std::env::var_os("CORPUS_DIR").map_or_else(|| root.join("../../shared/corpus"), PathBuf::from);
    let catalog_path =
        std::env::var_os("CATALOG").map_or_else(|| root.join("../data/demo.ndjson"), PathBuf::from);
    let catalog = match std::fs::read_to_string(&catalog_path) {
        Ok(text) => Catalog::from_interchange_ndjson(&text)?,
        Err(_) => Catalog::default(),
    };
    let extractor = Extractor::new(catalog, Dictionaries::builtin());
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .map_err(|e| format!("{}: {e}", corpus.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "txt"))
        .collect();
    paths.sort();
    let published_on = chrono::NaiveDate::from_ymd_opt(2023, 12, 15);
    let documents: Vec<Document> = paths
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path)?;
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            Ok(Document {
                name,
                text,
                published_on,
                region: None,
            })
        })
        .collect::<Result<_, std::io::Error>>()?;
    let corpus_bytes: usize = documents.iter().map(|d| d.text.len()).sum();
    if corpus_bytes == 0 {
        return Err(format!("no .txt files in {}", corpus.display()).into());
    }

    let mut mentions = documents
        .iter()
        .map(|d| extractor.extract(d).len())
        .sum::<usize>();
    let started = Instant::now();
    let mut passes = 0usize;
    while started.elapsed() < RUN_FOR {
        mentions = documents.iter().map(|d| extractor.extract(d).len()).sum();
        passes += 1;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let megabytes = (corpus_bytes * passes) as f64 / 1e6;
    println!(
        "throughput: {:.2} MB/s ({megabytes:.1} MB of text in {elapsed:.2} s: {} files × {passes} passes, {mentions} mentions a pass)",
        megabytes / elapsed,
        documents.len(),
    );

    // One long document (all files repeated to about a megabyte): extraction stays linear in its length.
    let repeats = 1_000_000 / corpus_bytes + 1;
    let joined: String = documents
        .iter()
        .map(|d| d.text.as_str())
        .collect::<Vec<_>>()
        .join("\n\n")
        .repeat(repeats);
    let long = Document {
        name: "long".into(),
        text: joined,
        published_on,
        region: None,
    };
    let started = Instant::now();
    let found = extractor.extract(&long).len();
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "one {:.1} MB document: {:.0} ms, {:.2} MB/s ({found} mentions)",
        long.text.len() as f64 / 1e6,
        seconds * 1e3,
        long.text.len() as f64 / 1e6 / seconds
    );

    let article: String = documents[0].text.chars().skip(300).take(ARTICLE_CHARS).collect();
    let article = Document {
        text: article,
        ..documents[0].clone()
    };
    let started = Instant::now();
    let mut found = 0;
    for _ in 0..ARTICLE_RUNS {
        found = extractor.extract(&article).len();
    }
    let micros = started.elapsed().as_secs_f64() * 1e6 / f64::from(ARTICLE_RUNS);
    println!("one {ARTICLE_CHARS}-character article: {micros:.0} µs ({found} mentions)");
    Ok(())
}
