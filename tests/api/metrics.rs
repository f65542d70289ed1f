//! `GET /metrics` in Prometheus text format, with the counters moving as requests are made. The
//! recorder is one per process, shared by the tests that run at the same time: each assertion is on a
//! series only this test touches, or on a counter that can only grow.

use civicgraph_tests::write_helpers::*;
use civicgraph_tests::{Backend, Role, TestServer, backend_test};
use serde_json::json;

/// The value of the series `name{labels}` (labels as written, e.g. `operation="A",outcome="ok"`).
fn value(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.trim().parse().ok())
        .unwrap_or(0.0)
}

async fn scrape(s: &TestServer) -> String {
    let resp = s
        .client
        .get(format!("{}/metrics", s.url))
        .send()
        .await
        .expect("the server answers");
    assert_eq!(resp.status(), 200);
    let content_type = resp.headers()["content-type"].to_str().unwrap_or("").to_owned();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    resp.text().await.expect("text")
}

backend_test!(metrics_move_as_requests_are_made);
/// Requests by operation and outcome, their durations, reports and observations written, import lines
/// and the pools are all there and move.
async fn metrics_move_as_requests_are_made(backend: Backend) {
    let s = TestServer::start(&backend).await;
    s.import(&tree()).await;
    let op = format!("MetricsProbe{}", backend.name());
    let ok = format!("civicgraph_requests_total{{operation=\"{op}\",outcome=\"ok\"}}");
    let before = scrape(&s).await;
    assert!(before.contains("civicgraph_build_info{version="), "{before}");
    for _ in 0..3 {
        s.data(&format!("query {op} {{ __typename }}"), json!({})).await;
    }
    let t = token(&s.db, "importer", Role::Importer).await;
    let resp = post_at(&s.client, &s.url, &t, &report("metrics-1", "指标", "T1", 4)).await;
    assert_eq!(status(&resp), "CREATED");
    let after = scrape(&s).await;
    assert_eq!(value(&after, &ok) - value(&before, &ok), 3.0, "{after}");
    let count = format!("civicgraph_request_duration_seconds_count{{operation=\"{op}\"}}");
    assert_eq!(value(&after, &count), 3.0, "{after}");
    for counter in [
        "civicgraph_reports_written_total",
        "civicgraph_observations_written_total",
    ] {
        assert!(
            value(&after, counter) >= value(&before, counter) + 1.0,
            "{counter}: {after}"
        );
    }
    let read = "civicgraph_import_lines_total{result=\"read\"}";
    assert!(value(&after, read) > 0.0, "{after}");
    assert!(
        after.contains("civicgraph_db_connections{pool=\"read\",state=\"idle\"}"),
        "{after}"
    );
    assert!(after.contains("civicgraph_subscriptions_active"), "{after}");
    s.stop().await;
}
