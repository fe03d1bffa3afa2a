//! `Idempotency-Key` support for mutating POSTs. The key, a hash of the request and the
//! response are stored in the same transaction as the change, so a retry after a crash either
//! finds the committed response or finds nothing and runs again: never twice.

use chrono::Duration;
use diesel::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::db::{self, AnyConnection};
use crate::error::AppError;
use crate::schema::idempotency_keys as k;

/// Keys are kept at least this long (the purge task deletes older ones).
pub const RETENTION: Duration = Duration::hours(48);

/// A request's key and the fingerprint of what it asked for.
#[derive(Debug, Clone)]
pub struct IdempotentRequest {
    pub key: String,
    pub fingerprint: String,
}

impl IdempotentRequest {
    /// Fingerprints method, path and body: the same key sent with anything else is a misuse.
    pub fn new(key: String, method: &str, path: &str, body: &[u8]) -> Self {
        let mut hasher = Sha256::new();
        hasher.update(method.as_bytes());
        hasher.update([0]);
        hasher.update(path.as_bytes());
        hasher.update([0]);
        hasher.update(body);
        Self {
            key,
            fingerprint: hex::encode(hasher.finalize()),
        }
    }
}

/// A response as sent (or as first sent, when replayed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub status: u16,
    pub body: String,
    pub replayed: bool,
    /// What to keep for replays instead of `body`, when the body holds a secret.
    pub replay_body: Option<String>,
}

impl StoredResponse {
    pub fn json<T: Serialize>(status: u16, value: &T) -> Result<Self, AppError> {
        Ok(Self {
            status,
            body: serde_json::to_string(value).map_err(|e| AppError::Internal(e.into()))?,
            replayed: false,
            replay_body: None,
        })
    }
}

/// The response stored under the request's key, if any: lets long work that runs outside a
/// transaction (a forecast run) skip itself on a retry.
pub fn replay(
    conn: &mut AnyConnection,
    request: Option<&IdempotentRequest>,
) -> Result<Option<StoredResponse>, AppError> {
    match request {
        Some(request) => lookup(conn, request),
        None => Ok(None),
    }
}

fn lookup(conn: &mut AnyConnection, request: &IdempotentRequest) -> Result<Option<StoredResponse>, AppError> {
    let found: Option<(String, i32, String)> = k::table
        .find(&request.key)
        .select((k::request_hash, k::status_code, k::response_body))
        .first(conn)
        .optional()?;
    match found {
        None => Ok(None),
        Some((hash, _, _)) if hash != request.fingerprint => Err(AppError::IdempotencyKeyReused),
        Some((_, status, body)) => Ok(Some(StoredResponse {
            status: status as u16,
            body,
            replayed: true,
            replay_body: None,
        })),
    }
}

fn store(conn: &mut AnyConnection, request: &IdempotentRequest, response: &StoredResponse) -> QueryResult<usize> {
    diesel::insert_into(k::table)
        .values((
            k::idempotency_key.eq(&request.key),
            k::request_hash.eq(&request.fingerprint),
            k::status_code.eq(response.status as i32),
            k::response_body.eq(response.replay_body.as_ref().unwrap_or(&response.body)),
            k::created_at.eq(db::now()),
        ))
        .execute(conn)
}

/// Why an idempotent transaction rolled back.
enum Failure {
    App(AppError),
    /// Another request with the same key committed between our lookup and our insert.
    KeyRace,
}

impl From<diesel::result::Error> for Failure {
    fn from(error: diesel::result::Error) -> Self {
        Failure::App(error.into())
    }
}

impl From<AppError> for Failure {
    fn from(error: AppError) -> Self {
        Failure::App(error)
    }
}

/// Runs `work` in a write transaction, honouring the key when there is one: a stored response
/// is returned as it was first sent; a client error is stored too, so the retry sees it.
pub fn execute<F>(
    conn: &mut AnyConnection,
    request: Option<&IdempotentRequest>,
    work: F,
) -> Result<StoredResponse, AppError>
where
    F: FnOnce(&mut AnyConnection) -> Result<StoredResponse, AppError>,
{
    let Some(request) = request else {
        return db::write_tx(conn, work);
    };
    let outcome = db::write_tx(conn, |conn| -> Result<StoredResponse, Failure> {
        if let Some(stored) = lookup(conn, request)? {
            return Ok(stored);
        }
        let response = work(conn)?;
        match store(conn, request, &response) {
            Ok(_) => Ok(response),
            Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)) => {
                Err(Failure::KeyRace)
            }
            Err(other) => Err(other.into()),
        }
    });
    match outcome {
        Ok(response) => Ok(response),
        Err(Failure::KeyRace) => db::write_tx(conn, |conn| {
            lookup(conn, request)?.ok_or_else(|| AppError::Unavailable("concurrent request with the same key".into()))
        }),
        Err(Failure::App(error)) if error.is_client_error() && !matches!(error, AppError::IdempotencyKeyReused) => {
            let response = StoredResponse {
                status: error.status(),
                body: error.problem().to_string(),
                replayed: false,
                replay_body: None,
            };
            // A concurrent retry may have stored its own outcome first; either is a valid answer.
            let _ = db::write_tx(conn, |conn| -> Result<(), AppError> {
                if lookup(conn, request)?.is_none() {
                    store(conn, request, &response)?;
                }
                Ok(())
            });
            Err(error)
        }
        Err(Failure::App(error)) => Err(error),
    }
}

/// Deletes keys older than [`RETENTION`]; returns how many.
pub fn purge_expired(conn: &mut AnyConnection) -> Result<usize, AppError> {
    let cutoff = db::now() - RETENTION;
    Ok(diesel::delete(k::table.filter(k::created_at.lt(cutoff))).execute(conn)?)
}
