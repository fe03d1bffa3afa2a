//! RFC 7807 responses: the one problem type, `AppError` as an HTTP response, and actix's own
//! extractor errors (query strings, paths) turned into the same problem bodies.

use std::fmt;

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{error, HttpRequest, HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{AppError, ShortageLine};

pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 7807 problem: the one type every `application/problem+json` body is built from, and
/// the schema the OpenAPI document publishes for them. Members beyond the standard five appear
/// only for the problem types that have them, and are then never `null`: absent members are
/// omitted, so the schema declares them optional and not nullable (the test
/// `problem_schema::real_problem_bodies_validate_against_the_published_problem_schema` holds
/// the two together).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// `/problems/<slug>`, one slug per kind of refusal.
    #[serde(rename = "type")]
    #[schema(example = "/problems/validation-error")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// The offending field, in plain words (`lines[0].quantity`), for validation errors and
    /// rejected imports (`body`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub field: Option<String>,
    /// Every offending field of a request, or every bad row of an import with its line.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub errors: Option<Vec<FieldError>>,
    /// For insufficient stock: the warehouse, the part, and what was asked for (the part and
    /// the quantity also for an over-receipt).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub warehouse: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub part_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub requested: Option<i64>,
    /// For insufficient stock: what could be taken now.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub available: Option<i64>,
    /// For a reservation shortage: each short line and where the part is available.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub lines: Option<Vec<ShortageLine>>,
    /// For an over-receipt: the purchase order, and what of the line is still outstanding and
    /// how much more its tolerance accepts.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub purchase_order: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub outstanding: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub tolerance: Option<i64>,
    /// For a 503 `not-configured`: the setting the operation needs.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub setting: Option<String>,
    /// For a 429: which limit (`auth_failures` per client address, or `key`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub limit: Option<String>,
    /// For a 429: seconds until a retry can succeed (also in `Retry-After`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub retry_after_seconds: Option<u64>,
}

/// One offending field of a request, or of one row of an import.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldError {
    /// 1-based line of the imported file (the header is line 1 for CSV); absent for requests.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub line: Option<u64>,
    pub field: String,
    pub message: String,
}

impl Problem {
    /// A problem with the standard members only.
    pub fn new(status: u16, slug: &str, title: &str, detail: impl Into<String>) -> Self {
        Problem {
            problem_type: format!("/problems/{slug}"),
            title: title.to_owned(),
            status,
            detail: detail.into(),
            field: None,
            errors: None,
            warehouse: None,
            part_number: None,
            requested: None,
            available: None,
            lines: None,
            purchase_order: None,
            outstanding: None,
            tolerance: None,
            setting: None,
            limit: None,
            retry_after_seconds: None,
        }
    }

    /// The body of a problem response.
    pub fn response(&self) -> HttpResponse {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        HttpResponse::build(status)
            .content_type(PROBLEM_JSON)
            .body(self.to_string())
    }
}

/// The JSON text of the body.
impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&serde_json::to_string(self).map_err(|_| fmt::Error)?)
    }
}

impl AppError {
    /// The RFC 7807 body. Server errors carry no detail: causes go to the log only.
    pub fn problem(&self) -> Problem {
        let detail = match self {
            AppError::Internal(_) => "An unexpected error occurred; it has been logged.".to_owned(),
            other => other.to_string(),
        };
        let mut problem = Problem::new(self.status(), self.code(), self.title(), detail);
        match self {
            AppError::Validation { field, message } => {
                problem.field = Some(field.clone());
                problem.errors = Some(vec![FieldError {
                    line: None,
                    field: field.clone(),
                    message: message.clone(),
                }]);
            }
            AppError::InsufficientStock {
                warehouse,
                part_number,
                requested,
                available,
            } => {
                problem.warehouse = Some(warehouse.clone());
                problem.part_number = Some(part_number.clone());
                problem.requested = Some(*requested);
                problem.available = Some(*available);
            }
            AppError::Shortage { lines } => problem.lines = Some(lines.clone()),
            AppError::NotConfigured { setting, .. } => problem.setting = Some((*setting).to_owned()),
            AppError::RateLimited {
                limit,
                retry_after_secs,
            } => {
                problem.limit = Some((*limit).to_owned());
                problem.retry_after_seconds = Some(*retry_after_secs);
            }
            AppError::OverReceipt {
                purchase_order,
                part_number,
                requested,
                outstanding,
                tolerance,
            } => {
                problem.field = Some("quantity".to_owned());
                problem.purchase_order = Some(purchase_order.clone());
                problem.part_number = Some(part_number.clone());
                problem.requested = Some(*requested);
                problem.outstanding = Some(*outstanding);
                problem.tolerance = Some(*tolerance);
            }
            AppError::ImportRejected { errors, .. } => {
                problem.field = Some("body".to_owned());
                let rows = errors.iter().map(|e| FieldError {
                    line: Some(e.line),
                    field: e.field.clone(),
                    message: e.message.clone(),
                });
                problem.errors = Some(rows.collect());
            }
            _ => {}
        }
        problem
    }
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
        let mut response = self.problem().response();
        let headers = response.headers_mut();
        if matches!(self, AppError::Unavailable(_)) {
            headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        if matches!(self, AppError::Unauthorized(_)) {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_problem_names_the_field() {
        let problem = AppError::validation("lines[0].quantity", "must be positive").problem();
        let body: serde_json::Value = serde_json::from_str(&problem.to_string()).expect("JSON");
        assert_eq!(body["status"], 400);
        assert_eq!(body["field"], "lines[0].quantity");
        assert_eq!(body["errors"][0]["field"], "lines[0].quantity");
        assert_eq!(body["type"], "/problems/validation-error");
        assert!(body.get("lines").is_none() && body["errors"][0].get("line").is_none());
    }

    #[test]
    fn internal_errors_hide_their_cause() {
        let problem = AppError::Internal(anyhow::anyhow!("SELECT secret FROM x")).problem();
        assert!(!problem.to_string().contains("SELECT"));
    }
}
