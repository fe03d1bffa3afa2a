//! One submission per form: every state-changing form of the warehouse pages carries a fresh
//! random token besides its CSRF token. The action runs under it as the API runs under an
//! `Idempotency-Key` (same store, same fingerprint of what was asked), so a double click or a
//! reloaded POST replays the first outcome instead of booking the movement twice.

use actix_web::{HttpRequest, HttpResponse};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{parse_form, session, SignedIn};
use crate::api::extract::{Caller, Need};
use crate::error::AppError;
use crate::idempotency::{IdempotentRequest, StoredResponse};

/// A token for a form about to be rendered.
pub fn fresh() -> String {
    session::random_token()
}

/// The idempotency record of a form submission: its token, the action's path and what the
/// form asked for (so a token replayed with other values is refused, as the API refuses a
/// reused key).
pub fn request(token: &str, path: &str, asked: &impl Serialize) -> Result<IdempotentRequest, AppError> {
    let token = token.trim();
    let well_formed = !token.is_empty()
        && token.len() <= 128
        && token.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !well_formed {
        return Err(AppError::validation(
            "token",
            "the form has no valid submission token; reload the page and try again",
        ));
    }
    let body = serde_json::to_vec(asked).map_err(|e| AppError::Internal(e.into()))?;
    Ok(IdempotentRequest::new(format!("console:{token}"), "POST", path, &body))
}

/// What a submission answered: the JSON value and whether it is a replay of the first
/// submission; a refusal (fresh or replayed) as the error it was.
pub fn outcome(stored: StoredResponse) -> Result<(Value, bool), AppError> {
    let body: Value = serde_json::from_str(&stored.body).map_err(|e| AppError::Internal(e.into()))?;
    if stored.status < 400 {
        return Ok((body, stored.replayed));
    }
    let detail = body["detail"].as_str().unwrap_or_default().to_owned();
    Err(match stored.status {
        400 => AppError::validation(body["field"].as_str().unwrap_or("form"), detail),
        403 => AppError::Forbidden(detail),
        _ => AppError::InvalidState(detail),
    })
}

#[derive(Deserialize)]
struct Csrf {
    #[serde(default)]
    csrf: String,
}

/// A warehouse form's caller and fields: the role is checked before the body is read (as the
/// API does), then the session's CSRF token; a refusal is the page saying why.
pub fn checked<P: Need, F: DeserializeOwned>(
    who: &SignedIn,
    req: &HttpRequest,
    body: &[u8],
) -> Result<(Caller<P>, F), Box<HttpResponse>> {
    let refuse = |e: AppError| Box::new(who.error(&e));
    let caller = Caller::<P>::signed_in(who.session.principal.clone(), req).map_err(refuse)?;
    let token: Csrf = parse_form(body).map_err(refuse)?;
    who.check_csrf(&token.csrf).map_err(refuse)?;
    Ok((caller, parse_form(body).map_err(refuse)?))
}
