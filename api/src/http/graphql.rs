//! `/graphql` (`POST`, and `GET` for queries; see `protocol`) and GraphQL over websocket at
//! `/graphql/ws`. When the server stops, websocket connections get a close frame with code 1001
//! (going away) rather than a dropped connection.

use std::sync::Arc;

use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql::parser::types::OperationType;
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade, close_code};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use futures::stream::BoxStream;
use futures::{SinkExt, StreamExt};
use sea_orm::DatabaseConnection;

use super::logging::OperationName;
use super::protocol::{
    AnswerFormat, answer, header_str, is_query, operation_type, refused, request_from_body,
    request_from_query_string,
};
use super::{AppState, assets};
use crate::auth::{self, Caller};
use crate::error::ApiError;
use crate::graphql::context::{ReadFrom, execute};
use crate::graphql::cost::OperationNameSlot;
use crate::graphql::{hygiene, loaders};

/// `GET /graphql`: a query from the URL's query string. Without `query`, a browser (one that
/// accepts HTML) gets the GraphiQL page.
pub(super) async fn graphql_get(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    params: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Response {
    let format = AnswerFormat::negotiate(&headers);
    let has_query = params
        .as_ref()
        .is_ok_and(|Query(p)| p.iter().any(|(name, _)| name == "query"));
    if header_str(&headers, header::ACCEPT).is_some_and(|a| a.contains("text/html")) && !has_query {
        return assets::graphiql_page().await;
    }
    let request = params
        .map_err(|e| ApiError::bad_input(format!("the query string could not be read: {}", e.body_text())))
        .and_then(|Query(params)| request_from_query_string(params));
    let request = match request {
        Ok(request) => request,
        Err(e) => return refused(format, e),
    };
    if !is_query(operation_type(&state.parsed, &request)) {
        let e =
            ApiError::MethodNotAllowed("only queries can be sent with GET: send mutations with POST".into());
        return refused(format, e);
    }
    run(&state, &headers, format, request).await
}

/// `POST /graphql`: one request as a JSON object (`application/json`, UTF-8).
pub(super) async fn graphql_post(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let format = AnswerFormat::negotiate(&headers);
    match request_from_body(&headers, body, state.config.graphql_body_limit) {
        Ok(request) => run(&state, &headers, format, request).await,
        Err(e) => refused(format, e),
    }
}

/// Runs a GraphQL request (see [`execute_request`]), its operation's name left in the response's
/// extensions for the request log: the request's `operationName`, else the name of the document's
/// only operation as the cost analysis found it in its one parse (none when the request was refused
/// before the schema saw it).
async fn run(
    state: &AppState,
    headers: &HeaderMap,
    format: AnswerFormat,
    request: async_graphql::Request,
) -> Response {
    let slot = OperationNameSlot::default();
    let given = request.operation_name.clone();
    let request = request.data(slot.clone());
    let mut response = execute_request(state, headers, format, request).await;
    if let Some(name) = given.or_else(|| slot.get()) {
        response.extensions_mut().insert(OperationName(name));
    }
    response
}

/// Runs a GraphQL request as its bearer token's caller (reads need a token only on a private server;
/// mutations check the role themselves). Errors that async-graphql raises on its own (unparsable
/// query, bad variables) get `extensions.code` `BAD_INPUT` too.
async fn execute_request(
    state: &AppState,
    headers: &HeaderMap,
    format: AnswerFormat,
    request: async_graphql::Request,
) -> Response {
    let caller = match auth::caller_from_headers(&state.db, headers).await {
        Ok(caller) => caller,
        Err(e) => return refused(format, ApiError::from(e)),
    };
    if state.config.private
        && let Err(e) = caller.require_token()
    {
        return refused(format, e);
    }
    if let Err(e) = hygiene::check(&request) {
        return refused(format, e);
    }
    let request = request.data(caller);
    let connections = state.config.max_connections_per_request;
    let operation = operation_type(&state.parsed, &request);
    let conn = answers_from(state, operation).clone();
    let execution = execute(&state.schema, conn, connections, is_query(operation), request);
    let mut response = match tokio::time::timeout(state.config.request_timeout(), execution).await {
        Ok(response) => response,
        Err(_) => {
            let limit = state.config.request_timeout_secs;
            let e = ApiError::Timeout(format!("the request ran longer than the limit of {limit} s"));
            async_graphql::Response::from_errors(vec![e.into_server_error()])
        }
    };
    for error in &mut response.errors {
        let extensions = error.extensions.get_or_insert_with(Default::default);
        if extensions.get("code").is_none() {
            extensions.set("code", "BAD_INPUT");
        }
    }
    answer(format, response)
}

/// GraphQL over websocket (`graphql-transport-ws`, and the older `graphql-ws`). The token is taken
/// from the upgrade request's `Authorization` header or from the `connection_init` payload
/// (`{"Authorization": "Bearer TOKEN"}`); a private server refuses the connection without one.
/// Each connection is tracked in `state.websockets`, so that [`super::serve`] can wait for it to close.
pub(super) async fn websocket(
    State(state): State<Arc<AppState>>,
    protocol: GraphQLProtocol,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let header_caller = match auth::caller_from_headers(&state.db, &headers).await {
        Ok(caller) => caller,
        Err(e) => return ApiError::from(e).into_response(),
    };
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| {
            let websockets = state.websockets.clone();
            websockets.track_future(serve_websocket(socket, state, protocol, header_caller))
        })
}

/// Speaks GraphQL on `socket` until the client leaves or the server stops; then (and only then) the
/// client is told with a close frame of code 1001 that the server went away.
async fn serve_websocket(socket: WebSocket, state: Arc<AppState>, protocol: GraphQLProtocol, caller: Caller) {
    let (mut sink, stream) = socket.split();
    let closing = state.closing.clone();
    // When the server stops, the client's messages end: the protocol then stops too.
    let stream = stream.take_until(closing.clone().cancelled_owned());
    let executor = SocketExecutor(state.clone());
    GraphQLWebSocket::new_with_pair(&mut sink, stream, executor, protocol)
        .on_connection_init(move |payload| connection_data(state, caller, payload))
        .serve()
        .await;
    if closing.is_cancelled() {
        let frame = CloseFrame {
            code: close_code::AWAY,
            reason: "the server is shutting down".into(),
        };
        let _ = sink.send(Message::Close(Some(frame))).await;
    }
}

/// Where an operation reads: a mutation from connections that see every committed write (the
/// primary's when reads go to a replica), so that its answer includes its own write; anything else
/// from the read pool.
fn answers_from(state: &AppState, operation: Option<OperationType>) -> &DatabaseConnection {
    match operation {
        Some(OperationType::Mutation) => state.db.fresh(),
        _ => &state.db.read,
    }
}

/// What runs a websocket's operations: the schema, except that a mutation reads where it does over
/// HTTP ([`answers_from`]).
#[derive(Clone)]
struct SocketExecutor(Arc<AppState>);

impl async_graphql::Executor for SocketExecutor {
    async fn execute(&self, request: async_graphql::Request) -> async_graphql::Response {
        self.0.schema.execute(request).await
    }

    fn execute_stream(
        &self,
        mut request: async_graphql::Request,
        session_data: Option<Arc<async_graphql::Data>>,
    ) -> BoxStream<'static, async_graphql::Response> {
        let state = &self.0;
        let operation = operation_type(&state.parsed, &request);
        if operation == Some(OperationType::Mutation) {
            let conn = answers_from(state, operation).clone();
            // The request's data comes before the connection's.
            request = request
                .data(ReadFrom(conn.clone()))
                .data(loaders::new_loader(conn));
        }
        async_graphql::Executor::execute_stream(&state.schema, request, session_data)
    }
}

/// The caller and loaders of a websocket connection, from its `connection_init` payload.
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
