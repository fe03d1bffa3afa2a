//! The HTTP layer: routes, request parsing and responses. Domain modules never see actix.

mod audit;
mod catalog;
mod csv_rows;
mod demand;
mod export;
pub(crate) mod extract;
mod forecasts;
pub mod guard;
mod keys;
pub mod limits;
pub mod metrics;
pub mod openapi;
pub(crate) mod params;
pub mod problem;
pub(crate) mod proposals;
pub(crate) mod replenishment;
mod reservations;
pub(crate) mod stock;
mod system;
pub(crate) mod transfers;
mod webhooks;

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::audit::Change;
use crate::auth::Principal;
use crate::db::{AnyConnection, DbPool};
use crate::error::AppError;
use crate::idempotency::{self, IdempotentRequest, StoredResponse};
use crate::stock::ledger::Actor;
use extract::Caller;

pub use problem::{Problem, PROBLEM_JSON};

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub pool: DbPool,
    /// Where reports and KPIs read (audit, movement lists, demand history, KPIs, at-risk): the
    /// read replica when one is configured, else `pool`. Never availability, stock or anything
    /// a write decides on, and never the key check: those read `pool`, the primary.
    pub reports: DbPool,
    pub reservation_ttl: chrono::Duration,
    pub request_timeout: std::time::Duration,
    /// Whether `/metrics` answers without an admin key.
    pub metrics_public: bool,
    pub forecast: crate::demand::forecasts::ForecastSettings,
    pub replenishment: crate::replenishment::ReplenishmentSettings,
    /// Seals stored secrets; `None` when the instance has no key file (secrets are refused).
    pub secret_keys: Option<std::sync::Arc<crate::secrets::KeyRing>>,
    pub console: crate::console::ConsoleState,
}

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    fn from((items, next_cursor): (Vec<T>, Option<String>)) -> Self {
        Page { items, next_cursor }
    }
}

/// Runs blocking database work off the async workers.
pub async fn with_conn<T, F>(pool: &DbPool, work: F) -> Result<T, AppError>
where
    F: FnOnce(&mut AnyConnection) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    let pool = pool.clone();
    web::block(move || {
        let mut conn = pool.get()?;
        work(&mut conn)
    })
    .await
    .map_err(|e| AppError::Internal(anyhow::anyhow!("blocking task failed: {e}")))?
}

/// What a mutation changed, for its response and the audit trail.
pub struct Changed<T> {
    pub entity_id: String,
    /// The entity before the change, where there was one.
    pub before: Option<serde_json::Value>,
    pub value: T,
}

impl<T> Changed<T> {
    pub fn new(entity_id: impl ToString, value: T) -> Self {
        Changed {
            entity_id: entity_id.to_string(),
            before: None,
            value,
        }
    }

    /// `value` in place of `before` (the entity as it was, kept for the audit row).
    pub fn replacing<B: Serialize>(entity_id: impl ToString, before: &B, value: T) -> Self {
        Changed {
            entity_id: entity_id.to_string(),
            before: snapshot(before),
            value,
        }
    }
}

/// Runs a mutation in one transaction with its idempotency record and its audit row.
pub(crate) async fn mutate<P, T, F>(
    state: &AppState,
    caller: Caller<P>,
    idempotency: Option<IdempotentRequest>,
    status: u16,
    (action, entity_type): (&'static str, &'static str),
    work: F,
) -> Result<StoredResponse, AppError>
where
    T: Serialize,
    F: FnOnce(&mut AnyConnection, &Principal, &Actor) -> Result<Changed<T>, AppError> + Send + 'static,
{
    let actor = caller.actor();
    let Caller { principal, request, .. } = caller;
    with_conn(&state.pool, move |conn| {
        idempotency::execute(conn, idempotency.as_ref(), |conn| {
            let changed = work(conn, &principal, &actor)?;
            audited(conn, &principal, &request, (status, action, entity_type), changed)
        })
    })
    .await
}

/// Writes a change's audit row and makes its response.
fn audited<T: Serialize>(
    conn: &mut AnyConnection,
    principal: &Principal,
    request: &crate::audit::RequestInfo,
    (status, action, entity_type): (u16, &'static str, &'static str),
    changed: Changed<T>,
) -> Result<StoredResponse, AppError> {
    let after = serde_json::to_value(&changed.value).map_err(|e| AppError::Internal(e.into()))?;
    let change = Change {
        action,
        entity_type,
        entity_id: changed.entity_id,
        before: changed.before,
        after: Some(after),
    };
    crate::audit::record(conn, principal, request, &change)?;
    StoredResponse::json(status, &changed.value)
}

/// [`mutate`] in one trip to the blocking pool, as `POST /movements` does: the key is checked
/// on the work's connection first, then the body (so 401/403 still win over 400).
///
/// Without an Idempotency-Key, `shortcut` is tried first: it writes the change with its audit
/// row by itself, outside a transaction (one statement), and answers `Some(value)`, or writes
/// nothing and answers `None`; then the ordinary transaction (`work`) runs on the same
/// connection. Actions without one pass [`no_shortcut`]. `after_refusal` runs on the same
/// connection once a refused change has rolled back (a reservation shortage is recorded this
/// way, without a trip of its own); actions that need nothing pass [`nothing_after_refusal`].
async fn mutate_authenticated<P, I, T, S, F, R>(
    state: &AppState,
    credentials: extract::Credentials<P>,
    cmd: Result<extract::Command<I>, AppError>,
    (status, action, entity_type): (u16, &'static str, &'static str),
    shortcut: S,
    work: F,
    after_refusal: R,
) -> Result<StoredResponse, AppError>
where
    P: extract::Need + Send + 'static,
    I: Send + 'static,
    T: Serialize,
    S: FnOnce(&mut AnyConnection, &Principal, &Actor, &crate::audit::Pending<'_>, &I) -> Result<Option<T>, AppError>
        + Send
        + 'static,
    F: FnOnce(&mut AnyConnection, &Principal, &Actor, &I) -> Result<Changed<T>, AppError> + Send + 'static,
    R: FnOnce(&mut AnyConnection, &I, &AppError) + Send + 'static,
{
    with_conn(&state.pool, move |conn| {
        let caller = credentials.authenticate(conn)?;
        let extract::Command { input, idempotency } = cmd?;
        let actor = caller.actor();
        let Caller { principal, request, .. } = caller;
        if idempotency.is_none() {
            let pending = crate::audit::Pending {
                who: &principal,
                request: &request,
                action,
                entity_type,
            };
            if let Some(value) = shortcut(conn, &principal, &actor, &pending, &input)? {
                return StoredResponse::json(status, &value);
            }
        }
        let outcome = idempotency::execute(conn, idempotency.as_ref(), |conn| {
            let changed = work(conn, &principal, &actor, &input)?;
            audited(conn, &principal, &request, (status, action, entity_type), changed)
        });
        if let Err(refusal) = &outcome {
            after_refusal(conn, &input, refusal);
        }
        outcome
    })
    .await
}

/// For [`mutate_authenticated`]: no shortcut, the transaction always runs.
fn no_shortcut<I, T>(
    _: &mut AnyConnection,
    _: &Principal,
    _: &Actor,
    _: &crate::audit::Pending<'_>,
    _: &I,
) -> Result<Option<T>, AppError> {
    Ok(None)
}

/// For [`mutate_authenticated`]: a refusal needs no follow-up.
fn nothing_after_refusal<I>(_: &mut AnyConnection, _: &I, _: &AppError) {}

/// Runs a long recomputation (a forecast or replenishment run). A retry with the same key
/// replays the first answer without running again; otherwise the work runs without holding a
/// write transaction (it writes in short chunks of its own), and only its summary, audit row
/// and idempotency record are written together at the end.
async fn long_run<P, T, F>(
    state: &AppState,
    caller: Caller<P>,
    idempotency: Option<IdempotentRequest>,
    (action, entity_type): (&'static str, &'static str),
    work: F,
) -> Result<StoredResponse, AppError>
where
    T: Serialize + Send + 'static,
    F: FnOnce(&mut AnyConnection, &Actor) -> Result<Changed<T>, AppError> + Send + 'static,
{
    let actor = caller.actor();
    let Caller { principal, request, .. } = caller;
    with_conn(&state.pool, move |conn| {
        if let Some(stored) = idempotency::replay(conn, idempotency.as_ref())? {
            return Ok(stored);
        }
        let done = work(conn, &actor)?;
        idempotency::execute(conn, idempotency.as_ref(), |conn| {
            let after = serde_json::to_value(&done.value).map_err(|e| AppError::Internal(e.into()))?;
            let change = Change {
                action,
                entity_type,
                entity_id: done.entity_id,
                before: None,
                after: Some(after),
            };
            crate::audit::record(conn, &principal, &request, &change)?;
            StoredResponse::json(200, &done.value)
        })
    })
    .await
}

/// The entity as JSON, for an audit row's `before`.
fn snapshot<T: Serialize>(value: &T) -> Option<serde_json::Value> {
    serde_json::to_value(value).ok()
}

/// Sends a stored (or freshly made) response, marking replays.
fn respond(response: StoredResponse) -> HttpResponse {
    let status = actix_web::http::StatusCode::from_u16(response.status)
        .unwrap_or(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR);
    let content_type = if response.status >= 400 {
        PROBLEM_JSON
    } else {
        "application/json"
    };
    let mut builder = HttpResponse::build(status);
    if response.replayed {
        builder.insert_header(("Idempotent-Replayed", "true"));
    }
    builder.content_type(content_type).body(response.body)
}

/// A route path whose other methods get 405 with an `Allow` header, as HTTP requires.
fn resource(path: &str, allow: &'static str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(move || async move {
        let detail = format!("this path supports {allow}");
        let mut response = Problem::new(405, "method-not-allowed", "Method not allowed", detail).response();
        response
            .headers_mut()
            .insert(header::ALLOW, header::HeaderValue::from_static(allow));
        response
    }))
}

fn ok_json<T: Serialize>(value: &T) -> HttpResponse {
    HttpResponse::Ok().json(value)
}

/// Registers every route of the service.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::QueryConfig::default().error_handler(problem::query_error))
        .app_data(web::PathConfig::default().error_handler(problem::path_error))
        .app_data(web::PayloadConfig::new(extract::MAX_BODY_BYTES))
        .configure(system::configure)
        .service(
            web::scope("/api/v1")
                .configure(catalog::configure)
                .configure(stock::configure)
                .configure(transfers::configure)
                .configure(reservations::configure)
                .configure(demand::configure)
                .configure(forecasts::configure)
                .configure(replenishment::configure)
                .configure(proposals::configure)
                .configure(webhooks::configure)
                .configure(keys::configure)
                .configure(audit::configure),
        );
}
