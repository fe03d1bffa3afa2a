//! Safe defaults applied to every request: a deadline, refusal of NUL bytes (PostgreSQL cannot
//! store them, and no identifier contains one) and standard security headers.

use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;

use super::AppState;
use crate::error::AppError;

const DOCS_CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; \
    script-src 'self' 'unsafe-inline'; frame-ancestors 'none'";
const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

/// The POST routes that get 20 times the ordinary deadline: a bulk import of a million rows,
/// forecasting every series or a full replenishment run (from the API or the console's run
/// form) legitimately take longer than an ordinary request.
const LONG_RUNNING: [&str; 4] = [
    "/api/v1/demand-history",
    "/api/v1/forecasts/run",
    "/api/v1/replenishment/runs",
    "/console/runs",
];

fn has_nul(text: &str) -> bool {
    text.to_ascii_lowercase().contains("%00")
}

/// Answers 400 for NUL bytes in the URL, 503 when the request overruns the deadline, and
/// adds the security headers to every other response. It is the outermost middleware, so its
/// own refusals are rendered by actix from the error (as RFC 7807 bodies).
///
/// A mutation cut off by the deadline may still commit; the client, which got no success,
/// retries with its Idempotency-Key and receives the committed result.
pub async fn guard(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if has_nul(req.path()) || has_nul(req.query_string()) {
        return Err(AppError::validation("url", "must not contain NUL characters").into());
    }
    let mut deadline = req
        .app_data::<web::Data<AppState>>()
        .map(|state| state.request_timeout)
        .unwrap_or(Duration::from_secs(30));
    if LONG_RUNNING.contains(&req.path()) && req.method() == actix_web::http::Method::POST {
        deadline *= 20;
    }
    let docs = req.path().starts_with("/docs");
    match actix_web::rt::time::timeout(deadline, next.call(req)).await {
        Ok(response) => {
            let mut response = response?;
            add_security_headers(docs, response.headers_mut());
            Ok(response)
        }
        Err(_) => {
            let seconds = deadline.as_secs_f64();
            Err(AppError::Unavailable(format!("the request took longer than {seconds} s")).into())
        }
    }
}

fn add_security_headers(docs: bool, headers: &mut header::HeaderMap) {
    let pairs: [(HeaderName, &'static str); 5] = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CONTENT_SECURITY_POLICY, if docs { DOCS_CSP } else { API_CSP }),
        (header::CACHE_CONTROL, if docs { "no-cache" } else { "no-store" }),
    ];
    for (name, value) in pairs {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
}
