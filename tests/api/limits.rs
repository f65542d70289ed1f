//! Query limits over HTTP: every request is measured before it runs and refused as `TOO_COMPLEX`,
//! before any SQL, when over the limits (fragment bombs, nested connections, alias floods), while
//! ordinary queries — the README's examples, GraphiQL's introspection, a dashboard — still answer.

use std::time::{Duration, Instant};

use civicgraph_synth::{Scale, generate};
use civicgraph_tests::{
    AGGREGATION_COST, Backend, Config, CostLimits, DEMO_DATASET, StatementCounter, TestServer, backend_test,
};
use serde_json::{Value, json};

/// `levels` fragments, each spreading the previous one twice, spread once at the root: about 1 KB of
/// query at 24 levels that would select 2^24 fields.
fn fragment_bomb(levels: usize) -> String {
    let mut query = format!("query Bomb {{ ...F{levels} }}\nfragment F0 on QueryRoot {{ __typename }}\n");
    for level in 1..=levels {
        let previous = level - 1;
        query.push_str(&format!(
            "fragment F{level} on QueryRoot {{ ...F{previous} ...F{previous} }}\n"
        ));
    }
    query
}

/// `count` copies of `field`, each under its own alias.
fn aliased(count: usize, field: &str) -> String {
    let fields: Vec<String> = (0..count).map(|i| format!("a{i}: {field}")).collect();
    format!("{{ {} }}", fields.join(" "))
}

/// Posts `query` and checks that it is refused as `TOO_COMPLEX` because its `what` is `value`,
/// over `limit`, as the message says.
async fn refused(server: &TestServer, query: &str, what: &str, value: Option<u64>, limit: u64) {
    let (code, message) = server.error_code(query, json!({})).await;
    let backend = server.backend.name();
    assert_eq!(code, "TOO_COMPLEX", "[{backend}] {message}");
    let value = value.map_or(String::new(), |v| v.to_string());
    let expected = format!("{what} is {value}");
    assert!(
        message.contains(&expected),
        "[{backend}] {message} (expected `{expected}`)"
    );
    assert!(
        message.contains(&format!("over the limit of {limit}")),
        "[{backend}] {message}"
    );
}

/// Posts `query` and answers how long the answer took and the answer.
async fn timed(server: &TestServer, query: &str) -> (Duration, Value) {
    let started = Instant::now();
    let answer = server.graphql(query, json!({})).await;
    (started.elapsed(), answer)
}

backend_test!(fragment_bombs_are_refused_fast_while_other_requests_answer);
async fn fragment_bombs_are_refused_fast_while_other_requests_answer(backend: Backend) {
    let limits = CostLimits::from(&Config::default());
    let s = TestServer::start(&backend).await;
    s.data("{ __typename }", json!({})).await;
    refused(&s, &fragment_bomb(24), "cost", Some(1 << 24), limits.max_cost).await;

    // A burst of bombs, up to 60 levels, with an ordinary request in the middle of it.
    let bombs: Vec<String> = [24, 30, 40, 60]
        .iter()
        .map(|&levels| fragment_bomb(levels))
        .collect();
    let burst = futures::future::join_all(bombs.iter().map(|bomb| timed(&s, bomb)));
    let (answers, (typename_took, typename)) = tokio::join!(burst, timed(&s, "{ __typename }"));
    assert_eq!(typename["data"]["__typename"], "QueryRoot", "{typename}");
    assert!(
        typename_took < Duration::from_secs(1),
        "{{ __typename }} took {typename_took:?}"
    );
    for (took, answer) in answers {
        assert_eq!(
            answer["errors"][0]["extensions"]["code"], "TOO_COMPLEX",
            "{answer}"
        );
        assert!(took < Duration::from_secs(1), "a bomb took {took:?}");
    }

    // One at a time, each is refused in well under 50 ms (the median of five, against the noise
    // of a shared machine; an exponential walk takes seconds every time).
    let mut times = Vec::new();
    for _ in 0..5 {
        let (took, answer) = timed(&s, &bombs[0]).await;
        assert_eq!(
            answer["errors"][0]["extensions"]["code"], "TOO_COMPLEX",
            "{answer}"
        );
        times.push(took);
    }
    times.sort();
    // Shown with `-- --nocapture`: the figure BENCHMARKS.md gives.
    eprintln!(
        "[{}] a 24-level fragment bomb refused in {:?} (median of 5)",
        backend.name(),
        times[2]
    );
    assert!(
        times[2] < Duration::from_millis(50),
        "[{}] {times:?}",
        backend.name()
    );
    s.stop().await;
}

backend_test!(nested_connections_are_refused_before_any_sql);
async fn nested_connections_are_refused_before_any_sql(backend: Backend) {
    let limits = CostLimits::from(&Config::default());
    let nested = "{ reports(first: 5) { edges { node { observations(first: 100) { edges { node { report {
        observations(first: 100) { edges { node { report { observations(first: 100) { edges { node {
        value quote } } } } } } } } } } } } } } }";
    let counter = StatementCounter::default();
    let s = TestServer::start_with(&backend, Default::default(), |db| counter.install(db)).await;
    s.import(DEMO_DATASET).await;
    counter.reset();
    refused(&s, nested, "cost", None, limits.max_cost).await;
    // Two levels are refused too, and `first` given by a variable counts the same.
    let two_levels = "query($n: Int) { reports(first: $n) { edges { node { observations(first: 100) {
        edges { node { report { observations(first: 100) { edges { node { value } } } } } } } } } } }";
    let (code, message) = s.error_code(two_levels, json!({"n": 5})).await;
    assert_eq!(code, "TOO_COMPLEX", "{message}");
    assert_eq!(
        counter.get(),
        0,
        "[{}] SQL ran for a refused query",
        backend.name()
    );

    // The same with small pages is an ordinary query.
    let d = s
        .data(
            two_levels.replace("first: 100", "first: 3").as_str(),
            json!({"n": 2}),
        )
        .await;
    assert_eq!(d["reports"]["edges"].as_array().map(Vec::len), Some(2));
    s.stop().await;
}

backend_test!(alias_floods_are_refused_before_any_sql);
async fn alias_floods_are_refused_before_any_sql(backend: Backend) {
    let limits = CostLimits::from(&Config::default());
    let compare = r#"compare(metric: "problems_solved", within: "330000", level: COUNTY,
        from: "2020-01-01", to: "2024-12-31") { total }"#;
    let counter = StatementCounter::default();
    let s = TestServer::start_with(&backend, Default::default(), |db| counter.install(db)).await;
    s.import(DEMO_DATASET).await;
    counter.reset();
    // Each comparison runs two aggregations.
    let thousand = 1_000 * (1 + 2 * AGGREGATION_COST + 1);
    refused(
        &s,
        &aliased(1_000, compare),
        "cost",
        Some(thousand),
        limits.max_cost,
    )
    .await;
    let typenames = aliased(10_000, "__typename");
    refused(&s, &typenames, "alias count", Some(10_000), limits.max_aliases).await;
    // Within the alias and root field limits, many aggregations still cost too much.
    let with_baseline = compare.replace(
        ") {",
        r#", baselineFrom: "2015-01-01", baselineTo: "2019-12-31") {"#,
    );
    let count = limits.max_root_fields.min(limits.max_aliases) as usize;
    let many = aliased(count, &with_baseline);
    refused(&s, &many, "cost", None, limits.max_cost).await;
    assert_eq!(
        counter.get(),
        0,
        "[{}] SQL ran for a refused query",
        backend.name()
    );

    // A few aliased comparisons answer.
    let d = s.data(&aliased(3, compare), json!({})).await;
    assert_eq!(d["a0"], d["a2"]);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn depth_and_root_fields_are_limited() {
    let limits = CostLimits::from(&Config::default());
    let s = TestServer::start(&Backend::Sqlite).await;
    let depth = |levels: usize| {
        format!(
            r#"{{ region(code: "x") {{ {} code {} }} }}"#,
            "parent { ".repeat(levels - 2),
            "} ".repeat(levels - 2)
        )
    };
    let max = limits.max_depth as u64;
    refused(&s, &depth(limits.max_depth + 1), "depth", Some(max + 1), max).await;
    let d = s.data(&depth(limits.max_depth), json!({})).await;
    assert_eq!(d["region"], Value::Null, "at the limit the query runs");

    let roots = |count: usize| {
        let fields: Vec<String> = (0..count).map(|_| "__typename".to_owned()).collect();
        format!("{{ {} }}", fields.join(" "))
    };
    let max = limits.max_root_fields;
    refused(
        &s,
        &roots(max as usize + 1),
        "root field count",
        Some(max + 1),
        max,
    )
    .await;
    s.data(&roots(max as usize), json!({})).await;

    let (code, message) = s
        .error_code(
            "{ ...A } fragment A on QueryRoot { ...B } fragment B on QueryRoot { ...A }",
            json!({}),
        )
        .await;
    assert_eq!(
        (code.as_str(), message.contains("A → B → A")),
        ("BAD_INPUT", true),
        "{message}"
    );
    s.stop().await;
}

/// The operations of the README's GraphQL examples, one per top-level definition.
fn readme_operations() -> Vec<String> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
        .expect("README.md is at the project root");
    let mut operations: Vec<String> = Vec::new();
    let mut in_example = false;
    for line in readme.lines() {
        match line.trim_end() {
            "```graphql" => in_example = true,
            "```" => in_example = false,
            _ if !in_example || line.starts_with('#') => {}
            _ => {
                let starts = ["{", "query", "mutation", "subscription"]
                    .iter()
                    .any(|s| line.starts_with(s));
                match operations.last_mut() {
                    Some(operation) if !starts => {
                        operation.push('\n');
                        operation.push_str(line);
                    }
                    _ => operations.push(line.to_owned()),
                }
            }
        }
    }
    operations
}

backend_test!(the_readme_examples_still_answer);
async fn the_readme_examples_still_answer(backend: Backend) {
    let operations = readme_operations();
    let queries = operations.iter().filter(|o| o.starts_with('{')).count();
    assert!(
        queries >= 8,
        "the README's examples were not found: {operations:#?}"
    );
    let mut synthetic = Vec::new();
    generate(Scale::Small, 1, &mut synthetic).expect("the synthetic dataset is generated");
    let synthetic = String::from_utf8(synthetic).expect("NDJSON is UTF-8");
    let s = TestServer::start(&backend).await;
    s.import(DEMO_DATASET).await;
    s.import(&synthetic).await;
    for operation in &operations {
        let answer = s.graphql(operation, json!({})).await;
        let code = &answer["errors"][0]["extensions"]["code"];
        if operation.starts_with("mutation") {
            // Measured, run, and refused only for want of a token.
            assert_eq!(code, "UNAUTHENTICATED", "{operation}\n{answer:#}");
        } else if operation.starts_with("subscription") {
            assert_ne!(code, "TOO_COMPLEX", "{operation}\n{answer:#}");
        } else {
            assert!(answer.get("errors").is_none(), "{operation}\n{answer:#}");
        }
    }
    s.stop().await;
}

/// GraphiQL's introspection query (graphql-js, every option on, nine levels of `ofType`).
const INTROSPECTION: &str = "query IntrospectionQuery {
  __schema {
    description queryType { name kind } mutationType { name kind } subscriptionType { name kind }
    types { ...FullType }
    directives { name description isRepeatable locations args(includeDeprecated: true) { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description specifiedByURL isOneOf
  fields(includeDeprecated: true) {
    name description args(includeDeprecated: true) { ...InputValue } type { ...TypeRef }
    isDeprecated deprecationReason
  }
  inputFields(includeDeprecated: true) { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue {
  name description type { ...TypeRef } defaultValue isDeprecated deprecationReason
}
fragment TypeRef on __Type {
  kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType {
  kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } } }
}";

/// A dashboard's page: a ranking with its sources, and a county's towns with their programs.
const DASHBOARD: &str = r#"{
  compare(metric: "problems_solved", within: "330000", level: COUNTY, from: "2020-01-01", to: "2024-12-31",
          baselineFrom: "2019-01-01", baselineTo: "2019-12-31") {
    metric { name unit } total totalQualifier mean median
    rows {
      rank region { code name population } value qualifier share perCapita baseline change changePct
      observations sources { title publishedOn source }
    }
  }
  region(code: "331102") {
    code name population
    children(first: 100) { totalCount edges { node {
      code name level population programs { totalCount edges { node { code name category } } }
    } } }
  }
}"#;

backend_test!(introspection_and_a_dashboard_answer);
async fn introspection_and_a_dashboard_answer(backend: Backend) {
    let s = TestServer::start(&backend).await;
    s.import(DEMO_DATASET).await;
    let d = s.data(INTROSPECTION, json!({})).await;
    let types = d["__schema"]["types"].as_array().map_or(0, Vec::len);
    assert!(types > 20, "{types} types");
    let d = s.data(DASHBOARD, json!({})).await;
    assert!(
        !d["compare"]["rows"].as_array().is_none_or(Vec::is_empty),
        "{d:#}"
    );
    assert!(
        !d["region"]["children"]["edges"]
            .as_array()
            .is_none_or(Vec::is_empty),
        "{d:#}"
    );
    s.stop().await;
}
