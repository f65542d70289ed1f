//! The dashboard at `/dashboard` in a real headless Chromium (Debian's `chromium` and `chromedriver`,
//! over WebDriver) on the demo data: the charts are drawn, the table shows what `compare` answers
//! through the API, the picker changes the URL and the table, a posted report refreshes the view, a
//! private server asks for a token, no other host is contacted and the console stays clean.
//! Screenshots of the main views go to `target/screenshots/`.

mod browser;

use civicgraph_tests::write_helpers::{bounded, post_at, status, token};
use civicgraph_tests::{Backend, Config, DEMO_DATASET, Role, TestServer};
use fantoccini::Locator;
use serde_json::{Value, json};

use browser::Browser;

/// The view the tests open: the counties of 浙江省 by problems solved over five years.
const VIEW: &str = "metric=problems_solved&within=330000&level=COUNTY&from=2020-01-01&to=2024-12-31";

const COMPARE: &str = "query($m: String!) { compare(metric: $m, within: \"330000\", level: COUNTY,
    from: \"2020-01-01\", to: \"2024-12-31\") { rows { region { code name } value qualifier } } }";

/// The rows `compare` answers through the API, as `(code, value)`.
async fn api_rows(s: &TestServer, metric: &str, token: Option<&str>) -> Vec<(String, Option<f64>)> {
    let resp = s.graphql_as(COMPARE, json!({ "m": metric }), token).await;
    assert!(resp.get("errors").is_none(), "{resp:#}");
    resp["data"]["compare"]["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            (
                r["region"]["code"].as_str().unwrap().to_owned(),
                r["value"].as_f64(),
            )
        })
        .collect()
}

/// The rows of the page's table, as `(code, value, visible value text)`.
async fn table_rows(b: &Browser) -> Vec<(String, Option<f64>, String)> {
    let rows = b
        .eval(
            "return [...document.querySelectorAll('#table tbody tr')].map(tr =>
               [tr.dataset.region, tr.dataset.value, tr.querySelector('td.value').textContent]);",
        )
        .await;
    rows.as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            let value = r[1].as_str().unwrap();
            (
                r[0].as_str().unwrap().to_owned(),
                (!value.is_empty()).then(|| value.parse().expect("a number")),
                r[2].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Checks that the table lists exactly the API's rows, in its order, with the values shown.
async fn check_table(b: &Browser, s: &TestServer, metric: &str, token: Option<&str>) {
    let expected = api_rows(s, metric, token).await;
    let shown = table_rows(b).await;
    let listed: Vec<(String, Option<f64>)> = shown.iter().map(|(c, v, _)| (c.clone(), *v)).collect();
    assert_eq!(listed, expected, "the table of {metric} differs from compare");
    for (code, value, text) in &shown {
        match value {
            // "≥ 7,400": the digits shown are the value.
            Some(v) => {
                let digits: String = text.chars().filter(|c| c.is_ascii_digit() || *c == '.').collect();
                assert_eq!(digits.parse::<f64>().ok(), Some(*v), "{code}: {text}");
            }
            None => assert!(!text.chars().any(|c| c.is_ascii_digit()), "{code}: {text}"),
        }
    }
}

/// Waits until the page has drawn a view of `metric`.
async fn wait_for_view(b: &Browser, metric: &str) {
    let script = format!(
        "return document.body.dataset.ready === 'true' && !document.body.classList.contains('busy')
           && new URLSearchParams(location.search).get('metric') === '{metric}'
           && document.querySelectorAll('#table tbody tr').length > 0;"
    );
    b.wait_until(&format!("the view of {metric}"), &script).await;
}

/// The compare chart's canvas size and the number of bars it draws.
async fn compare_chart(b: &Browser) -> (u64, u64, usize) {
    let v = b
        .eval(
            "const el = document.getElementById('chart-compare');
             const canvas = el.querySelector('canvas');
             const chart = echarts.getInstanceByDom(el);
             return [canvas ? canvas.width : 0, canvas ? canvas.height : 0,
                     chart ? chart.getOption().series[0].data.length : 0];",
        )
        .await;
    (
        v[0].as_u64().unwrap(),
        v[1].as_u64().unwrap(),
        v[2].as_u64().unwrap() as usize,
    )
}

/// Checks that every request went to `base` (http and ws) and that the page did load its parts.
fn only_this_host(urls: &[String], base: &str) {
    let ws = base.replacen("http://", "ws://", 1);
    for url in urls {
        assert!(
            url.starts_with(&format!("{base}/"))
                || url.starts_with(&format!("{ws}/"))
                || url.starts_with("data:"),
            "the page requested {url}, not on {base}"
        );
    }
    for part in [
        "/dashboard?",
        "/assets/vendor/echarts-5.6.0/echarts.min.js",
        "/graphql",
        "/graphql/ws",
    ] {
        assert!(
            urls.iter().any(|u| u.contains(part)),
            "no request for {part}: {urls:#?}"
        );
    }
}

/// The console's errors (level SEVERE).
async fn console_errors(b: &Browser) -> Vec<Value> {
    b.log("browser")
        .await
        .into_iter()
        .filter(|e| e["level"] == "SEVERE")
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_shows_what_compare_answers_and_follows_the_picker() {
    bounded(120, async {
        let s = TestServer::start(&Backend::Sqlite).await;
        s.import(DEMO_DATASET).await;
        let test = "dashboard::the_dashboard_shows_what_compare_answers_and_follows_the_picker";
        let Some(b) = Browser::start(test, 1280, 1500).await else {
            return;
        };
        b.client.goto(&format!("{}/dashboard?{VIEW}", s.url)).await.expect("the page opens");
        wait_for_view(&b, "problems_solved").await;

        // The chart is drawn: a canvas with a size and one bar per region with a value.
        let (width, height, bars) = compare_chart(&b).await;
        assert!(width > 0 && height > 0, "canvas {width}×{height}");
        let expected = api_rows(&s, "problems_solved", None).await;
        let with_data = expected.iter().filter(|(_, v)| v.is_some()).count();
        assert_eq!(bars, with_data, "one bar per region with data");
        assert!(with_data >= 2, "the demo view should compare several counties");
        let trend = b
            .eval("return echarts.getInstanceByDom(document.getElementById('chart-trend')).getOption().series.length;")
            .await;
        assert!(trend.as_u64().unwrap() >= 2, "the trend shows the region and its top counties");
        // The table is the API's answer; the coverage says how many reported.
        check_table(&b, &s, "problems_solved", None).await;
        let summary = b.eval("return document.getElementById('summary').textContent;").await;
        let coverage = format!("{}个县（区）中有 {} 个报送了数据", expected.len(), with_data);
        assert!(summary.as_str().unwrap().contains(&coverage), "{summary}");
        // The URL keeps the view (the page added the trend's grain).
        let url = b.client.current_url().await.unwrap();
        assert!(url.as_str().contains(VIEW), "{url}");
        b.screenshot("dashboard-compare").await;
        b.eval("document.getElementById('chart-trend').scrollIntoView();").await;
        b.screenshot("dashboard-trend").await;
        b.eval("document.getElementById('table').scrollIntoView();").await;
        b.screenshot("dashboard-provenance").await;

        // A report posted within the view refreshes it, with a notice. The first post may come
        // before the subscription is registered: each retry replaces the report, which announces
        // it again.
        b.wait_until("the live subscription", "return document.body.dataset.live === 'subscribed';")
            .await;
        let importer = token(&s.db, "dashboard-live", Role::Importer).await;
        let mut shown = None;
        for value in [120.0, 121.0, 122.0, 123.0, 124.0] {
            let report = json!({"externalId": "dashboard-live", "title": "余杭区解决群众诉求",
                "publishedOn": "2023-06-30", "region": "330110",
                "observations": [{"metric": "problems_solved", "value": value,
                    "periodStart": "2023-01-01", "periodEnd": "2023-06-30", "quote": "解决问题120余件"}]});
            assert_ne!(status(&post_at(&s.client, &s.url, &importer, &report).await), "UNCHANGED");
            let seen = format!(
                "return document.querySelector('#table tr[data-region=\"330110\"]')?.dataset.value === '{value}'
                   && !document.getElementById('notice').hidden;"
            );
            for _ in 0..40 {
                if b.eval(&seen).await == Value::Bool(true) {
                    shown = Some(value);
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            if shown.is_some() {
                break;
            }
        }
        assert!(shown.is_some(), "the posted report never showed");
        let notice = b.eval("return document.getElementById('notice').textContent;").await;
        assert!(notice.as_str().unwrap().contains("余杭区解决群众诉求"), "{notice}");
        wait_for_view(&b, "problems_solved").await;
        check_table(&b, &s, "problems_solved", None).await;

        // Another metric from the picker: the URL and the table follow.
        b.client
            .find(Locator::Id("metric"))
            .await
            .expect("the metric picker")
            .select_by_value("suggestions_collected")
            .await
            .expect("the metric is chosen");
        wait_for_view(&b, "suggestions_collected").await;
        let url = b.client.current_url().await.unwrap();
        let view = VIEW.replace("problems_solved", "suggestions_collected");
        assert!(url.as_str().contains(&view), "{url}");
        check_table(&b, &s, "suggestions_collected", None).await;
        let (_, _, bars) = compare_chart(&b).await;
        let expected = api_rows(&s, "suggestions_collected", None).await;
        assert_eq!(bars, expected.iter().filter(|(_, v)| v.is_some()).count());
        // Back to the first view through the browser's history.
        b.client.back().await.expect("back");
        wait_for_view(&b, "problems_solved").await;
        check_table(&b, &s, "problems_solved", None).await;

        // English, and a phone-sized window.
        b.client.find(Locator::Id("lang")).await.unwrap().click().await.unwrap();
        let summary = b.eval("return document.getElementById('summary').textContent;").await;
        assert!(summary.as_str().unwrap().contains("counties reported"), "{summary}");
        b.screenshot("dashboard-english").await;
        b.client.set_window_size(390, 844).await.expect("a phone-sized window");
        let overflow = b
            .eval("return document.documentElement.scrollWidth - document.documentElement.clientWidth;")
            .await;
        assert_eq!(overflow.as_i64(), Some(0), "the page scrolls sideways on a phone");
        b.screenshot("dashboard-phone").await;

        // Nothing but this server was asked for anything, and the console has no error.
        let urls = b.requested_urls().await;
        only_this_host(&urls, &s.url);
        let resources = b
            .eval("return performance.getEntriesByType('resource').map(e => e.name);")
            .await;
        for name in resources.as_array().unwrap() {
            assert!(name.as_str().unwrap().starts_with(&s.url), "{name}");
        }
        let errors = console_errors(&b).await;
        assert!(errors.is_empty(), "console errors: {errors:#?}");
        b.close().await;
        s.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_asks_a_private_server_for_a_token_and_keeps_it_in_the_session() {
    bounded(120, async {
        let config = Config {
            private: true,
            ..Config::default()
        };
        let s = TestServer::start_with(&Backend::Sqlite, config, |_| {}).await;
        s.import(DEMO_DATASET).await;
        let reader = token(&s.db, "dashboard-reader", Role::Importer).await;
        let test = "dashboard::the_dashboard_asks_a_private_server_for_a_token_and_keeps_it_in_the_session";
        let Some(b) = Browser::start(test, 1024, 900).await else {
            return;
        };
        b.client
            .goto(&format!("{}/dashboard?{VIEW}", s.url))
            .await
            .expect("the page opens");
        b.wait_until(
            "the token form",
            "return !document.getElementById('token-form').hidden;",
        )
        .await;
        b.screenshot("dashboard-token").await;
        let input = b.client.find(Locator::Id("token")).await.unwrap();
        input.send_keys(&reader).await.unwrap();
        b.client
            .find(Locator::Css("#token-form button[type=submit]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        wait_for_view(&b, "problems_solved").await;
        check_table(&b, &s, "problems_solved", Some(&reader)).await;
        let stored = b
            .eval(
                "return [sessionStorage.getItem('civicgraph.token'),
                         Object.keys(localStorage).map(k => localStorage.getItem(k)).join(' ')];",
            )
            .await;
        assert_eq!(
            stored[0].as_str(),
            Some(reader.as_str()),
            "kept in sessionStorage"
        );
        assert!(
            !stored[1].as_str().unwrap().contains(&reader),
            "never in localStorage"
        );
        assert!(!b.client.current_url().await.unwrap().as_str().contains(&reader));
        b.wait_until(
            "the live subscription",
            "return document.body.dataset.live === 'subscribed';",
        )
        .await;
        // The only console errors are the refused requests before the token was given.
        for error in console_errors(&b).await {
            let message = error["message"].as_str().unwrap_or_default();
            assert!(message.contains("401"), "console error: {error:#}");
        }
        b.close().await;
        s.stop().await;
    })
    .await;
}
