//! Figures from report text: `civicgraph extract` on the command line, the `extract` preview over
//! GraphQL, and `postReport(extract: true)` storing the reported figures whose metric and region
//! resolve, marked as extracted with their offsets.

use civicgraph_tests::write_helpers::*;
use civicgraph_tests::{Backend, DEMO_DATASET, Role, TestDb, TestServer, backend_test, import_lines};
use serde_json::{Value, json};

/// The `civicgraph` binary, built from the current code with the tests.
const BIN: &str = env!("CARGO_BIN_EXE_civicgraph-under-test");

/// A report body in the corpus's style: two reported figures and a norm.
const BODY: &str = "自1月份启动干部大走访以来,紫金街道累计走访各类人员7000余人次,收集问题建议42条。\
                    街道要求干部每月至少开展一次走访。";

const EXTRACT: &str = "query($t: String!, $d: Date!) { extract(text: $t, publishedOn: $d) {
    quote start end value unit qualifier figure metric regionCode periodText periodStart periodEnd } }";

fn quotes(figures: &Value) -> Vec<String> {
    figures
        .as_array()
        .expect("a list")
        .iter()
        .map(|f| f["quote"].as_str().unwrap_or("").to_owned())
        .collect()
}

backend_test!(extract_previews_the_figures_of_a_text);
/// The preview reads the figures with the database's catalog and writes nothing.
async fn extract_previews_the_figures_of_a_text(backend: Backend) {
    let s = TestServer::start(&backend).await;
    s.import(DEMO_DATASET).await;
    let before = counts(&s.db).await;
    let d = s.data(EXTRACT, json!({ "t": BODY, "d": "2022-08-20" })).await;
    let figures = &d["extract"];
    assert_eq!(
        quotes(figures),
        ["7000余人次", "42条", "至少开展一次"],
        "{figures:#}"
    );
    let first = &figures[0];
    assert_eq!(first["value"], 7000.0);
    assert_eq!(first["qualifier"], "OVER");
    assert_eq!(first["metric"], "people_visited");
    assert_eq!(first["regionCode"], "331102-zijin");
    assert_eq!(first["periodStart"], "2022-01-01");
    assert_eq!(first["periodEnd"], "2022-08-20");
    let start = first["start"].as_u64().unwrap() as usize;
    let end = first["end"].as_u64().unwrap() as usize;
    assert_eq!(
        BODY.chars().skip(start).take(end - start).collect::<String>(),
        "7000余人次"
    );
    assert_eq!(figures[2]["figure"], false, "a norm is not a figure");
    assert_eq!(counts(&s.db).await, before, "a preview writes nothing");
    s.stop().await;
}

backend_test!(post_report_with_extract_stores_the_resolved_figures);
/// `postReport(extract: true)` stores each reported figure whose metric and region resolve, marked as
/// extracted with its offsets; an explicit observation with the same quote wins; the rest are listed
/// with the reason.
async fn post_report_with_extract_stores_the_resolved_figures(backend: Backend) {
    let s = TestServer::start(&backend).await;
    s.import(DEMO_DATASET).await;
    let t = token(&s.db, "importer", Role::Importer).await;
    let post = "mutation($r: ReportInput!) { postReport(report: $r) { status
        report { observations(first: 100) { edges { node { quote value qualifier extracted quoteStart quoteEnd
          metric { code } region { code } } } } }
        skippedFigures { reason figure { quote } } } }";
    let input = json!({
        "externalId": "extract-1", "title": "紫金街道大走访", "publishedOn": "2022-08-20",
        "region": "331102-zijin", "body": BODY, "extract": true,
        "observations": [{ "metric": "suggestions_collected", "value": 42, "quote": "收集问题建议42条" }],
    });
    let resp = graphql_at(&s.client, &s.url, post, json!({ "r": input }), Some(&t)).await;
    assert!(resp.get("errors").is_none(), "{resp:#}");
    let payload = &resp["data"]["postReport"];
    assert_eq!(payload["status"], "CREATED");
    let stored: Vec<&Value> = payload["report"]["observations"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["node"])
        .collect();
    assert_eq!(stored.len(), 2, "{stored:#?}");
    assert_eq!(stored[0]["extracted"], false);
    let extracted = stored[1];
    assert_eq!(extracted["quote"], "7000余人次");
    assert_eq!(
        (extracted["value"].as_f64(), &extracted["qualifier"]),
        (Some(7000.0), &json!("OVER"))
    );
    assert_eq!(extracted["extracted"], true);
    assert_eq!(extracted["metric"]["code"], "people_visited");
    assert_eq!(extracted["region"]["code"], "331102-zijin");
    assert!(extracted["quoteStart"].as_i64().unwrap() < extracted["quoteEnd"].as_i64().unwrap());
    let skipped: Vec<(String, String)> = payload["skippedFigures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let reason = f["reason"].as_str().unwrap().to_owned();
            (f["figure"]["quote"].as_str().unwrap().to_owned(), reason)
        })
        .collect();
    assert_eq!(
        skipped,
        [
            ("42条".to_owned(), "GIVEN_EXPLICITLY".to_owned()),
            ("至少开展一次".to_owned(), "NOT_A_FIGURE".to_owned())
        ]
    );
    // The same post again changes nothing: extraction is deterministic.
    let resp = graphql_at(&s.client, &s.url, post, json!({ "r": input }), Some(&t)).await;
    assert_eq!(resp["data"]["postReport"]["status"], "UNCHANGED", "{resp:#}");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_extract_command_prints_one_json_object_per_mention() {
    let db = TestDb::create(&Backend::Sqlite).await;
    let summary = import_lines(
        &db.open().await,
        Default::default(),
        DEMO_DATASET.lines().map(str::to_owned),
    )
    .await
    .expect("the demo imports");
    assert!(summary.committed);
    let dir = tempfile::tempdir().expect("a temp dir");
    let file = dir.path().join("report.txt");
    std::fs::write(&file, BODY).expect("the text is written");
    let output = tokio::process::Command::new(BIN)
        .args(["--db", &db.url, "extract", "--published-on", "2022-08-20"])
        .arg(&file)
        .env("RUST_LOG", "off")
        .output()
        .await
        .expect("the command runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["doc"], "report.txt");
    assert_eq!(lines[0]["quote"], "7000余人次");
    assert_eq!(lines[0]["metric"], "people_visited");
    assert_eq!(lines[0]["region"]["code"], "331102-zijin");
    assert_eq!(lines[0]["period"]["text"], "自1月份启动干部大走访以来");
    assert_eq!(lines[1]["metric"], "suggestions_collected");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_with_extract_stores_the_figures_of_report_bodies() {
    let db = TestDb::create(&Backend::Sqlite).await;
    let conn = db.open().await;
    let summary = import_lines(&conn, Default::default(), DEMO_DATASET.lines().map(str::to_owned))
        .await
        .expect("the demo imports");
    assert!(summary.committed);
    let dir = tempfile::tempdir().expect("a temp dir");
    let file = dir.path().join("reports.ndjson");
    let report = json!({"kind": "report", "external_id": "bodies-1", "title": "紫金街道大走访",
        "published_on": "2022-08-20", "region": "331102-zijin", "body": BODY});
    std::fs::write(&file, format!("{report}\n")).expect("the file is written");
    let before = count(&conn, "observation WHERE extracted = true").await;
    let output = tokio::process::Command::new(BIN)
        .args(["--db", &db.url, "import", "--extract"])
        .arg(&file)
        .env("RUST_LOG", "off")
        .output()
        .await
        .expect("the command runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // 7000余人次 and 42条 resolve; the norm does not count.
    assert_eq!(
        count(&conn, "observation WHERE extracted = true").await - before,
        2
    );
}
