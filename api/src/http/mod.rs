//! The HTTP server: GraphQL over HTTP at `/graphql` (`POST`, and `GET` for queries), GraphiQL and its
//! files at `GET /` and `GET /assets/…` (embedded, see `assets`), subscriptions at `/graphql/ws`, the
//! NDJSON bulk import `POST /import` and `GET /healthz`. Handlers are small and share one [`AppState`].

mod assets;
mod graphql;
mod import;
mod protocol;
mod shutdown;

pub use shutdown::shutdown_signal;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use tokio::net::TcpListener;
use tower_http::compression::CompressionLayer;
use tower_http::cors::CorsLayer;
use tower_http::trace::TraceLayer;

use crate::config::Config;
use crate::events::Events;
use crate::graphql::AppSchema;
use crate::store::Db;
use crate::writes::Writes;

/// What every handler shares.
pub struct AppState {
    pub schema: AppSchema,
    pub db: Db,
    pub config: Config,
    /// The writers, and the events of reports created or replaced for `reportPosted` subscriptions.
    pub writes: Writes,
}

impl AppState {
    /// The state of a server on `db` with the settings of `config`.
    pub fn new(db: Db, config: Config) -> Arc<AppState> {
        let writes = Writes::new(db.clone(), Events::new(config.event_buffer), &config);
        Arc::new(AppState {
            schema: crate::graphql::schema(db.clone(), config.clone(), writes.clone()),
            db,
            config,
            writes,
        })
    }
}

/// All routes with their middleware.
pub fn router(state: Arc<AppState>) -> Router {
    let graphql = Router::new()
        .route("/graphql", get(graphql::graphql_get).post(graphql::graphql_post))
        .layer(DefaultBodyLimit::max(state.config.graphql_body_limit));
    Router::new()
        .merge(assets::routes())
        .route("/healthz", get(healthz))
        .merge(graphql)
        .route("/graphql/ws", get(graphql::websocket))
        .route("/import", post(import::import))
        .layer(CompressionLayer::new())
        .layer(CorsLayer::permissive())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// How long `/healthz` waits for the database.
const HEALTH_TIMEOUT: std::time::Duration = std::time::Duration::from_millis(1500);

/// `GET /healthz`: 200 when the database answers, 503 when it does not within 1.5 s.
async fn healthz(State(state): State<Arc<AppState>>) -> impl IntoResponse {
    match tokio::time::timeout(HEALTH_TIMEOUT, state.db.ping()).await {
        Ok(Ok(())) => (StatusCode::OK, "ok"),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
        Err(_) => {
            tracing::warn!("health check timed out");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}

/// Serves `state` on `listener` until `shutdown` resolves, then finishes the requests in flight.
pub async fn serve(
    listener: TcpListener,
    state: Arc<AppState>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}
