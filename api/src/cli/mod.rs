//! The `civicgraph` command line: `serve`, `migrate`, `import`, `export`, `token`, `schema`, `generate`.

pub mod extract;
pub mod token;

use std::io::{BufWriter, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use civicgraph_extract::Extractor;
use civicgraph_synth::{Scale, generate};
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use tokio::io::AsyncRead;

use crate::config::{Config, DEFAULT_ADDR, DEFAULT_DATABASE_URL, LogFormat};
use crate::ingest::{self, Counts, ImportOptions, ImportSummary, import_reader};
use crate::interchange::export::export;
use crate::store::{Db, reads};

/// The demo dataset, built from the reports in the corpus.
pub const DEMO_DATASET: &str = include_str!("../../../data/demo.ndjson");

/// civicgraph: an open data-aggregation API for local-governance statistics.
#[derive(Parser, Debug)]
#[command(name = "civicgraph", version, about)]
pub struct Cli {
    /// Database URL: `sqlite://FILE` (created if missing) or `postgres://USER@HOST/DB`.
    #[arg(long = "db", env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,

    /// How log lines are written to standard error.
    #[arg(long, env = "CIVICGRAPH_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,

    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Migrate the database and serve the GraphQL API (GraphiQL at `/`).
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = DEFAULT_ADDR)]
        addr: SocketAddr,
        /// Load the demo dataset first when the database holds no reports.
        #[arg(long)]
        demo: bool,
        #[command(flatten)]
        config: Config,
    },
    /// Apply pending migrations and exit.
    Migrate,
    /// Import NDJSON files (`-` reads standard input), each all-or-nothing.
    Import {
        /// Files to import, in order.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Write the valid records and list the invalid ones instead of writing nothing.
        #[arg(long)]
        skip_invalid: bool,
        /// Also store the reported figures of each report's `body` whose metric and region resolve
        /// against the database (as `postReport(extract: true)` does), marked as extracted.
        #[arg(long)]
        extract: bool,
    },
    /// Write the database as NDJSON to standard output.
    Export {
        /// Only the part within this region (with its ancestors, so the file imports on its own).
        #[arg(long)]
        within: Option<String>,
    },
    /// Print the figures of report text (Chinese prose) as NDJSON: value, qualifier, unit, region,
    /// period, metric and the quote they came from.
    Extract(extract::ExtractArgs),
    /// Print the GraphQL schema (SDL).
    Schema,
    /// Create, list and revoke the bearer tokens of importers and admins.
    Token {
        #[command(subcommand)]
        command: token::TokenCommand,
    },
    /// Write a synthetic dataset as NDJSON to standard output.
    Generate {
        /// How much data.
        #[arg(long, value_enum)]
        scale: Scale,
        /// Seed of the generator: the same seed gives the same file.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

/// Runs the command line and answers the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // Kept until the process ends: dropping it sends the spans still waiting.
    let _export = crate::http::logging::init(cli.log_format);
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime starts");
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let url = cli.database_url;
    match cli.command {
        Command::Serve { addr, demo, config } => {
            // The address first: a port in use is said before any database is created.
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))?;
            let db = open(&url, &config).await?;
            if demo {
                load_demo(&db).await?;
            }
            tracing::info!("serving GraphiQL at http://{}", listener.local_addr()?);
            let state = crate::http::AppState::new(db.clone(), config);
            crate::http::serve(listener, state, crate::http::shutdown_signal()).await?;
            db.close().await.map_err(plain)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate => {
            open(&url, &Config::default()).await?;
            eprintln!("migrated {}", redact(&url));
            Ok(ExitCode::SUCCESS)
        }
        Command::Import {
            files,
            skip_invalid,
            extract,
        } => {
            let config = Config::default();
            let db = open(&url, &config).await?;
            let options = ImportOptions::new(&config).skipping_invalid(skip_invalid);
            // The catalog is the database's as the import starts: codes a file defines are not in it.
            let extractor = match extract {
                true => Some(Arc::new(crate::extraction::extractor(&db, &[]).await?)),
                false => None,
            };
            let mut code = ExitCode::SUCCESS;
            for file in files {
                let summary = import_file(&db, &file, options, extractor.clone()).await?;
                print_summary(&file.display().to_string(), &summary);
                if !summary.committed || (summary.error_count > 0 && !skip_invalid) {
                    code = ExitCode::FAILURE;
                    break;
                }
            }
            db.close().await.map_err(plain)?;
            Ok(code)
        }
        Command::Export { within } => {
            let db = Db::connect(&url, &Config::default()).await.map_err(plain)?;
            let stdout = std::io::stdout();
            let mut out = BufWriter::new(stdout.lock());
            export(&db, within.as_deref(), &mut out).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Token { command } => {
            let db = open(&url, &Config::default()).await?;
            token::run_command(&db, command).await
        }
        Command::Extract(args) => {
            let db = open(&url, &Config::default()).await?;
            extract::run(&db, args).await
        }
        Command::Schema => {
            print!("{}", crate::graphql::sdl());
            Ok(ExitCode::SUCCESS)
        }
        Command::Generate { scale, seed } => {
            let stdout = std::io::stdout();
            let mut out = BufWriter::with_capacity(1 << 20, stdout.lock());
            let stats = generate(scale, seed, &mut out)?;
            out.flush()?;
            eprintln!(
                "generated {} regions, {} metrics, {} programs, {} reports, {} observations",
                stats.regions, stats.metrics, stats.programs, stats.reports, stats.observations
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Connects to `url` and migrates, with a plain message when that fails.
async fn open(url: &str, config: &Config) -> anyhow::Result<Db> {
    Db::open(url, config).await.map_err(plain)
}

/// A database error as one line: the store's own messages without the driver's prefix.
fn plain(e: sea_orm::DbErr) -> anyhow::Error {
    match e {
        sea_orm::DbErr::Custom(message) => anyhow::anyhow!(message),
        other => other.into(),
    }
}

/// Loads the demo dataset unless the database already holds reports.
pub async fn load_demo(db: &Db) -> anyhow::Result<()> {
    if reads::report_count(&db.read).await? > 0 {
        tracing::info!("the database already holds reports; the demo dataset is not loaded");
        return Ok(());
    }
    let summary = ingest::import_lines(
        db,
        ImportOptions::default(),
        DEMO_DATASET.lines().map(str::to_owned),
    )
    .await?;
    anyhow::ensure!(
        summary.committed,
        "the demo dataset did not import: {:?}",
        summary.errors
    );
    tracing::info!(
        reports = summary.reports.created,
        observations = summary.observations,
        "loaded the demo dataset"
    );
    Ok(())
}

/// Imports one file (or standard input for `-`) with a progress bar on a terminal.
async fn import_file(
    db: &Db,
    path: &PathBuf,
    options: ImportOptions,
    extractor: Option<Arc<Extractor>>,
) -> anyhow::Result<ImportSummary> {
    let (reader, size): (Box<dyn AsyncRead + Unpin + Send>, Option<u64>) = if path.as_os_str() == "-" {
        (Box::new(tokio::io::stdin()), None)
    } else {
        let file = tokio::fs::File::open(path)
            .await
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        let size = file.metadata().await?.len();
        (Box::new(file), Some(size))
    };
    let bar = match size {
        Some(n) => ProgressBar::new(n).with_style(
            ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta} {msg}")
                .expect("a valid template"),
        ),
        None => ProgressBar::new_spinner(),
    };
    let summary = import_reader(db, reader, options, Some(&bar), extractor).await?;
    bar.finish_and_clear();
    Ok(summary)
}

fn print_summary(name: &str, s: &ImportSummary) {
    let row = |kind: &str, c: &Counts| {
        println!(
            "  {kind:<13} {:>9} created {:>9} updated {:>9} unchanged",
            c.created, c.updated, c.unchanged
        )
    };
    if s.committed {
        println!("{name}: imported {} lines", s.lines);
    } else {
        println!("{name}: nothing written");
    }
    row("regions", &s.regions);
    row("metrics", &s.metrics);
    row("programs", &s.programs);
    row("reports", &s.reports);
    println!("  {:<13} {:>9} written", "observations", s.observations);
    for e in &s.errors {
        eprintln!("{name}: {e}");
    }
    if s.error_count > s.errors.len() as u64 {
        eprintln!(
            "{name}: … and {} more errors",
            s.error_count - s.errors.len() as u64
        );
    }
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}
