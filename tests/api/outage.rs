//! A database outage: requests answer 503 `SERVICE_UNAVAILABLE` within about 3 s, `/healthz` says
//! 503 within 2 s, and the server recovers by itself once the database is back; an unreachable
//! database at start-up is a one-line error naming host and port, within 5 s.

use std::time::{Duration, Instant};

use civicgraph_tests::{Backend, Proxy, TestServer, postgres_or_skip};
use serde_json::{Value, json};

/// The `civicgraph` binary, built from the current code with the tests.
const BIN: &str = env!("CARGO_BIN_EXE_civicgraph-under-test");

async fn regions(s: &TestServer) -> (u16, Value, Duration) {
    let started = Instant::now();
    let resp = s
        .client
        .post(format!("{}/graphql", s.url))
        .json(&json!({ "query": "{ regions { totalCount } }" }))
        .send()
        .await
        .expect("the server answers");
    let status = resp.status().as_u16();
    (status, resp.json().await.expect("JSON"), started.elapsed())
}

async fn health(s: &TestServer) -> (u16, Duration) {
    let started = Instant::now();
    let resp = s
        .client
        .get(format!("{}/healthz", s.url))
        .send()
        .await
        .expect("the server answers");
    (resp.status().as_u16(), started.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_answers_503_fast_and_recovers() {
    let Some(Backend::Postgres(url)) = postgres_or_skip(concat!(module_path!(), "::a_database_outage"))
    else {
        return;
    };
    // The target first, then a proxy to it that the test can cut.
    let (proxy, proxied) = Proxy::in_front_of(&url).await;
    let s = TestServer::start(&Backend::Postgres(proxied)).await;
    s.import(r#"{"kind":"region","code":"P","name":"省","level":"province"}"#)
        .await;
    let (status, body, _) = regions(&s).await;
    assert_eq!(
        (status, &body["data"]["regions"]["totalCount"]),
        (200, &json!(1)),
        "{body}"
    );

    proxy.cut().await;
    for _ in 0..3 {
        let (status, body, took) = regions(&s).await;
        assert_eq!(status, 503, "{body}");
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "SERVICE_UNAVAILABLE",
            "{body}"
        );
        assert!(took < Duration::from_secs(3), "answered after {took:?}");
    }
    let (status, took) = health(&s).await;
    assert_eq!(status, 503);
    assert!(took < Duration::from_secs(2), "healthz answered after {took:?}");

    proxy.restore().await;
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (status, body, _) = regions(&s).await;
        if status == 200 {
            assert_eq!(body["data"]["regions"]["totalCount"], 1, "{body}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the server did not recover: {status} {body}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(health(&s).await.0, 200);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_database_at_start_up_is_one_clear_line() {
    let started = Instant::now();
    let output = tokio::process::Command::new(BIN)
        .args([
            "--db",
            "postgres://postgres@127.0.0.1:1/none",
            "serve",
            "--addr",
            "127.0.0.1:0",
        ])
        .env("RUST_LOG", "off")
        .output()
        .await
        .expect("the command runs");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(
        lines[0].contains("cannot reach PostgreSQL at 127.0.0.1:1"),
        "{stderr}"
    );
}
