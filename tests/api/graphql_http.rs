//! GraphQL over HTTP: the answer's media type follows `Accept`, request errors have no `data` and a
//! status that depends on that media type, every refused body gets a JSON error with a code, and
//! `GET` runs queries only.

use civicgraph_tests::{Backend, Config, TestServer, backend_test};
use serde_json::{Value, json};

const JSON: &str = "application/json";
const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

/// What the server answered.
#[derive(Debug)]
struct Answer {
    status: u16,
    content_type: String,
    body: Value,
}

async fn send(req: reqwest::RequestBuilder) -> Answer {
    let resp = req.send().await.expect("the server answers");
    let status = resp.status().as_u16();
    let content_type = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let text = resp.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
    Answer {
        status,
        content_type,
        body,
    }
}

/// `POST /graphql` of `body` as `application/json`, with `accept` when given.
async fn post(s: &TestServer, accept: Option<&str>, body: Value) -> Answer {
    let mut req = s.client.post(format!("{}/graphql", s.url)).json(&body);
    if let Some(accept) = accept {
        req = req.header("accept", accept);
    }
    send(req).await
}

/// Asserts that `answer` is a refusal: `status`, a JSON content type, no `data`, and one error
/// with `code` whose message contains `mentions`.
fn assert_refused(answer: &Answer, status: u16, code: &str, mentions: &str) {
    assert_eq!(answer.status, status, "{answer:?}");
    assert!(answer.content_type.contains("json"), "{answer:?}");
    assert!(answer.body.get("data").is_none(), "{answer:?}");
    let error = &answer.body["errors"][0];
    assert_eq!(error["extensions"]["code"], code, "{answer:?}");
    let message = error["message"].as_str().unwrap_or("");
    assert!(message.contains(mentions), "`{mentions}` not in {answer:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_answer_has_the_media_type_the_client_accepts() {
    let s = TestServer::start(&Backend::Sqlite).await;
    let cases = [
        (None, JSON),
        (Some("*/*"), JSON),
        (Some("application/json"), JSON),
        (Some("application/graphql-response+json"), GRAPHQL_RESPONSE),
        (
            Some("application/graphql-response+json, application/json;q=0.9"),
            GRAPHQL_RESPONSE,
        ),
        (
            Some("application/graphql-response+json;q=0.5, application/json"),
            JSON,
        ),
        (Some("application/json, application/graphql-response+json"), JSON),
        (
            Some("text/html, application/graphql-response+json;q=0.8"),
            GRAPHQL_RESPONSE,
        ),
        (Some("application/graphql-response+json;q=0, */*"), JSON),
        (Some("text/html"), JSON),
    ];
    for (accept, expected) in cases {
        let answer = post(&s, accept, json!({ "query": "{ __typename }" })).await;
        assert_eq!(answer.status, 200, "{accept:?}: {answer:?}");
        assert_eq!(answer.content_type, expected, "Accept: {accept:?}");
        assert_eq!(answer.body, json!({ "data": { "__typename": "QueryRoot" } }));
    }
    s.stop().await;
}

backend_test!(request_errors_have_no_data_and_are_400_only_as_graphql_response_json);
async fn request_errors_have_no_data_and_are_400_only_as_graphql_response_json(backend: Backend) {
    let s = TestServer::start(&backend).await;
    let request_errors = [
        (json!({ "query": "{" }), "expected selection"),
        (json!({ "query": "{ noSuchField }" }), "noSuchField"),
        (
            json!({ "query": "query($id: ID!) { __typename }", "variables": { "id": null } }),
            "id",
        ),
    ];
    for (body, mentions) in request_errors {
        let as_json = post(&s, Some(JSON), body.clone()).await;
        assert_refused(&as_json, 200, "BAD_INPUT", mentions);
        assert_eq!(as_json.content_type, JSON);
        let as_graphql = post(&s, Some(GRAPHQL_RESPONSE), body).await;
        assert_refused(&as_graphql, 400, "BAD_INPUT", mentions);
        assert_eq!(as_graphql.content_type, GRAPHQL_RESPONSE);
    }
    // A field error is not a request error: `data` stays (null here, the field being non-null)
    // and the status is 200 whatever the media type.
    let field_error = json!({ "query": r#"{ aggregate(metric: "no-such-metric") { __typename } }"# });
    for accept in [JSON, GRAPHQL_RESPONSE] {
        let answer = post(&s, Some(accept), field_error.clone()).await;
        assert_eq!(answer.status, 200, "[{}] {answer:?}", backend.name());
        assert_eq!(answer.body.get("data"), Some(&Value::Null), "{answer:?}");
        assert_eq!(
            answer.body["errors"][0]["path"],
            json!(["aggregate"]),
            "{answer:?}"
        );
    }
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_refused_body_gets_a_json_error() {
    let s = TestServer::start(&Backend::Sqlite).await;
    let url = format!("{}/graphql", s.url);
    let raw = |content_type: Option<&str>, body: Vec<u8>| {
        let req = s.client.post(&url).body(body);
        match content_type {
            Some(content_type) => req.header("content-type", content_type),
            None => req,
        }
    };
    let query = br#"{"query":"{ __typename }"}"#.to_vec();
    let cases: [(Option<&str>, Vec<u8>, u16, &str); 10] = [
        (Some(JSON), b"{not json".to_vec(), 400, "not valid JSON"),
        (Some(JSON), b"{\"query\":\"{ \xff }\"}".to_vec(), 400, "not UTF-8"),
        (Some(JSON), Vec::new(), 400, "not valid JSON"),
        (
            Some("text/plain"),
            query.clone(),
            415,
            "`Content-Type: text/plain` is not supported",
        ),
        (
            Some("application/json; charset=latin1"),
            query.clone(),
            415,
            "is not supported",
        ),
        (None, query.clone(), 415, "`Content-Type` header is missing"),
        (
            Some(JSON),
            br#"[{"query":"{ __typename }"}]"#.to_vec(),
            400,
            "batches",
        ),
        (
            Some(JSON),
            br#"{"query":7}"#.to_vec(),
            400,
            "`query` must be a string",
        ),
        (
            Some(JSON),
            br#"{"qeury":"{ __typename }"}"#.to_vec(),
            400,
            "`query` is missing",
        ),
        (
            Some(JSON),
            br#"{"query":"{ __typename }","variables":[1]}"#.to_vec(),
            400,
            "`variables`",
        ),
    ];
    for (content_type, body, status, mentions) in cases {
        let answer = send(raw(content_type, body)).await;
        let code = if status == 415 {
            "UNSUPPORTED_MEDIA_TYPE"
        } else {
            "BAD_INPUT"
        };
        assert_refused(&answer, status, code, mentions);
        assert_eq!(answer.content_type, JSON);
    }
    // Over the body limit, with a declared length and streamed without one.
    let limit = Config::default().graphql_body_limit;
    let big = format!("{{\"query\":\"{}\"}}", " ".repeat(limit));
    let answer = send(raw(Some(JSON), big.clone().into_bytes())).await;
    assert_refused(&answer, 413, "PAYLOAD_TOO_LARGE", &limit.to_string());
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        big.as_bytes().chunks(64 * 1024).map(|c| Ok(c.to_vec())).collect();
    let streamed = reqwest::Body::wrap_stream(futures::stream::iter(chunks));
    let answer = send(s.client.post(&url).header("content-type", JSON).body(streamed)).await;
    assert_refused(&answer, 413, "PAYLOAD_TOO_LARGE", "over the limit");
    // `null` parameters are as good as absent; a charset of UTF-8 is fine.
    let answer = send(raw(
        Some("application/json; charset=UTF-8"),
        br#"{"query":"{ __typename }","operationName":null,"variables":null,"extensions":null}"#.to_vec(),
    ))
    .await;
    assert_eq!(answer.body, json!({ "data": { "__typename": "QueryRoot" } }));
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_runs_queries_and_refuses_mutations() {
    let s = TestServer::start(&Backend::Sqlite).await;
    let get = |params: &[(&str, &str)]| s.client.get(format!("{}/graphql", s.url)).query(params);

    let answer = send(get(&[
        (
            "query",
            "query Named($name: String!) { __type(name: $name) { name } }",
        ),
        ("operationName", "Named"),
        ("variables", r#"{"name":"QueryRoot"}"#),
    ]))
    .await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.body["data"]["__type"]["name"], "QueryRoot");

    let mutation = get(&[("query", "mutation { deleteReport(externalId: \"x\") }")]);
    let resp = mutation.send().await.unwrap();
    assert_eq!(resp.status(), 405);
    assert_eq!(resp.headers()["allow"], "POST");
    let answer = send(get(&[("query", "mutation { deleteReport(externalId: \"x\") }")])).await;
    assert_refused(&answer, 405, "METHOD_NOT_ALLOWED", "send mutations with POST");

    let answer = send(get(&[("query", "{ __typename }"), ("variables", "{oops")])).await;
    assert_refused(&answer, 400, "BAD_INPUT", "`variables` is not valid JSON");
    let answer = send(get(&[])).await;
    assert_refused(&answer, 400, "BAD_INPUT", "`query` is missing");

    // A browser that opens /graphql gets GraphiQL.
    let page = get(&[])
        .header("accept", "text/html,*/*;q=0.8")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("/assets/graphiql.js"));
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_server_refuses_without_a_token_in_the_accepted_media_type() {
    let config = Config {
        private: true,
        ..Config::default()
    };
    let s = TestServer::start_with(&Backend::Sqlite, config, |_| {}).await;
    for (accept, content_type) in [(JSON, JSON), (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE)] {
        let req = s
            .client
            .post(format!("{}/graphql", s.url))
            .header("accept", accept)
            .json(&json!({ "query": "{ __typename }" }));
        let resp = req.try_clone().unwrap().send().await.unwrap();
        assert_eq!(resp.headers()["www-authenticate"], "Bearer");
        let answer = send(req).await;
        assert_refused(&answer, 401, "UNAUTHENTICATED", "");
        assert_eq!(answer.content_type, content_type);
    }
    s.stop().await;
}
