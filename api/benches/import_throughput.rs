//! Import throughput and peak memory of the NDJSON importer.
//!
//! ```sh
//! cargo bench -p civicgraph --bench import_throughput -- --scale medium
//! cargo bench -p civicgraph --bench import_throughput -- --scale large --db postgres://postgres@127.0.0.1:5432/test
//! cargo bench -p civicgraph --bench import_throughput -- --file data.ndjson
//! ```
//!
//! Generates a synthetic file (unless `--file` is given), imports it into a fresh database (a
//! temporary SQLite file, or a new PostgreSQL database created through `--db` and dropped afterwards)
//! and prints observations per second and the process's peak resident memory during the import.

use std::path::PathBuf;
use std::time::Instant;

use civicgraph::config::Config;
use civicgraph::ingest::ImportOptions;
use civicgraph::store::Db;
use civicgraph_synth::{Scale, generate};
use clap::Parser;
use sea_orm::{ConnectionTrait, Database};

/// The allocator of the `civicgraph` binary, so that the figures are the command line's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
struct Args {
    /// Scale of the generated file.
    #[arg(long, value_enum, default_value = "medium")]
    scale: Scale,
    /// Import this file instead of generating one.
    #[arg(long)]
    file: Option<PathBuf>,
    /// PostgreSQL server URL (a fresh database is created on it); SQLite when absent.
    #[arg(long)]
    db: Option<String>,
    /// Generator seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Ignored (passed by `cargo bench`).
    #[arg(long, hide = true)]
    bench: bool,
}

/// Peak resident set size of this process so far, in MiB (Linux).
fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

/// Resets the peak RSS counter (Linux), so that the import's own peak is measured.
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let dir = tempfile::tempdir()?;
    let file = match &args.file {
        Some(f) => f.clone(),
        None => {
            let path = dir.path().join("data.ndjson");
            let started = Instant::now();
            let mut out = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&path)?);
            let stats = generate(args.scale, args.seed, &mut out)?;
            drop(out);
            eprintln!(
                "generated {} regions, {} reports, {} observations ({:.0} MiB) in {:.1} s",
                stats.regions,
                stats.reports,
                stats.observations,
                std::fs::metadata(&path)?.len() as f64 / (1 << 20) as f64,
                started.elapsed().as_secs_f64()
            );
            path
        }
    };

    let (url, cleanup) = match &args.db {
        None => (
            format!("sqlite://{}", dir.path().join("bench.db").display()),
            None,
        ),
        Some(server) => {
            let name = format!("cg_bench_{}", std::process::id());
            let admin = Database::connect(server.as_str()).await?;
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await?;
            let base = &server[..server.rfind('/').unwrap_or(server.len())];
            (format!("{base}/{name}"), Some((admin, name)))
        }
    };
    let db = Db::open(&url, &Config::default()).await?;
    let backend = if cleanup.is_some() { "postgres" } else { "sqlite" };

    reset_peak_rss();
    let started = Instant::now();
    let reader = tokio::fs::File::open(&file).await?;
    let summary =
        civicgraph::ingest::import_reader(&db, reader, ImportOptions::default(), None, None).await?;
    let seconds = started.elapsed().as_secs_f64();
    anyhow::ensure!(summary.committed, "the import failed: {:?}", summary.errors);
    println!(
        "{backend}: {} observations in {} reports imported in {seconds:.1} s: {:.0} observations/s; peak RSS {:.0} MiB",
        summary.observations,
        summary.reports.created,
        summary.observations as f64 / seconds,
        peak_rss_mib()
    );

    db.read.close().await.ok();
    db.write.close().await.ok();
    if let Some((admin, name)) = cleanup {
        admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await?;
    }
    Ok(())
}
