//! `POST /import` over HTTP: the command line importer's rules, all-or-nothing, every error with its
//! line and field, the body limit, and tokens.

use civicgraph_tests::write_helpers::*;
use civicgraph_tests::{Backend, Config, Role, TestServer, backend_test};
use serde_json::Value;

async fn import(
    s: &TestServer,
    token: Option<&str>,
    query: &str,
    body: impl Into<reqwest::Body>,
) -> (u16, Value) {
    let mut req = s.client.post(format!("{}/import{query}", s.url)).body(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.expect("the server answers");
    let status = resp.status().as_u16();
    (status, resp.json().await.expect("a JSON answer"))
}

fn reports(n: usize) -> String {
    (0..n)
        .map(|i| {
            report_line(
                &format!("bulk-{i}"),
                &format!("报告{i}"),
                ["T1", "T2V1", "K2"][i % 3],
                1 + i % 5,
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

backend_test!(import_over_http_follows_the_command_line_rules);
async fn import_over_http_follows_the_command_line_rules(backend: Backend) {
    bounded(120, async {
        let s = TestServer::start(&backend).await;
        let t = token(&s.db, "bulk", Role::Importer).await;
        let name = backend.name();
        let file = format!("{}\n\n{}\n", tree(), reports(30));

        let (status, summary) = import(&s, Some(&t), "", file.clone()).await;
        assert_eq!(status, 200, "[{name}] {summary}");
        assert_eq!(summary["committed"], true);
        assert_eq!(summary["lines"], 11 + 3 + 1 + 30);
        assert_eq!(summary["regions"]["created"], 11);
        assert_eq!(summary["metrics"]["created"], 2);
        assert_eq!(summary["programs"]["created"], 1);
        assert_eq!(summary["reports"]["created"], 30);
        let observations: i64 = (0..30).map(|i| 1 + i % 5).sum();
        assert_eq!(summary["observations"], observations);
        assert_eq!(counts(&s.db).await, [11, 2, 1, 30, observations], "[{name}]");

        // Again: nothing changes.
        let (status, summary) = import(&s, Some(&t), "", file).await;
        assert_eq!(status, 200);
        assert_eq!(summary["regions"]["unchanged"], 11, "[{name}] {summary}");
        assert_eq!(summary["reports"]["unchanged"], 30);
        assert_eq!(summary["observations"], 0);

        // A changed report is replaced; what the API reads is the new version.
        let (status, summary) = import(&s, Some(&t), "", report_line("bulk-0", "改版", "T2", 2)).await;
        assert_eq!(
            (status, &summary["reports"]["updated"]),
            (200, &Value::from(1)),
            "{summary}"
        );
        let d = s
            .data(
                r#"{ report(externalId: "bulk-0") { title region { code } } }"#,
                Default::default(),
            )
            .await;
        assert_eq!(d["report"]["title"], "改版");
        s.stop().await;
    })
    .await;
}

backend_test!(a_file_with_a_bad_last_line_writes_nothing);
async fn a_file_with_a_bad_last_line_writes_nothing(backend: Backend) {
    bounded(120, async {
        let s = TestServer::start(&backend).await;
        s.import(&tree()).await;
        let t = token(&s.db, "bulk", Role::Importer).await;
        let name = backend.name();
        let before = counts(&s.db).await;

        let bad_last = r#"{"kind":"report","external_id":"last","title":"t","published_on":"2022-01-01","region":"T1","observations":[{"metric":"visits","value":1},{"metric":"visits","value":-3}]}"#;
        let file = format!("{}\n{bad_last}\n", reports(500));
        let (status, body) = import(&s, Some(&t), "", file.clone()).await;
        assert_eq!(status, 422, "[{name}] {body}");
        assert_eq!(body["code"], "BAD_INPUT");
        assert_eq!(body["committed"], false);
        assert_eq!(body["error_count"], 1);
        assert_eq!(body["errors"][0]["line"], 501);
        assert_eq!(body["errors"][0]["field"], "observations[1].value");
        assert!(body["errors"][0]["message"].as_str().unwrap().contains("-3"), "{body}");
        assert_eq!(counts(&s.db).await, before, "[{name}] nothing is written");

        // Every error is listed, with its line and field.
        let file = [
            report_line("ok-1", "好", "T1", 1),
            r#"{"kind":"region","code":"X","name":"X","level":"hamlet","parent":"T1"}"#.into(),
            "not json".into(),
            r#"{"kind":"program","code":"p9","name":"p","region":"NOWHERE"}"#.into(),
            report_line("ok-2", "好", "NOWHERE", 1),
        ]
        .join("\n");
        let (status, body) = import(&s, Some(&t), "", file.clone()).await;
        assert_eq!(status, 422, "[{name}] {body}");
        let listed: Vec<(i64, &str)> = body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["line"].as_i64().unwrap(), e["field"].as_str().unwrap()))
            .collect();
        assert_eq!(
            listed,
            [(2, "level"), (3, ""), (4, "region"), (5, "region")],
            "[{name}] {body}"
        );
        assert_eq!(counts(&s.db).await, before, "[{name}] nothing is written");

        // With skipInvalid the valid records are written and the invalid ones listed.
        let (status, body) = import(&s, Some(&t), "?skipInvalid=true", file).await;
        assert_eq!(status, 200, "[{name}] {body}");
        assert_eq!(body["committed"], true);
        assert_eq!(body["error_count"], 4);
        assert_eq!(body["reports"]["created"], 1);
        assert_eq!(count(&s.db, "report").await, 1, "[{name}]");
        s.stop().await;
    })
    .await;
}

backend_test!(import_needs_an_importer_token);
async fn import_needs_an_importer_token(backend: Backend) {
    bounded(60, async {
        let s = TestServer::start(&backend).await;
        let name = backend.name();
        for t in [None, Some("cg_nope")] {
            let (status, body) = import(&s, t, "", tree()).await;
            assert_eq!(status, 401, "[{name}] {body}");
            assert_eq!(body["code"], "UNAUTHENTICATED");
        }
        assert_eq!(count(&s.db, "region").await, 0);
        let admin = token(&s.db, "admin", Role::Admin).await;
        let (status, _) = import(&s, Some(&admin), "", tree()).await;
        assert_eq!(status, 200, "[{name}] an admin imports too");
        s.stop().await;
    })
    .await;
}

backend_test!(a_body_over_the_limit_is_refused_with_413_and_writes_nothing);
async fn a_body_over_the_limit_is_refused_with_413_and_writes_nothing(backend: Backend) {
    bounded(120, async {
        let config = Config {
            import_body_limit: 64 * 1024,
            ..Config::default()
        };
        let s = TestServer::start_with(&backend, config, |_| {}).await;
        s.import(&tree()).await;
        let t = token(&s.db, "bulk", Role::Importer).await;
        let name = backend.name();
        let before = counts(&s.db).await;

        let big = format!("{}\n", reports(600));
        assert!(big.len() > 128 * 1024, "{}", big.len());
        // Declared too large: refused before reading.
        let (status, body) = import(&s, Some(&t), "", big.clone()).await;
        assert_eq!(status, 413, "[{name}] {body}");
        assert_eq!(body["code"], "PAYLOAD_TOO_LARGE", "{body}");
        assert!(body["message"].as_str().unwrap().contains("65536"), "{body}");
        assert_eq!(counts(&s.db).await, before, "[{name}]");

        // Streamed without a length: refused once it crosses the limit, after valid lines that the
        // importer already took, and nothing is written.
        let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
            big.as_bytes().chunks(8 * 1024).map(|c| Ok(c.to_vec())).collect();
        let stream = futures::stream::iter(chunks);
        let (status, body) = import(&s, Some(&t), "", reqwest::Body::wrap_stream(stream)).await;
        assert_eq!(status, 413, "[{name}] {body}");
        assert_eq!(body["limit"], 65536);
        assert_eq!(counts(&s.db).await, before, "[{name}]");

        // Under the limit: imported.
        let small = reports(40);
        assert!(small.len() < 64 * 1024);
        let (status, body) = import(&s, Some(&t), "", small).await;
        assert_eq!(status, 200, "[{name}] {body}");
        assert_eq!(count(&s.db, "report").await, 40);
        s.stop().await;
    })
    .await;
}
