//! The HTTP server: GraphQL over HTTP at `/graphql` (`POST`, and `GET` for queries), GraphiQL and its
//! files at `GET /` and `GET /assets/…` (embedded, see `assets`), subscriptions at `/graphql/ws`, the
//! NDJSON bulk import `POST /import` and `GET /healthz`. Handlers are small and share one [`AppState`].
//! Every request is logged (`logging`); all but `/healthz` count against the optional per-client rate
//! limit (`rate_limit`).

mod assets;
mod graphql;
mod import;
pub mod logging;
pub mod otel;
mod protocol;
pub mod rate_limit;
mod shutdown;

pub use shutdown::shutdown_signal;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower_http::compression::CompressionLayer;
use tower_http::cors::CorsLayer;

use crate::config::Config;
use crate::events::Events;
use crate::graphql::AppSchema;
use crate::graphql::cost::ParsedQueries;
use crate::store::Db;
use crate::writes::Writes;

/// What every handler shares.
pub struct AppState {
    pub schema: AppSchema,
    pub db: Db,
    pub config: Config,
    /// The writers, and the events of reports created or replaced for `reportPosted` subscriptions.
    pub writes: Writes,
    /// Cancelled when the server stops, after the requests in flight finished: websocket
    /// connections then close with code 1001 (going away).
    pub closing: CancellationToken,
    /// The open websocket connections, which [`serve`] waits for (briefly) before it returns.
    pub websockets: TaskTracker,
    /// The parsed documents of recent query texts, shared with the schema's cost analysis.
    pub parsed: Arc<ParsedQueries>,
}

impl AppState {
    /// The state of a server on `db` with the settings of `config`.
    pub fn new(db: Db, config: Config) -> Arc<AppState> {
        crate::telemetry::install();
        let writes = Writes::new(db.clone(), Events::new(config.event_buffer), &config);
        let parsed = Arc::<ParsedQueries>::default();
        Arc::new(AppState {
            schema: crate::graphql::schema(db.clone(), config.clone(), writes.clone(), parsed.clone()),
            db,
            config,
            writes,
            closing: CancellationToken::new(),
            websockets: TaskTracker::new(),
            parsed,
        })
    }
}

/// All routes with their middleware.
pub fn router(state: Arc<AppState>) -> Router {
    let graphql = Router::new()
        .route("/graphql", get(graphql::graphql_get).post(graphql::graphql_post))
        .layer(DefaultBodyLimit::max(state.config.graphql_body_limit));
    let mut limited = Router::new()
        .merge(assets::routes())
        .merge(graphql)
        .route("/graphql/ws", get(graphql::websocket))
        .route("/import", post(import::import));
    if let Some(per_second) = state.config.rate_limit {
        let limit = Arc::new(rate_limit::RateLimit::new(per_second));
        limited = limited.layer(from_fn_with_state(limit, rate_limit::enforce));
    }
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .merge(limited)
        .layer(CompressionLayer::new())
        .layer(CorsLayer::permissive())
        .layer(from_fn(logging::log_request))
        .with_state(state)
}

/// `GET /metrics`: the Prometheus text format (see `telemetry`), with the pools sampled now.
async fn metrics(State(state): State<Arc<AppState>>) -> impl IntoResponse {
    let (busy, idle) = crate::store::pool_usage(&state.db.read);
    crate::telemetry::connections("read", busy, idle);
    let (busy, idle) = crate::store::pool_usage(&state.db.write);
    crate::telemetry::connections("write", busy, idle);
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        crate::telemetry::render(),
    )
}

/// How long `/healthz` waits for each database.
const HEALTH_TIMEOUT: std::time::Duration = std::time::Duration::from_millis(1500);

/// `GET /healthz`: 200 when the database that reads go to answers within 1.5 s, else 503, with a
/// JSON body naming each pool's state (`ok` or `unavailable`): `{"status": "ok", "database": "ok"}`,
/// or, with a read replica, `{"status": "ok", "primary": "ok", "replica": "ok", "replicaLagSeconds":
/// 0.0}`, where `status` is `degraded` while the primary is down (reads answer, writes do not).
async fn healthz(State(state): State<Arc<AppState>>) -> impl IntoResponse {
    let db = &state.db;
    let mut body = serde_json::Map::new();
    let status = if db.has_replica() {
        let (reads, primary, lag) = tokio::join!(
            answers(db.ping(), "health check of the replica"),
            answers(db.ping_primary(), "health check of the primary"),
            tokio::time::timeout(HEALTH_TIMEOUT, db.replica_lag()),
        );
        let lag = lag.ok().and_then(Result::ok).flatten();
        body.insert("primary".into(), state_of(primary).into());
        body.insert("replica".into(), state_of(reads).into());
        body.insert("replicaLagSeconds".into(), lag.into());
        match (reads, primary) {
            (true, true) => "ok",
            (true, false) => "degraded",
            (false, _) => "unavailable",
        }
    } else {
        let reads = answers(db.ping(), "health check").await;
        body.insert("database".into(), state_of(reads).into());
        if reads { "ok" } else { "unavailable" }
    };
    body.insert("status".into(), status.into());
    let code = if status != "unavailable" {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, axum::Json(serde_json::Value::Object(body)))
}

/// Whether `ping` succeeds within [`HEALTH_TIMEOUT`]; a failure is logged as `what`.
async fn answers(ping: impl Future<Output = Result<(), sea_orm::DbErr>>, what: &str) -> bool {
    match tokio::time::timeout(HEALTH_TIMEOUT, ping).await {
        Ok(Ok(())) => true,
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "{what} failed");
            false
        }
        Err(_) => {
            tracing::warn!("{what} timed out");
            false
        }
    }
}

fn state_of(answers: bool) -> &'static str {
    if answers { "ok" } else { "unavailable" }
}

/// How long [`serve`] waits for websocket connections to send their close frames.
const WEBSOCKET_CLOSE_WAIT: Duration = Duration::from_secs(5);

/// Serves `state` on `listener` until `shutdown` resolves, then finishes the requests in flight and
/// closes the websocket connections with code 1001 (going away).
pub async fn serve(
    listener: TcpListener,
    state: Arc<AppState>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // The events of every writer of the database reach this server's subscribers through its tailer.
    crate::events::tailer::spawn(
        state.db.clone(),
        state.writes.events().clone(),
        state.config.event_retention(),
        state.closing.clone(),
    );
    // The peer address is the client of the rate limit when there is no token.
    let app = router(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let served = axum::serve(listener, app).with_graceful_shutdown(shutdown).await;
    state.closing.cancel();
    state.websockets.close();
    if tokio::time::timeout(WEBSOCKET_CLOSE_WAIT, state.websockets.wait())
        .await
        .is_err()
    {
        tracing::warn!("some websocket connections did not close in time");
    }
    served
}
