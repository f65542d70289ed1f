//! Sustained `postReport` throughput with concurrent importers, and read latency while they write.
//!
//! ```sh
//! cargo bench -p civicgraph --bench write_throughput -- --db sqlite
//! cargo bench -p civicgraph --bench write_throughput -- --db postgres://postgres@127.0.0.1:5432/test
//! cargo bench -p civicgraph --bench write_throughput -- --db sqlite --importers 8 --observations 10 --seconds 30
//! ```
//!
//! Starts the server in this process on a fresh database (a temporary SQLite file, or a new
//! PostgreSQL database created on the server of `--db` and dropped afterwards), loads a region tree
//! (1 province, 4 cities, 16 counties, 160 towns, 1,600 villages) and 5 metrics, then:
//! 1. measures a read query alone (baseline);
//! 2. runs `--importers` concurrent importers, each posting new reports of `--observations`
//!    observations over HTTP with a bearer token for `--seconds`, while one reader runs the same read
//!    query in a loop;
//! 3. prints reports/s, observations/s, post latency percentiles and the read latency during writes.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use civicgraph::auth::Role;
use civicgraph::cli::token::create_token;
use civicgraph::config::Config;
use civicgraph::http::{self as server, AppState};
use civicgraph::ingest::{ImportOptions, import_lines};
use civicgraph::store::Db;
use clap::Parser;
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};

#[derive(Parser)]
struct Args {
    /// `sqlite` (a temporary file; the default) or a PostgreSQL server URL (a fresh database is
    /// created on it).
    #[arg(long, default_value = "sqlite")]
    db: String,
    /// Concurrent importers.
    #[arg(long, default_value_t = 8)]
    importers: usize,
    /// Observations per posted report.
    #[arg(long, default_value_t = 10)]
    observations: usize,
    /// How long the importers post, after a warm-up of 2 s.
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    /// Ignored (passed by `cargo bench`).
    #[arg(long, hide = true)]
    bench: bool,
}

const CITIES: usize = 4;
const COUNTIES: usize = 4;
const TOWNS: usize = 10;
const VILLAGES: usize = 10;
const METRICS: [&str; 5] = ["visits", "cases", "households", "funds", "rate"];

fn tree() -> Vec<String> {
    let mut lines =
        vec![r#"{"kind":"region","code":"P","name":"省","level":"province","parent":null}"#.to_owned()];
    let region = |code: &str, level: &str, parent: &str| {
        json!({"kind": "region", "code": code, "name": code, "level": level, "parent": parent}).to_string()
    };
    for c in 0..CITIES {
        let city = format!("C{c}");
        lines.push(region(&city, "city", "P"));
        for k in 0..COUNTIES {
            let county = format!("{city}K{k}");
            lines.push(region(&county, "county", &city));
            for t in 0..TOWNS {
                let town = format!("{county}T{t}");
                lines.push(region(&town, "town", &county));
                for v in 0..VILLAGES {
                    lines.push(region(&format!("{town}V{v}"), "village", &town));
                }
            }
        }
    }
    for (i, m) in METRICS.iter().enumerate() {
        let value_type = ["count", "count", "count", "amount", "ratio"][i];
        lines.push(
            json!({"kind": "metric", "code": m, "name": m, "unit": "件", "value_type": value_type})
                .to_string(),
        );
    }
    lines
}

/// The town of the `n`-th report of importer `i`.
fn town(i: usize, n: usize) -> String {
    let k = (i * 7919 + n * 104_729) % (CITIES * COUNTIES * TOWNS);
    format!(
        "C{}K{}T{}",
        k / (COUNTIES * TOWNS),
        k / TOWNS % COUNTIES,
        k % TOWNS
    )
}

fn report(i: usize, n: usize, observations: usize) -> Value {
    let town = town(i, n);
    let obs: Vec<Value> = (0..observations)
        .map(|o| {
            let metric = METRICS[o % METRICS.len()];
            let value = if metric == "rate" {
                97.5
            } else {
                (n * 10 + o) as f64
            };
            json!({
                "metric": metric,
                "region": format!("{town}V{}", o % VILLAGES),
                "value": value,
                "qualifier": if o % 3 == 0 { "OVER" } else { "EXACT" },
                "periodStart": "2022-01-01",
                "quote": format!("累计完成{value}件"),
            })
        })
        .collect();
    json!({
        "externalId": format!("bench-{i}-{n}"),
        "title": format!("报告 {i}-{n}"),
        "source": "基准日报",
        "publishedOn": "2022-08-20",
        "authors": ["记者甲"],
        "region": town,
        "body": "正文".repeat(100),
        "observations": obs,
    })
}

const POST: &str = "mutation($r: ReportInput!) { postReport(report: $r) { status report { externalId } } }";
const READ: &str = r#"query($w: String!) { reports(within: $w, first: 10) { totalCount edges { node { title
    publishedOn observations(first: 10) { edges { node { value qualifier metric { code unit } region { name } } } } } } } }"#;

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i].as_secs_f64() * 1000.0
}

/// Runs the read query in a loop until `stop`, answering the latencies.
async fn reader(client: reqwest::Client, url: String, stop: Arc<AtomicBool>) -> Vec<Duration> {
    let mut latencies = Vec::new();
    let mut n = 0usize;
    while !stop.load(Ordering::Relaxed) {
        let within = format!("C{}K{}", n % CITIES, (n / CITIES) % COUNTIES);
        n += 1;
        let started = Instant::now();
        let resp: Value = client
            .post(&url)
            .json(&json!({"query": READ, "variables": {"w": within}}))
            .send()
            .await
            .expect("the server answers")
            .json()
            .await
            .expect("JSON");
        assert!(resp.get("errors").is_none(), "{resp}");
        latencies.push(started.elapsed());
    }
    latencies
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let dir = tempfile::tempdir()?;
    let (url, pg) = if args.db.starts_with("postgres") {
        let name = format!("cg_bench_{}", std::process::id());
        let admin = Database::connect(args.db.as_str()).await?;
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await?;
        admin.close().await?;
        let base = args.db.rsplit_once('/').map(|(b, _)| b).unwrap_or(&args.db);
        (format!("{base}/{name}"), Some(name))
    } else {
        (
            format!("sqlite://{}", dir.path().join("bench.db").display()),
            None,
        )
    };
    let backend = if pg.is_some() { "PostgreSQL" } else { "SQLite" };

    let result = run(&args, &url, backend).await;

    if let Some(name) = pg {
        let admin = Database::connect(args.db.as_str()).await?;
        admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await?;
        admin.close().await?;
    }
    result
}

async fn run(args: &Args, url: &str, backend: &str) -> anyhow::Result<()> {
    let db = Db::open(url, &Config::default()).await?;
    let summary = import_lines(&db, ImportOptions::default(), tree()).await?;
    anyhow::ensure!(
        summary.committed,
        "the region tree did not load: {:?}",
        summary.errors
    );
    let token = create_token(&db, "bench", Role::Importer).await?;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let state = AppState::new(db.clone(), Config::default());
    let (stop_server, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(server::serve(listener, state, async {
        let _ = stopped.await;
    }));
    let graphql = format!("{base}/graphql");
    let client = reqwest::Client::builder().pool_max_idle_per_host(64).build()?;

    // A few reports for the reads to find, then the read alone.
    for n in 0..50 {
        post(&client, &graphql, &token, &report(1000, n, args.observations)).await?;
    }
    let stop = Arc::new(AtomicBool::new(false));
    let idle = tokio::spawn(reader(client.clone(), graphql.clone(), stop.clone()));
    tokio::time::sleep(Duration::from_secs(3)).await;
    stop.store(true, Ordering::Relaxed);
    let mut idle = idle.await?;
    idle.sort();

    // The importers and one reader, for a warm-up and then the measured time.
    let warmup = Duration::from_secs(2);
    let measured = Duration::from_secs(args.seconds);
    let start = Instant::now();
    let (from, until) = (start + warmup, start + warmup + measured);
    let stop = Arc::new(AtomicBool::new(false));
    let importers: Vec<_> = (0..args.importers)
        .map(|i| {
            let (client, graphql, token) = (client.clone(), graphql.clone(), token.clone());
            let observations = args.observations;
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut errors = 0usize;
                let mut n = 0;
                loop {
                    let now = Instant::now();
                    if now >= until {
                        break;
                    }
                    let input = report(i, n, observations);
                    n += 1;
                    let ok = post(&client, &graphql, &token, &input).await.is_ok();
                    if now >= from {
                        latencies.push(now.elapsed());
                        errors += usize::from(!ok);
                    }
                }
                (latencies, errors)
            })
        })
        .collect();
    tokio::time::sleep_until(from.into()).await;
    let busy = tokio::spawn(reader(client.clone(), graphql.clone(), stop.clone()));
    let mut latencies = Vec::new();
    let mut errors = 0;
    for importer in importers {
        let (l, e) = importer.await?;
        latencies.extend(l);
        errors += e;
    }
    stop.store(true, Ordering::Relaxed);
    let mut busy = busy.await?;
    busy.sort();
    latencies.sort();

    let posted = latencies.len() - errors;
    let seconds = measured.as_secs_f64();
    let reports = count(&db, "report").await?;
    let observations = count(&db, "observation").await?;
    println!(
        "write_throughput on {backend}: {} importers, {} observations per report, {} s measured (after 2 s warm-up)",
        args.importers, args.observations, args.seconds
    );
    println!(
        "  postReport      {:>8.1} reports/s  {:>9.1} observations/s  ({posted} posted, {errors} failed)",
        posted as f64 / seconds,
        (posted * args.observations) as f64 / seconds,
    );
    println!(
        "  post latency    p50 {:>7.2} ms  p90 {:>7.2} ms  p99 {:>7.2} ms  max {:>7.2} ms",
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.90),
        percentile(&latencies, 0.99),
        percentile(&latencies, 1.0),
    );
    println!(
        "  read, writes running   p50 {:>7.2} ms  p99 {:>7.2} ms  ({} queries)",
        percentile(&busy, 0.50),
        percentile(&busy, 0.99),
        busy.len()
    );
    println!(
        "  read, idle (baseline)  p50 {:>7.2} ms  p99 {:>7.2} ms  ({} queries)",
        percentile(&idle, 0.50),
        percentile(&idle, 0.99),
        idle.len()
    );
    println!("  database now holds {reports} reports and {observations} observations");

    let _ = stop_server.send(());
    let _ = server.await;
    db.read.close().await.ok();
    db.write.close().await.ok();
    Ok(())
}

async fn post(client: &reqwest::Client, url: &str, token: &str, input: &Value) -> anyhow::Result<()> {
    let resp: Value = client
        .post(url)
        .bearer_auth(token)
        .json(&json!({"query": POST, "variables": {"r": input}}))
        .send()
        .await?
        .json()
        .await?;
    match resp["data"]["postReport"]["status"].as_str() {
        Some("CREATED") => Ok(()),
        _ => anyhow::bail!("post failed: {resp}"),
    }
}

async fn count(db: &Db, table: &str) -> anyhow::Result<i64> {
    let row = db
        .read
        .query_one_raw(sea_orm::Statement::from_string(
            db.backend(),
            format!("SELECT COUNT(*) AS n FROM {table}"),
        ))
        .await?
        .ok_or_else(|| anyhow::anyhow!("no count"))?;
    Ok(row.try_get("", "n")?)
}
