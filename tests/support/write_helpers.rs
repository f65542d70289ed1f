//! Helpers shared by the write tests (`writes`, `import_http`, `processes`): a region tree, reports as
//! GraphQL input and as interchange lines, tokens, posting, reading answers and counting rows.

use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::product::{Db, Role, create_token};

/// A province with two cities; the first has a county with two towns of two villages each; two
/// metrics and a program.
pub fn tree() -> String {
    let mut lines = vec![
        r#"{"kind":"region","code":"P","name":"省甲","level":"province","parent":null}"#.to_owned(),
        r#"{"kind":"region","code":"C1","name":"市一","level":"city","parent":"P"}"#.to_owned(),
        r#"{"kind":"region","code":"C2","name":"市二","level":"city","parent":"P"}"#.to_owned(),
        r#"{"kind":"region","code":"K1","name":"县一","level":"county","parent":"C1"}"#.to_owned(),
        r#"{"kind":"region","code":"K2","name":"县二","level":"county","parent":"C2"}"#.to_owned(),
    ];
    for t in 1..=2 {
        lines.push(format!(
            r#"{{"kind":"region","code":"T{t}","name":"镇{t}","level":"town","parent":"K1"}}"#
        ));
        for v in 1..=2 {
            lines.push(format!(
                r#"{{"kind":"region","code":"T{t}V{v}","name":"村{t}{v}","level":"village","parent":"T{t}"}}"#
            ));
        }
    }
    lines.push(
        r#"{"kind":"metric","code":"visits","name":"走访人次","unit":"人次","value_type":"count"}"#.into(),
    );
    lines.push(r#"{"kind":"metric","code":"rate","name":"办结率","unit":"%","value_type":"ratio"}"#.into());
    lines.push(r#"{"kind":"program","code":"prog","name":"四五行动","region":"T1"}"#.into());
    lines.join("\n")
}

/// The `postReport` mutation, answering the status and the stored report.
pub const POST: &str = "mutation($r: ReportInput!) { postReport(report: $r) { status report { externalId title \
                        region { code } observations(first: 100) { totalCount } } } }";

/// A `ReportInput` about `region` with `n` observations of `visits` on it (values 1..=n).
pub fn report(external_id: &str, title: &str, region: &str, n: usize) -> Value {
    let observations: Vec<Value> = (1..=n)
        .map(|i| json!({ "metric": "visits", "value": i, "periodStart": "2022-01-01", "quote": format!("第{i}项") }))
        .collect();
    json!({
        "externalId": external_id,
        "title": title,
        "source": "测试日报",
        "publishedOn": "2022-08-20",
        "authors": ["记者"],
        "region": region,
        "observations": observations,
    })
}

/// The same report as an interchange line.
pub fn report_line(external_id: &str, title: &str, region: &str, n: usize) -> String {
    let observations: Vec<Value> = (1..=n)
        .map(|i| json!({ "metric": "visits", "value": i, "period_start": "2022-01-01", "quote": format!("第{i}项") }))
        .collect();
    json!({
        "kind": "report",
        "external_id": external_id,
        "title": title,
        "source": "测试日报",
        "published_on": "2022-08-20",
        "authors": ["记者"],
        "region": region,
        "observations": observations,
    })
    .to_string()
}

/// Creates a token on `db`.
pub async fn token(db: &Db, name: &str, role: Role) -> String {
    create_token(db, name, role).await.expect("the token is created")
}

/// Posts a GraphQL request to `base` (`http://host:port`) with an optional token.
pub async fn graphql_at(
    client: &reqwest::Client,
    base: &str,
    query: &str,
    variables: Value,
    token: Option<&str>,
) -> Value {
    let mut req = client
        .post(format!("{base}/graphql"))
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.expect("the server answers");
    resp.json().await.expect("a JSON response")
}

/// Posts a report; answers the whole response.
pub async fn post_at(client: &reqwest::Client, base: &str, token: &str, input: &Value) -> Value {
    graphql_at(client, base, POST, json!({ "r": input }), Some(token)).await
}

/// `POST /import` of the NDJSON `body` at the server `base` as `token`: the status and the JSON answer.
pub async fn import_at(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    body: impl Into<reqwest::Body>,
) -> (u16, Value) {
    let resp = client
        .post(format!("{base}/import"))
        .bearer_auth(token)
        .body(body)
        .send()
        .await
        .expect("the server answers");
    (resp.status().as_u16(), resp.json().await.expect("a JSON answer"))
}

/// The status of a successful post.
pub fn status(resp: &Value) -> String {
    assert!(resp.get("errors").is_none(), "unexpected errors: {resp:#}");
    resp["data"]["postReport"]["status"]
        .as_str()
        .expect("a status")
        .to_owned()
}

/// The first error's `extensions.code`.
pub fn code(resp: &Value) -> String {
    resp["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("expected an error with a code: {resp:#}"))
        .to_owned()
}

/// Rows of `table`.
pub async fn count(db: &Db, table: &str) -> i64 {
    let row = db
        .read
        .query_one_raw(sea_orm::Statement::from_string(
            db.backend(),
            format!("SELECT COUNT(*) AS n FROM {table}"),
        ))
        .await
        .expect("count")
        .expect("a row");
    row.try_get("", "n").expect("n")
}

/// Rows of region, metric, program, report and observation.
pub async fn counts(db: &Db) -> [i64; 5] {
    [
        count(db, "region").await,
        count(db, "metric").await,
        count(db, "program").await,
        count(db, "report").await,
        count(db, "observation").await,
    ]
}

/// Bounds a test's time.
pub async fn bounded<F: Future>(seconds: u64, f: F) -> F::Output {
    tokio::time::timeout(std::time::Duration::from_secs(seconds), f)
        .await
        .unwrap_or_else(|_| panic!("the test took more than {seconds} s"))
}
