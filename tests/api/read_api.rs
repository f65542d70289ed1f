//! The read API over HTTP: lookups, relation fields, `within` at every level, pagination, batching.

use civicgraph_tests::{Backend, StatementCounter, TestServer, backend_test};
use serde_json::{Value, json};

/// A province with two cities; the first city has a county with two towns, each with two villages.
fn tree() -> String {
    let mut lines = vec![
        r#"{"kind":"region","code":"P","name":"省甲","level":"province","parent":null,"population":1000000}"#
            .to_owned(),
        r#"{"kind":"region","code":"C1","name":"市一","level":"city","parent":"P"}"#.to_owned(),
        r#"{"kind":"region","code":"C2","name":"市二","level":"city","parent":"P"}"#.to_owned(),
        r#"{"kind":"region","code":"K1","name":"县一","level":"county","parent":"C1"}"#.to_owned(),
    ];
    for t in 1..=2 {
        lines.push(format!(r#"{{"kind":"region","code":"T{t}","name":"镇{t}","level":"town","parent":"K1","aliases":["别名{t}"]}}"#));
        for v in 1..=2 {
            lines.push(format!(
                r#"{{"kind":"region","code":"T{t}V{v}","name":"村{t}{v}","level":"village","parent":"T{t}"}}"#
            ));
        }
    }
    lines.push(
        r#"{"kind":"metric","code":"visits","name":"走访人次","unit":"人次","value_type":"count"}"#
            .to_owned(),
    );
    lines.push(
        r#"{"kind":"metric","code":"rate","name":"办结率","unit":"%","value_type":"ratio"}"#.to_owned(),
    );
    lines.push(
        r#"{"kind":"program","code":"prog","name":"四五行动","region":"T1","category":"outreach"}"#
            .to_owned(),
    );
    lines.join("\n")
}

/// `n` reports about T1, each with three observations on its villages.
fn reports(n: usize) -> String {
    (0..n)
        .map(|i| {
            let day = 1 + i % 28;
            format!(
                r#"{{"kind":"report","external_id":"r{i}","title":"报告{i}","published_on":"2022-03-{day:02}","region":"T1","observations":[
                {{"metric":"visits","region":"T1V1","value":{i},"period_start":"2022-01-01"}},
                {{"metric":"visits","region":"T1V2","value":1,"program":"prog"}},
                {{"metric":"rate","value":50.5,"qualifier":"approx"}}]}}"#
            )
            .replace('\n', "")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn codes(connection: &Value) -> Vec<String> {
    connection["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["code"].as_str().unwrap().to_owned())
        .collect()
}

backend_test!(within_works_at_every_level);
async fn within_works_at_every_level(backend: Backend) {
    let s = TestServer::start(&backend).await;
    s.import(&tree()).await;
    let q = "query($w: String, $l: RegionLevel) { regions(within: $w, level: $l, first: 100) { totalCount edges { node { code } } } }";
    let cases: [(&str, Option<&str>, &[&str]); 6] = [
        (
            "P",
            None,
            &["C1", "C2", "K1", "P", "T1", "T1V1", "T1V2", "T2", "T2V1", "T2V2"],
        ),
        (
            "C1",
            None,
            &["C1", "K1", "T1", "T1V1", "T1V2", "T2", "T2V1", "T2V2"],
        ),
        ("K1", Some("TOWN"), &["T1", "T2"]),
        ("T2", None, &["T2", "T2V1", "T2V2"]),
        ("T1V1", None, &["T1V1"]),
        ("C2", Some("VILLAGE"), &[]),
    ];
    for (within, level, expected) in cases {
        let d = s.data(q, json!({"w": within, "l": level})).await;
        assert_eq!(
            codes(&d["regions"]),
            expected,
            "[{}] within {within} {level:?}",
            backend.name()
        );
        assert_eq!(
            d["regions"]["totalCount"],
            expected.len(),
            "[{}] totalCount",
            backend.name()
        );
    }
    let (code, message) = s.error_code(q, json!({"w": "NOPE"})).await;
    assert_eq!(code, "NOT_FOUND");
    assert!(message.contains("NOPE"), "{message}");
    s.stop().await;
}

backend_test!(reports_within_every_level_newest_first);
async fn reports_within_every_level_newest_first(backend: Backend) {
    let s = TestServer::start(&backend).await;
    s.import(&tree()).await;
    // Imported in this order (ids ascending): ra and rb share a date, so rb (the later id) comes first.
    let dated = [
        ("ra", "K1", "2022-03-05"),
        ("rb", "T1", "2022-03-05"),
        ("rc", "T2V1", "2022-03-07"),
        ("rd", "C2", "2022-03-06"),
        ("re", "T1V2", "2022-03-01"),
        ("rf", "P", "2022-03-08"),
    ];
    let file = dated
        .iter()
        .map(|(id, region, day)| {
            format!(r#"{{"kind":"report","external_id":"{id}","title":"报告","published_on":"{day}","region":"{region}","observations":[]}}"#)
        })
        .collect::<Vec<_>>()
        .join("\n");
    s.import(&file).await;
    let q = "query($w: String, $f: Int, $a: String) { reports(within: $w, first: $f, after: $a) { totalCount pageInfo { hasNextPage endCursor } edges { node { externalId } } } }";
    let cases: [(&str, &[&str]); 7] = [
        ("P", &["rf", "rc", "rd", "rb", "ra", "re"]),
        ("C1", &["rc", "rb", "ra", "re"]),
        ("C2", &["rd"]),
        ("K1", &["rc", "rb", "ra", "re"]),
        ("T1", &["rb", "re"]),
        ("T2", &["rc"]),
        ("T1V2", &["re"]),
    ];
    for (within, expected) in cases {
        // Two at a time, following the cursors.
        let mut seen = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let d = s.data(q, json!({"w": within, "f": 2, "a": after})).await;
            let page = &d["reports"];
            assert_eq!(
                page["totalCount"],
                expected.len(),
                "[{}] {within}",
                backend.name()
            );
            for e in page["edges"].as_array().unwrap() {
                seen.push(e["node"]["externalId"].as_str().unwrap().to_owned());
            }
            if !page["pageInfo"]["hasNextPage"].as_bool().unwrap() {
                break;
            }
            after = Some(page["pageInfo"]["endCursor"].as_str().unwrap().to_owned());
        }
        assert_eq!(seen, expected, "[{}] within {within}", backend.name());
    }
    s.stop().await;
}

backend_test!(pagination_edges);
async fn pagination_edges(backend: Backend) {
    let s = TestServer::start(&backend).await;
    s.import(&tree()).await;
    let q = "query($f: Int, $a: String) { regions(first: $f, after: $a) { totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { cursor node { code } } } }";
    // Walk all ten regions three at a time.
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let d = s.data(q, json!({"f": 3, "a": after})).await;
        let page = &d["regions"];
        assert_eq!(page["totalCount"], 10);
        assert_eq!(page["pageInfo"]["hasPreviousPage"], after.is_some());
        seen.extend(codes(page));
        if !page["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            break;
        }
        after = Some(page["pageInfo"]["endCursor"].as_str().unwrap().to_owned());
    }
    assert_eq!(
        seen,
        ["C1", "C2", "K1", "P", "T1", "T1V1", "T1V2", "T2", "T2V1", "T2V2"],
        "[{}]",
        backend.name()
    );
    // first: 0 gives no rows but the count; first above the cap is capped; negative is refused.
    let d = s.data(q, json!({"f": 0})).await;
    assert_eq!(codes(&d["regions"]).len(), 0);
    assert_eq!(d["regions"]["pageInfo"]["hasNextPage"], true);
    s.import(&reports(120)).await;
    let d = s
        .data(
            "{ reports(first: 1000) { totalCount edges { node { externalId } } } }",
            json!({}),
        )
        .await;
    assert_eq!(d["reports"]["edges"].as_array().unwrap().len(), 100);
    assert_eq!(d["reports"]["totalCount"], 120);
    let d = s
        .data("{ reports { edges { node { externalId } } } }", json!({}))
        .await;
    assert_eq!(d["reports"]["edges"].as_array().unwrap().len(), 20);
    assert_eq!(s.error_code(q, json!({"f": -1})).await.0, "BAD_INPUT");
    assert_eq!(
        s.error_code(q, json!({"a": "not-a-cursor!"})).await.0,
        "BAD_INPUT"
    );
    // Reports page newest first without gaps or repeats.
    let rq = "query($a: String) { reports(first: 7, after: $a) { pageInfo { hasNextPage endCursor } edges { node { externalId publishedOn } } } }";
    let mut ids = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let d = s.data(rq, json!({"a": after})).await;
        for e in d["reports"]["edges"].as_array().unwrap() {
            ids.push((
                e["node"]["publishedOn"].as_str().unwrap().to_owned(),
                e["node"]["externalId"].as_str().unwrap().to_owned(),
            ));
        }
        if !d["reports"]["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            break;
        }
        after = Some(d["reports"]["pageInfo"]["endCursor"].as_str().unwrap().to_owned());
    }
    assert_eq!(ids.len(), 120);
    let mut dedup = ids.clone();
    dedup.sort();
    dedup.dedup();
    assert_eq!(dedup.len(), 120, "no report twice");
    assert!(ids.windows(2).all(|w| w[0].0 >= w[1].0), "newest first");
    s.stop().await;
}

backend_test!(relation_fields);
async fn relation_fields(backend: Backend) {
    let s = TestServer::start(&backend).await;
    s.import(&tree()).await;
    s.import(&reports(3)).await;
    let d = s
        .data(
            r#"{ region(code: "T1V1") { name level parent { code } ancestors { code level }
                 observations(metric: "visits") { totalCount edges { node { value periodStart periodEnd report { externalId } } } } }
               t1: region(code: "T1") { aliases children(first: 1) { totalCount pageInfo { hasNextPage } edges { node { code } } }
                 programs { edges { node { code category region { code } } } }
                 reports(first: 2) { totalCount edges { node { externalId } } } }
               report(externalId: "r2") { title publishedOn region { code }
                 observations { totalCount edges { node { value qualifier metric { code unit valueType aggregation } region { code } program { code } } } } }
               metric(code: "rate") { aggregation valueType }
               nothing: region(code: "none") { code } }"#,
            json!({}),
        )
        .await;
    let name = backend.name();
    assert_eq!(d["region"]["level"], "VILLAGE", "[{name}]");
    assert_eq!(d["region"]["parent"]["code"], "T1");
    assert_eq!(
        d["region"]["ancestors"],
        json!([{"code":"P","level":"PROVINCE"},{"code":"C1","level":"CITY"},{"code":"K1","level":"COUNTY"},{"code":"T1","level":"TOWN"}])
    );
    let obs = &d["region"]["observations"];
    assert_eq!(obs["totalCount"], 3);
    assert_eq!(obs["edges"][0]["node"]["periodStart"], "2022-01-01");
    assert_eq!(obs["edges"][0]["node"]["periodEnd"], "2022-03-01");
    assert_eq!(d["t1"]["aliases"], json!(["别名1"]));
    assert_eq!(d["t1"]["children"]["totalCount"], 2);
    assert_eq!(d["t1"]["children"]["pageInfo"]["hasNextPage"], true);
    assert_eq!(codes(&d["t1"]["children"]), ["T1V1"]);
    assert_eq!(
        d["t1"]["programs"]["edges"][0]["node"],
        json!({"code":"prog","category":"outreach","region":{"code":"T1"}})
    );
    assert_eq!(d["t1"]["reports"]["totalCount"], 3);
    assert_eq!(
        d["t1"]["reports"]["edges"][0]["node"]["externalId"], "r2",
        "newest first"
    );
    let r = &d["report"];
    assert_eq!(r["publishedOn"], "2022-03-03");
    assert_eq!(r["observations"]["totalCount"], 3);
    let third = &r["observations"]["edges"][2]["node"];
    assert_eq!(
        third["region"]["code"], "T1",
        "an observation without region takes the report's"
    );
    assert_eq!(third["qualifier"], "APPROX");
    assert_eq!(third["metric"]["aggregation"], "MEAN");
    assert_eq!(r["observations"]["edges"][1]["node"]["program"]["code"], "prog");
    assert!(d["nothing"].is_null());
    s.stop().await;
}

backend_test!(every_list_of_observations_names_each_ones_metric);
/// The metric of every observation is its own, whichever list it comes in (a report's page by `nodes`
/// or `edges`, through a fragment, a region's page, the top-level list).
async fn every_list_of_observations_names_each_ones_metric(backend: Backend) {
    let s = TestServer::start(&backend).await;
    s.import(&tree()).await;
    s.import(&reports(3)).await;
    let name = backend.name();
    let metrics = |list: &Value| -> Vec<String> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|o| {
                let o = o.get("node").unwrap_or(o);
                format!("{} {}", o["metric"]["code"].as_str().unwrap(), o["value"])
            })
            .collect()
    };
    let d = s
        .data(
            r#"{ report(externalId: "r2") {
                   byNodes: observations { nodes { value metric { code } } }
                   byEdges: observations { edges { node { value metric { code } } } }
                   byFragment: observations { nodes { ...figure } } }
                 region(code: "T1V1") { observations { nodes { value metric { code } } } }
                 observations(first: 9) { nodes { value metric { code } } } }
               fragment figure on Observation { value metric { code } }"#,
            json!({}),
        )
        .await;
    // Each report: visits i (T1V1), visits 1 (T1V2), rate 50.5 (T1).
    let r2 = ["visits 2.0", "visits 1.0", "rate 50.5"];
    assert_eq!(metrics(&d["report"]["byNodes"]["nodes"]), r2, "[{name}]");
    assert_eq!(metrics(&d["report"]["byEdges"]["edges"]), r2, "[{name}]");
    assert_eq!(metrics(&d["report"]["byFragment"]["nodes"]), r2, "[{name}]");
    assert_eq!(
        metrics(&d["region"]["observations"]["nodes"]),
        ["visits 0.0", "visits 1.0", "visits 2.0"],
        "[{name}]"
    );
    let all: Vec<String> = (0..3)
        .flat_map(|i| [format!("visits {i}.0"), "visits 1.0".into(), "rate 50.5".into()])
        .collect();
    assert_eq!(metrics(&d["observations"]["nodes"]), all, "[{name}]");
    s.stop().await;
}

backend_test!(relation_pages_walk_to_the_end_with_their_totals);
/// Three relation fields of two parents each, walked two rows at a time in one query per step: every
/// row comes once and in order, and `totalCount` (asked for on every other step) is right, also on the
/// empty page after the last row.
async fn relation_pages_walk_to_the_end_with_their_totals(backend: Backend) {
    let s = TestServer::start(&backend).await;
    s.import(&tree()).await;
    s.import(&reports(5)).await;
    let name = backend.name();
    let q = |count: bool| {
        let total = if count { "totalCount" } else { "" };
        format!(
            r#"query($a: String) {{
              k1: region(code: "K1") {{ children(first: 2, after: $a) {{ {total} pageInfo {{ hasNextPage endCursor }} nodes {{ code }} }} }}
              t1: region(code: "T1") {{ children(first: 2, after: $a) {{ {total} pageInfo {{ hasNextPage endCursor }} nodes {{ code }} }} }}
              v1: region(code: "T1V1") {{ observations(metric: "visits", first: 2, after: $a) {{ {total} pageInfo {{ hasNextPage endCursor }} nodes {{ value }} }} }}
              t1rate: region(code: "T1") {{ observations(metric: "rate", first: 2, after: $a) {{ {total} pageInfo {{ hasNextPage endCursor }} nodes {{ value }} }} }}
              r3: report(externalId: "r3") {{ observations(first: 2, after: $a) {{ {total} pageInfo {{ hasNextPage endCursor }} nodes {{ value }} }} }}
              r4: report(externalId: "r4") {{ observations(first: 2, after: $a) {{ {total} pageInfo {{ hasNextPage endCursor }} nodes {{ value }} }} }} }}"#
        )
    };
    let fields = [
        ("k1", "children"),
        ("t1", "children"),
        ("v1", "observations"),
        ("t1rate", "observations"),
        ("r3", "observations"),
        ("r4", "observations"),
    ];
    let mut seen: Vec<Vec<String>> = vec![Vec::new(); fields.len()];
    let mut after: Option<String> = None;
    for step in 0..4 {
        let d = s.data(&q(step % 2 == 1), json!({"a": after})).await;
        for (i, (alias, field)) in fields.iter().enumerate() {
            let page = &d[alias][field];
            for node in page["nodes"].as_array().unwrap() {
                seen[i].push(node.get("code").unwrap_or(&node["value"]).to_string());
            }
            if step % 2 == 1 {
                // K1 and T1 have two towns and two villages; T1V1 five visits; T1 five rates; each
                // report three figures.
                let expected = [2, 2, 5, 5, 3, 3][i];
                assert_eq!(page["totalCount"], expected, "[{name}] {alias} at step {step}");
            } else {
                assert!(page.get("totalCount").is_none());
            }
        }
        // The cursors are positions, the same for every field of the step.
        after = d["v1"]["observations"]["pageInfo"]["endCursor"]
            .as_str()
            .map(str::to_owned);
    }
    let strings = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    assert_eq!(seen[0], strings(&["\"T1\"", "\"T2\""]), "[{name}]");
    assert_eq!(seen[1], strings(&["\"T1V1\"", "\"T1V2\""]), "[{name}]");
    assert_eq!(seen[2], strings(&["0.0", "1.0", "2.0", "3.0", "4.0"]), "[{name}]");
    assert_eq!(seen[3], strings(&["50.5"; 5]), "[{name}]");
    assert_eq!(seen[4], strings(&["3.0", "1.0", "50.5"]), "[{name}]");
    assert_eq!(seen[5], strings(&["4.0", "1.0", "50.5"]), "[{name}]");
    s.stop().await;
}

backend_test!(relation_fields_are_batched);
/// A query for 50 reports, each with its observations, each with metric, region and region.parent,
/// runs as many SQL statements as the same query for 5 reports.
async fn relation_fields_are_batched(backend: Backend) {
    let counter = StatementCounter::default();
    let s = TestServer::start_with(&backend, Default::default(), |db| counter.install(db)).await;
    s.import(&tree()).await;
    s.import(&reports(50)).await;
    let q = "query($n: Int) { reports(first: $n) { edges { node { externalId observations { edges { node { value metric { code } region { code parent { code } } } } } } } } }";
    let mut counts = Vec::new();
    for n in [5, 50] {
        counter.reset();
        let d = s.data(q, json!({"n": n})).await;
        let edges = d["reports"]["edges"].as_array().unwrap();
        assert_eq!(edges.len(), n);
        assert!(
            edges
                .iter()
                .all(|e| e["node"]["observations"]["edges"].as_array().unwrap().len() == 3)
        );
        assert_eq!(
            edges[0]["node"]["observations"]["edges"][0]["node"]["region"]["parent"]["code"],
            "T1"
        );
        counts.push(counter.get());
    }
    assert_eq!(
        counts[0],
        counts[1],
        "[{}] statements for 5 and 50 reports",
        backend.name()
    );
    assert!(counts[1] <= 6, "[{}] {} statements", backend.name(), counts[1]);
    s.stop().await;
}

backend_test!(a_region_with_its_parent_and_children_takes_one_statement);
/// `region(code:)` reads the region's parent and the page of its children that the query asks for
/// with it, and the request's loader keeps them: the children's `parent`, the region itself, is not
/// read again. With `totalCount`, or two pages of children, the children are read apart, with the
/// same rows.
async fn a_region_with_its_parent_and_children_takes_one_statement(backend: Backend) {
    let counter = StatementCounter::default();
    let s = TestServer::start_with(&backend, Default::default(), |db| counter.install(db)).await;
    s.import(&tree()).await;
    let name = backend.name();
    let q = r#"query($c: String!) { region(code: $c) { code parent { code }
        children { nodes { code parent { code } } } } }"#;
    counter.reset();
    let d = s.data(q, json!({"c": "K1"})).await;
    assert_eq!(
        d["region"],
        json!({"code": "K1", "parent": {"code": "C1"}, "children": {"nodes": [
            {"code": "T1", "parent": {"code": "K1"}}, {"code": "T2", "parent": {"code": "K1"}}]}})
    );
    assert_eq!(counter.get(), 1, "[{name}] statements");
    // A province has no parent; a code that is nobody's finds nothing.
    let d = s.data(q, json!({"c": "P"})).await;
    assert_eq!(
        (&d["region"]["code"], &d["region"]["parent"]),
        (&json!("P"), &json!(null))
    );
    assert_eq!(s.data(q, json!({"c": "nobody"})).await["region"], json!(null));

    // Pages of one child, read ahead, against the same pages read by the field itself.
    let paged = |extra: &str| {
        format!(
            r#"query($a: String) {{ region(code: "P") {{ code children(first: 1, after: $a) {{
                pageInfo {{ hasNextPage endCursor }} nodes {{ code name }} }} {extra} }} }}"#
        )
    };
    let mut after = json!(null);
    let mut walked = Vec::new();
    for step in 0..2 {
        counter.reset();
        let ahead = s.data(&paged(""), json!({"a": after})).await;
        assert_eq!(counter.get(), 1, "[{name}] statements at step {step}");
        let apart = s
            .data(
                &paged("other: children(first: 1, after: $a) { totalCount }"),
                json!({"a": after}),
            )
            .await;
        assert_eq!(
            ahead["region"]["children"], apart["region"]["children"],
            "[{name}] step {step}"
        );
        let page = &ahead["region"]["children"];
        walked.push(page["nodes"][0]["code"].clone());
        assert_eq!(page["pageInfo"]["hasNextPage"], step == 0, "[{name}] step {step}");
        after = page["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(walked, [json!("C1"), json!("C2")], "[{name}]");
    counter.reset();
    let counted = s
        .data(
            &paged("").replace("pageInfo", "totalCount pageInfo"),
            json!({"a": null}),
        )
        .await;
    assert_eq!(counted["region"]["children"]["totalCount"], 2, "[{name}]");
    assert_eq!(counter.get(), 2, "[{name}] statements with totalCount");
    s.stop().await;
}

backend_test!(http_endpoints);
async fn http_endpoints(backend: Backend) {
    let s = TestServer::start(&backend).await;
    let health = s.client.get(format!("{}/healthz", s.url)).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let page = s.client.get(format!("{}/", s.url)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().to_lowercase().contains("graphiql"));
    let resp = s
        .client
        .post(format!("{}/graphql", s.url))
        .body("{not json")
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    s.stop().await;
}
