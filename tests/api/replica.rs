//! A server with a streaming read replica (`--db-read`): queries read from the replica, a mutation's
//! answer (over HTTP or the websocket) from the primary (the importer sees its own write at once),
//! reads go on while the primary is down and writes answer `SERVICE_UNAVAILABLE`, and `/healthz`
//! tells both pools and the lag.
//!
//! The replica is a real one, made by the harness with `pg_basebackup -R` from the `TEST_DATABASE_URL`
//! server. When that server refuses replication connections the test says so on stderr and passes,
//! unless `CIVICGRAPH_TEST_REQUIRE` names `replica` (as `.ci/run` does), which makes it fail instead.

use std::time::{Duration, Instant};

use civicgraph_tests::write_helpers::*;
use civicgraph_tests::{Proxy, Replica, Role, postgres_or_skip, unavailable};
use serde_json::{Value, json};

use crate::processes::{ServerProcess, fixture};
use crate::ws::WsClient;

/// The query whose answer tells which database it was read from.
const REPORTS: &str = "{ reports { totalCount } }";

async fn report_count(client: &reqwest::Client, base: &str) -> (u16, Value) {
    let resp = client
        .post(format!("{base}/graphql"))
        .json(&json!({ "query": REPORTS }))
        .send()
        .await
        .expect("the server answers");
    let status = resp.status().as_u16();
    (status, resp.json().await.expect("JSON"))
}

async fn health(client: &reqwest::Client, base: &str) -> (u16, Value) {
    let resp = client
        .get(format!("{base}/healthz"))
        .send()
        .await
        .expect("the server answers");
    let status = resp.status().as_u16();
    (status, resp.json().await.expect("JSON"))
}

/// Polls until the replica has replayed `expected` reports, within 10 s.
async fn until_replayed(client: &reqwest::Client, base: &str, expected: i64) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, body) = report_count(client, base).await;
        if body["data"]["reports"]["totalCount"] == expected {
            return;
        }
        assert!(Instant::now() < deadline, "the replica did not catch up: {body}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_go_to_a_streaming_replica() {
    let Some(backend) = postgres_or_skip(concat!(module_path!(), "::reads_go_to_a_streaming_replica")) else {
        return;
    };
    bounded(300, async move {
        let (test_db, db) = fixture(&backend).await;
        let importer = token(&db, "importer", Role::Importer).await;

        let replica = match Replica::start(&test_db.url).await {
            Ok(replica) => replica,
            Err(why) => {
                unavailable("replica", "replica::reads_go_to_a_streaming_replica", &why);
                return;
            }
        };
        // The server reaches the primary through a proxy the test can cut; the replica streams from the
        // primary directly.
        let (proxy, primary) = Proxy::in_front_of(&test_db.url).await;
        let replica_url = replica.url_for(&test_db.url);
        let server = ServerProcess::start_with(&primary, &["--db-read", &replica_url], &[]).await;
        let (client, base) = (reqwest::Client::new(), server.url.as_str());

        let (http, body) = health(&client, base).await;
        assert_eq!(http, 200, "{body}");
        assert_eq!(
            (&body["status"], &body["primary"], &body["replica"]),
            (&json!("ok"), &json!("ok"), &json!("ok")),
            "{body}"
        );
        assert!(body["replicaLagSeconds"].as_f64().is_some(), "{body}");

        // With the replica's replay paused, a post is answered from the primary (read-your-writes)
        // while queries still read the replica, which has not seen it.
        replica
            .execute(&test_db.url, "SELECT pg_wal_replay_pause()")
            .await;
        let posted = post_at(&client, base, &importer, &report("r1", "一", "T1", 3)).await;
        assert_eq!(status(&posted), "CREATED", "{posted}");
        assert_eq!(
            posted["data"]["postReport"]["report"]["observations"]["totalCount"], 3,
            "the answer of the write is read from the primary: {posted}"
        );
        // So is a post's answer over the websocket.
        let auth = json!({ "Authorization": format!("Bearer {importer}") });
        let mut ws = WsClient::connect(base, auth).await;
        assert_eq!(ws.next(10.0).await.expect("an ack")["type"], "connection_ack");
        let variables = json!({ "r": report("r1-ws", "一", "T1", 2) });
        ws.send(json!({"id": "1", "type": "subscribe", "payload": {"query": POST, "variables": variables}}))
            .await;
        let answer = ws.next(10.0).await.expect("an answer");
        assert_eq!(
            answer["payload"]["data"]["postReport"]["report"]["observations"]["totalCount"], 2,
            "over the websocket too: {answer}"
        );
        let (http, body) = report_count(&client, base).await;
        assert_eq!(
            (http, &body["data"]["reports"]["totalCount"]),
            (200, &json!(0)),
            "queries read the paused replica: {body}"
        );
        replica
            .execute(&test_db.url, "SELECT pg_wal_replay_resume()")
            .await;
        until_replayed(&client, base, 2).await;

        // The primary goes away: reads go on from the replica, writes are refused fast, health degrades.
        proxy.cut().await;
        let (http, body) = report_count(&client, base).await;
        assert_eq!(
            (http, &body["data"]["reports"]["totalCount"]),
            (200, &json!(2)),
            "{body}"
        );
        let started = Instant::now();
        let refused = post_at(&client, base, &importer, &report("r2", "二", "T2", 2)).await;
        assert_eq!(code(&refused), "SERVICE_UNAVAILABLE", "{refused}");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "refused after {:?}",
            started.elapsed()
        );
        let (http, body) = health(&client, base).await;
        assert_eq!(http, 200, "reads still answer: {body}");
        assert_eq!(
            (&body["status"], &body["primary"], &body["replica"]),
            (&json!("degraded"), &json!("unavailable"), &json!("ok")),
            "{body}"
        );

        // The primary is back: writes go through again without a restart.
        proxy.restore().await;
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let again = post_at(&client, base, &importer, &report("r2", "二", "T2", 2)).await;
            if again.get("errors").is_none() {
                assert_eq!(status(&again), "CREATED", "{again}");
                break;
            }
            assert!(Instant::now() < deadline, "writes did not recover: {again}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        until_replayed(&client, base, 3).await;
        drop(server);
        drop(replica);
    })
    .await;
}
