//! Extractors: a mutating request's typed body plus its idempotency fingerprint, and who is
//! acting.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use serde::de::DeserializeOwned;
use serde_json::Value;
use tracing_actix_web::RequestId;

use super::{with_conn, AppState};
use crate::audit::RequestInfo;
use crate::auth::{keys, Principal};
use crate::db::AnyConnection;
use crate::error::AppError;
use crate::idempotency::IdempotentRequest;
use crate::stock::ledger::Actor;

pub const IDEMPOTENCY_HEADER: &str = "Idempotency-Key";
/// The largest JSON body a route takes (the payload limit refuses a larger one while reading).
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// A mutating request: the parsed body and, when the client sent an `Idempotency-Key`, the
/// key with the request's fingerprint. An empty body parses as JSON `null`, so `Option<T>`
/// bodies may be omitted.
pub struct Command<T> {
    pub input: T,
    pub idempotency: Option<IdempotentRequest>,
}

/// Parses a JSON body, naming the failing field by its path (`lines[0].quantity`).
///
/// The body is first read as a JSON value so that syntax errors are reported against `body`,
/// and its shape is checked: the root must be an object (or absent), an array never stands in
/// for an object (serde would otherwise accept `["R-1","Name"]` for a struct), and no string
/// holds a NUL character.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let absent = bytes.iter().all(u8::is_ascii_whitespace);
    let value: Value = if absent {
        Value::Null
    } else {
        serde_json::from_slice(bytes).map_err(|e| AppError::validation("body", format!("is not valid JSON: {e}")))?
    };
    if !matches!(value, Value::Object(_) | Value::Null) {
        return Err(AppError::validation("body", "must be a JSON object"));
    }
    check_shape(&value, &mut String::new())?;
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let message = e.into_inner().to_string();
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
        let message = if absent {
            "a JSON body is required".to_owned()
        } else {
            message
        };
        AppError::validation(field, message)
    })
}

fn check_shape(value: &Value, path: &mut String) -> Result<(), AppError> {
    match value {
        Value::String(s) if s.contains('\0') => Err(AppError::validation(
            if path.is_empty() { "body" } else { path.as_str() },
            "must not contain NUL characters",
        )),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                if item.is_array() {
                    return Err(AppError::validation(
                        path.as_str(),
                        "must be a JSON object or value, not an array",
                    ));
                }
                check_shape(item, path)?;
                path.truncate(len);
            }
            Ok(())
        }
        Value::Object(members) => {
            for (name, member) in members {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(name);
                if member.is_array() && (name == "lines") {
                    if let Some(i) = member.as_array().and_then(|a| a.iter().position(|l| !l.is_object())) {
                        path.push_str(&format!("[{i}]"));
                        return Err(AppError::validation(path.as_str(), "must be a JSON object"));
                    }
                }
                check_shape(member, path)?;
                path.truncate(len);
            }
            Ok(())
        }
        _ => Ok(()),
    }
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
        let gate = super::params::AuthGate::of(&req);
        let parsed = async move {
            let key = idempotency_key(&req)?;
            let bytes = body.await.map_err(|e| match e.as_error::<PayloadError>() {
                Some(PayloadError::Overflow) => AppError::TooLarge {
                    limit_kib: MAX_BODY_BYTES / 1024,
                },
                Some(_) => AppError::validation("body", "the request body could not be read"),
                None => AppError::validation("body", e.to_string()),
            })?;
            let input = parse_json::<T>(&bytes)?;
            let idempotency = key.map(|k| IdempotentRequest::new(k, req.method().as_str(), req.path(), &bytes));
            Ok(Command { input, idempotency })
        };
        // A refusal waits for the key check, so a key without the right gets 403 whatever the
        // body (actix answers with whichever extractor fails first).
        Box::pin(async move { super::params::after_auth(gate, parsed.await).await })
    }
}

// The permission marker types are declared beside `Permission`, from one list.
pub use crate::auth::roles::{need, Need};

/// An authenticated caller allowed `P`, with the request facts the audit trail records.
pub struct Caller<P> {
    pub principal: Principal,
    pub request: RequestInfo,
    _need: PhantomData<P>,
}

impl<P: Need> Caller<P> {
    /// A caller signed in through the web console: its session named the key, which was
    /// checked as a bearer key is ([`keys::authenticate_id`]); the role check is the same.
    pub fn signed_in(principal: Principal, req: &HttpRequest) -> Result<Self, AppError> {
        principal.require(P::PERMISSION)?;
        Ok(Caller {
            principal,
            request: request_info(req),
            _need: PhantomData,
        })
    }
}

impl<P> Caller<P> {
    /// How the caller is recorded on ledger rows.
    pub fn actor(&self) -> Actor {
        self.principal.actor(self.request.request_id.clone())
    }
}

fn bearer_secret(req: &HttpRequest) -> Result<String, AppError> {
    let missing = || AppError::Unauthorized("send an API key as `Authorization: Bearer <key>`".into());
    let value = req.headers().get("Authorization").ok_or_else(missing)?;
    let value = value.to_str().map_err(|_| missing())?;
    let (scheme, secret) = value.trim().split_once(' ').ok_or_else(missing)?;
    let secret = secret.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || secret.is_empty() || secret.len() > 200 {
        return Err(missing());
    }
    Ok(secret.to_owned())
}

/// What the audit trail records of a request.
fn request_info(req: &HttpRequest) -> RequestInfo {
    RequestInfo {
        method: req.method().to_string(),
        route: req.match_pattern().unwrap_or_else(|| req.path().to_owned()),
        request_id: req.extensions().get::<RequestId>().map(|id| id.to_string()),
        idempotency_key: idempotency_key(req).ok().flatten(),
    }
}

/// A caller's credentials and request facts, not yet checked: a hot route checks them on the
/// connection it does its work on, in one trip to the blocking pool instead of two. The check
/// is the same as [`Caller`]'s, so a revoked key is refused at once either way.
pub struct Credentials<P> {
    secret: Result<String, AppError>,
    request: RequestInfo,
    _need: PhantomData<P>,
}

impl<P: Need> Credentials<P> {
    fn of(req: &HttpRequest) -> Self {
        Credentials {
            secret: bearer_secret(req),
            request: request_info(req),
            _need: PhantomData,
        }
    }

    /// The caller behind the credentials: 401 for a missing, unknown, revoked or expired key,
    /// 403 when its role lacks `P`.
    pub fn authenticate(self, conn: &mut AnyConnection) -> Result<Caller<P>, AppError> {
        let principal = keys::authenticate(conn, &self.secret?)?;
        principal.require(P::PERMISSION)?;
        Ok(Caller {
            principal,
            request: self.request,
            _need: PhantomData,
        })
    }
}

impl<P: Need> FromRequest for Credentials<P> {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        std::future::ready(Ok(Credentials::of(req)))
    }
}

impl<P: Need + Send + 'static> FromRequest for Caller<P> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let Credentials { secret, request, .. } = Credentials::<P>::of(req);
        let pool = req.app_data::<web::Data<AppState>>().map(|s| s.pool.clone());
        let done = super::params::AuthGate::open(req);
        Box::pin(async move {
            // Dropped when this check ends, which releases the extractors waiting on it.
            let _done = done;
            // A request without a key is refused before it takes a connection.
            let credentials = Credentials::<P> {
                secret: Ok(secret?),
                request,
                _need: PhantomData,
            };
            let pool = pool.ok_or_else(|| AppError::Internal(anyhow::anyhow!("application state missing")))?;
            with_conn(&pool, move |conn| credentials.authenticate(conn)).await
        })
    }
}
