//! `POST /graphql`, GraphiQL, and GraphQL over websocket at `/graphql/ws`.

use std::sync::Arc;

use async_graphql::http::{ALL_WEBSOCKET_PROTOCOLS, GraphiQLSource};
use async_graphql_axum::{GraphQLProtocol, GraphQLRequest, GraphQLResponse, GraphQLWebSocket};
use axum::extract::State;
use axum::extract::ws::WebSocketUpgrade;
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};

use super::AppState;
use crate::auth::{self, Caller};
use crate::error::ApiError;
use crate::graphql::context::execute;
use crate::graphql::loaders;

/// Runs a GraphQL request as its bearer token's caller (reads need a token only on a private server;
/// mutations check the role themselves). Errors that async-graphql raises on its own (unparsable
/// query, bad variables) get `extensions.code` `BAD_INPUT` too.
pub(super) async fn graphql(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    req: GraphQLRequest,
) -> Response {
    let caller = match auth::caller_from_headers(&state.db, &headers).await {
        Ok(caller) => caller,
        Err(e) => return ApiError::from(e).into_graphql_response(),
    };
    if state.config.private
        && let Err(e) = caller.require_token()
    {
        return e.into_graphql_response();
    }
    let request = req.into_inner().data(caller);
    let mut response = execute(&state.schema, state.db.read.clone(), request).await;
    for error in &mut response.errors {
        let extensions = error.extensions.get_or_insert_with(Default::default);
        if extensions.get("code").is_none() {
            extensions.set("code", "BAD_INPUT");
        }
    }
    GraphQLResponse::from(response).into_response()
}

/// GraphQL over websocket (`graphql-transport-ws`, and the older `graphql-ws`). The token is taken
/// from the upgrade request's `Authorization` header or from the `connection_init` payload
/// (`{"Authorization": "Bearer TOKEN"}`); a private server refuses the connection without one.
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
            let schema = state.schema.clone();
            GraphQLWebSocket::new(socket, schema, protocol)
                .on_connection_init(move |payload| connection_data(state, header_caller, payload))
                .serve()
        })
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

/// GraphiQL, speaking to `/graphql` and `/graphql/ws`.
pub(super) async fn graphiql() -> impl IntoResponse {
    Html(
        GraphiQLSource::build()
            .endpoint("/graphql")
            .subscription_endpoint("/graphql/ws")
            .finish(),
    )
}
