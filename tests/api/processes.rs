//! Real `civicgraph` processes: the `token` command line, two servers on one database with concurrent
//! importers, and a server killed with SIGKILL in the middle of a large import.

use std::process::Stdio;
use std::time::Duration;

use civicgraph_tests::process::free_port;
use civicgraph_tests::write_helpers::*;
use civicgraph_tests::{
    Backend, Config, Db, ImportOptions, Role, TestDb, authenticate, backend_test, import_lines,
};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

/// The `civicgraph` binary, built from the current code with the tests.
const BIN: &str = env!("CARGO_BIN_EXE_civicgraph-under-test");

/// Runs `civicgraph --db URL ARGS…` to completion.
pub async fn cli(url: &str, args: &[&str]) -> std::process::Output {
    tokio::process::Command::new(BIN)
        .arg("--db")
        .arg(url)
        .args(args)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .output()
        .await
        .expect("the command runs")
}

/// A `civicgraph serve` process, killed when dropped.
pub(crate) struct ServerProcess {
    child: tokio::process::Child,
    /// Base URL, e.g. `http://127.0.0.1:43123`.
    pub(crate) url: String,
}

impl ServerProcess {
    /// `civicgraph --db DATABASE_URL serve`, once it is healthy.
    pub(crate) async fn start(database_url: &str) -> ServerProcess {
        Self::start_with(database_url, &[], &[]).await
    }

    /// `civicgraph --db DATABASE_URL serve ARGS…` with the environment variables `env`, once it is
    /// healthy.
    pub(crate) async fn start_with(database_url: &str, args: &[&str], env: &[(&str, &str)]) -> ServerProcess {
        let port = free_port();
        let addr = format!("127.0.0.1:{port}");
        let child = tokio::process::Command::new(BIN)
            .args(["--db", database_url, "serve", "--addr", &addr])
            .args(args)
            .env("RUST_LOG", "warn")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("the server starts");
        let mut server = ServerProcess {
            child,
            url: format!("http://{addr}"),
        };
        let client = reqwest::Client::new();
        for _ in 0..300 {
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("the server exited: {status}");
            }
            if let Ok(resp) = client.get(format!("{}/healthz", server.url)).send().await
                && resp.status() == 200
            {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the server did not become healthy");
    }

    /// SIGKILL: no chance to finish anything.
    pub async fn kill(mut self) {
        self.child.kill().await.expect("the server is killed");
    }
}

/// A fresh database holding the region tree, its URL and a connection to it.
pub async fn fixture(backend: &Backend) -> (TestDb, Db) {
    let test_db = TestDb::create(backend).await;
    let db = test_db.open().await;
    let summary = import_lines(&db, ImportOptions::default(), tree().lines().map(str::to_owned))
        .await
        .unwrap();
    assert!(summary.committed);
    (test_db, db)
}

backend_test!(an_import_from_the_command_line_leaves_no_write_ahead_log);
/// `civicgraph import` closes its connections: on SQLite the last one folds the write-ahead log (as
/// large as the import) into the file and removes it, so the next process does not read it back.
async fn an_import_from_the_command_line_leaves_no_write_ahead_log(backend: Backend) {
    bounded(120, async {
        let test_db = TestDb::create(&backend).await;
        let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/demo.ndjson");
        let out = cli(&test_db.url, &["import", demo]).await;
        assert!(out.status.success(), "[{}] {out:?}", backend.name());
        if let Some(path) = test_db.url.strip_prefix("sqlite://") {
            let left = std::fs::metadata(format!("{path}-wal")).map_or(0, |m| m.len());
            assert_eq!(left, 0, "bytes of write-ahead log left");
        }
        let db = test_db.open().await;
        let regions = db.read.query_one_raw(sea_orm::Statement::from_string(
            db.read.get_database_backend(),
            "SELECT COUNT(*) AS n FROM region",
        ));
        let n: i64 = regions.await.unwrap().unwrap().try_get("", "n").unwrap();
        let text = std::fs::read_to_string(demo).unwrap();
        let records = text.lines().filter_map(|l| serde_json::from_str::<Value>(l).ok());
        assert_eq!(n, records.filter(|r| r["kind"] == "region").count() as i64);
    })
    .await;
}

backend_test!(the_token_command_line);
async fn the_token_command_line(backend: Backend) {
    bounded(120, async {
        let name = backend.name();
        let test_db = TestDb::create(&backend).await;
        let url = test_db.url.clone();
        let out = cli(
            &url,
            &["token", "create", "--name", "ci-importer", "--role", "importer"],
        )
        .await;
        assert!(out.status.success(), "[{name}] {out:?}");
        let stdout = String::from_utf8(out.stdout).unwrap();
        let token = stdout.trim_end().to_owned();
        assert_eq!(stdout, format!("{token}\n"), "[{name}] the token alone on stdout");
        assert!(
            token.starts_with("cg_") && !token.contains(char::is_whitespace),
            "{token}"
        );

        let out = cli(&url, &["token", "list"]).await;
        let listed = String::from_utf8(out.stdout).unwrap();
        assert!(
            listed.contains("ci-importer") && listed.contains("importer"),
            "{listed}"
        );
        assert!(!listed.contains(&token[3..]), "[{name}] list never shows a token");

        let out = cli(
            &url,
            &["token", "create", "--name", "ci-importer", "--role", "admin"],
        )
        .await;
        assert!(!out.status.success(), "[{name}] a name is unique");
        let out = cli(&url, &["token", "create", "--name", "x", "--role", "root"]).await;
        assert!(!out.status.success(), "[{name}] roles are importer or admin");

        let db = Db::connect(&url, &Config::default()).await.unwrap();
        assert_eq!(authenticate(&db, &token).await.unwrap(), Some(Role::Importer));
        let out = cli(&url, &["token", "revoke", "ci-importer"]).await;
        assert!(out.status.success(), "[{name}] {out:?}");
        assert_eq!(authenticate(&db, &token).await.unwrap(), None);
        let out = cli(&url, &["token", "revoke", "ci-importer"]).await;
        assert!(!out.status.success(), "[{name}] already revoked");
        let out = cli(&url, &["token", "list"]).await;
        let listed = String::from_utf8(out.stdout).unwrap();
        assert!(
            listed
                .lines()
                .nth(1)
                .is_some_and(|l| !l.trim_end().ends_with('-')),
            "{listed}"
        );
        db.read.close().await.ok();
        db.write.close().await.ok();
    })
    .await;
}

/// The content of report `k` as a given importer posts it: `variant` 1 changes the title.
fn numbered(k: usize, variant: usize) -> (Value, String) {
    let id = format!("n{k}");
    let title = if variant == 0 {
        format!("报告{k}")
    } else {
        format!("报告{k}（另一版）")
    };
    let region = ["T1", "T2V2", "K2"][k % 3];
    (
        report(&id, &title, region, 10),
        report_line(&id, &title, region, 10),
    )
}

backend_test!(two_servers_on_one_database_lose_and_duplicate_nothing);
async fn two_servers_on_one_database_lose_and_duplicate_nothing(backend: Backend) {
    bounded(300, async {
        let name = backend.name();
        let (test_db, db) = fixture(&backend).await;
        let t = token(&db, "importer", Role::Importer).await;
        let a = ServerProcess::start(&test_db.url).await;
        let b = ServerProcess::start(&test_db.url).await;
        let client = reqwest::Client::new();

        // Reports 0..80 are each posted twice, once to each server, by eight concurrent importers;
        // reports 0..10 in two versions. Meanwhile each server takes a bulk import: A of 60..100,
        // B of 90..130 (overlapping the posts and each other, with the same content).
        let posters = (0..8).map(|c| {
            let (client, t) = (client.clone(), t.clone());
            let server = if c < 4 { a.url.clone() } else { b.url.clone() };
            async move {
                let mut statuses = Vec::new();
                for k in (0..80).filter(|k| k % 4 == c % 4) {
                    let variant = usize::from(c >= 4 && k < 10);
                    let resp = post_at(&client, &server, &t, &numbered(k, variant).0).await;
                    statuses.push((k, status(&resp)));
                }
                statuses
            }
        });
        let bulk = |server: String, range: std::ops::Range<usize>| {
            let (client, t) = (client.clone(), t.clone());
            let body = range.map(|k| numbered(k, 0).1).collect::<Vec<_>>().join("\n");
            async move {
                let (http, summary) = import_at(&client, &server, &t, body).await;
                assert_eq!(http, 200, "{summary}");
                summary
            }
        };
        let (posted, first, second) = tokio::join!(
            futures::future::join_all(posters),
            bulk(a.url.clone(), 60..100),
            bulk(b.url.clone(), 90..130),
        );

        let mut by_report: std::collections::BTreeMap<usize, Vec<String>> = Default::default();
        for (k, status) in posted.into_iter().flatten() {
            by_report.entry(k).or_default().push(status);
        }
        let mut created = 0;
        for (k, mut statuses) in by_report {
            statuses.sort();
            created += statuses.iter().filter(|s| *s == "CREATED").count();
            if k < 10 {
                assert_eq!(statuses, ["CREATED", "REPLACED"], "[{name}] n{k}");
            } else if k < 60 {
                assert_eq!(statuses, ["CREATED", "UNCHANGED"], "[{name}] n{k}");
            } else {
                assert!(
                    !statuses.contains(&"REPLACED".to_owned()),
                    "[{name}] n{k}: {statuses:?}"
                );
            }
        }
        let created = created as i64
            + first["reports"]["created"].as_i64().unwrap()
            + second["reports"]["created"].as_i64().unwrap();
        assert_eq!(created, 130, "[{name}] each report is created exactly once");
        assert_eq!(
            first["reports"]["updated"].as_i64().unwrap() + second["reports"]["updated"].as_i64().unwrap(),
            0
        );

        assert_eq!(count(&db, "report").await, 130, "[{name}]");
        assert_eq!(count(&db, "observation").await, 1300, "[{name}]");
        let uneven = db
            .read
            .query_all_raw(sea_orm::Statement::from_string(
                db.backend(),
                "SELECT report_id FROM observation GROUP BY report_id HAVING COUNT(*) <> 10",
            ))
            .await
            .unwrap();
        assert!(
            uneven.is_empty(),
            "[{name}] every report has its ten observations"
        );
        let d = graphql_at(&client, &b.url, "{ reports { totalCount } }", json!({}), None).await;
        assert_eq!(d["data"]["reports"]["totalCount"], 130, "[{name}] {d}");

        a.kill().await;
        b.kill().await;
        db.read.close().await.ok();
        db.write.close().await.ok();
    })
    .await;
}

backend_test!(a_server_killed_during_a_large_import_leaves_the_database_as_it_was);
async fn a_server_killed_during_a_large_import_leaves_the_database_as_it_was(backend: Backend) {
    bounded(300, async {
        let name = backend.name();
        let (test_db, db) = fixture(&backend).await;
        let t = token(&db, "importer", Role::Importer).await;
        let (_, line) = numbered(0, 0);
        let client = reqwest::Client::new();
        let server = ServerProcess::start(&test_db.url).await;
        assert_eq!(
            status(&post_at(&client, &server.url, &t, &numbered(0, 0).0).await),
            "CREATED"
        );
        let before = counts(&db).await;

        // 20,000 reports of ten observations; two thirds are sent, then the server is killed while
        // the import waits for the rest.
        let body: Vec<u8> = (1..20_000)
            .map(|k| numbered(k, 0).1)
            .chain([line])
            .collect::<Vec<_>>()
            .join("\n")
            .into_bytes();
        let (feed, chunks) = tokio::sync::mpsc::channel::<Vec<u8>>(4);
        let stream = futures::stream::unfold(chunks, |mut rx| async move {
            rx.recv().await.map(|c| (Ok::<_, std::io::Error>(c), rx))
        });
        let request = tokio::spawn({
            let (client, url, t) = (client.clone(), server.url.clone(), t.clone());
            async move {
                client
                    .post(format!("{url}/import"))
                    .bearer_auth(&t)
                    .body(reqwest::Body::wrap_stream(stream))
                    .send()
                    .await
            }
        });
        let sent = body.len() * 2 / 3;
        for chunk in body[..sent].chunks(64 * 1024) {
            feed.send(chunk.to_vec()).await.expect("the server reads");
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
        if let Backend::Postgres(_) = backend {
            // The import's transaction has written (it has a transaction id) but not committed.
            let row = db
                .read
                .query_one_raw(sea_orm::Statement::from_string(
                    db.backend(),
                    "SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = current_database() \
                     AND backend_xid IS NOT NULL",
                ))
                .await
                .unwrap()
                .unwrap();
            assert!(
                row.try_get::<i64>("", "n").unwrap() >= 1,
                "[{name}] the import is under way"
            );
        }
        if let Backend::Sqlite = backend {
            // The import holds the write lock: another writer cannot begin.
            let mut options = sea_orm::ConnectOptions::new(test_db.url.clone());
            options.max_connections(1).sqlx_logging(false);
            let other = sea_orm::Database::connect(options).await.unwrap();
            other.execute_unprepared("PRAGMA busy_timeout = 0").await.unwrap();
            let begin = other.execute_unprepared("BEGIN IMMEDIATE").await;
            assert!(begin.is_err(), "[{name}] the import is under way");
            other.close().await.ok();
        }
        server.kill().await;
        drop(feed);
        let answer = request.await.unwrap();
        assert!(answer.is_err() || answer.unwrap().status() != 200, "[{name}]");

        assert_eq!(counts(&db).await, before, "[{name}] the database is as it was");

        // It serves again after a restart, and the same import then goes through.
        let server = ServerProcess::start(&test_db.url).await;
        let d = graphql_at(
            &client,
            &server.url,
            "{ regions { totalCount } reports { totalCount } }",
            json!({}),
            None,
        )
        .await;
        assert_eq!(d["data"]["regions"]["totalCount"], 11, "[{name}] {d}");
        assert_eq!(d["data"]["reports"]["totalCount"], 1, "[{name}] {d}");
        let (http, summary) = import_at(&client, &server.url, &t, body).await;
        assert_eq!(http, 200, "[{name}] {summary}");
        assert_eq!(summary["reports"]["created"], 19_999, "[{name}] {summary}");
        assert_eq!(summary["reports"]["unchanged"], 1, "[{name}] {summary}");
        assert_eq!(count(&db, "observation").await, 200_000, "[{name}]");
        server.kill().await;
        db.read.close().await.ok();
        db.write.close().await.ok();
    })
    .await;
}
