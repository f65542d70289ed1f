//! The NDJSON importer and exporter: round trips, idempotence, all-or-nothing and every bad input.

use civicgraph_tests::{
    Backend, ImportOptions, ImportSummary, TestServer, backend_test, export_ndjson, import_lines,
};
use serde_json::{Value, json};

const BASE: &str = r#"{"kind":"region","code":"33","name":"浙江省","level":"province","parent":null}
{"kind":"region","code":"3311","name":"丽水市","level":"city","parent":"33"}
{"kind":"region","code":"331102","name":"莲都区","level":"county","parent":"3311","population":480000}
{"kind":"region","code":"331102003","name":"紫金街道","level":"town","parent":"331102","aliases":["紫金"]}

{"kind":"region","code":"331102003201","name":"塔下村","level":"village","parent":"331102003"}
{"kind":"metric","code":"people_visited","name":"走访人次","unit":"人次","value_type":"count"}
{"kind":"metric","code":"completion_rate","name":"办结率","unit":"%","value_type":"ratio"}
{"kind":"program","code":"zijin-siwu","name":"四五行动","region":"331102003","category":"outreach","started_on":"2022-01-01"}
{"kind":"report","external_id":"zijin-2022-08","title":"紫金街道开展四五行动","source":"丽水日报","published_on":"2022-08-20","authors":["蓝惊"],"region":"331102003","observations":[{"metric":"people_visited","program":"zijin-siwu","value":7000,"qualifier":"over","period_start":"2022-01-01","period_end":"2022-08-20","quote":"累计走访各类人员7000余人次"},{"metric":"completion_rate","region":"331102003201","value":98.8}]}"#;

async fn import(s: &TestServer, text: &str, skip_invalid: bool) -> ImportSummary {
    import_lines(
        &s.db,
        ImportOptions::default().skipping_invalid(skip_invalid),
        text.lines().map(str::to_owned),
    )
    .await
    .expect("the import runs")
}

/// (regions, metrics, programs, reports, observations) as the API counts them.
async fn counts(s: &TestServer) -> [i64; 5] {
    let d = s
        .data(
            "{ regions { totalCount } metrics { totalCount } programs { totalCount } reports { totalCount } observations { totalCount } }",
            json!({}),
        )
        .await;
    ["regions", "metrics", "programs", "reports", "observations"]
        .map(|k| d[k]["totalCount"].as_i64().unwrap())
}

async fn export(s: &TestServer, within: Option<&str>) -> String {
    let mut out = Vec::new();
    export_ndjson(&s.db, within, &mut out).await.expect("export");
    String::from_utf8(out).unwrap()
}

backend_test!(import_export_round_trip_and_idempotence);
async fn import_export_round_trip_and_idempotence(backend: Backend) {
    let s = TestServer::start(&backend).await;
    let first = import(&s, BASE, false).await;
    assert!(first.committed);
    assert_eq!(first.errors, vec![]);
    assert_eq!(
        (
            first.regions.created,
            first.metrics.created,
            first.programs.created
        ),
        (5, 2, 1)
    );
    assert_eq!((first.reports.created, first.observations), (1, 2));
    assert_eq!(counts(&s).await, [5, 2, 1, 1, 2]);

    let again = import(&s, BASE, false).await;
    assert_eq!(
        (
            again.regions.unchanged,
            again.metrics.unchanged,
            again.programs.unchanged
        ),
        (5, 2, 1)
    );
    assert_eq!(
        (again.reports.unchanged, again.reports.created, again.observations),
        (1, 0, 0)
    );

    // An export imports back unchanged, into this database and into an empty one.
    let exported = export(&s, None).await;
    assert_eq!(exported.lines().count(), 9);
    let back = import(&s, &exported, false).await;
    assert_eq!(back.reports.unchanged, 1, "[{}] {back:?}", backend.name());
    assert_eq!(
        back.regions.unchanged + back.metrics.unchanged + back.programs.unchanged,
        8
    );
    let fresh = TestServer::start(&backend).await;
    import(&fresh, &exported, false).await;
    assert_eq!(export(&fresh, None).await, exported);
    let d = fresh
        .data(r#"{ report(externalId: "zijin-2022-08") { authors observations { edges { node { value qualifier periodStart quote region { code } program { code } } } } } }"#, json!({}))
        .await;
    assert_eq!(d["report"]["authors"], json!(["蓝惊"]));
    let o = &d["report"]["observations"]["edges"][0]["node"];
    assert_eq!(o["value"], 7000.0);
    assert_eq!(o["qualifier"], "OVER");
    assert_eq!(o["quote"], "累计走访各类人员7000余人次");
    assert_eq!(o["region"]["code"], "331102003");

    // A changed report replaces its observations in place.
    let changed = BASE.replace("\"value\":7000", "\"value\":7100");
    let replaced = import(&s, &changed, false).await;
    assert_eq!((replaced.reports.updated, replaced.observations), (1, 2));
    assert_eq!(counts(&s).await, [5, 2, 1, 1, 2]);

    // Export within the town keeps its ancestors and everything it needs.
    let part = export(&s, Some("331102003")).await;
    assert!(part.contains("\"code\":\"33\""), "ancestors are exported");
    let fresh = TestServer::start(&backend).await;
    assert!(import(&fresh, &part, false).await.committed);
    assert_eq!(counts(&fresh).await, [5, 2, 1, 1, 2]);
    fresh.stop().await;
    s.stop().await;
}

backend_test!(a_bad_last_line_writes_nothing_and_skip_invalid_writes_the_rest);
async fn a_bad_last_line_writes_nothing_and_skip_invalid_writes_the_rest(backend: Backend) {
    let s = TestServer::start(&backend).await;
    let text = format!(
        "{BASE}\n{{\"kind\":\"region\",\"code\":\"x\",\"name\":\"X\",\"level\":\"county\",\"parent\":\"nowhere\"}}"
    );
    let summary = import(&s, &text, false).await;
    assert!(!summary.committed);
    assert_eq!(summary.error_count, 1);
    assert_eq!(summary.errors[0].line, 11);
    assert_eq!(summary.errors[0].field, "parent");
    assert_eq!(
        counts(&s).await,
        [0, 0, 0, 0, 0],
        "[{}] nothing written",
        backend.name()
    );

    let summary = import(&s, &text, true).await;
    assert!(summary.committed);
    assert_eq!(summary.error_count, 1);
    assert_eq!(counts(&s).await, [5, 2, 1, 1, 2]);
    s.stop().await;
}

backend_test!(bad_input_names_line_and_field);
/// Every kind of bad input is reported with its line and field, and nothing is written.
async fn bad_input_names_line_and_field(backend: Backend) {
    let report = |obs: &str| {
        format!(
            r#"{{"kind":"report","external_id":"bad","title":"t","published_on":"2022-08-20","region":"331102003","observations":[{obs}]}}"#
        )
    };
    let cases: Vec<(String, &str, &str)> = vec![
        ("{not json".into(), "", "invalid JSON"),
        (r#"["an array"]"#.into(), "", "object"),
        (r#"{"kind":"hamlet","code":"h"}"#.into(), "kind", "unknown kind"),
        (r#"{"code":"h"}"#.into(), "kind", "missing"),
        (r#"{"kind":"region","code":"v","name":"V","level":"village","parent":"nowhere"}"#.into(), "parent", "unknown region"),
        (r#"{"kind":"region","code":"c","name":"C","level":"city","parent":"331102"}"#.into(), "level", "below its parent"),
        (r#"{"kind":"region","code":"","name":"E","level":"province","parent":null}"#.into(), "code", "1 to 64"),
        (r#"{"kind":"region","code":"p2","name":"P","level":"province","parent":null,"population":-5}"#.into(), "population", "≥ 0"),
        (r#"{"kind":"metric","code":"Bad Code","name":"n","unit":"个","value_type":"count"}"#.into(), "code", "snake_case"),
        (r#"{"kind":"metric","code":"m","name":"n","unit":"个","value_type":"money"}"#.into(), "value_type", "unknown variant"),
        (r#"{"kind":"program","code":"p","name":"n","region":"nowhere"}"#.into(), "region", "unknown region"),
        (r#"{"kind":"program","code":"p","name":"n","region":"33","started_on":"2022-05-01","ended_on":"2022-01-01"}"#.into(), "ended_on", "before"),
        (r#"{"kind":"report","external_id":"bad","title":"t","published_on":"2022-02-30","observations":[]}"#.into(), "published_on", "not a valid date"),
        (r#"{"kind":"report","external_id":"bad","title":"t","published_on":"22-2-3","observations":[]}"#.into(), "published_on", "YYYY-MM-DD"),
        (report(r#"{"metric":"people_visited","value":1,"period_start":"2022-13-01"}"#), "observations[0].period_start", "not a valid date"),
        (report(r#"{"metric":"people_visited","value":1,"period_start":"2022-09-01","period_end":"2022-08-01"}"#), "observations[0].period_start", "after"),
        (report(r#"{"metric":"people_visited","value":-3}"#), "observations[0].value", "count"),
        (report(r#"{"metric":"people_visited","value":2.5}"#), "observations[0].value", "whole number"),
        (report(r#"{"metric":"completion_rate","value":100.5}"#), "observations[0].value", "0..100"),
        (report(r#"{"metric":"completion_rate","value":-1}"#), "observations[0].value", "0..100"),
        (report(r#"{"metric":"people_visited","value":"NaN"}"#), "observations[0].value", "invalid type"),
        (report(r#"{"metric":"people_visited","value":NaN}"#), "", "invalid JSON"),
        (report(r#"{"metric":"people_visited","value":1e999}"#), "", "invalid JSON"),
        (report(r#"{"metric":"nope","value":1}"#), "observations[0].metric", "unknown metric"),
        (report(r#"{"metric":"people_visited","value":1,"program":"nope"}"#), "observations[0].program", "unknown program"),
        (report(r#"{"metric":"people_visited","value":1,"region":"nope"}"#), "observations[0].region", "unknown region"),
        (report(r#"{"metric":"people_visited","value":1,"qualifier":"roughly"}"#), "observations[0].qualifier", "unknown variant"),
        (r#"{"kind":"report","external_id":"bad","title":"t","published_on":"2022-08-20","observations":[{"metric":"people_visited","value":1}]}"#.into(), "observations[0].region", "missing"),
        (r#"{"kind":"metric","code":"people_visited","name":"另一个名字","unit":"人次","value_type":"count"}"#.into(), "code", "different content"),
    ];
    let s = TestServer::start(&backend).await;
    for (line, field, message) in &cases {
        // The bad line comes last, after a valid file: its line number is known and nothing may
        // be written, not even the valid lines before it.
        let text = format!("{BASE}\n{line}");
        let summary = import(&s, &text, false).await;
        let name = backend.name();
        assert!(!summary.committed, "[{name}] {line}");
        assert_eq!(summary.errors.len(), 1, "[{name}] {line}: {:?}", summary.errors);
        let e = &summary.errors[0];
        assert_eq!(e.line, 11, "[{name}] {line}");
        assert_eq!(e.field, *field, "[{name}] {line}: {}", e.message);
        assert!(
            e.message.contains(message),
            "[{name}] {line}: {:?} lacks {message:?}",
            e.message
        );
        assert_eq!(
            counts(&s).await,
            [0, 0, 0, 0, 0],
            "[{name}] {line}: nothing written"
        );
    }
    // Every error of a file is listed, not just the first.
    let many = format!("{BASE}\n{}\n{}\n{{bad", cases[4].0, cases[17].0);
    let summary = import(&s, &many, false).await;
    assert_eq!(
        summary.errors.iter().map(|e| e.line).collect::<Vec<_>>(),
        [11, 12, 13]
    );
    s.stop().await;
}

backend_test!(a_region_moved_after_reports_about_it_in_the_same_file_takes_them_along);
/// A file that reports about a town and then moves the town's county: the report, still waiting to be
/// written when the county moves, is written at the county's new place, with its figures.
async fn a_region_moved_after_reports_about_it_in_the_same_file_takes_them_along(backend: Backend) {
    let s = TestServer::start(&backend).await;
    import(&s, BASE, false).await;
    let file = r#"{"kind":"region","code":"3312","name":"另一市","level":"city","parent":"33"}
{"kind":"report","external_id":"zijin-2022-09","title":"九月","published_on":"2022-09-20","region":"331102003","observations":[{"metric":"people_visited","value":5}]}
{"kind":"region","code":"331102","name":"莲都区","level":"county","parent":"3312","population":480000}"#;
    let summary = import(&s, file, false).await;
    assert_eq!(
        (
            summary.error_count,
            summary.reports.created,
            summary.regions.updated
        ),
        (0, 1, 1)
    );
    let q =
        r#"query($w: String) { reports(within: $w) { totalCount } observations(within: $w) { totalCount } }"#;
    let counts = |d: &Value| {
        (
            d["reports"]["totalCount"].as_i64(),
            d["observations"]["totalCount"].as_i64(),
        )
    };
    let name = backend.name();
    assert_eq!(
        counts(&s.data(q, json!({"w": "3312"})).await),
        (Some(2), Some(3)),
        "[{name}]"
    );
    assert_eq!(
        counts(&s.data(q, json!({"w": "3311"})).await),
        (Some(0), Some(0)),
        "[{name}]"
    );
    s.stop().await;
}

backend_test!(moving_a_region_moves_its_subtree_observations_and_reports);
async fn moving_a_region_moves_its_subtree_observations_and_reports(backend: Backend) {
    let s = TestServer::start(&backend).await;
    import(&s, BASE, false).await;
    let moved = r#"{"kind":"region","code":"3312","name":"另一市","level":"city","parent":"33"}
{"kind":"region","code":"331102","name":"莲都区","level":"county","parent":"3312","population":480000}"#;
    let summary = import(&s, moved, false).await;
    assert_eq!((summary.regions.created, summary.regions.updated), (1, 1));
    let q = r#"query($w: String) { regions(within: $w) { totalCount } observations(within: $w) { totalCount }
        reports(within: $w) { totalCount nodes { externalId } } }"#;
    let counts = |d: &Value| {
        (
            d["regions"]["totalCount"].as_i64(),
            d["observations"]["totalCount"].as_i64(),
            d["reports"]["totalCount"].as_i64(),
            d["reports"]["nodes"].as_array().map(Vec::len),
        )
    };
    // The town's report moved with its county, to the new city.
    let d = s.data(q, json!({"w": "3312"})).await;
    assert_eq!(counts(&d), (Some(4), Some(2), Some(1), Some(1)));
    assert_eq!(d["reports"]["nodes"][0]["externalId"], "zijin-2022-08");
    let d = s.data(q, json!({"w": "3311"})).await;
    assert_eq!(counts(&d), (Some(1), Some(0), Some(0), Some(0)));
    // A region cannot move below its own descendant.
    let cycle = r#"{"kind":"region","code":"33","name":"浙江省","level":"province","parent":"331102003"}"#;
    let summary = import(&s, cycle, false).await;
    assert_eq!(
        (summary.errors[0].line, summary.errors[0].field.as_str()),
        (1, "parent")
    );
    assert!(
        summary.errors[0].message.contains("cycle"),
        "{}",
        summary.errors[0].message
    );
    let d = s
        .data(
            r#"{ region(code: "331102003201") { ancestors { code } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        d["region"]["ancestors"],
        json!([{"code":"33"},{"code":"3312"},{"code":"331102"},{"code":"331102003"}])
    );
    s.stop().await;
}

backend_test!(a_tree_of_many_regions_keeps_every_path);
async fn a_tree_of_many_regions_keeps_every_path(backend: Backend) {
    // 1 province, 3 cities of 400 counties each: new regions go in several statements, and a program
    // line in the middle needs its county written before it.
    let mut lines = vec![
        r#"{"kind":"region","code":"50","name":"省","level":"province","parent":null}"#.to_owned(),
        r#"{"kind":"metric","code":"m","name":"件数","unit":"件","value_type":"count"}"#.to_owned(),
    ];
    for city in 1..=3 {
        lines.push(format!(
            r#"{{"kind":"region","code":"50{city:02}","name":"市{city}","level":"city","parent":"50"}}"#
        ));
        for county in 1..=400 {
            lines.push(format!(
                r#"{{"kind":"region","code":"50{city:02}{county:03}","name":"县{county}","level":"county","parent":"50{city:02}"}}"#
            ));
            if city == 2 && county == 150 {
                lines.push(r#"{"kind":"program","code":"p","name":"行动","region":"5002150"}"#.to_owned());
            }
        }
    }
    // County k of city c reports c * 1000 + k: city 2 sums 400 × 2000 + (1 + … + 400) = 880,200.
    for city in 1..=3 {
        let observations: Vec<String> = (1..=400)
            .map(|k| {
                format!(
                    r#"{{"metric":"m","region":"50{city:02}{k:03}","value":{},"period_start":"2024-01-01","period_end":"2024-12-31"}}"#,
                    city * 1000 + k
                )
            })
            .collect();
        lines.push(format!(
            r#"{{"kind":"report","external_id":"r{city}","title":"t","published_on":"2025-01-10","region":"50{city:02}","observations":[{}]}}"#,
            observations.join(",")
        ));
    }
    let text = lines.join("\n");
    let s = TestServer::start(&backend).await;
    let first = import(&s, &text, false).await;
    assert_eq!(first.errors, vec![]);
    assert_eq!((first.regions.created, first.observations), (1204, 1200));
    assert_eq!(counts(&s).await, [1204, 1, 1, 3, 1200]);
    let q = r#"query($w: String!) {
        regions(within: $w) { totalCount }
        aggregate(metric: "m", within: $w) { value observations }
        program(code: "p") { region { code ancestors { code } } } }"#;
    let d = s.data(q, json!({"w": "5002"})).await;
    assert_eq!(d["regions"]["totalCount"], 401);
    assert_eq!(d["aggregate"][0]["value"], 880_200.0);
    assert_eq!(d["aggregate"][0]["observations"], 400);
    assert_eq!(
        d["program"]["region"],
        json!({"code": "5002150", "ancestors": [{"code": "50"}, {"code": "5002"}]})
    );
    // Again: nothing changes. A later file's new regions get ids of their own.
    let again = import(&s, &text, false).await;
    assert_eq!((again.regions.unchanged, again.regions.created), (1204, 0));
    let more = r#"{"kind":"region","code":"5004","name":"市4","level":"city","parent":"50"}
{"kind":"region","code":"5004001","name":"县1","level":"county","parent":"5004"}"#;
    assert_eq!(import(&s, more, false).await.regions.created, 2);
    let d = s.data(q, json!({"w": "50"})).await;
    assert_eq!(d["regions"]["totalCount"], 1206);
    assert_eq!(d["aggregate"][0]["observations"], 1200);
    s.stop().await;
}
