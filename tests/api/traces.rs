//! OpenTelemetry export: with `OTEL_EXPORTER_OTLP_ENDPOINT` set, a `civicgraph serve` process sends its
//! spans over OTLP/HTTP to that collector: the request's span with its id, the resolvers' spans and the
//! SQL statements they ran. The collector here is a minimal HTTP server that keeps what it is sent.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use civicgraph_tests::{Backend, TestDb};
use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use crate::processes::ServerProcess;

/// One request the collector received: its path, content type and body.
type Received = (String, String, Vec<u8>);

/// Accepts HTTP/1.1 requests on a free loopback port, answers each 200 and keeps it.
async fn collector() -> (String, Arc<Mutex<Vec<Received>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
    let url = format!("http://{}", listener.local_addr().expect("an address"));
    let received: Arc<Mutex<Vec<Received>>> = Arc::default();
    let kept = received.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let kept = kept.clone();
            tokio::spawn(async move {
                let mut stream = BufReader::new(stream);
                loop {
                    let mut line = String::new();
                    if stream.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    let path = line.split_whitespace().nth(1).unwrap_or_default().to_owned();
                    let (mut length, mut content_type) = (0, String::new());
                    loop {
                        let mut header = String::new();
                        stream.read_line(&mut header).await.expect("a header");
                        let header = header.trim_end();
                        if header.is_empty() {
                            break;
                        }
                        let (name, value) = header.split_once(':').unwrap_or((header, ""));
                        match name.to_ascii_lowercase().as_str() {
                            "content-length" => length = value.trim().parse().expect("a length"),
                            "content-type" => content_type = value.trim().to_owned(),
                            _ => {}
                        }
                    }
                    let mut body = vec![0; length];
                    stream.read_exact(&mut body).await.expect("the body");
                    kept.lock()
                        .expect("not poisoned")
                        .push((path, content_type, body));
                    let answer = b"HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n";
                    stream.get_mut().write_all(answer).await.expect("the answer");
                }
            });
        }
    });
    (url, received)
}

fn contains(body: &[u8], text: &str) -> bool {
    body.windows(text.len()).any(|w| w == text.as_bytes())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_are_exported_to_an_otlp_collector() {
    let (endpoint, received) = collector().await;
    let test_db = TestDb::create(&Backend::Sqlite).await;
    let env = [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
        ("OTEL_BSP_SCHEDULE_DELAY", "100"),
    ];
    let server = ServerProcess::start_with(&test_db.url, &[], &env).await;
    let resp = reqwest::Client::new()
        .post(format!("{}/graphql", server.url))
        .header("x-request-id", "trace-check-7")
        .json(&json!({ "query": "query Checked { regions { totalCount } }" }))
        .send()
        .await
        .expect("the server answers");
    assert_eq!(resp.status(), 200);

    // Every piece is in the export: the service, the request's span with its id, the resolver's span
    // and the statement it ran.
    let wanted = [
        "civicgraph",
        "request",
        "trace-check-7",
        "resolve",
        "regions",
        "statement",
        "SELECT",
    ];
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        {
            let received = received.lock().expect("not poisoned");
            let traces: Vec<_> = received
                .iter()
                .filter(|(path, ..)| path == "/v1/traces")
                .collect();
            if let Some((_, content_type, _)) = traces.first() {
                assert_eq!(content_type, "application/x-protobuf");
            }
            let missing: Vec<_> = wanted
                .iter()
                .filter(|text| !traces.iter().any(|(_, _, body)| contains(body, text)))
                .collect();
            if missing.is_empty() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "not exported within 20 s: {missing:?} ({} requests to the collector)",
                received.len()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(server);
}
