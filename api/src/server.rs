//! The HTTP server: `POST /graphql`, GraphiQL at `GET /`, `GET /healthz`, subscriptions at
//! `/graphql/ws` and the NDJSON bulk import `POST /import`.

use std::sync::Arc;

use async_graphql::http::{ALL_WEBSOCKET_PROTOCOLS, GraphiQLSource};
use async_graphql_axum::{GraphQLProtocol, GraphQLRequest, GraphQLResponse, GraphQLWebSocket};
use axum::Router;
use axum::body::Body;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use futures::StreamExt;
use tokio::net::TcpListener;
use tower_http::compression::CompressionLayer;
use tower_http::cors::CorsLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;

use crate::auth::{self, Caller, Role};
use crate::config::{DEFAULT_GRAPHQL_BODY_LIMIT, ServerConfig};
use crate::db::Db;
use crate::error::ApiError;
use crate::graphql::{self, AppSchema, loaders};
use crate::import::ImportOptions;
use crate::import::post::{self, Events};

/// What every handler shares.
pub struct AppState {
    pub schema: AppSchema,
    pub db: Db,
    pub config: ServerConfig,
    /// Reports created or replaced, for `reportPosted` subscriptions.
    pub events: Events,
}

impl AppState {
    /// The state of a server on `db`.
    pub fn new(db: Db, config: ServerConfig) -> Arc<AppState> {
        let events = Events::default();
        Arc::new(AppState {
            schema: graphql::build_schema_with_events(db.clone(), events.clone()),
            db,
            config,
            events,
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
        .route("/graphql/ws", get(graphql_ws))
        .route("/import", post(import_handler))
        .layer(CompressionLayer::new())
        .layer(CorsLayer::permissive())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Runs a GraphQL request as its bearer token's caller (reads need a token only on a private server;
/// mutations check the role themselves). Errors that async-graphql raises on its own (unparsable
/// query, bad variables) get `extensions.code` `BAD_INPUT` too.
async fn graphql_handler(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    req: GraphQLRequest,
) -> Response {
    let caller = match auth::caller_from_headers(&state.db, &headers).await {
        Ok(caller) => caller,
        Err(e) => return graphql_error(ApiError::from(e)),
    };
    if state.config.private
        && let Err(e) = caller.require_token()
    {
        return graphql_error(e);
    }
    let request = req.into_inner().data(caller);
    let mut response = loaders::execute(&state.schema, state.db.read.clone(), request).await;
    for error in &mut response.errors {
        let extensions = error.extensions.get_or_insert_with(Default::default);
        if extensions.get("code").is_none() {
            extensions.set("code", "BAD_INPUT");
        }
    }
    GraphQLResponse::from(response).into_response()
}

/// The HTTP status of a refused request.
fn status_of(e: &ApiError) -> StatusCode {
    match e {
        ApiError::BadInput(_) => StatusCode::BAD_REQUEST,
        ApiError::NotFound(_) => StatusCode::NOT_FOUND,
        ApiError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
        ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
        ApiError::Conflict(_) => StatusCode::CONFLICT,
        ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// A GraphQL response of one error, refused before execution.
fn graphql_error(e: ApiError) -> Response {
    let body = serde_json::json!({
        "data": null,
        "errors": [{ "message": e.message(), "extensions": { "code": e.code() } }],
    });
    with_challenge(&e, (status_of(&e), axum::Json(body)).into_response())
}

/// A JSON error of the non-GraphQL endpoints: `{ "code", "message" }` and any `extra` fields.
fn json_error(e: ApiError, extra: serde_json::Value) -> Response {
    let mut body = serde_json::json!({ "code": e.code(), "message": e.message() });
    if let (Some(body), serde_json::Value::Object(extra)) = (body.as_object_mut(), extra) {
        body.extend(extra);
    }
    with_challenge(&e, (status_of(&e), axum::Json(body)).into_response())
}

fn with_challenge(e: &ApiError, mut response: Response) -> Response {
    if matches!(e, ApiError::Unauthenticated(_)) {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Bearer"),
        );
    }
    response
}

/// GraphQL over websocket (`graphql-transport-ws`, and the older `graphql-ws`). The token is taken
/// from the upgrade request's `Authorization` header or from the `connection_init` payload
/// (`{"Authorization": "Bearer TOKEN"}`); a private server refuses the connection without one.
async fn graphql_ws(
    State(state): State<Arc<AppState>>,
    protocol: GraphQLProtocol,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let header_caller = match auth::caller_from_headers(&state.db, &headers).await {
        Ok(caller) => caller,
        Err(e) => return json_error(ApiError::from(e), serde_json::Value::Null),
    };
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| {
            let schema = state.schema.clone();
            GraphQLWebSocket::new(socket, schema, protocol)
                .on_connection_init(move |payload| connection_data(state, header_caller, payload))
                .serve()
        })
}

async fn connection_data(
    state: Arc<AppState>,
    header_caller: Caller,
    payload: serde_json::Value,
) -> async_graphql::Result<async_graphql::Data> {
    let field = |name: &str| payload.get(name).and_then(|v| v.as_str()).map(str::to_owned);
    let authorization = field("Authorization")
        .or_else(|| field("authorization"))
        .or_else(|| field("token").map(|t| format!("Bearer {t}")));
    let caller = match authorization {
        Some(value) => auth::caller_from_authorization(&state.db, Some(&value))
            .await
            .map_err(ApiError::from)?,
        None => header_caller,
    };
    if state.config.private {
        caller.require_token()?;
    }
    let mut data = async_graphql::Data::default();
    data.insert(caller);
    data.insert(loaders::new_loader(state.db.read.clone()));
    Ok(data)
}

/// The query string of `POST /import`.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct ImportParams {
    /// Write the valid records and list the invalid ones, instead of writing nothing.
    #[serde(default)]
    skip_invalid: bool,
}

/// Why an import body stopped streaming.
#[derive(Debug)]
enum BodyFailure {
    /// It went over the import limit.
    TooLarge,
    /// The connection failed.
    Unreadable(String),
}

impl std::fmt::Display for BodyFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BodyFailure::TooLarge => f.write_str("the request body is over the import limit"),
            BodyFailure::Unreadable(e) => write!(f, "the request body could not be read: {e}"),
        }
    }
}

/// `POST /import`: an NDJSON body, streamed into the importer (never buffered whole), with the rules
/// of the command line importer. 200 with the summary; 422 with every error and nothing written;
/// 413 when the body is over the limit (nothing written); 401/403 without an importer token.
async fn import_handler(
    State(state): State<Arc<AppState>>,
    Query(params): Query<ImportParams>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let caller = match auth::caller_from_headers(&state.db, &headers).await {
        Ok(caller) => caller,
        Err(e) => return json_error(ApiError::from(e), serde_json::Value::Null),
    };
    if let Err(e) = caller.require(Role::Importer) {
        return json_error(e, serde_json::Value::Null);
    }
    let limit = state.config.import_body_limit;
    let too_large = || {
        let e = ApiError::bad_input(format!(
            "the request body is larger than the import limit of {limit} bytes \
             (`serve --import-body-limit`); nothing was written: split the file"
        ));
        let mut response = json_error(e, serde_json::json!({ "limit": limit }));
        *response.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
        response
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return too_large();
    }
    // Counts the bytes as they stream in; a body that goes over the limit, or that cannot be read,
    // ends the stream with an error (the import then writes nothing), remembered for the answer.
    let failure: Arc<std::sync::Mutex<Option<BodyFailure>>> = Arc::default();
    let seen = failure.clone();
    let mut received = 0usize;
    let stream = body.into_data_stream().map(move |chunk| {
        let failed = |f: BodyFailure| {
            let e = std::io::Error::other(f.to_string());
            *seen.lock().unwrap_or_else(|p| p.into_inner()) = Some(f);
            e
        };
        let chunk = chunk.map_err(|e| failed(BodyFailure::Unreadable(e.to_string())))?;
        received += chunk.len();
        if received > limit {
            return Err(failed(BodyFailure::TooLarge));
        }
        Ok(chunk)
    });
    let reader = tokio_util::io::StreamReader::new(stream);
    let options = ImportOptions {
        skip_invalid: params.skip_invalid,
    };
    let result = post::import_stream(&state.db, &state.events, reader, options).await;
    let failure = failure.lock().unwrap_or_else(|p| p.into_inner()).take();
    match (result, failure) {
        (_, Some(BodyFailure::TooLarge)) => too_large(),
        (Err(_), Some(BodyFailure::Unreadable(e))) => {
            tracing::warn!(error = %e, "an import body could not be read");
            json_error(
                ApiError::bad_input(format!(
                    "the request body could not be read ({e}); nothing was written"
                )),
                serde_json::Value::Null,
            )
        }
        (Err(e), _) => json_error(ApiError::from(e), serde_json::Value::Null),
        (Ok(summary), _) if summary.committed => (StatusCode::OK, axum::Json(summary)).into_response(),
        (Ok(summary), _) => {
            let message = format!(
                "{} invalid record(s); nothing was written (see `errors`, or retry with ?skipInvalid=true)",
                summary.error_count
            );
            let mut response = json_error(
                ApiError::bad_input(message),
                serde_json::to_value(&summary).unwrap_or_default(),
            );
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            response
        }
    }
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
