//! Report events across servers: two `civicgraph serve` processes on one database (PostgreSQL, or one
//! SQLite file), `reportPosted(after:)` resuming without loss, every report of a large import
//! announced, and history older than the retention refused.

use std::time::{Duration, Instant};

use civicgraph_tests::write_helpers::*;
use civicgraph_tests::{Backend, Config, Role, TestServer, backend_test};
use serde_json::{Value, json};

use sea_orm::ConnectionTrait;

use crate::processes::{ServerProcess, cli, fixture};
use crate::ws::WsClient;

const SUBSCRIBE: &str =
    "subscription($after: Int) { reportPosted(after: $after) { externalId title eventSeq } }";

/// A subscriber to `reportPosted(after:)` on the server at `base`.
async fn subscribe(base: &str, after: Option<i64>) -> WsClient {
    let mut ws = WsClient::connect(base, json!({})).await;
    assert_eq!(ws.next(10.0).await.expect("an ack")["type"], "connection_ack");
    ws.send(json!({"id": "s", "type": "subscribe", "payload": {
        "query": SUBSCRIBE, "variables": {"after": after}
    }}))
    .await;
    ws
}

/// The next report heard within `seconds`, as (externalId, eventSeq); None when none is.
async fn heard(ws: &mut WsClient, seconds: f64) -> Option<(String, i64)> {
    let m = ws.next(seconds).await?;
    assert_eq!(m["type"], "next", "{m}");
    let r = &m["payload"]["data"]["reportPosted"];
    assert!(r.is_object(), "{m}");
    Some((
        r["externalId"].as_str().unwrap().to_owned(),
        r["eventSeq"].as_i64().unwrap(),
    ))
}

/// The error code of the next message, which must be an error.
async fn refused(ws: &mut WsClient) -> String {
    let m = ws.next(10.0).await.expect("an answer");
    m["payload"]["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("an error: {m}"))
        .to_owned()
}

backend_test!(events_reach_every_server_once_and_resume_without_loss);
async fn events_reach_every_server_once_and_resume_without_loss(backend: Backend) {
    bounded(300, async {
        let name = backend.name();
        let (test_db, db) = fixture(&backend).await;
        let t = token(&db, "importer", Role::Importer).await;
        let a = ServerProcess::start(&test_db.url).await;
        // B writes each report of an import at once, so that a refused import has written before it
        // rolls back.
        let b = ServerProcess::start_with(&test_db.url, &["--import-batch-reports", "1"], &[]).await;
        let client = reqwest::Client::new();
        let post = |base: &str, id: &str, title: &str| {
            let (client, base, t) = (client.clone(), base.to_owned(), t.clone());
            let input = report(id, title, "T1", 2);
            async move { status(&post_at(&client, &base, &t, &input).await) }
        };

        // The log is empty: `after: 0` listens from its beginning, with no race against the posts.
        let mut on_a = subscribe(&a.url, Some(0)).await;

        // Posted through B, heard on A within a second, once.
        let sent = Instant::now();
        assert_eq!(post(&b.url, "r1", "一").await, "CREATED", "[{name}]");
        let answered = Instant::now();
        let (id, seq1) = heard(&mut on_a, 1.0)
            .await
            .unwrap_or_else(|| panic!("[{name}] A hears within 1 s of a post through B"));
        eprintln!(
            "[{name}] a post through B heard on A {} ms after it was sent, {} ms after it was answered",
            sent.elapsed().as_millis(),
            answered.elapsed().as_millis()
        );
        assert_eq!(id, "r1", "[{name}]");

        // An unchanged re-post (through either server) and a rolled-back import send nothing: the
        // next event heard is that of the next real write.
        assert_eq!(post(&b.url, "r1", "一").await, "UNCHANGED", "[{name}]");
        assert_eq!(post(&a.url, "r1", "一").await, "UNCHANGED", "[{name}]");
        let body = [
            report_line("rolled-back", "回滚", "T2", 3),
            "{\"kind\": \"report\"".to_owned(),
        ]
        .join("\n");
        let (code, summary) = import_at(&client, &b.url, &t, body).await;
        assert_eq!(code, 422, "[{name}] {summary}");
        assert_eq!(post(&a.url, "r2", "二").await, "CREATED", "[{name}]");
        let (id, seq2) = heard(&mut on_a, 10.0).await.expect("r2 is heard");
        assert_eq!(id, "r2", "[{name}] nothing was heard between r1 and r2");
        assert!(seq2 > seq1, "[{name}] {seq1} then {seq2}");
        assert_eq!(
            heard(&mut on_a, 0.5).await,
            None,
            "[{name}] each event is heard once"
        );
        assert_eq!(
            count(&db, "report_event").await,
            2,
            "[{name}] two writes, two events"
        );

        // The subscriber goes away; three reports are written meanwhile, through both servers.
        drop(on_a);
        assert_eq!(post(&b.url, "r3", "三").await, "CREATED", "[{name}]");
        assert_eq!(post(&a.url, "r4", "四").await, "CREATED", "[{name}]");
        assert_eq!(post(&b.url, "r2", "二（修订）").await, "REPLACED", "[{name}]");

        // Back with the last sequence it saw: those three in order, then live ones, nothing twice.
        let mut on_a = subscribe(&a.url, Some(seq2)).await;
        let mut missed = Vec::new();
        for _ in 0..3 {
            missed.push(heard(&mut on_a, 10.0).await.expect("a missed report is heard"));
        }
        let ids: Vec<&str> = missed.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids, ["r3", "r4", "r2"], "[{name}] {missed:?}");
        assert!(
            missed.windows(2).all(|w| w[0].1 < w[1].1) && missed[0].1 > seq2,
            "[{name}] {missed:?}"
        );
        assert_eq!(post(&b.url, "r5", "五").await, "CREATED", "[{name}]");
        let (id, seq5) = heard(&mut on_a, 10.0).await.expect("a live report is heard");
        assert_eq!(id, "r5", "[{name}]");
        assert!(seq5 > missed[2].1, "[{name}]");
        assert_eq!(heard(&mut on_a, 0.5).await, None, "[{name}] nothing twice");

        // A subscriber on B resuming from the same point hears the same events.
        let mut on_b = subscribe(&b.url, Some(seq2)).await;
        let mut again = Vec::new();
        for _ in 0..4 {
            again.push(heard(&mut on_b, 10.0).await.expect("B replays the log"));
        }
        missed.push((id, seq5));
        assert_eq!(again, missed, "[{name}]");

        // A command line import is heard too.
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("more.ndjson");
        std::fs::write(&file, report_line("cli-1", "命令行", "T2", 1)).unwrap();
        let out = cli(&test_db.url, &["import", file.to_str().unwrap()]).await;
        assert!(out.status.success(), "[{name}] {out:?}");
        let (id, _) = heard(&mut on_a, 10.0)
            .await
            .expect("the command line import is heard on A");
        assert_eq!(id, "cli-1", "[{name}]");
        assert_eq!(
            heard(&mut on_b, 10.0).await.expect("and on B").0,
            "cli-1",
            "[{name}]"
        );

        if let Backend::Postgres(_) = backend {
            // The listening connections are cut: each server connects and listens again by itself.
            let listeners = "SELECT pid FROM pg_stat_activity WHERE datname = current_database() \
                             AND query LIKE 'LISTEN%'";
            let pids = |db: &civicgraph_tests::Db| {
                let db = db.read.clone();
                async move {
                    let rows = db
                        .query_all_raw(sea_orm::Statement::from_string(
                            db.get_database_backend(),
                            listeners,
                        ))
                        .await
                        .unwrap();
                    let mut pids: Vec<i32> = rows.iter().map(|r| r.try_get("", "pid").unwrap()).collect();
                    pids.sort();
                    pids
                }
            };
            let before = pids(&db).await;
            assert_eq!(before.len(), 2, "[{name}] one listening connection per server");
            db.read
                .execute_unprepared(&format!("SELECT pg_terminate_backend(pid) FROM ({listeners}) l"))
                .await
                .unwrap();
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                let now = pids(&db).await;
                if now.len() == 2 && now.iter().all(|p| !before.contains(p)) {
                    break;
                }
                assert!(
                    Instant::now() < deadline,
                    "[{name}] the servers listen again: {now:?}"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            assert_eq!(post(&b.url, "r6", "六").await, "CREATED", "[{name}]");
            assert_eq!(
                heard(&mut on_a, 10.0).await.expect("heard after reconnecting").0,
                "r6"
            );
        }

        a.kill().await;
        b.kill().await;
        db.read.close().await.ok();
        db.write.close().await.ok();
    })
    .await;
}

backend_test!(a_bulk_import_announces_every_report);
async fn a_bulk_import_announces_every_report(backend: Backend) {
    bounded(300, async {
        let name = backend.name();
        let s = TestServer::start(&backend).await;
        s.import(&tree()).await;
        let t = token(&s.db, "importer", Role::Importer).await;
        let mut ws = subscribe(&s.url, Some(0)).await;

        // More than the 10,000 reports one import used to announce.
        let n = 10_050;
        let body = (0..n)
            .map(|k| report_line(&format!("bulk-{k}"), "批量", ["T1", "K2"][k % 2], 1))
            .collect::<Vec<_>>()
            .join("\n");
        let started = Instant::now();
        let (code, summary) = import_at(&s.client, &s.url, &t, body).await;
        let imported = started.elapsed();
        assert_eq!(code, 200, "[{name}] {summary}");
        assert_eq!(summary["reports"]["created"], n, "[{name}]");
        let mut last = 0;
        for k in 0..n {
            let (id, seq) = heard(&mut ws, 30.0)
                .await
                .unwrap_or_else(|| panic!("[{name}] report {k} of {n} is announced"));
            assert_eq!(id, format!("bulk-{k}"), "[{name}] in the order of the file");
            assert!(seq > last, "[{name}]");
            last = seq;
        }
        eprintln!(
            "[{name}] {n} reports imported in {:.1} s, all announced {:.1} s later",
            imported.as_secs_f64(),
            (started.elapsed() - imported).as_secs_f64()
        );
        assert_eq!(heard(&mut ws, 0.5).await, None, "[{name}] each once");
        s.stop().await;
    })
    .await;
}

backend_test!(history_older_than_the_retention_is_refused);
async fn history_older_than_the_retention_is_refused(backend: Backend) {
    bounded(120, async {
        let name = backend.name();
        let config = Config {
            event_retention_secs: 1,
            ..Config::default()
        };
        let s = TestServer::start_with(&backend, config, |_| {}).await;
        s.import(&tree()).await;
        let t = token(&s.db, "importer", Role::Importer).await;
        for id in ["old-1", "old-2"] {
            let resp = post_at(&s.client, &s.url, &t, &report(id, "旧", "T1", 1)).await;
            assert_eq!(status(&resp), "CREATED", "[{name}]");
        }
        let d = s
            .data("{ report(externalId: \"old-2\") { eventSeq } }", json!({}))
            .await;
        assert_eq!(
            d["report"]["eventSeq"],
            Value::Null,
            "[{name}] only subscriptions carry it"
        );

        // Past the retention the server prunes the log, keeping a marker in place of the newest.
        let deadline = Instant::now() + Duration::from_secs(30);
        while count(&s.db, "report_event").await > 1 {
            assert!(Instant::now() < deadline, "[{name}] the log is pruned");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }

        let mut ws = subscribe(&s.url, Some(0)).await;
        assert_eq!(refused(&mut ws).await, "HISTORY_EXPIRED", "[{name}]");
        let mut ws = subscribe(&s.url, Some(1)).await;
        assert_eq!(refused(&mut ws).await, "HISTORY_EXPIRED", "[{name}]");
        let mut ws = subscribe(&s.url, Some(1_000_000)).await;
        assert_eq!(
            refused(&mut ws).await,
            "BAD_INPUT",
            "[{name}] beyond the last event"
        );
        let mut ws = subscribe(&s.url, Some(-1)).await;
        assert_eq!(refused(&mut ws).await, "BAD_INPUT", "[{name}]");

        // From the last event on, resuming works: the next post is heard.
        let mut ws = subscribe(&s.url, Some(2)).await;
        let resp = post_at(&s.client, &s.url, &t, &report("new", "新", "T1", 1)).await;
        assert_eq!(status(&resp), "CREATED", "[{name}]");
        let (id, seq) = heard(&mut ws, 10.0).await.expect("the new report is heard");
        assert_eq!((id.as_str(), seq), ("new", 3), "[{name}]");
        s.stop().await;
    })
    .await;
}
