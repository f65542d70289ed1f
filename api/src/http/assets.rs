//! The front-end files, embedded in the binary so that no page needs another host: the GraphiQL page
//! at `GET /`, the dashboard at `GET /dashboard` and the files under `GET /assets/…` (GraphiQL, React and Apache ECharts at pinned
//! versions with their licences; see `api/assets/README.md` and `scripts/refresh-assets.sh`).

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::error::ApiError;

/// One embedded file, by its path under `/assets/`.
struct Asset {
    path: &'static str,
    bytes: &'static [u8],
}

/// Embeds `api/assets/$path`, served at `/assets/$path`.
macro_rules! asset {
    ($path:literal) => {
        Asset {
            path: $path,
            bytes: include_bytes!(concat!("../../assets/", $path)),
        }
    };
}

/// Every file served under `/assets/`. The vendored ones carry their version in their path.
const ASSETS: &[Asset] = &[
    asset!("graphiql.js"),
    asset!("favicon.svg"),
    asset!("dashboard.css"),
    asset!("dashboard/main.js"),
    asset!("dashboard/api.js"),
    asset!("dashboard/state.js"),
    asset!("dashboard/i18n.js"),
    asset!("dashboard/pickers.js"),
    asset!("dashboard/charts.js"),
    asset!("dashboard/table.js"),
    asset!("vendor/react-18.3.1/react.production.min.js"),
    asset!("vendor/react-18.3.1/LICENSE"),
    asset!("vendor/react-dom-18.3.1/react-dom.production.min.js"),
    asset!("vendor/react-dom-18.3.1/LICENSE"),
    asset!("vendor/graphiql-4.1.2/graphiql.min.js"),
    asset!("vendor/graphiql-4.1.2/graphiql.min.css"),
    asset!("vendor/graphiql-4.1.2/LICENSE"),
    asset!("vendor/echarts-5.6.0/echarts.min.js"),
    asset!("vendor/echarts-5.6.0/LICENSE"),
    asset!("vendor/echarts-5.6.0/NOTICE"),
    asset!("vendor/echarts-5.6.0/LICENSE-d3"),
];

/// The GraphiQL page; it loads only files from `/assets/`.
const GRAPHIQL_PAGE: &str = include_str!("../../assets/graphiql.html");

/// The dashboard page; it loads only files from `/assets/` and speaks only to `/graphql`.
const DASHBOARD_PAGE: &str = include_str!("../../assets/dashboard.html");

/// What the pages may load: files of this server, inline styles (GraphiQL sets some), images and
/// fonts inlined as `data:` URLs, and requests to this server (the websocket included).
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; \
     connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// Files whose path carries a version never change: browsers may keep them for a year.
const CACHE_VERSIONED: &str = "public, max-age=31536000, immutable";
/// The page and the files without a version are checked again on every load.
const CACHE_UNVERSIONED: &str = "no-cache";

/// `GET /` (the GraphiQL page), `GET /dashboard` and `GET /assets/{path}`.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/", get(graphiql_page))
        .route("/dashboard", get(dashboard_page))
        .route("/assets/{*path}", get(asset))
}

/// The GraphiQL page, with a content security policy that keeps it on this server.
pub async fn graphiql_page() -> Response {
    page("graphiql.html", GRAPHIQL_PAGE)
}

/// The dashboard, with the same content security policy.
pub async fn dashboard_page() -> Response {
    page("dashboard.html", DASHBOARD_PAGE)
}

/// An HTML page with the content security policy that keeps it on this server.
fn page(path: &str, html: &'static str) -> Response {
    let mut response = file_response(path, html.as_bytes());
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    response
}

/// One embedded file, or 404 with a JSON error naming the path.
async fn asset(Path(path): Path<String>) -> Response {
    match ASSETS.iter().find(|a| a.path == path) {
        Some(found) => file_response(found.path, found.bytes),
        None => ApiError::NotFound(format!("no asset `/assets/{path}`")).into_response(),
    }
}

/// `bytes` with the content type of `path`'s extension and its cache lifetime.
fn file_response(path: &str, bytes: &'static [u8]) -> Response {
    let cache = if path.starts_with("vendor/") {
        CACHE_VERSIONED
    } else {
        CACHE_UNVERSIONED
    };
    let headers = [
        (header::CONTENT_TYPE, content_type(path)),
        (header::CACHE_CONTROL, cache),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    ];
    (headers, bytes).into_response()
}

/// The media type of a file, by its extension (licence files have none: plain text).
fn content_type(path: &str) -> &'static str {
    let name = path.rsplit('/').next().unwrap_or(path);
    match name.rsplit_once('.').map(|(_, extension)| extension) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        _ => "text/plain; charset=utf-8",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_asset_has_a_known_type_and_a_unique_path() {
        for (i, a) in ASSETS.iter().enumerate() {
            assert!(!a.bytes.is_empty(), "{} is empty", a.path);
            assert!(
                ASSETS[i + 1..].iter().all(|b| b.path != a.path),
                "{} twice",
                a.path
            );
            let licence = a.path.contains("LICENSE") || a.path.ends_with("NOTICE");
            assert_eq!(
                content_type(a.path) == "text/plain; charset=utf-8",
                licence,
                "{}",
                a.path
            );
        }
    }
}
