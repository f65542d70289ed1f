//! The HTTP server: `POST /graphql`, GraphiQL at `GET /`, `GET /healthz`.

use std::sync::Arc;

use async_graphql::http::GraphiQLSource;
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use tokio::net::TcpListener;
use tower_http::compression::CompressionLayer;
use tower_http::cors::CorsLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;

use crate::config::{DEFAULT_GRAPHQL_BODY_LIMIT, ServerConfig};
use crate::db::Db;
use crate::graphql::{self, AppSchema, loaders};

/// What every handler shares.
pub struct AppState {
    pub schema: AppSchema,
    pub db: Db,
    pub config: ServerConfig,
}

impl AppState {
    /// The state of a server on `db`.
    pub fn new(db: Db, config: ServerConfig) -> Arc<AppState> {
        Arc::new(AppState {
            schema: graphql::build_schema(db.clone()),
            db,
            config,
        })
    }
}

/// All routes with their middleware.
pub fn router(state: Arc<AppState>) -> Router {
    let graphql = Router::new()
        .route("/graphql", get(graphiql).post(graphql_handler))
        .layer(RequestBodyLimitLayer::new(DEFAULT_GRAPHQL_BODY_LIMIT));
    Router::new()
        .route("/", get(graphiql))
        .route("/healthz", get(healthz))
        .merge(graphql)
        .layer(CompressionLayer::new())
        .layer(CorsLayer::permissive())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

async fn graphql_handler(State(state): State<Arc<AppState>>, req: GraphQLRequest) -> GraphQLResponse {
    loaders::execute(&state.schema, state.db.read.clone(), req.into_inner())
        .await
        .into()
}

async fn graphiql() -> impl IntoResponse {
    Html(
        GraphiQLSource::build()
            .endpoint("/graphql")
            .subscription_endpoint("/graphql/ws")
            .finish(),
    )
}

async fn healthz(State(state): State<Arc<AppState>>) -> impl IntoResponse {
    match state.db.read.ping().await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
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

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}
