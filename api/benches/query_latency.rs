//! Latency of `compare` and `aggregate` over HTTP, next to the same aggregation run directly against the
//! database (the SQL the resolvers issue, without GraphQL and HTTP), on an already loaded database.
//!
//! ```sh
//! civicgraph --db sqlite:///tmp/large.db import large.ndjson          # from `civicgraph generate --scale large`
//! cargo bench -p civicgraph --bench query_latency -- --db sqlite:///tmp/large.db
//! cargo bench -p civicgraph --bench query_latency -- --db postgres://postgres@127.0.0.1:5432/large
//! cargo bench -p civicgraph --bench query_latency -- --db sqlite:///tmp/large.db --supersession windows
//! ```
//!
//! The defaults fit `generate --scale large --seed 1`: county 110102, province 11 and city 1101.

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use civicgraph::aggregate::{self, AggregateSpec, Collect, CompareSpec, Grain, Supersession};
use civicgraph::config::Config;
use civicgraph::domain::Level;
use civicgraph::http::{self as server, AppState};
use civicgraph::store::Db;
use clap::Parser;
use entity::{metric, region};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

#[derive(Parser)]
struct Args {
    /// The loaded database.
    #[arg(long)]
    db: String,
    /// Timed runs of each query (after 5 warm-up runs).
    #[arg(long, default_value_t = 200)]
    runs: usize,
    #[arg(long, default_value = "people_visited")]
    metric: String,
    #[arg(long, default_value = "110102")]
    county: String,
    #[arg(long, default_value = "11")]
    province: String,
    #[arg(long, default_value = "1101")]
    city: String,
    /// How the SQL timings of (b) and (c) decide supersession, `probes` or `windows` (the backend's
    /// own way when absent); the HTTP timings always use the backend's way.
    #[arg(long, value_parser = ["probes", "windows"])]
    supersession: Option<String>,
    /// Print the query plans of the aggregation statements instead of timing.
    #[arg(long)]
    explain: bool,
    /// Ignored (passed by `cargo bench`).
    #[arg(long, hide = true)]
    bench: bool,
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a date")
}

/// p50 and p99 of `samples`, in milliseconds.
fn percentiles(mut samples: Vec<Duration>) -> (f64, f64) {
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize].as_secs_f64() * 1000.0;
    (at(0.50), at(0.99))
}

async fn time<F, Fut>(runs: usize, mut f: F) -> (f64, f64)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    for _ in 0..5 {
        f().await;
    }
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        f().await;
        samples.push(started.elapsed());
    }
    percentiles(samples)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let db = Db::open(&args.db, &Config::default()).await?;
    let find = |code: &str| {
        region::Entity::find()
            .filter(region::Column::Code.eq(code))
            .one(&db.read)
    };
    let county = find(&args.county)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no region {}", args.county))?;
    let province = find(&args.province)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no region {}", args.province))?;
    let city = find(&args.city)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no region {}", args.city))?;
    let m = metric::Entity::find()
        .filter(metric::Column::Code.eq(&args.metric))
        .one(&db.read)
        .await?;
    let m = m.ok_or_else(|| anyhow::anyhow!("no metric {}", args.metric))?;
    let function = m.aggregation;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/graphql", listener.local_addr()?);
    let state = AppState::new(db.clone(), Config::default());
    tokio::spawn(server::serve(listener, state, std::future::pending()));
    let client = reqwest::Client::new();

    let compare_q = r#"query($m: String!, $w: String!) { compare(metric: $m, within: $w, level: TOWN, from: "2023-01-01", to: "2023-12-31") { total rows { region { code } value rank } } }"#;
    let by_county_q = r#"query($m: String!, $w: String!) { aggregate(metric: $m, within: $w, level: COUNTY, from: "2023-01-01", to: "2023-12-31") { region { code } value observations superseded } }"#;
    let monthly_q = r#"query($m: String!, $w: String!) { aggregate(metric: $m, within: $w, grain: MONTH, from: "2022-01-01", to: "2024-12-31") { periodStart value observations } }"#;

    let compare_spec = CompareSpec {
        metric_id: m.id,
        function,
        within: county.clone(),
        level: Level::Town,
        from: day("2023-01-01"),
        to: day("2023-12-31"),
        baseline: None,
        per_capita: None,
        program_id: None,
        top: None,
        as_of: None,
        collect: Default::default(),
        with_total: true,
    };
    let spec = |within: &region::Model, level: Option<Level>, grain: Option<Grain>, from: &str, to: &str| {
        AggregateSpec {
            metric_id: m.id,
            within: Some(within.clone()),
            level,
            program_id: None,
            by_program: false,
            from: Some(day(from)),
            to: Some(day(to)),
            grain,
            function,
            as_of: None,
            // As the `aggregate` resolver asks.
            collect: Collect {
                regions: true,
                ..Default::default()
            },
        }
    };
    let by_county_spec = spec(&province, Some(Level::County), None, "2023-01-01", "2023-12-31");
    let monthly_spec = spec(&city, None, Some(Grain::Month), "2022-01-01", "2024-12-31");

    if args.explain {
        let town_spec = spec(&county, Some(Level::Town), None, "2023-01-01", "2023-12-31");
        let plans = [
            ("(a) compare's per-town aggregation", &town_spec),
            ("(b) by county within a province", &by_county_spec),
            ("(c) monthly within a city", &monthly_spec),
        ];
        for (name, s) in plans {
            let backend = db.backend();
            let statement = aggregate::statement(backend, s);
            let prefix = if backend == sea_orm::DbBackend::Sqlite {
                "EXPLAIN QUERY PLAN "
            } else {
                "EXPLAIN "
            };
            let explain = sea_orm::Statement::from_sql_and_values(
                backend,
                format!("{prefix}{}", statement.sql),
                statement.values.map(|v| v.0).unwrap_or_default(),
            );
            println!("-- {name}");
            for row in sea_orm::ConnectionTrait::query_all_raw(&db.read, explain).await? {
                let line: String = if backend == sea_orm::DbBackend::Sqlite {
                    let parent: i64 = row.try_get("", "parent")?;
                    let detail: String = row.try_get("", "detail")?;
                    format!("{}{detail}", if parent == 0 { "" } else { "  " })
                } else {
                    row.try_get("", "QUERY PLAN")?
                };
                println!("{line}");
            }
        }
        return Ok(());
    }

    let post = |query: &'static str, within: String| {
        let client = client.clone();
        let url = url.clone();
        let metric = args.metric.clone();
        async move {
            let resp: Value = client
                .post(&url)
                .json(&json!({"query": query, "variables": {"m": metric, "w": within}}))
                .send()
                .await
                .expect("the server answers")
                .json()
                .await
                .expect("JSON");
            assert!(resp.get("errors").is_none(), "{resp}");
        }
    };

    let backend = if args.db.starts_with("sqlite") {
        "sqlite"
    } else {
        "postgres"
    };
    let cases: [(&str, &str, &region::Model); 3] = [
        ("(a) compare towns of a county, one year", compare_q, &county),
        (
            "(b) aggregate by county within a province, one year",
            by_county_q,
            &province,
        ),
        ("(c) monthly aggregate within a city, 2022-2024", monthly_q, &city),
    ];
    let how = match args.supersession.as_deref() {
        Some("probes") => Supersession::Probes,
        Some("windows") => Supersession::Windows,
        _ => Supersession::for_backend(db.backend()),
    };
    println!(
        "{backend}: {} runs each; milliseconds; SQL of (b) and (c) by {how:?}",
        args.runs
    );
    println!("| query | HTTP p50 | HTTP p99 | SQL p50 | SQL p99 | overhead (p50) |");
    println!("|---|---|---|---|---|---|");
    for (i, (name, query, within)) in cases.into_iter().enumerate() {
        let (http50, http99) = time(args.runs, || post(query, within.code.clone())).await;
        let (sql50, sql99) = match i {
            0 => {
                time(args.runs, || async {
                    aggregate::compare(&db.read, &compare_spec)
                        .await
                        .expect("compare");
                })
                .await
            }
            1 => {
                time(args.runs, || async {
                    aggregate::aggregate_with(&db.read, &by_county_spec, how)
                        .await
                        .expect("aggregate");
                })
                .await
            }
            _ => {
                time(args.runs, || async {
                    aggregate::aggregate_with(&db.read, &monthly_spec, how)
                        .await
                        .expect("aggregate");
                })
                .await
            }
        };
        println!(
            "| {name} | {http50:.2} | {http99:.2} | {sql50:.2} | {sql99:.2} | {:.2}× |",
            http50 / sql50
        );
    }
    Ok(())
}
