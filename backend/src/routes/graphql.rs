//! `POST /graphql`, `GET /graphql` (WebSocket, `graphql-transport-ws`) and `GET /graphiql`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::http::GraphiQLSource;
use async_graphql::{Data, Pos};
use async_graphql_actix_web::GraphQLSubscription;
use handoff_shared::ErrorCode;

use crate::auth::{Principal, service, token};
use crate::error::{ApiError, assign_codes};
use crate::graphql::AppSchema;
use crate::state::AppState;

/// Largest request body accepted on `POST /graphql` (a large `ingestLeads` batch fits).
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// Executes a query or mutation, with the bearer token's principal in the request data.
///
/// The body is read as bytes under [`MAX_BODY_BYTES`] (async-graphql's own extractor reads
/// JSON bodies without a limit) and parsed as one GraphQL-over-HTTP JSON request.
pub async fn graphql(
    schema: web::Data<AppSchema>,
    state: web::Data<AppState>,
    http: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let mut request = match serde_json::from_slice::<async_graphql::Request>(&body) {
        Ok(request) => request,
        Err(error) => {
            return HttpResponse::BadRequest().json(serde_json::json!({
                "errors": [{
                    "message": format!("the body is not a GraphQL JSON request: {error}"),
                    "extensions": { "code": ErrorCode::BadUserInput.as_str() },
                }]
            }));
        }
    };
    let response = match principal_from_headers(&state, &http).await {
        Ok(principal) => {
            if let Some(principal) = principal {
                request = request.data(principal);
            }
            assign_codes(schema.execute(request).await)
        }
        Err(error) => async_graphql::Response::from_errors(vec![
            async_graphql::Error::from(error).into_server_error(Pos::default()),
        ]),
    };
    let mut http_response = HttpResponse::Ok();
    if let Some(cache_control) = response.cache_control.value() {
        http_response.insert_header((header::CACHE_CONTROL, cache_control));
    }
    for (name, value) in &response.http_headers {
        http_response.append_header((name.as_str(), value.as_bytes()));
    }
    http_response.json(response)
}

/// Upgrades to a `graphql-transport-ws` WebSocket. The principal comes from the
/// `connection_init` payload `{"token": "…"}` (browsers cannot set headers on WebSockets), or
/// else from an `Authorization` header on the upgrade request. A connection without a token
/// is accepted (its subscriptions then answer `UNAUTHENTICATED`); one with a bad token is
/// closed.
pub async fn graphql_ws(
    schema: web::Data<AppSchema>,
    state: web::Data<AppState>,
    http: HttpRequest,
    payload: web::Payload,
) -> actix_web::Result<HttpResponse> {
    let is_upgrade = http
        .headers()
        .get(header::UPGRADE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.eq_ignore_ascii_case("websocket"));
    if !is_upgrade {
        return Ok(HttpResponse::BadRequest().json(serde_json::json!({
            "error": "GET /graphql is the graphql-transport-ws WebSocket endpoint; send queries and mutations with POST, or open /graphiql"
        })));
    }
    let header_principal = match principal_from_headers(&state, &http).await {
        Ok(principal) => principal,
        Err(error) => return Ok(error.into_http_response()),
    };
    let state = state.get_ref().clone();
    GraphQLSubscription::new(schema.get_ref().clone())
        .on_connection_init(move |payload| connection_data(state, header_principal, payload))
        .start(&http, payload)
}

async fn connection_data(
    state: AppState,
    header_principal: Option<Principal>,
    payload: serde_json::Value,
) -> async_graphql::Result<Data> {
    let presented = payload
        .get("token")
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned)
        .or_else(|| {
            ["Authorization", "authorization"]
                .iter()
                .find_map(|key| payload.get(*key).and_then(serde_json::Value::as_str))
                .and_then(token::from_authorization_header)
                .map(str::to_owned)
        });
    let mut data = Data::default();
    let principal = match presented {
        None => header_principal,
        Some(presented) => {
            let principal = service::authenticate(&state.db, state.clock.now(), &presented)
                .await
                .map_err(|error| async_graphql::Error::new(error.into_parts().message))?;
            Some(principal.ok_or_else(|| {
                async_graphql::Error::new(
                    "UNAUTHENTICATED: the token is unknown, expired or revoked",
                )
            })?)
        }
    };
    if let Some(principal) = principal {
        data.insert(principal);
    }
    Ok(data)
}

/// The principal of an `Authorization: Bearer` header; `None` without one or for a token we
/// do not know.
pub(crate) async fn principal_from_headers(
    state: &AppState,
    http: &HttpRequest,
) -> Result<Option<Principal>, ApiError> {
    let Some(value) = http.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let Some(presented) = value
        .to_str()
        .ok()
        .and_then(token::from_authorization_header)
    else {
        return Ok(None);
    };
    service::authenticate(&state.db, state.clock.now(), presented).await
}

/// The GraphiQL IDE, wired to `/graphql` for queries and subscriptions.
pub async fn graphiql() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(
            GraphiQLSource::build()
                .endpoint("/graphql")
                .subscription_endpoint("/graphql")
                .title("Handoff GraphiQL")
                .finish(),
        )
}
