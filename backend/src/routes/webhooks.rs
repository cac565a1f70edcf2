//! `POST /webhooks/leads`: the intake of `ingestLeads` for marketing-automation platforms that
//! can sign a request but not speak GraphQL.
//!
//! - Body: `{"leads": [LeadInput, …]}` (the contract's camelCase `LeadInput`), or one
//!   LeadInput object, or a bare array of them; at most [`MAX_LEADS`] leads and
//!   [`MAX_BODY_BYTES`] bytes (413 beyond).
//! - `X-Handoff-Integration: <name>` names an active inbound integration
//!   (`createInboundIntegration`).
//! - `X-Handoff-Signature: sha256=<hex>`: HMAC-SHA256 under the integration's secret of the raw
//!   body, or, when `X-Handoff-Timestamp: <unix seconds>` is sent, of `<timestamp>.<raw body>`.
//!   A timestamped request is refused more than [`REPLAY_WINDOW`] away from the server's clock,
//!   which stops the replay of captured requests. The timestamp is optional because intake is
//!   idempotent by `externalId` (a replay re-applies the same facts); senders that can add it
//!   should.
//! - Answers: 200 with the `IngestResult` JSON (`created`, `updated`, `leads`, `errors` per item
//!   with index and field, as in GraphQL), 400 for a body that is not such JSON, 401 for a
//!   missing or wrong signature or an unknown or inactive integration, 413 when too large. Every
//!   error body is `{"error": {"code", "message", "field"}}`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Duration;
use handoff_shared::ErrorCode;
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::integrations::{inbound, leads, signature};
use crate::state::AppState;

/// Largest body accepted.
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;
/// Most leads one request may carry (as `ingestLeads`).
pub const MAX_LEADS: usize = 1000;
/// How far `X-Handoff-Timestamp` may be from the server's clock.
pub const REPLAY_WINDOW: Duration = Duration::minutes(5);

const INTEGRATION_HEADER: &str = "X-Handoff-Integration";
const TIMESTAMP_HEADER: &str = "X-Handoff-Timestamp";

/// The handler of `POST /webhooks/leads`.
pub async fn leads(
    state: web::Data<AppState>,
    http: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    if http
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        .is_some_and(|length| length > MAX_BODY_BYTES)
    {
        return too_large().into_response();
    }
    let body = match payload.to_bytes_limited(MAX_BODY_BYTES).await {
        Err(_) => return too_large().into_response(),
        Ok(Err(_)) => {
            return bad_request("body", "the request body could not be read").into_response();
        }
        Ok(Ok(body)) => body,
    };
    match handle(&state, &http, &body).await {
        Ok(response) => response,
        Err(refusal) => refusal.into_response(),
    }
}

async fn handle(
    state: &AppState,
    http: &HttpRequest,
    body: &[u8],
) -> Result<HttpResponse, Refusal> {
    let now = state.clock.now();
    let name = header(http, INTEGRATION_HEADER)
        .ok_or_else(|| unauthorized(format!("the {INTEGRATION_HEADER} header is missing")))?;
    let presented = header(http, signature::SIGNATURE_HEADER).ok_or_else(|| {
        unauthorized(format!(
            "the {} header is missing",
            signature::SIGNATURE_HEADER
        ))
    })?;
    let timestamp = match header(http, TIMESTAMP_HEADER) {
        None => None,
        Some(raw) => {
            let seconds: i64 = raw.trim().parse().map_err(|_| {
                unauthorized(format!(
                    "{TIMESTAMP_HEADER} must be whole seconds since 1970-01-01 UTC"
                ))
            })?;
            let sent = chrono::DateTime::from_timestamp(seconds, 0)
                .ok_or_else(|| unauthorized(format!("{TIMESTAMP_HEADER} is out of range")))?;
            if (now - sent).abs() > REPLAY_WINDOW {
                return Err(unauthorized(format!(
                    "{TIMESTAMP_HEADER} is more than {} minutes away from the server's clock",
                    REPLAY_WINDOW.num_minutes()
                )));
            }
            Some(raw.trim().to_owned())
        }
    };

    let integration = inbound::find_active(&state.db, name)
        .await
        .map_err(Refusal::from)?;
    let signed_ok = integration.as_ref().is_some_and(|integration| {
        let message = match &timestamp {
            Some(ts) => [ts.as_bytes(), b".", body].concat(),
            None => body.to_vec(),
        };
        signature::verify(&integration.secret, &message, presented)
    });
    let Some(integration) = integration.filter(|_| signed_ok) else {
        tracing::info!(integration = name, "webhook signature rejected");
        return Err(unauthorized(
            "unknown or inactive integration, or a signature that does not match the body"
                .to_owned(),
        ));
    };

    let items = parse_leads(body)?;
    let actor = inbound::principal(&state.db, &integration)
        .await
        .map_err(Refusal::from)?;
    let outcome = leads::ingest_json(&state.db, now, &actor, items)
        .await
        .map_err(Refusal::from)?;
    tracing::info!(
        integration_id = integration.id,
        created = outcome.created,
        updated = outcome.updated,
        refused = outcome.errors.len(),
        "webhook leads ingested"
    );
    Ok(HttpResponse::Ok().json(outcome))
}

/// The lead objects of a body: `{"leads": [...]}`, `[...]` or one object.
fn parse_leads(body: &[u8]) -> Result<Vec<Value>, Refusal> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        bad_request(
            "body",
            format!("the body is not JSON ({e}); send {{\"leads\": [LeadInput, ...]}}"),
        )
    })?;
    let items = match value {
        Value::Array(items) => items,
        Value::Object(mut object) if object.contains_key("leads") => match object.remove("leads") {
            Some(Value::Array(items)) => items,
            _ => {
                return Err(bad_request(
                    "leads",
                    "must be an array of LeadInput objects",
                ));
            }
        },
        Value::Object(object) => vec![Value::Object(object)],
        _ => {
            return Err(bad_request(
                "body",
                "must be {\"leads\": [LeadInput, ...]}, an array of LeadInput objects, or one",
            ));
        }
    };
    if items.is_empty() {
        return Err(bad_request("leads", "is empty"));
    }
    if items.len() > MAX_LEADS {
        return Err(bad_request(
            "leads",
            format!(
                "at most {MAX_LEADS} leads per request ({} sent)",
                items.len()
            ),
        ));
    }
    if let Some(index) = items.iter().position(|item| !item.is_object()) {
        return Err(bad_request(
            format!("leads[{index}]"),
            "must be a LeadInput object",
        ));
    }
    Ok(items)
}

fn header<'a>(http: &'a HttpRequest, name: &str) -> Option<&'a str> {
    http.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// A refused request: status and the `{"error": …}` body.
#[derive(Debug)]
struct Refusal {
    status: StatusCode,
    code: ErrorCode,
    message: String,
    field: Option<String>,
}

impl Refusal {
    fn into_response(self) -> HttpResponse {
        HttpResponse::build(self.status).json(json!({
            "error": { "code": self.code.as_str(), "message": self.message, "field": self.field }
        }))
    }
}

impl From<ApiError> for Refusal {
    fn from(error: ApiError) -> Self {
        let parts = error.into_parts();
        Self {
            status: parts.status,
            code: parts.code,
            message: parts.message,
            field: parts.field,
        }
    }
}

fn unauthorized(message: String) -> Refusal {
    Refusal {
        status: StatusCode::UNAUTHORIZED,
        code: ErrorCode::Unauthenticated,
        message,
        field: None,
    }
}

fn bad_request(field: impl Into<String>, message: impl Into<String>) -> Refusal {
    Refusal {
        status: StatusCode::BAD_REQUEST,
        code: ErrorCode::BadUserInput,
        message: message.into(),
        field: Some(field.into()),
    }
}

fn too_large() -> Refusal {
    Refusal {
        status: StatusCode::PAYLOAD_TOO_LARGE,
        code: ErrorCode::BadUserInput,
        message: format!(
            "the body is larger than {MAX_BODY_BYTES} bytes; send at most {MAX_LEADS} leads per request"
        ),
        field: None,
    }
}
