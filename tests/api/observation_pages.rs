//! Pages of observations read only the columns their selection needs: every field of `Observation`,
//! asked for alone, in every form a query can ask it, answers what it answers beside all the others.

use civicgraph_tests::write_helpers::*;
use civicgraph_tests::{Backend, DEMO_DATASET, Role, TestServer, backend_test};
use serde_json::{Value, json};

/// A report body with one figure the extractor finds (quote, offsets, `OVER`, extracted).
const BODY: &str = "自1月份启动干部大走访以来,紫金街道累计走访各类人员7000余人次。";

/// The selection of each field of `Observation`, from the schema itself, so that a field added later is
/// covered too: a scalar by its name, an object by the field that names its row.
async fn every_field(s: &TestServer) -> Vec<String> {
    let d = s
        .data(
            r#"{ __type(name: "Observation") { fields { name type { kind name ofType { kind name } } } } }"#,
            json!({}),
        )
        .await;
    let fields = d["__type"]["fields"].as_array().expect("Observation's fields");
    fields
        .iter()
        .map(|f| {
            let name = f["name"].as_str().unwrap();
            let ty = if f["type"]["kind"] == "NON_NULL" {
                &f["type"]["ofType"]
            } else {
                &f["type"]
            };
            match (ty["kind"].as_str().unwrap(), ty["name"].as_str().unwrap()) {
                ("OBJECT", "Metric" | "Region" | "Program") => format!("{name} {{ code }}"),
                ("OBJECT", "Report") => format!("{name} {{ externalId }}"),
                ("OBJECT", other) => panic!("give `{name}: {other}` a selection here"),
                _ => name.to_owned(),
            }
        })
        .collect()
}

/// The nodes of the `observations` connection at `path` in `d`, through `nodes` or `edges`.
fn nodes<'a>(d: &'a Value, path: &[&str]) -> Vec<&'a Value> {
    let page = path.iter().fold(d, |v, p| &v[p]);
    match page.get("nodes") {
        Some(nodes) => nodes.as_array().unwrap().iter().collect(),
        None => page["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| &e["node"])
            .collect(),
    }
}

backend_test!(each_field_of_an_observation_page_answers_alone_as_among_all);
/// A report with an extracted figure (every column set to something other than its unread
/// placeholder) and an explicit one with a program and a period: each field asked alone through
/// `nodes`, `edges`, a fragment, the region's page and an alias beside another selection of the same
/// page answers what the query of all fields answers.
async fn each_field_of_an_observation_page_answers_alone_as_among_all(backend: Backend) {
    let s = TestServer::start(&backend).await;
    s.import(DEMO_DATASET).await;
    let t = token(&s.db, "importer", Role::Importer).await;
    let input = json!({
        "externalId": "pages-1", "title": "紫金街道大走访", "publishedOn": "2022-08-20",
        "region": "331102-zijin-taxia", "body": BODY, "extract": true,
        "observations": [{ "metric": "suggestions_collected", "value": 42, "qualifier": "NEARLY",
            "program": "zijin-siwu", "periodStart": "2022-01-01", "periodEnd": "2022-06-30",
            "quote": "收集问题建议42条" }],
    });
    let post = "mutation($r: ReportInput!) { postReport(report: $r) { status } }";
    let resp = graphql_at(&s.client, &s.url, post, json!({ "r": input }), Some(&t)).await;
    assert_eq!(resp["data"]["postReport"]["status"], "CREATED", "{resp:#}");
    let name = backend.name();

    let fields = every_field(&s).await;
    let all = fields.join(" ");
    let report = |selection: &str| {
        format!(r#"{{ report(externalId: "pages-1") {{ observations(first: 10) {{ {selection} }} }} }}"#)
    };
    let full = s.data(&report(&format!("nodes {{ {all} }}")), json!({})).await;
    let full = nodes(&full, &["report", "observations"]);
    assert_eq!(full.len(), 2, "[{name}] {full:#?}");
    let extracted = full
        .iter()
        .find(|o| o["extracted"] == true)
        .expect("an extracted figure");
    assert!(
        extracted["quoteStart"].is_i64() && extracted["quote"].is_string(),
        "[{name}] {extracted}"
    );
    assert!(
        full.iter().any(|o| o["program"]["code"] == "zijin-siwu"),
        "[{name}] {full:#?}"
    );
    // The same figures read whole by the top-level list, which reads every column.
    let mut whole = Vec::new();
    for metric in full.iter().map(|o| o["metric"]["code"].as_str().unwrap()) {
        let q = format!(r#"{{ observations(metric: "{metric}", first: 100) {{ nodes {{ {all} }} }} }}"#);
        let d = s.data(&q, json!({})).await;
        let listed = nodes(&d, &["observations"]).into_iter().cloned();
        whole.extend(listed.filter(|o| o["report"]["externalId"] == "pages-1"));
    }
    let sorted = |list: Vec<String>| {
        let mut list = list;
        list.sort();
        list
    };
    assert_eq!(
        sorted(full.iter().map(|o| o.to_string()).collect()),
        sorted(whole.iter().map(|o| o.to_string()).collect()),
        "[{name}]"
    );
    let region_full = s
        .data(
            &format!(
                r#"{{ region(code: "331102-zijin-taxia") {{ observations(first: 100) {{ nodes {{ {all} }} }} }} }}"#
            ),
            json!({}),
        )
        .await;
    let region_full = nodes(&region_full, &["region", "observations"]);

    for field in &fields {
        let key = field.split(' ').next().unwrap();
        let expected: Vec<&Value> = full.iter().map(|o| &o[key]).collect();
        let forms = [
            report(&format!("nodes {{ {field} }}")),
            report(&format!("edges {{ cursor node {{ {field} }} }}")),
            format!(
                r#"query {{ report(externalId: "pages-1") {{ observations(first: 10) {{ nodes {{ ...F }} }} }} }}
                   fragment F on Observation {{ __typename {field} }}"#
            ),
        ];
        for q in &forms {
            let d = s.data(q, json!({})).await;
            let got: Vec<&Value> = nodes(&d, &["report", "observations"])
                .iter()
                .map(|o| &o[key])
                .collect();
            assert_eq!(got, expected, "[{name}] {q}");
        }
        // Two selections of the same page in one request, each read with its own columns.
        let q = format!(
            r#"{{ report(externalId: "pages-1") {{ a: observations(first: 10) {{ nodes {{ {field} }} }}
                  b: observations(first: 10) {{ nodes {{ value }} }} }} }}"#
        );
        let d = s.data(&q, json!({})).await;
        let got: Vec<&Value> = nodes(&d, &["report", "a"]).iter().map(|o| &o[key]).collect();
        assert_eq!(got, expected, "[{name}] {q}");
        let values: Vec<&Value> = nodes(&d, &["report", "b"]).iter().map(|o| &o["value"]).collect();
        assert_eq!(
            values,
            full.iter().map(|o| &o["value"]).collect::<Vec<_>>(),
            "[{name}] {q}"
        );

        let q = format!(
            r#"{{ region(code: "331102-zijin-taxia") {{ observations(first: 100) {{ nodes {{ {field} }} }} }} }}"#
        );
        let d = s.data(&q, json!({})).await;
        let got: Vec<&Value> = nodes(&d, &["region", "observations"])
            .iter()
            .map(|o| &o[key])
            .collect();
        let expected: Vec<&Value> = region_full.iter().map(|o| &o[key]).collect();
        assert_eq!(got, expected, "[{name}] {q}");
    }
    s.stop().await;
}
