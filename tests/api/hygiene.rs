//! Input hygiene: text no backend stores the same way (NUL) is refused naming its place, search text
//! is bounded and matched the same way everywhere, windows are checked everywhere, and a byte order
//! mark may open an NDJSON file.

use civicgraph_tests::write_helpers::*;
use civicgraph_tests::{Backend, Role, TestServer, backend_test};
use serde_json::{Value, json};

/// The first error's code and message.
fn error(resp: &Value) -> (String, String) {
    let e = &resp["errors"][0];
    (
        e["extensions"]["code"].as_str().unwrap_or("").to_owned(),
        e["message"].as_str().unwrap_or("").to_owned(),
    )
}

backend_test!(a_nul_character_is_refused_naming_its_place);
/// A NUL in a variable, in a literal argument or in an NDJSON line is `BAD_INPUT` naming where it is,
/// on both backends, and nothing is written.
async fn a_nul_character_is_refused_naming_its_place(backend: Backend) {
    let s = TestServer::start(&backend).await;
    s.import(&tree()).await;
    let t = token(&s.db, "importer", Role::Importer).await;
    let before = counts(&s.db).await;

    let mut input = report("nul-1", "标题", "T1", 2);
    input["observations"][1]["quote"] = json!("第\u{0}项");
    let resp = post_at(&s.client, &s.url, &t, &input).await;
    let (code, message) = error(&resp);
    assert_eq!(code, "BAD_INPUT", "{resp}");
    assert!(
        message.starts_with("$r.observations[1].quote: contains a NUL"),
        "{message}"
    );

    let resp = s
        .graphql(r#"{ regions(search: "a\u0000b") { totalCount } }"#, json!({}))
        .await;
    let (code, message) = error(&resp);
    assert_eq!(code, "BAD_INPUT", "{resp}");
    assert!(
        message.starts_with("regions(search:): contains a NUL"),
        "{message}"
    );
    let resp = s
        .graphql(
            "query($c: String!) { region(code: $c) { name } }",
            json!({"c": "T\u{0}1"}),
        )
        .await;
    assert_eq!(error(&resp).0, "BAD_INPUT", "{resp}");

    let line = report_line("nul-2", "标\u{0}题", "T1", 1);
    let resp = s
        .client
        .post(format!("{}/import", s.url))
        .bearer_auth(&t)
        .body(format!("{line}\n"))
        .send()
        .await
        .expect("the server answers");
    assert_eq!(resp.status().as_u16(), 422);
    let body: Value = resp.json().await.expect("JSON");
    assert_eq!(body["errors"][0]["line"], 1, "{body}");
    assert_eq!(body["errors"][0]["field"], "title", "{body}");
    assert_eq!(counts(&s.db).await, before, "nothing was written");
    s.stop().await;
}

backend_test!(search_is_bounded_and_ignores_case_on_both_backends);
/// `search` longer than 200 characters is `BAD_INPUT`; it matches names whatever their case.
async fn search_is_bounded_and_ignores_case_on_both_backends(backend: Backend) {
    let s = TestServer::start(&backend).await;
    s.import(&tree()).await;
    s.import(r#"{"kind":"region","code":"ZJ","name":"Zijin Town","level":"town","parent":"K1"}"#)
        .await;
    let q = "query($s: String) { regions(search: $s) { edges { node { code } } } }";
    for text in ["zijin", "ZIJIN TOWN", "jin t"] {
        let d = s.data(q, json!({ "s": text })).await;
        assert_eq!(
            d["regions"]["edges"][0]["node"]["code"],
            "ZJ",
            "[{}] {text}: {d}",
            s.backend.name()
        );
    }
    let ok = "村".repeat(200);
    let d = s.data(q, json!({ "s": ok })).await;
    assert_eq!(d["regions"]["edges"], json!([]));
    let (code, message) = s.error_code(q, json!({ "s": "村".repeat(201) })).await;
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("BAD_INPUT", "search: at most 200 characters")
    );
    s.stop().await;
}

backend_test!(from_after_to_is_refused_by_every_list);
/// `from` after `to` is `BAD_INPUT` on `reports`, `observations` and `Region.observations`, as on
/// `aggregate`.
async fn from_after_to_is_refused_by_every_list(backend: Backend) {
    let s = TestServer::start(&backend).await;
    s.import(&tree()).await;
    let window = json!({ "f": "2022-12-31", "t": "2022-01-01" });
    for q in [
        "query($f: Date, $t: Date) { reports(from: $f, to: $t) { totalCount } }",
        "query($f: Date, $t: Date) { observations(from: $f, to: $t) { totalCount } }",
        r#"query($f: Date, $t: Date) { region(code: "T1") { observations(from: $f, to: $t) { totalCount } } }"#,
        r#"query($f: Date, $t: Date) { aggregate(metric: "visits", from: $f, to: $t) { value } }"#,
    ] {
        let (code, message) = s.error_code(q, window.clone()).await;
        assert_eq!(code, "BAD_INPUT", "{q}");
        assert!(
            message.starts_with("from: 2022-12-31 is after to"),
            "{q}: {message}"
        );
    }
    s.stop().await;
}

backend_test!(a_byte_order_mark_may_open_a_file);
/// An NDJSON file written with a byte order mark imports like one without.
async fn a_byte_order_mark_may_open_a_file(backend: Backend) {
    let s = TestServer::start(&backend).await;
    let summary = s.import(&format!("\u{feff}{}", tree())).await;
    assert!(summary.regions.created > 0);
    s.stop().await;
}

backend_test!(a_string_is_not_an_enum_value);
/// An enum argument written as a string literal (`level: "TOWN"`) is `BAD_INPUT` naming the argument;
/// as a variable (JSON has no enums) a string is the way to send it.
async fn a_string_is_not_an_enum_value(backend: Backend) {
    let s = TestServer::start(&backend).await;
    s.import(&tree()).await;
    let (code, message) = s
        .error_code(
            r#"{ regions(within: "K1", level: "TOWN") { totalCount } }"#,
            json!({}),
        )
        .await;
    assert_eq!(code, "BAD_INPUT");
    assert!(
        message.starts_with(r#"regions(level:): "TOWN" is a string"#),
        "{message}"
    );
    let d = s
        .data(
            r#"{ regions(within: "K1", level: TOWN) { totalCount } }"#,
            json!({}),
        )
        .await;
    assert_eq!(d["regions"]["totalCount"], 2);
    let q = "query($l: RegionLevel) { regions(within: \"K1\", level: $l) { totalCount } }";
    let d = s.data(q, json!({ "l": "TOWN" })).await;
    assert_eq!(d["regions"]["totalCount"], 2);
    s.stop().await;
}
