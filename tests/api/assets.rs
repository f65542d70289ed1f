//! The GraphiQL page, the dashboard and their files are served by civicgraph itself: every file a
//! page loads (and every module its scripts import) is a local `/assets/` path, served with its
//! content type, and nothing points the browser at another host.

use civicgraph_tests::{Backend, TestServer};

/// The values of every `src="…"` and `href="…"` attribute in `html`.
fn references(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for attribute in ["src=\"", "href=\""] {
        for (start, _) in html.match_indices(attribute) {
            let rest = &html[start + attribute.len()..];
            if let Some(end) = rest.find('"') {
                found.push(rest[..end].to_owned());
            }
        }
    }
    found
}

/// The `http://`/`https://` URLs in `text`, each up to the first character that ends a URL.
fn urls(text: &str) -> Vec<&str> {
    let ends_url = |c: char| c.is_whitespace() || "\"'`()<>,;\\".contains(c);
    ["http://", "https://"]
        .iter()
        .flat_map(|scheme| text.match_indices(scheme))
        .map(|(start, _)| {
            let rest = &text[start..];
            &rest[..rest.find(ends_url).unwrap_or(rest.len())]
        })
        .collect()
}

/// Hosts that the vendored bundles name in text but never load: XML namespaces, and links in error
/// messages and licence comments. A new host here means a refreshed bundle may fetch something:
/// look at it before adding it.
const HOSTS_NAMED_NOT_LOADED: &[&str] = &[
    "www.w3.org",
    "reactjs.org",
    "github.com",
    "radix-ui.com",
    "en.wikipedia.org",
    "commonmark.org",
    "codemirror.net",
    "www.apache.org",
];

fn host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    rest.split(['/', '?', '#', ':']).next().unwrap_or(rest)
}

/// The content type a file must be served with, by its extension.
fn expected_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, extension)| extension) {
        Some("js") => "text/javascript",
        Some("css") => "text/css",
        Some("svg") => "image/svg+xml",
        other => panic!("{path}: no expected type for extension {other:?}"),
    }
}

fn header(r: &reqwest::Response, name: &str) -> String {
    r.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

/// Fetches the page at `path`: HTML with a policy that keeps it on this server, naming no other
/// host; answers the files it references.
async fn page(s: &TestServer, path: &str) -> Vec<String> {
    let page = s.client.get(format!("{}{path}", s.url)).send().await.unwrap();
    assert_eq!(page.status(), 200, "{path}");
    assert!(header(&page, "content-type").starts_with("text/html"), "{path}");
    let policy = header(&page, "content-security-policy");
    for directive in ["default-src 'self'", "script-src 'self';", "connect-src 'self'"] {
        assert!(policy.contains(directive), "{path}: {policy}");
    }
    let html = page.text().await.unwrap();
    assert!(
        urls(&html).is_empty(),
        "{path} names other hosts: {:?}",
        urls(&html)
    );
    assert!(!html.contains("//cdn") && !html.contains("src=\"//"), "{html}");
    references(&html)
}

/// The relative modules a script imports (`from "./x.js"`), as paths beside `file`.
fn imports(file: &str, text: &str) -> Vec<String> {
    let dir = &file[..file.rfind('/').map_or(0, |i| i + 1)];
    text.match_indices("from \"./")
        .filter_map(|(start, _)| {
            let rest = &text[start + 8..];
            rest.find('"').map(|end| format!("{dir}{}", &rest[..end]))
        })
        .collect()
}

/// Each file (and each module the scripts import) is a local asset, served with its type, naming
/// no host known to be loaded; stylesheets load only inlined `data:` URLs.
async fn check_files(s: &TestServer, files: &[String]) {
    let mut queue: Vec<String> = files.to_vec();
    let mut seen = Vec::new();
    while let Some(file) = queue.pop() {
        if seen.contains(&file) {
            continue;
        }
        seen.push(file.clone());
        assert!(file.starts_with("/assets/"), "{file} is not a local asset");
        let resp = s.client.get(format!("{}{file}", s.url)).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{file}");
        let content_type = header(&resp, "content-type");
        assert!(
            content_type.starts_with(expected_type(&file)),
            "{file}: {content_type}"
        );
        if file.starts_with("/assets/vendor/") {
            assert!(header(&resp, "cache-control").contains("immutable"), "{file}");
        }
        let text = resp.text().await.unwrap();
        assert!(!text.is_empty(), "{file} is empty");
        if file.ends_with(".js") && !file.starts_with("/assets/vendor/") {
            queue.extend(imports(&file, &text));
        }
        // A bare `http://` (code that builds links from text) names no host.
        for url in urls(&text).into_iter().filter(|url| !host(url).is_empty()) {
            assert!(
                HOSTS_NAMED_NOT_LOADED.contains(&host(url)),
                "{file} names {url}, of a host not known to be harmless"
            );
        }
        if file.ends_with(".css") {
            // Stylesheets load fonts and images through `url(…)`: only inlined `data:` ones.
            for (start, _) in text.match_indices("url(") {
                let target = text[start + 4..].trim_start_matches(['"', '\'']);
                assert!(
                    target.starts_with("data:"),
                    "{file}: url({})",
                    &target[..40.min(target.len())]
                );
            }
            assert!(!text.contains("@import"), "{file} imports another stylesheet");
        }
        if let Some((_, map)) = text.rsplit_once("sourceMappingURL=") {
            assert!(
                !map.contains("//"),
                "{file} points at a source map elsewhere: {map}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphiql_is_served_from_the_binary_only() {
    let s = TestServer::start(&Backend::Sqlite).await;
    let files = page(&s, "/").await;
    assert!(
        files.iter().filter(|f| f.ends_with(".js")).count() >= 3 && files.iter().any(|f| f.ends_with(".css")),
        "the page should load GraphiQL's scripts and styles: {files:?}"
    );
    check_files(&s, &files).await;
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_is_served_from_the_binary_only() {
    let s = TestServer::start(&Backend::Sqlite).await;
    let mut files = page(&s, "/dashboard").await;
    // Its link to the GraphiQL page, checked above.
    files.retain(|f| f != "/");
    for needed in [
        "/assets/vendor/echarts-5.6.0/echarts.min.js",
        "/assets/dashboard/main.js",
        "/assets/dashboard.css",
    ] {
        assert!(files.iter().any(|f| f == needed), "{needed} not in {files:?}");
    }
    check_files(&s, &files).await;
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_assets_are_404_and_the_chart_library_is_there() {
    let s = TestServer::start(&Backend::Sqlite).await;
    for missing in [
        "/assets/nope.js",
        "/assets/vendor/react-18.3.1/",
        "/assets/graphiql.html",
    ] {
        let resp = s.client.get(format!("{}{missing}", s.url)).send().await.unwrap();
        assert_eq!(resp.status(), 404, "{missing}");
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(body["code"], "NOT_FOUND", "{missing}: {body}");
    }
    // The chart library for pages with charts, with its licence.
    for (file, expected) in [
        ("echarts.min.js", "echarts"),
        ("LICENSE", "Apache License"),
        ("NOTICE", "Apache ECharts"),
    ] {
        let url = format!("{}/assets/vendor/echarts-5.6.0/{file}", s.url);
        let resp = s.client.get(url).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{file}");
        assert!(resp.text().await.unwrap().contains(expected), "{file}");
    }
    s.stop().await;
}
