//! The load-balancer configuration of the deployment guide (`docs/deploy/nginx.conf`), run as written
//! with only its ports changed: nginx in front of two `civicgraph serve` processes on one PostgreSQL
//! database spreads requests over both, passes request ids on, and carries a `reportPosted`
//! subscription over the websocket upgrade, which hears of a report posted through nginx whichever
//! server took each.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use civicgraph_tests::process::free_port;
use civicgraph_tests::write_helpers::*;
use civicgraph_tests::{Role, postgres_or_skip, unavailable};
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::processes::{ServerProcess, fixture};

/// The configuration the guide gives.
const CONFIG: &str = include_str!("../../docs/deploy/nginx.conf");

/// nginx, started on `config` with its own prefix directory, stopped when dropped.
struct Nginx {
    child: std::process::Child,
    _dir: tempfile::TempDir,
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // SIGTERM: nginx's fast stop, in which the master stops its workers before it exits (a
        // SIGKILL would leave them running).
        civicgraph_tests::process::stop(&mut self.child, "TERM", Duration::from_secs(5));
    }
}

fn nginx_program() -> Option<&'static str> {
    ["/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx"]
        .into_iter()
        .find(|p| Path::new(p).exists())
}

/// Starts nginx on the guide's configuration with the upstream servers `a` and `b` and `listen` as its
/// address (`host:port` each).
async fn nginx(program: &str, a: &str, b: &str, listen: &str) -> Nginx {
    for written in ["127.0.0.1:8001", "127.0.0.1:8002", "listen 8080;"] {
        assert!(
            CONFIG.contains(written),
            "the guide no longer has {written}: the test must follow"
        );
    }
    let config = CONFIG
        .replace("127.0.0.1:8001", a)
        .replace("127.0.0.1:8002", b)
        .replace("listen 8080;", &format!("listen {listen};"));
    let dir = tempfile::tempdir().expect("a temp dir");
    std::fs::create_dir(dir.path().join("logs")).expect("logs dir");
    let file = dir.path().join("nginx.conf");
    std::fs::write(&file, config).expect("the configuration is written");
    let prefix = dir.path().display().to_string();
    let child = std::process::Command::new(program)
        .arg("-p")
        .arg(&prefix)
        .arg("-c")
        .arg(&file)
        .arg("-g")
        .arg(format!(
            "daemon off; pid {prefix}/nginx.pid; error_log {prefix}/logs/error.log;"
        ))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("nginx starts");
    Nginx { child, _dir: dir }
}

/// The GraphQL requests a server has counted, from its `/metrics`.
async fn served(client: &reqwest::Client, base: &str) -> f64 {
    let text = client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    text.lines()
        .filter(|l| l.starts_with("civicgraph_requests_total{") && l.contains("operation=\"Spread\""))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nginx_spreads_requests_and_carries_subscriptions() {
    const TEST: &str = "load_balancer::nginx_spreads_requests_and_carries_subscriptions";
    let Some(backend) = postgres_or_skip(concat!(module_path!(), "::nginx_spreads_requests")) else {
        return;
    };
    let Some(program) = nginx_program() else {
        unavailable("nginx", TEST, "nginx is not installed");
        return;
    };
    bounded(120, async {
        let (test_db, db) = fixture(&backend).await;
        let importer = token(&db, "importer", Role::Importer).await;
        let a = ServerProcess::start(&test_db.url).await;
        let b = ServerProcess::start(&test_db.url).await;
        let listen = format!("127.0.0.1:{}", free_port());
        let addr = |url: &str| url.trim_start_matches("http://").to_owned();
        let _nginx = nginx(program, &addr(&a.url), &addr(&b.url), &listen).await;
        let base = format!("http://{listen}");
        let client = reqwest::Client::new();
        let mut ready = false;
        for _ in 0..100 {
            if let Ok(resp) = client.get(format!("{base}/healthz")).send().await
                && resp.status() == 200
            {
                ready = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(ready, "nginx did not answer");

        // Requests through nginx reach both servers, each with nginx's request id in place of the
        // client's (a server keeps an id it is given).
        for _ in 0..20 {
            let resp = client
                .post(format!("{base}/graphql"))
                .header("x-request-id", "from-the-client")
                .json(&json!({ "query": "query Spread { regions { totalCount } }" }))
                .send()
                .await
                .expect("nginx answers");
            assert_eq!(resp.status(), 200);
            let id = resp.headers()["x-request-id"].to_str().expect("ASCII").to_owned();
            assert!(
                id.len() == 32 && id.bytes().all(|c| c.is_ascii_hexdigit()),
                "nginx's $request_id: {id}"
            );
            let body: Value = resp.json().await.expect("JSON");
            // The tree: a province, two cities, two counties, two towns and four villages.
            assert_eq!(body["data"]["regions"]["totalCount"], 11, "{body}");
        }
        let (on_a, on_b) = (served(&client, &a.url).await, served(&client, &b.url).await);
        assert_eq!(on_a + on_b, 20.0);
        assert!(on_a > 0.0 && on_b > 0.0, "one server took all: {on_a} and {on_b}");

        // A subscription through the websocket upgrade hears of a report posted through nginx.
        let ws_url = format!("ws://{listen}/graphql/ws");
        let mut request = ws_url.into_client_request().expect("a request");
        request.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            "graphql-transport-ws".parse().expect("a header"),
        );
        let (mut ws, _) = tokio_tungstenite::connect_async(request)
            .await
            .expect("the websocket opens through nginx");
        let send = |v: Value| Message::Text(v.to_string().into());
        ws.send(send(json!({"type": "connection_init", "payload": {}})))
            .await
            .expect("sent");
        ws.send(send(json!({"id": "s", "type": "subscribe", "payload": {
            "query": "subscription { reportPosted(within: \"K1\") { externalId } }"
        }})))
        .await
        .expect("sent");
        // Until the subscription listens, a post may go unheard: post until one is heard.
        for attempt in 0..20 {
            let id = format!("lb{attempt}");
            let posted = post_at(&client, &base, &importer, &report(&id, "经由负载均衡", "T1", 1)).await;
            assert_eq!(status(&posted), "CREATED", "{posted}");
            let deadline = tokio::time::Instant::now() + Duration::from_secs(1);
            while let Ok(Some(Ok(message))) = tokio::time::timeout_at(deadline, ws.next()).await {
                let Message::Text(text) = message else { continue };
                let v: Value = serde_json::from_str(&text).expect("JSON");
                if v["type"] == "next" {
                    assert_eq!(v["payload"]["data"]["reportPosted"]["externalId"], id, "{v}");
                    return;
                }
            }
        }
        panic!("no event came through nginx");
    })
    .await;
}
