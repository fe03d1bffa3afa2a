//! Extractors: a mutating request's typed body plus its idempotency fingerprint, and who is
//! acting.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use serde::de::DeserializeOwned;
use tracing_actix_web::RequestId;

use super::problem::payload_error;
use crate::error::AppError;
use crate::idempotency::IdempotentRequest;
use crate::stock::ledger::Actor;
use crate::validate;

pub const IDEMPOTENCY_HEADER: &str = "Idempotency-Key";
const MAX_BODY_BYTES: usize = 256 * 1024;

/// A mutating request: the parsed body and, when the client sent an `Idempotency-Key`, the
/// key with the request's fingerprint. An empty body parses as JSON `null`, so `Option<T>`
/// bodies may be omitted.
pub struct Command<T> {
    pub input: T,
    pub idempotency: Option<IdempotentRequest>,
}

/// Parses JSON, naming the failing field by its path (`lines[0].quantity`).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let text = if bytes.iter().all(u8::is_ascii_whitespace) {
        &b"null"[..]
    } else {
        bytes
    };
    let mut deserializer = serde_json::Deserializer::from_slice(text);
    let value: T = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let message = inner.to_string();
        let named = message
            .split('`')
            .nth(1)
            .filter(|_| message.starts_with("missing field") || message.starts_with("unknown field"));
        let root = path == "." || path.is_empty();
        let field = match (root, named) {
            (true, Some(name)) => name.to_owned(),
            (true, None) => "body".to_owned(),
            (false, Some(name)) if message.starts_with("missing field") => format!("{path}.{name}"),
            (false, _) => path,
        };
        let message = if text == b"null" {
            "a JSON body is required".to_owned()
        } else {
            message
        };
        AppError::validation(field, message)
    })?;
    deserializer
        .end()
        .map_err(|e| AppError::validation("body", format!("trailing characters after the JSON value: {e}")))?;
    Ok(value)
}

fn idempotency_key(req: &HttpRequest) -> Result<Option<String>, AppError> {
    let Some(value) = req.headers().get(IDEMPOTENCY_HEADER) else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .map_err(|_| AppError::validation(IDEMPOTENCY_HEADER, "must be visible ASCII"))?;
    if key.is_empty() || key.len() > 255 || !key.chars().all(|c| c.is_ascii_graphic()) {
        return Err(AppError::validation(
            IDEMPOTENCY_HEADER,
            "must be 1-255 visible ASCII characters",
        ));
    }
    Ok(Some(key.to_owned()))
}

impl<T: DeserializeOwned + 'static> FromRequest for Command<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let body = web::Bytes::from_request(&req, payload);
        Box::pin(async move {
            let key = idempotency_key(&req)?;
            let bytes = body
                .await
                .map_err(|e| match e.as_error::<actix_web::error::PayloadError>() {
                    Some(_) => AppError::validation("body", "the request body is too large or unreadable"),
                    None => AppError::validation("body", e.to_string()),
                })?;
            if bytes.len() > MAX_BODY_BYTES {
                return Err(payload_error(actix_web::error::PayloadError::Overflow));
            }
            let input = parse_json::<T>(&bytes)?;
            let idempotency = key.map(|k| IdempotentRequest::new(k, req.method().as_str(), req.path(), &bytes));
            Ok(Command { input, idempotency })
        })
    }
}

/// Who is acting, recorded on every movement. Until API keys exist this is the optional
/// `X-Actor` header (default `anonymous`), plus the request id.
pub struct RequestActor(pub Actor);

impl FromRequest for RequestActor {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let request_id = req.extensions().get::<RequestId>().map(|id| id.to_string());
        let name = match req.headers().get("X-Actor").map(|v| v.to_str()) {
            None => Ok("anonymous".to_owned()),
            Some(Ok(v)) => validate::text("X-Actor", v, 64),
            Some(Err(_)) => Err(AppError::validation("X-Actor", "must be visible ASCII")),
        };
        std::future::ready(name.map(|name| RequestActor(Actor { name, request_id })))
    }
}
