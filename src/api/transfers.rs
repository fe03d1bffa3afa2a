//! Transfer routes. A key limited to warehouses may create transfers touching one of them,
//! ship or cancel from its own warehouses, and receive at its own warehouses.

use actix_web::{web, HttpResponse};

use super::extract::{need, Caller, Command};
use super::params::Query;
use super::{mutate, ok_json, resource, respond, with_conn, AppState, Changed, Page};
use crate::auth::Principal;
use crate::db::AnyConnection;
use crate::error::AppError;
use crate::idempotency::{IdempotentRequest, StoredResponse};
use crate::stock::ledger::Actor;
use crate::transfers::model::{ReceiveInput, Transfer, TransferFilter, TransferInput};
use crate::transfers::service;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/transfers", "GET, POST")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    );
    cfg.service(resource("/transfers/{id}", "GET").route(web::get().to(get)));
    cfg.service(resource("/transfers/{id}/ship", "POST").route(web::post().to(ship)));
    cfg.service(resource("/transfers/{id}/receive", "POST").route(web::post().to(receive)));
    cfg.service(resource("/transfers/{id}/cancel", "POST").route(web::post().to(cancel)));
}

#[utoipa::path(post, path = "/api/v1/transfers", tag = "transfers", request_body = TransferInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses(
        (status = 201, description = "Created (no stock moves until it ships)", body = Transfer)))]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller<need::TransfersWrite>,
    cmd: Command<TransferInput>,
) -> Result<HttpResponse, AppError> {
    let principal = &caller.principal;
    if !principal.sees_warehouse(&cmd.input.from) {
        principal.require_warehouse(&cmd.input.to)?;
    }
    let Command { input, idempotency } = cmd;
    let stored = mutate(
        &state,
        caller,
        idempotency,
        201,
        ("transfer.create", "transfer"),
        move |conn, _, actor| {
            let transfer = service::create(conn, actor, &input)?;
            Ok(Changed::new(transfer.id, transfer))
        },
    )
    .await?;
    Ok(respond(stored))
}

#[utoipa::path(get, path = "/api/v1/transfers", tag = "transfers", params(TransferFilter),
    responses(
        (status = 200, description = "A page of transfers", body = Page<Transfer>)))]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller<need::StockRead>,
    filter: Query<TransferFilter>,
) -> Result<HttpResponse, AppError> {
    let scope = caller.principal.warehouses.clone();
    let page = with_conn(&state.pool, move |conn| service::list(conn, &filter, scope.as_deref())).await?;
    Ok(ok_json(&Page::from(page)))
}

#[utoipa::path(get, path = "/api/v1/transfers/{id}", tag = "transfers",
    params(("id" = i64, Path, description = "Transfer id")),
    responses(
        (status = 200, description = "The transfer", body = Transfer),
        (status = 404, description = "Unknown transfer")))]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller<need::StockRead>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let transfer = with_conn(&state.pool, move |conn| service::get(conn, id)).await?;
    if !caller.principal.sees_warehouse(&transfer.from) {
        caller.principal.require_warehouse(&transfer.to)?;
    }
    Ok(ok_json(&transfer))
}

/// Which end of a transfer a step acts at.
#[derive(Clone, Copy)]
enum End {
    Source,
    Destination,
}

/// A state change of a transfer: scope check, change, audit row and idempotency record in one
/// transaction.
async fn step<I, P, F>(
    state: &AppState,
    caller: Caller<P>,
    cmd: Command<I>,
    (id, end, action): (i64, End, &'static str),
    work: F,
) -> Result<StoredResponse, AppError>
where
    I: Send + 'static,
    F: FnOnce(&mut AnyConnection, &Actor, I) -> Result<Transfer, AppError> + Send + 'static,
{
    let Command { input, idempotency } = cmd;
    mutate(
        state,
        caller,
        idempotency,
        200,
        (action, "transfer"),
        move |conn, principal, actor| {
            let before = service::get(conn, id)?;
            require_end(principal, &before, end)?;
            let after = work(conn, actor, input)?;
            Ok(Changed::replacing(id, &before, after))
        },
    )
    .await
}

fn require_end(principal: &Principal, transfer: &Transfer, end: End) -> Result<(), AppError> {
    match end {
        End::Source => principal.require_warehouse(&transfer.from),
        End::Destination => principal.require_warehouse(&transfer.to),
    }
}

#[utoipa::path(post, path = "/api/v1/transfers/{id}/ship", tag = "transfers",
    params(("id" = i64, Path, description = "Transfer id"), ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses(
        (status = 200, description = "Shipped: stock left the source and is in transit", body = Transfer),
        (status = 404, description = "Unknown transfer"),
        (status = 409, description = "Not in `created` state, or not enough stock at the source")))]
pub async fn ship(
    state: web::Data<AppState>,
    caller: Caller<need::TransfersWrite>,
    id: web::Path<i64>,
    cmd: Command<Option<serde_json::Value>>,
) -> Result<HttpResponse, AppError> {
    let Command { idempotency, .. } = cmd;
    Ok(respond(ship_one(&state, caller, id.into_inner(), idempotency).await?))
}

/// Ships a transfer from the source the key may write: the API's ship and the console's.
pub(crate) async fn ship_one(
    state: &AppState,
    caller: Caller<need::TransfersWrite>,
    id: i64,
    idempotency: Option<IdempotentRequest>,
) -> Result<StoredResponse, AppError> {
    let cmd = Command { input: (), idempotency };
    step(
        state,
        caller,
        cmd,
        (id, End::Source, "transfer.ship"),
        move |conn, actor, _| service::ship(conn, actor, id),
    )
    .await
}

#[utoipa::path(post, path = "/api/v1/transfers/{id}/receive", tag = "transfers",
    request_body(content = Option<ReceiveInput>, description = "Lines received; omit to receive everything outstanding"),
    params(("id" = i64, Path, description = "Transfer id"), ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses(
        (status = 200, description = "Received (in full, in part, or closed short with a discrepancy)", body = Transfer),
        (status = 404, description = "Unknown transfer"),
        (status = 409, description = "Not shipped")))]
pub async fn receive(
    state: web::Data<AppState>,
    caller: Caller<need::TransfersWrite>,
    id: web::Path<i64>,
    cmd: Command<Option<ReceiveInput>>,
) -> Result<HttpResponse, AppError> {
    let Command { input, idempotency } = cmd;
    let input = input.unwrap_or_default();
    Ok(respond(
        receive_one(&state, caller, id.into_inner(), input, idempotency).await?,
    ))
}

/// Receives a transfer at the destination the key may write: the API's receive and the
/// console's.
pub(crate) async fn receive_one(
    state: &AppState,
    caller: Caller<need::TransfersWrite>,
    id: i64,
    input: ReceiveInput,
    idempotency: Option<IdempotentRequest>,
) -> Result<StoredResponse, AppError> {
    let cmd = Command { input, idempotency };
    step(
        state,
        caller,
        cmd,
        (id, End::Destination, "transfer.receive"),
        move |conn, actor, input| service::receive(conn, actor, id, &input),
    )
    .await
}

#[utoipa::path(post, path = "/api/v1/transfers/{id}/cancel", tag = "transfers",
    params(("id" = i64, Path, description = "Transfer id"), ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses(
        (status = 200, description = "Cancelled", body = Transfer),
        (status = 404, description = "Unknown transfer"),
        (status = 409, description = "Already shipped or closed")))]
pub async fn cancel(
    state: web::Data<AppState>,
    caller: Caller<need::TransfersWrite>,
    id: web::Path<i64>,
    cmd: Command<Option<serde_json::Value>>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let stored = step(
        &state,
        caller,
        cmd,
        (id, End::Source, "transfer.cancel"),
        move |conn, _, _| service::cancel(conn, id),
    )
    .await?;
    Ok(respond(stored))
}
