//! Running the server in public: one log line per request (text without colour codes when not on a
//! terminal, or JSON lines), the per-client rate limit, and websocket subscribers closed with code
//! 1001 when the server stops.

use std::num::NonZeroU32;
use std::process::Stdio;
use std::time::Duration;

use civicgraph_tests::write_helpers::{bounded, token};
use civicgraph_tests::{Backend, Config, Role, TestServer, backend_test};
use futures::{SinkExt, StreamExt};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// The `civicgraph` binary, built from the current code with the tests.
const BIN: &str = env!("CARGO_BIN_EXE_civicgraph-under-test");

/// A query that names its operation in the document only.
const PROBE: &str = "query Probe { __typename }";

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A graphql-transport-ws connection to `base` that is acknowledged and subscribed to `reportPosted`.
async fn subscriber(base: &str) -> Socket {
    let mut request = format!("{}/graphql/ws", base.replacen("http", "ws", 1))
        .into_client_request()
        .unwrap();
    let protocol = "graphql-transport-ws".parse().unwrap();
    request.headers_mut().insert("Sec-WebSocket-Protocol", protocol);
    let (mut ws, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("the websocket opens");
    let subscription = "subscription { reportPosted { externalId } }";
    for message in [
        json!({"type": "connection_init", "payload": {}}),
        json!({"id": "1", "type": "subscribe", "payload": {"query": subscription}}),
    ] {
        ws.send(Message::Text(message.to_string().into())).await.unwrap();
    }
    let ack = ws.next().await.expect("an answer").expect("a message");
    assert!(ack.to_text().unwrap().contains("connection_ack"), "{ack:?}");
    ws
}

/// The code of the close frame the server sends next (pings and other messages skipped), or `None`
/// when the connection ends without one.
async fn close_code(mut ws: Socket) -> Option<u16> {
    while let Some(message) = ws.next().await {
        match message {
            Ok(Message::Close(frame)) => return frame.map(|f| f.code.into()),
            Ok(_) => continue,
            Err(_) => return None,
        }
    }
    None
}

/// Runs `civicgraph --db sqlite://… [ARGS] serve`, sends one GraphQL request while a subscriber
/// listens, stops the server with SIGTERM and answers the subscriber's close code and the standard
/// error of the process.
async fn serve_one_request(args: &[&str]) -> (Option<u16>, String) {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("ops.db").display());
    let addr = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        listener.local_addr().unwrap()
    };
    let child = tokio::process::Command::new(BIN)
        .args(["--db", &db])
        .args(args)
        .args(["serve", "--addr", &addr.to_string()])
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the server starts");
    let url = format!("http://{addr}");
    let client = reqwest::Client::new();
    let mut healthy = false;
    for _ in 0..300 {
        if client
            .get(format!("{url}/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            healthy = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(healthy, "the server did not become healthy");
    let ws = subscriber(&url).await;
    let resp = client
        .post(format!("{url}/graphql"))
        .header("x-request-id", "probe-123")
        .json(&json!({ "query": PROBE }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers()["x-request-id"],
        "probe-123",
        "the request id comes back"
    );
    let health = client.get(format!("{url}/healthz")).send().await.unwrap();
    let generated = health.headers()["x-request-id"].to_str().unwrap_or("");
    assert_eq!(
        generated.len(),
        32,
        "a request without an id gets one: {generated}"
    );
    let pid = child.id().expect("the server runs").to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    let code = tokio::time::timeout(Duration::from_secs(10), close_code(ws))
        .await
        .expect("the websocket closes");
    let output = tokio::time::timeout(Duration::from_secs(10), child.wait_with_output())
        .await
        .expect("the server exits on SIGTERM")
        .unwrap();
    assert!(output.status.success(), "{:?}", output.status);
    (code, String::from_utf8(output.stderr).expect("UTF-8 logs"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_request_is_one_json_line_and_subscribers_are_told_the_server_went_away() {
    let (code, logs) = bounded(60, serve_one_request(&["--log-format", "json"])).await;
    assert_eq!(code, Some(1001), "the subscriber hears `going away`");
    let lines: Vec<Value> = logs
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect();
    let requests: Vec<&Value> = lines.iter().filter(|l| l["path"] == "/graphql").collect();
    assert_eq!(requests.len(), 1, "one line for the one request: {logs}");
    let line = requests[0];
    assert_eq!(line["level"], "INFO", "{line}");
    assert_eq!(line["method"], "POST", "{line}");
    assert_eq!(line["operation"], "Probe", "{line}");
    assert_eq!(
        line["span"]["request_id"], "probe-123",
        "every line of a request has its id: {line}"
    );
    assert_eq!(line["status"], 200, "{line}");
    let duration = line["duration_ms"].as_f64().expect("a duration in ms");
    assert!((0.0..10_000.0).contains(&duration), "{line}");
    let upgrade = lines
        .iter()
        .find(|l| l["path"] == "/graphql/ws")
        .expect("the upgrade is logged");
    assert_eq!(upgrade["status"], 101, "{upgrade}");
    assert!(
        upgrade.get("operation").is_none(),
        "no operation: no field, {upgrade}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_logs_have_no_colour_codes_off_a_terminal() {
    let (code, logs) = bounded(60, serve_one_request(&[])).await;
    assert_eq!(code, Some(1001));
    assert!(!logs.contains('\u{1b}'), "no ANSI escape codes: {logs:?}");
    let requests: Vec<&str> = logs.lines().filter(|l| l.contains("path=\"/graphql\"")).collect();
    assert_eq!(requests.len(), 1, "{logs}");
    for field in [
        " INFO ",
        "method=POST",
        "operation=\"Probe\"",
        "status=200",
        "duration_ms=",
    ] {
        assert!(requests[0].contains(field), "`{field}` in {}", requests[0]);
    }
}

backend_test!(subscribers_get_a_clean_close_when_the_server_stops);
/// A subscriber of an in-process server hears close code 1001 once the server stops.
async fn subscribers_get_a_clean_close_when_the_server_stops(backend: Backend) {
    bounded(60, async {
        let s = TestServer::start(&backend).await;
        let ws = subscriber(&s.url).await;
        let ((), code) = tokio::join!(s.stop(), close_code(ws));
        assert_eq!(code, Some(1001), "[{}]", backend.name());
    })
    .await;
}

/// The rate limit of the tests' servers, per second.
const LIMIT: u32 = 3;

/// Sends what `request` builds until it is refused (at most 3 × `LIMIT` times): the number of
/// requests that passed, and the refusal.
async fn until_refused(request: impl Fn() -> reqwest::RequestBuilder) -> (u32, reqwest::Response) {
    for passed in 0..3 * LIMIT {
        let resp = request().send().await.expect("the server answers");
        if resp.status() == 429 {
            return (passed, resp);
        }
        assert!(resp.status().is_success(), "{}", resp.status());
    }
    panic!("nothing was refused after {} requests", 3 * LIMIT);
}

/// A refusal's `Retry-After` and JSON body.
async fn refusal(resp: reqwest::Response) -> Value {
    assert_eq!(resp.status(), 429);
    let retry_after = resp.headers().get("retry-after").expect("a Retry-After header");
    assert!(retry_after.to_str().unwrap().parse::<u64>().unwrap() >= 1);
    resp.json().await.expect("a JSON body")
}

backend_test!(clients_over_the_rate_limit_are_refused_each_on_its_own);
/// With `--rate-limit 3`, the fourth request in a second from one address or one token is refused
/// with 429; another address, another token and `/healthz` are not.
async fn clients_over_the_rate_limit_are_refused_each_on_its_own(backend: Backend) {
    bounded(60, async {
        let config = Config {
            rate_limit: NonZeroU32::new(LIMIT),
            ..Config::default()
        };
        let s = TestServer::start_with(&backend, config, |_| {}).await;
        let name = backend.name();
        let graphql = format!("{}/graphql", s.url);
        let probe = json!({ "query": PROBE });
        let t = token(&s.db, "dashboard", Role::Importer).await;

        let (passed, refused) = until_refused(|| s.client.post(&graphql).json(&probe)).await;
        assert!(
            (LIMIT..LIMIT + 2).contains(&passed),
            "[{name}] a burst of {LIMIT} passes: {passed}"
        );
        let body = refusal(refused).await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "RATE_LIMITED",
            "[{name}] {body}"
        );
        assert!(body.get("data").is_none(), "{body}");

        // The same address elsewhere: `{ code, message }`; `/healthz` is not counted.
        let (passed, refused) = until_refused(|| s.client.get(format!("{}/", s.url))).await;
        assert!(
            passed <= 1,
            "[{name}] the address is still over its limit: {passed}"
        );
        assert_eq!(refusal(refused).await["code"], "RATE_LIMITED");
        for _ in 0..3 * LIMIT {
            let health = s.client.get(format!("{}/healthz", s.url)).send().await.unwrap();
            assert_eq!(health.status(), 200, "[{name}] /healthz is not limited");
        }

        // A token is a client of its own, whatever its address; so is another address.
        let with_token = || s.client.post(&graphql).bearer_auth(&t).json(&probe);
        let (passed, refused) = until_refused(with_token).await;
        assert!(
            (LIMIT..LIMIT + 2).contains(&passed),
            "[{name}] the token's own burst: {passed}"
        );
        assert_eq!(
            refusal(refused).await["errors"][0]["extensions"]["code"],
            "RATE_LIMITED"
        );
        let elsewhere = reqwest::Client::builder()
            .local_address(Some("127.0.0.2".parse().unwrap()))
            .build()
            .unwrap();
        let (passed, _) = until_refused(|| elsewhere.post(&graphql).json(&probe)).await;
        assert!(
            passed >= LIMIT,
            "[{name}] another address has its own burst: {passed}"
        );
        s.stop().await;
    })
    .await;
}

backend_test!(without_a_rate_limit_nothing_is_refused);
/// Without `--rate-limit`, many requests in a second all pass.
async fn without_a_rate_limit_nothing_is_refused(backend: Backend) {
    bounded(60, async {
        let s = TestServer::start(&backend).await;
        for _ in 0..10 * LIMIT {
            let data = s.data(PROBE, json!({})).await;
            assert_eq!(data["__typename"], "QueryRoot", "[{}]", backend.name());
        }
        s.stop().await;
    })
    .await;
}

/// The server's PostgreSQL connections run without JIT and plan each prepared statement once: the
/// planner would JIT-compile the aggregations, and re-plan each of their executions (BENCHMARKS.md).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_connections_plan_each_statement_once() {
    let Some(backend) = civicgraph_tests::postgres_or_skip(concat!(
        module_path!(),
        "::postgres_connections_plan_each_statement_once"
    )) else {
        return;
    };
    let s = TestServer::start(&backend).await;
    let show = |setting: &'static str| {
        let db = s.db.read.clone();
        async move {
            let row = db
                .query_one_raw(sea_orm::Statement::from_string(
                    sea_orm::DbBackend::Postgres,
                    format!("SHOW {setting}"),
                ))
                .await
                .expect("SHOW answers")
                .expect("one row");
            row.try_get_by_index::<String>(0).expect("a text value")
        }
    };
    assert_eq!(show("plan_cache_mode").await, "force_generic_plan");
    assert_eq!(show("jit").await, "off");
    s.stop().await;
}
