//! The GraphQL transport: one `POST /graphql` with a JSON body, answered by `data` or `errors`.

use handoff_shared::ErrorCode;
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use serde_json::Value;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, Request, RequestInit, Response};

/// Same origin: the backend serves the app, and `trunk serve` proxies this path to it.
pub const ENDPOINT: &str = "/graphql";

/// One error as the server reported it (or as the transport failed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// `extensions.code`; `None` for transport failures and codes this build does not know.
    pub code: Option<ErrorCode>,
    /// `extensions.field` of a `BAD_USER_INPUT` error: the argument or input field at fault.
    pub field: Option<String>,
    pub message: String,
}

impl ApiError {
    fn transport(message: impl Into<String>) -> Self {
        Self {
            code: None,
            field: None,
            message: message.into(),
        }
    }
}

/// Every error of one failed request, in the server's order (never empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiErrors(Vec<ApiError>);

impl ApiErrors {
    fn one(error: ApiError) -> Self {
        Self(vec![error])
    }

    /// What the server would answer a call without a token; spares that round trip.
    pub fn unauthenticated() -> Self {
        Self::one(ApiError {
            code: Some(ErrorCode::Unauthenticated),
            field: None,
            message: "Not signed in.".to_owned(),
        })
    }

    /// An answer the app cannot use, reported like a transport failure.
    pub fn unexpected(message: &str) -> Self {
        Self::one(ApiError::transport(message))
    }

    /// The first error's message, for a one-line alert.
    pub fn first_message(&self) -> &str {
        self.0
            .first()
            .map_or("Something went wrong.", |e| e.message.as_str())
    }

    pub fn has_code(&self, code: ErrorCode) -> bool {
        self.0.iter().any(|e| e.code == Some(code))
    }

    /// The message of the first error about `field`, for display beside that input.
    pub fn for_field(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|e| e.field.as_deref() == Some(field))
            .map(|e| e.message.as_str())
    }

    /// Messages that no input of the form shows: errors without a field or about other fields.
    pub fn general<'a>(&'a self, shown_fields: &'a [&str]) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(|e| {
                e.field
                    .as_deref()
                    .is_none_or(|f| !shown_fields.contains(&f))
            })
            .map(|e| e.message.as_str())
    }
}

impl std::fmt::Display for ApiErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let messages: Vec<&str> = self.0.iter().map(|e| e.message.as_str()).collect();
        f.write_str(&messages.join("; "))
    }
}

#[derive(Serialize)]
struct Body<'a, V> {
    query: &'a str,
    variables: V,
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    data: Option<Value>,
    #[serde(default)]
    errors: Vec<WireError>,
}

#[derive(Deserialize)]
struct WireError {
    message: String,
    #[serde(default)]
    extensions: Option<WireExtensions>,
}

#[derive(Deserialize)]
struct WireExtensions {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    field: Option<String>,
}

impl From<WireError> for ApiError {
    fn from(wire: WireError) -> Self {
        let (code, field) = match wire.extensions {
            Some(ext) => (ext.code.and_then(|c| parse_code(&c)), ext.field),
            None => (None, None),
        };
        Self {
            code,
            field,
            message: wire.message,
        }
    }
}

fn parse_code(code: &str) -> Option<ErrorCode> {
    serde_json::from_value(Value::String(code.to_owned())).ok()
}

/// Reads a GraphQL response body: `errors` win over any partial `data`.
pub fn parse_response<T: DeserializeOwned>(status: u16, body: &str) -> Result<T, ApiErrors> {
    let envelope: Envelope = match serde_json::from_str(body) {
        Ok(envelope) => envelope,
        Err(_) if !(200..300).contains(&status) => {
            return Err(ApiErrors::one(ApiError::transport(format!(
                "The server answered HTTP {status}. Please try again."
            ))));
        }
        Err(err) => {
            return Err(ApiErrors::one(ApiError::transport(format!(
                "The server sent an unreadable answer ({err})."
            ))));
        }
    };
    if !envelope.errors.is_empty() {
        return Err(ApiErrors(
            envelope.errors.into_iter().map(ApiError::from).collect(),
        ));
    }
    let data = envelope.data.unwrap_or(Value::Null);
    serde_json::from_value(data).map_err(|err| {
        ApiErrors::one(ApiError::transport(format!(
            "The server's answer did not have the expected shape ({err})."
        )))
    })
}

/// Sends one operation; `token` becomes `Authorization: Bearer <token>`.
pub async fn execute<V: Serialize, T: DeserializeOwned>(
    query: &str,
    variables: V,
    token: Option<&str>,
) -> Result<T, ApiErrors> {
    let body = serde_json::to_string(&Body { query, variables })
        .map_err(|err| ApiErrors::one(ApiError::transport(err.to_string())))?;
    let (status, text) = post(&body, token).await.map_err(|err| {
        ApiErrors::one(ApiError::transport(format!(
            "Could not reach the server ({}).",
            describe(&err)
        )))
    })?;
    parse_response(status, &text)
}

async fn post(body: &str, token: Option<&str>) -> Result<(u16, String), JsValue> {
    let headers = Headers::new()?;
    headers.set("Content-Type", "application/json")?;
    headers.set("Accept", "application/json")?;
    if let Some(token) = token {
        headers.set("Authorization", &format!("Bearer {token}"))?;
    }
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_headers(&headers);
    init.set_body(&JsValue::from_str(body));
    let request = Request::new_with_str_and_init(ENDPOINT, &init)?;
    let window = web_sys::window().ok_or_else(|| JsValue::from_str("no window"))?;
    let response: Response = JsFuture::from(window.fetch_with_request(&request))
        .await?
        .dyn_into()?;
    let text = JsFuture::from(response.text()?).await?;
    Ok((response.status(), text.as_string().unwrap_or_default()))
}

fn describe(err: &JsValue) -> String {
    if let Some(text) = err.as_string() {
        return text;
    }
    err.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .unwrap_or_else(|| "network error".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Me {
        me: Name,
    }
    #[derive(Debug, Deserialize, PartialEq)]
    struct Name {
        name: String,
    }

    #[test]
    fn data_without_errors_is_decoded() {
        let me: Me = parse_response(200, r#"{"data":{"me":{"name":"Ada"}}}"#).unwrap();
        assert_eq!(me.me.name, "Ada");
    }

    #[test]
    fn errors_carry_code_and_field_and_win_over_partial_data() {
        let body = r#"{"data":null,"errors":[
            {"message":"must be an email","extensions":{"code":"BAD_USER_INPUT","field":"email"}},
            {"message":"nope","extensions":{"code":"SOMETHING_NEW"}},
            {"message":"plain"}]}"#;
        let errors = parse_response::<Me>(200, body).unwrap_err();
        assert!(errors.has_code(ErrorCode::BadUserInput));
        assert_eq!(errors.for_field("email"), Some("must be an email"));
        assert_eq!(errors.for_field("password"), None);
        let general: Vec<&str> = errors.general(&["email"]).collect();
        assert_eq!(
            general,
            ["nope", "plain"],
            "unknown codes and fieldless errors stay general"
        );
        assert_eq!(errors.0.get(1).map(|e| e.code), Some(None));
    }

    #[test]
    fn unauthenticated_is_recognised() {
        let body = r#"{"errors":[{"message":"sign in","extensions":{"code":"UNAUTHENTICATED"}}]}"#;
        let errors = parse_response::<Me>(401, body).unwrap_err();
        assert!(errors.has_code(ErrorCode::Unauthenticated));
    }

    #[test]
    fn a_non_json_error_page_names_the_http_status() {
        let errors = parse_response::<Me>(502, "<html>Bad gateway</html>").unwrap_err();
        assert_eq!(
            errors.to_string(),
            "The server answered HTTP 502. Please try again."
        );
        assert_eq!(errors.0[0].code, None);
    }

    #[test]
    fn data_of_the_wrong_shape_is_an_error_not_a_panic() {
        let errors = parse_response::<Me>(200, r#"{"data":{"me":null}}"#).unwrap_err();
        assert!(errors.to_string().contains("expected shape"));
    }
}
