//! The cost rules, measured against the real schema.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use async_graphql::{SchemaEnv, Variables};
use serde_json::{Value, json};

use super::*;

/// What the measure gave and how long it took.
type Probed = (Result<QueryCost, Refusal>, Duration);

/// Measures `query` with `variables` against the application's schema.
fn measured_with(query: &str, operation: Option<&str>, variables: Value) -> Result<QueryCost, Refusal> {
    probed(query, operation, variables).0
}

/// Measures `query` with `variables` against the application's schema, and times the measure.
fn probed(query: &str, operation: Option<&str>, variables: Value) -> Probed {
    static ENVIRONMENT: OnceLock<SchemaEnv> = OnceLock::new();
    let env = ENVIRONMENT.get_or_init(|| crate::graphql::environment(crate::graphql::types()));
    let document = async_graphql::parser::parse_query(query).expect("the test query parses");
    let started = Instant::now();
    let measured = measure(
        &env.registry,
        &document,
        operation,
        &Variables::from_json(variables),
        &CostLimits::from(&Config::default()),
    );
    (measured, started.elapsed())
}

fn measured(query: &str) -> QueryCost {
    measured_with(query, None, json!({})).expect("the query is measured")
}

fn cost(query: &str) -> u64 {
    measured(query).cost
}

/// `levels` fragments, each spreading the previous one twice, spread once at the root.
fn fragment_bomb(levels: usize) -> String {
    let spreading: String = (1..=levels)
        .map(|n| format!("fragment F{n} on QueryRoot {{ ...F{p} ...F{p} }}\n", p = n - 1))
        .collect();
    format!("query {{ ...F{levels} }}\nfragment F0 on QueryRoot {{ __typename }}\n{spreading}")
}

#[test]
fn scalar_and_object_fields_cost_one_each() {
    let m = measured(r#"{ metric(code: "x") { code name unit } program(code: "p") { region { name } } }"#);
    assert_eq!(m.cost, 4 + 3);
    assert_eq!(m.depth, 3);
    assert_eq!(m.root_fields, 2);
    assert_eq!(m.aliases, 0);
}

#[test]
fn a_connection_multiplies_one_item_by_its_page_size() {
    // regions: 1, totalCount: 1, pageInfo { hasNextPage }: 2, then per item edges + node + code: 3.
    let page = |first: &str| {
        cost(&format!(
            "{{ regions{first} {{ totalCount pageInfo {{ hasNextPage }} edges {{ node {{ code }} }} }} }}"
        ))
    };
    assert_eq!(page("(first: 5)"), 4 + 5 * 3);
    assert_eq!(page(""), 4 + 20 * 3, "default page size");
    assert_eq!(page("(first: 1000)"), 4 + 100 * 3, "capped like the resolvers");
    assert_eq!(
        page("(first: 0)"),
        4 + 3,
        "an empty page still counts its selection once"
    );
    assert_eq!(cost("{ regions(first: 7) { nodes { code name } } }"), 1 + 7 * 3);
}

#[test]
fn nested_connections_compound() {
    let query = "{ reports(first: 5) { edges { node { observations(first: 100) { edges { node { report {
        observations(first: 100) { edges { node { value } } } } } } } } } } }";
    let inner = 1 + 100 * 3; // observations(first: 100) { edges { node { value } } }
    let middle = 1 + 100 * (1 + 1 + 1 + inner); // edges, node, report
    assert_eq!(cost(query), 1 + 5 * (1 + 1 + middle));
    assert_eq!(measured(query).depth, 11);
}

#[test]
fn variables_and_their_defaults_set_the_page_size() {
    let query = "query($n: Int) { regions(first: $n) { edges { node { code } } } }";
    assert_eq!(
        measured_with(query, None, json!({"n": 5})).unwrap().cost,
        1 + 5 * 3
    );
    assert_eq!(measured_with(query, None, json!({})).unwrap().cost, 1 + 20 * 3);
    assert_eq!(
        measured_with(query, None, json!({"n": null})).unwrap().cost,
        1 + 20 * 3
    );
    let with_default = "query($n: Int = 7) { regions(first: $n) { edges { node { code } } } }";
    assert_eq!(
        measured_with(with_default, None, json!({})).unwrap().cost,
        1 + 7 * 3
    );
    assert_eq!(
        measured_with(with_default, None, json!({"n": 2})).unwrap().cost,
        1 + 2 * 3
    );
}

#[test]
fn other_lists_of_objects_count_a_fixed_number_of_items() {
    assert_eq!(
        cost(r#"{ region(code: "x") { ancestors { name code } aliases } }"#),
        1 + (1 + LIST_SIZE * 2) + 1
    );
}

#[test]
fn aggregations_carry_their_sql_cost() {
    let aggregate = r#"{ aggregate(metric: "m") { value } }"#;
    assert_eq!(cost(aggregate), 1 + AGGREGATION_COST + LIST_SIZE);
    let compare = |baseline: &str| {
        cost(&format!(
            r#"{{ compare(metric: "m", within: "w", level: TOWN, from: "2023-01-01", to: "2023-12-31"
                {baseline}) {{ total }} }}"#
        ))
    };
    assert_eq!(compare(""), 1 + 2 * AGGREGATION_COST + 1);
    assert_eq!(
        compare(r#", baselineFrom: "2022-01-01", baselineTo: "2022-12-31""#),
        1 + 3 * AGGREGATION_COST + 1
    );
}

#[test]
fn fragments_are_measured_once_and_count_wherever_spread() {
    let inline = cost("{ regions(first: 3) { edges { node { code name parent { code } } } } }");
    let spread = cost(
        "{ regions(first: 3) { ...Page } } fragment Page on RegionConnection { edges { node { ...R } } }
         fragment R on Region { code ... on Region { name parent { code } } }",
    );
    assert_eq!(spread, inline);

    let (bomb, took) = probed(&fragment_bomb(40), None, json!({}));
    let bomb = bomb.unwrap();
    assert!(took < Duration::from_millis(20), "took {took:?}");
    assert_eq!(bomb.cost, 1 << 40);
    assert_eq!(bomb.root_fields, 1 << 40);
    assert_eq!(bomb.depth, 1);
}

#[test]
fn a_fragment_cycle_is_refused() {
    let refusal = measured_with(
        "{ ...A } fragment A on QueryRoot { __typename ...B } fragment B on QueryRoot { ...A }",
        None,
        json!({}),
    )
    .unwrap_err();
    assert_eq!(refusal.code, BAD_INPUT);
    assert!(refusal.message.contains("A → B → A"), "{}", refusal.message);
    assert!(refusal.pos.is_some());
}

#[test]
fn nesting_is_bounded_even_through_fragments_measured_earlier() {
    // F0 … F99 each spread the next; spreading them from the last makes each walk short.
    let mut query = String::from("{ ");
    for i in (0..100).rev() {
        query.push_str(&format!("...F{i} "));
    }
    query.push_str("}\nfragment F100 on QueryRoot { __typename }\n");
    for i in 0..100 {
        query.push_str(&format!("fragment F{i} on QueryRoot {{ ...F{} }}\n", i + 1));
    }
    let refusal = measured_with(&query, None, json!({})).unwrap_err();
    assert_eq!(refusal.code, TOO_COMPLEX);
    assert!(
        refusal.message.contains(&MAX_NESTING.to_string()),
        "{}",
        refusal.message
    );
}

#[test]
fn aliases_are_counted_as_written_and_root_fields_as_expanded() {
    let m = measured(
        "{ a: __typename ...Two ...Two }
         fragment Two on QueryRoot { b: __typename c: metrics { totalCount } }",
    );
    assert_eq!(m.aliases, 3);
    assert_eq!(m.root_fields, 5);
    assert_eq!(m.cost, 1 + 2 * (1 + 2));
}

#[test]
fn every_operation_is_measured_and_the_running_one_gives_the_defaults() {
    let query =
        "query Small { __typename } query Big($n: Int = 50) { regions(first: $n) { nodes { code } } }";
    let m = measured_with(query, Some("Small"), json!({})).unwrap();
    assert_eq!(
        m.cost,
        1 + 20 * 2,
        "Big is measured too, without the defaults of another operation"
    );
    let m = measured_with(query, Some("Big"), json!({})).unwrap();
    assert_eq!(m.cost, 1 + 50 * 2);
}

#[test]
fn mutations_and_subscriptions_are_measured_on_their_roots() {
    let m = measured(
        r#"mutation { upsertRegions(regions: []) { created regions { code ancestors { code } } } }"#,
    );
    assert_eq!(m.cost, 1 + 1 + 1 + LIST_SIZE * (1 + 1 + LIST_SIZE));
    let m = measured("subscription { reportPosted { title observations(first: 2) { nodes { value } } } }");
    assert_eq!(m.cost, 1 + 1 + 1 + 2 * 2);
}

#[test]
fn unknown_fields_are_still_measured() {
    let m = measured("{ nothing { a b { c } } }");
    assert_eq!(m.cost, 4);
    assert_eq!(m.depth, 3);
}

#[test]
fn limits_name_the_measure_and_the_limit() {
    let limits = CostLimits::from(&Config::default());
    let within = QueryCost {
        cost: limits.max_cost,
        depth: limits.max_depth,
        root_fields: limits.max_root_fields,
        aliases: limits.max_aliases,
    };
    assert_eq!(limits.check(&within), Ok(()));
    let over = |measured: QueryCost, words: &str, value: u64, limit: u64| {
        let refusal = limits.check(&measured).unwrap_err();
        assert_eq!(refusal.code, TOO_COMPLEX);
        assert!(
            refusal
                .message
                .contains(&format!("{words} is {value}, over the limit of {limit}")),
            "{}",
            refusal.message
        );
    };
    let max = limits.max_cost;
    over(
        QueryCost {
            cost: max + 1,
            ..within
        },
        "cost",
        max + 1,
        max,
    );
    let depth = limits.max_depth as u64;
    over(
        QueryCost {
            depth: limits.max_depth + 1,
            ..within
        },
        "depth",
        depth + 1,
        depth,
    );
    let aliases = limits.max_aliases;
    over(
        QueryCost {
            aliases: aliases + 1,
            ..within
        },
        "alias count",
        aliases + 1,
        aliases,
    );
    let roots = limits.max_root_fields;
    over(
        QueryCost {
            root_fields: roots + 1,
            ..within
        },
        "root field count",
        roots + 1,
        roots,
    );
}

#[test]
fn a_refusal_is_a_graphql_error_with_its_code() {
    let error = ServerError::from(Refusal::too_complex("too big".into()));
    assert_eq!(error.message, "too big");
    let extensions = serde_json::to_value(&error).unwrap();
    assert_eq!(extensions["extensions"]["code"], TOO_COMPLEX);
}

fn operation_name(query: &str, operation: Option<&str>) -> Option<String> {
    let slot = OperationNameSlot::default();
    if let Ok(document) = async_graphql::parser::parse_query(query) {
        slot.fill(operation, &document);
    }
    slot.get()
}

#[test]
fn operation_names_come_from_the_request_or_the_document() {
    assert_eq!(
        operation_name("query Chosen { a } query Other { b }", Some("Chosen")).as_deref(),
        Some("Chosen")
    );
    assert_eq!(
        operation_name("fragment F on Q { a }\n  query\n Named($x: Int) { ...F }", None).as_deref(),
        Some("Named")
    );
    assert_eq!(operation_name("{ a }", None), None);
    assert_eq!(operation_name("query A { a } query B { b }", None), None);
    assert_eq!(operation_name("query Broken {", None), None);
}
