//! `ApiError`: what a request can fail with, mapped once to a GraphQL error carrying
//! `extensions.code` (and `extensions.field` for bad input) and to an HTTP status.

use actix_web::http::StatusCode;
use async_graphql::ErrorExtensions as _;
use handoff_shared::{ErrorCode, FieldError};
use sea_orm::{DbErr, SqlErr};

/// Everything a request can fail with.
///
/// It deliberately does not implement `Display`: async-graphql converts any `Display` type into
/// an error by its text, and that must never happen to a database error. The only way out is
/// [`ApiError::into_parts`].
#[derive(Debug)]
pub enum ApiError {
    /// No credentials, or credentials that are unknown, expired or revoked.
    Unauthenticated,
    /// Authenticated, but the role or relationship does not allow this.
    Forbidden,
    /// The thing asked for does not exist (the message says which).
    NotFound(String),
    /// An input value is wrong; `field` names it (`email`, `weekly[2].close`, …).
    BadUserInput { field: String, message: String },
    /// The change collides with existing data (e.g. a unique name or e-mail already taken).
    Conflict(String),
    /// A bug or an outage; logged with its cause chain, shown as "internal error".
    Internal(anyhow::Error),
}

/// What a client sees of an [`ApiError`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorParts {
    pub code: ErrorCode,
    pub status: StatusCode,
    pub message: String,
    pub field: Option<String>,
}

impl ApiError {
    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadUserInput {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        Self::NotFound(what.into())
    }

    pub fn internal(error: impl Into<anyhow::Error>) -> Self {
        Self::Internal(error.into())
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Unauthenticated => ErrorCode::Unauthenticated,
            Self::Forbidden => ErrorCode::Forbidden,
            Self::NotFound(_) => ErrorCode::NotFound,
            Self::BadUserInput { .. } => ErrorCode::BadUserInput,
            Self::Conflict(_) => ErrorCode::Conflict,
            Self::Internal(_) => ErrorCode::Internal,
        }
    }

    /// The one mapping from an error to what the client sees. Internal errors are logged here.
    pub fn into_parts(self) -> ErrorParts {
        let code = self.code();
        let (status, message, field) = match self {
            Self::Unauthenticated => (
                StatusCode::UNAUTHORIZED,
                "not authenticated: credentials missing, wrong, expired or revoked".to_owned(),
                None,
            ),
            Self::Forbidden => (
                StatusCode::FORBIDDEN,
                "your role does not allow this".to_owned(),
                None,
            ),
            Self::NotFound(what) => (StatusCode::NOT_FOUND, what, None),
            Self::BadUserInput { field, message } => {
                (StatusCode::BAD_REQUEST, message, Some(field))
            }
            Self::Conflict(message) => (StatusCode::CONFLICT, message, None),
            Self::Internal(error) => {
                tracing::error!(
                    error.cause_chain = ?error,
                    error.message = %error,
                    "internal error"
                );
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal error".to_owned(),
                    None,
                )
            }
        };
        ErrorParts {
            code,
            status,
            message,
            field,
        }
    }

    /// The same error as an HTTP response, for the few endpoints outside GraphQL.
    pub fn into_http_response(self) -> actix_web::HttpResponse {
        let parts = self.into_parts();
        actix_web::HttpResponse::build(parts.status).json(serde_json::json!({
            "error": { "code": parts.code.as_str(), "message": parts.message, "field": parts.field }
        }))
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(error: ApiError) -> Self {
        let parts = error.into_parts();
        async_graphql::Error::new(parts.message).extend_with(|_, extensions| {
            extensions.set("code", parts.code.as_str());
            if let Some(field) = parts.field {
                extensions.set("field", field);
            }
        })
    }
}

impl From<FieldError> for ApiError {
    fn from(error: FieldError) -> Self {
        Self::BadUserInput {
            field: error.field,
            message: error.message,
        }
    }
}

impl From<DbErr> for ApiError {
    fn from(error: DbErr) -> Self {
        match error.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => {
                Self::Conflict("a record with the same unique value already exists".to_owned())
            }
            _ => Self::Internal(anyhow::Error::new(error)),
        }
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(error: anyhow::Error) -> Self {
        Self::Internal(error)
    }
}

/// Gives every error in a GraphQL response an `extensions.code`.
///
/// Errors raised through [`ApiError`] already carry one. The rest come from async-graphql
/// itself: a document that does not parse or validate, or exceeds the depth or complexity
/// limits (no path: the client's fault, `BAD_USER_INPUT`), an argument that does not coerce
/// (also the client's), or a resolver error that bypassed `ApiError` (a bug: `INTERNAL`, its
/// text logged but not shown).
pub fn assign_codes(mut response: async_graphql::Response) -> async_graphql::Response {
    for error in &mut response.errors {
        let has_code = error
            .extensions
            .as_ref()
            .is_some_and(|ext| ext.get("code").is_some());
        if has_code {
            continue;
        }
        let extensions = error.extensions.get_or_insert_with(Default::default);
        let client_fault = error.path.is_empty()
            || error.message.starts_with("Failed to parse")
            || error.message.starts_with("Invalid value for argument");
        if client_fault {
            extensions.set("code", ErrorCode::BadUserInput.as_str());
        } else {
            tracing::error!(error.message = %error.message, path = ?error.path, "unmapped resolver error");
            error.message = "internal error".to_owned();
            extensions.set("code", ErrorCode::Internal.as_str());
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn extension(error: &async_graphql::Error, key: &str) -> Option<String> {
        error
            .extensions
            .as_ref()?
            .get(key)
            .map(|value| value.to_string().trim_matches('"').to_owned())
    }

    #[test]
    fn bad_input_names_the_field() {
        let error: async_graphql::Error = ApiError::bad_input("email", "has no @").into();
        assert_eq!(error.message, "has no @");
        assert_eq!(extension(&error, "code").as_deref(), Some("BAD_USER_INPUT"));
        assert_eq!(extension(&error, "field").as_deref(), Some("email"));
    }

    #[test]
    fn internal_errors_do_not_leak_their_cause() {
        let cause = anyhow::anyhow!("connection refused to 10.0.0.7").context("loading user 42");
        let error: async_graphql::Error = ApiError::Internal(cause).into();
        assert_eq!(error.message, "internal error");
        assert_eq!(extension(&error, "code").as_deref(), Some("INTERNAL"));
    }

    #[test]
    fn database_errors_other_than_unique_violations_are_internal() {
        let error = ApiError::from(DbErr::Custom("disk I/O error".to_owned()));
        assert_eq!(error.code(), ErrorCode::Internal);
    }

    #[test]
    fn field_errors_become_bad_user_input() {
        let error = ApiError::from(FieldError::new("weekly[2].close", "must be after open"));
        let parts = error.into_parts();
        assert_eq!(parts.code, ErrorCode::BadUserInput);
        assert_eq!(parts.field.as_deref(), Some("weekly[2].close"));
        assert_eq!(parts.status, StatusCode::BAD_REQUEST);
    }
}
