//! `reportPosted` subscriptions over graphql-transport-ws: who hears what, and tokens on a private server.

use civicgraph_tests::write_helpers::*;
use civicgraph_tests::{Backend, Config, Role, TestServer, backend_test};
use serde_json::json;

use super::post;
use crate::ws::WsClient;

backend_test!(subscribers_hear_of_reports_within_their_region);
async fn subscribers_hear_of_reports_within_their_region(backend: Backend) {
    bounded(120, async {
        let s = TestServer::start(&backend).await;
        s.import(&tree()).await;
        let t = token(&s.db, "importer", Role::Importer).await;
        let name = backend.name();

        let mut ws = WsClient::connect(&s.url, json!({})).await;
        assert_eq!(ws.next(10.0).await.expect("an ack")["type"], "connection_ack");
        ws.send(json!({"id": "k1", "type": "subscribe", "payload": {
            "query": "subscription { reportPosted(within: \"K1\") { externalId title region { code } observations { totalCount } } }"
        }}))
        .await;
        // Until the subscription is listening, posts may go unheard: post until one is heard.
        let mut heard = None;
        for i in 0..50 {
            post(&s, &t, &report(&format!("warmup-{i}"), "预热", "T1V1", 1)).await;
            if let Some(m) = ws.next(0.2).await {
                heard = Some(m);
                break;
            }
        }
        let heard = heard.expect("the subscription hears a report within K1");
        assert_eq!(heard["type"], "next", "{heard}");
        while ws.next(0.3).await.is_some() {}

        // Outside K1: not heard. Inside: heard, once, after it committed. Unchanged: not heard.
        assert_eq!(status(&post(&s, &t, &report("outside", "外", "K2", 2)).await), "CREATED");
        assert_eq!(status(&post(&s, &t, &report("inside", "内", "T2", 2)).await), "CREATED");
        assert_eq!(status(&post(&s, &t, &report("inside", "内", "T2", 2)).await), "UNCHANGED");
        let m = ws.next(10.0).await.expect("the report within K1 is heard");
        assert_eq!(m["id"], "k1");
        let r = &m["payload"]["data"]["reportPosted"];
        assert_eq!(r["externalId"], "inside", "[{name}] {m}");
        assert_eq!(r["region"]["code"], "T2");
        assert_eq!(r["observations"]["totalCount"], 2);
        assert!(ws.next(0.5).await.is_none(), "[{name}] nothing else is heard");

        // A replacement and a bulk import are heard too; a report outside in the same file is not.
        assert_eq!(status(&post(&s, &t, &report("inside", "内（修订）", "T2", 3)).await), "REPLACED");
        let m = ws.next(10.0).await.expect("the replacement is heard");
        assert_eq!(m["payload"]["data"]["reportPosted"]["title"], "内（修订）");
        let body = [
            report_line("bulk-outside", "外", "C2", 1),
            report_line("bulk-inside", "内", "T1V2", 1),
        ]
        .join("\n");
        let (http, summary) = import_at(&s.client, &s.url, &t, body).await;
        assert_eq!(http, 200, "{summary}");
        let m = ws.next(10.0).await.expect("the import is heard");
        assert_eq!(m["payload"]["data"]["reportPosted"]["externalId"], "bulk-inside", "[{name}] {m}");
        assert!(ws.next(0.5).await.is_none(), "[{name}] nothing else is heard");

        // An unknown region is NOT_FOUND.
        ws.send(json!({"id": "x", "type": "subscribe", "payload": {
            "query": "subscription { reportPosted(within: \"NOPE\") { externalId } }"
        }}))
        .await;
        let m = ws.next(10.0).await.expect("an answer");
        assert_eq!(m["payload"]["errors"][0]["extensions"]["code"], "NOT_FOUND", "{m}");
        s.stop().await;
    })
    .await;
}

backend_test!(websocket_operations_over_the_limits_are_refused);
/// A subscription or a query sent over the websocket is measured like one sent over HTTP: over the
/// limits, it is refused as `TOO_COMPLEX` and never runs.
async fn websocket_operations_over_the_limits_are_refused(backend: Backend) {
    bounded(60, async {
        let s = TestServer::start(&backend).await;
        s.import(&tree()).await;
        let name = backend.name();
        let mut ws = WsClient::connect(&s.url, json!({})).await;
        assert_eq!(ws.next(10.0).await.expect("an ack")["type"], "connection_ack");
        let deep = "observations(first: 100) { nodes { report { observations(first: 100) { nodes { report { \
                    observations(first: 100) { nodes { value } } } } } } } }";
        let operations = [
            format!("subscription {{ reportPosted(within: \"K1\") {{ {deep} }} }}"),
            format!("{{ reports(first: 100) {{ nodes {{ {deep} }} }} }}"),
        ];
        for (i, query) in operations.iter().enumerate() {
            let id = format!("op{i}");
            ws.send(json!({"id": id, "type": "subscribe", "payload": {"query": query}}))
                .await;
            // The answer, past the `complete` of the operation before.
            let mut m = ws.next(10.0).await.expect("an answer");
            while m["type"] == "complete" {
                m = ws.next(10.0).await.expect("an answer");
            }
            assert_eq!(m["id"], id.as_str(), "[{name}] {m}");
            // A refused operation is a `next` carrying the errors, or an `error` whose payload they are.
            let errors = if m["type"] == "error" {
                &m["payload"]
            } else {
                &m["payload"]["errors"]
            };
            assert_eq!(errors[0]["extensions"]["code"], "TOO_COMPLEX", "[{name}] {m}");
        }
        s.stop().await;
    })
    .await;
}

backend_test!(a_private_server_refuses_websockets_without_a_token);
async fn a_private_server_refuses_websockets_without_a_token(backend: Backend) {
    bounded(60, async {
        let config = Config {
            private: true,
            ..Config::default()
        };
        let s = TestServer::start_with(&backend, config, |_| {}).await;
        let t = token(&s.db, "dashboard", Role::Importer).await;
        let mut ws = WsClient::connect(&s.url, json!({})).await;
        let m = ws.next(10.0).await;
        assert!(
            m.is_none() || m.as_ref().unwrap()["type"] != "connection_ack",
            "{m:?}"
        );
        let mut ws = WsClient::connect(&s.url, json!({"Authorization": format!("Bearer {t}")})).await;
        assert_eq!(ws.next(10.0).await.expect("an ack")["type"], "connection_ack");
        s.stop().await;
    })
    .await;
}
