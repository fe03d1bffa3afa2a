//! RFC 7807 responses: `AppError` as an HTTP response, and actix's own extractor errors
//! (query strings, paths, bodies) turned into the same problem bodies.

use actix_web::http::StatusCode;
use actix_web::{error, HttpRequest, HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::AppError;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 7807 problem. Some problem types add members: `field` and `errors` (validation),
/// `available` (insufficient stock), `lines` (reservation shortage).
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// The offending field, for validation errors.
    pub field: Option<String>,
    /// For insufficient stock: what could be taken now.
    pub available: Option<i64>,
    /// For a reservation shortage: each short line and where the part is available.
    pub lines: Option<Vec<crate::error::ShortageLine>>,
    /// For a 503 `not-configured`: the setting the operation needs.
    pub setting: Option<String>,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            AppError::Internal(cause) => tracing::error!(error = ?cause, "internal error"),
            AppError::Unavailable(reason) => tracing::warn!(%reason, "service unavailable"),
            // Refusals (409 shortages included) are the service working as intended: a WARN
            // per refusal flooded the log under load (tracing-actix-web's error event is off).
            client => tracing::debug!(status = client.status(), error = %client, "request refused"),
        }
        let mut response = HttpResponse::build(self.status_code());
        if matches!(self, AppError::Unavailable(_)) {
            response.insert_header(("Retry-After", "1"));
        }
        if matches!(self, AppError::Unauthorized(_)) {
            response.insert_header(("WWW-Authenticate", "Bearer"));
        }
        response.content_type(PROBLEM_JSON).body(self.problem().to_string())
    }
}

/// Names the field in serde's message where it gives one (`missing field `x``).
fn field_from_message(message: &str, fallback: &str) -> String {
    message
        .split('`')
        .nth(1)
        .filter(|_| message.contains("field"))
        .map(str::to_owned)
        .unwrap_or_else(|| fallback.to_owned())
}

pub fn query_error(err: error::QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let message = err.to_string();
    let field = field_from_message(&message, "query");
    AppError::validation(field, message).into()
}

pub fn path_error(err: error::PathError, _req: &HttpRequest) -> actix_web::Error {
    AppError::validation("path", err.to_string()).into()
}

pub fn payload_error(err: error::PayloadError) -> AppError {
    match err {
        error::PayloadError::Overflow => AppError::validation("body", "the request body is too large"),
        other => AppError::validation("body", other.to_string()),
    }
}
