//! Transfer routes.

use actix_web::{web, HttpResponse};

use super::extract::{Command, RequestActor};
use super::problem::Problem;
use super::{ok_json, resource, respond, with_conn, AppState, Page};
use crate::error::AppError;
use crate::idempotency::{self, StoredResponse};
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
        (status = 201, description = "Created (no stock moves until it ships)", body = Transfer),
        (status = 400, description = "Invalid input", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Idempotency key reused", body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    state: web::Data<AppState>,
    actor: RequestActor,
    cmd: Command<TransferInput>,
) -> Result<HttpResponse, AppError> {
    let Command { input, idempotency } = cmd;
    let actor = actor.0;
    let response = with_conn(&state.pool, move |conn| {
        idempotency::execute(conn, idempotency.as_ref(), |conn| {
            StoredResponse::json(201, &service::create(conn, &actor, &input)?)
        })
    })
    .await?;
    Ok(respond(response))
}

#[utoipa::path(get, path = "/api/v1/transfers", tag = "transfers", params(TransferFilter),
    responses(
        (status = 200, description = "A page of transfers", body = Page<Transfer>),
        (status = 400, description = "Invalid filter", body = Problem, content_type = "application/problem+json")))]
pub async fn list(state: web::Data<AppState>, filter: web::Query<TransferFilter>) -> Result<HttpResponse, AppError> {
    let page = with_conn(&state.pool, move |conn| service::list(conn, &filter)).await?;
    Ok(ok_json(&Page::from(page)))
}

#[utoipa::path(get, path = "/api/v1/transfers/{id}", tag = "transfers",
    params(("id" = i64, Path, description = "Transfer id")),
    responses(
        (status = 200, description = "The transfer", body = Transfer),
        (status = 400, description = "Invalid id", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown transfer", body = Problem, content_type = "application/problem+json")))]
pub async fn get(state: web::Data<AppState>, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    Ok(ok_json(
        &with_conn(&state.pool, move |conn| service::get(conn, id)).await?,
    ))
}

/// A state change of a transfer, through the idempotency store.
async fn step<I, F>(state: &AppState, cmd: Command<I>, work: F) -> Result<HttpResponse, AppError>
where
    I: Send + 'static,
    F: FnOnce(&mut crate::db::AnyConnection, I) -> Result<Transfer, AppError> + Send + 'static,
{
    let Command { input, idempotency } = cmd;
    let response = with_conn(&state.pool, move |conn| {
        idempotency::execute(conn, idempotency.as_ref(), |conn| {
            StoredResponse::json(200, &work(conn, input)?)
        })
    })
    .await?;
    Ok(respond(response))
}

#[utoipa::path(post, path = "/api/v1/transfers/{id}/ship", tag = "transfers",
    params(("id" = i64, Path, description = "Transfer id"), ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses(
        (status = 200, description = "Shipped: stock left the source and is in transit", body = Transfer),
        (status = 400, description = "Invalid input", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown transfer", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not in `created` state, or not enough stock at the source", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Idempotency key reused", body = Problem, content_type = "application/problem+json")))]
pub async fn ship(
    state: web::Data<AppState>,
    actor: RequestActor,
    id: web::Path<i64>,
    cmd: Command<Option<serde_json::Value>>,
) -> Result<HttpResponse, AppError> {
    let (actor, id) = (actor.0, id.into_inner());
    step(&state, cmd, move |conn, _| service::ship(conn, &actor, id)).await
}

#[utoipa::path(post, path = "/api/v1/transfers/{id}/receive", tag = "transfers",
    request_body(content = Option<ReceiveInput>, description = "Lines received; omit to receive everything outstanding"),
    params(("id" = i64, Path, description = "Transfer id"), ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses(
        (status = 200, description = "Received (in full, in part, or closed short with a discrepancy)", body = Transfer),
        (status = 400, description = "Invalid input", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown transfer", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not shipped", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Idempotency key reused", body = Problem, content_type = "application/problem+json")))]
pub async fn receive(
    state: web::Data<AppState>,
    actor: RequestActor,
    id: web::Path<i64>,
    cmd: Command<Option<ReceiveInput>>,
) -> Result<HttpResponse, AppError> {
    let (actor, id) = (actor.0, id.into_inner());
    step(&state, cmd, move |conn, input| {
        service::receive(conn, &actor, id, &input.unwrap_or_default())
    })
    .await
}

#[utoipa::path(post, path = "/api/v1/transfers/{id}/cancel", tag = "transfers",
    params(("id" = i64, Path, description = "Transfer id"), ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses(
        (status = 200, description = "Cancelled", body = Transfer),
        (status = 400, description = "Invalid input", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown transfer", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already shipped or closed", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Idempotency key reused", body = Problem, content_type = "application/problem+json")))]
pub async fn cancel(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    cmd: Command<Option<serde_json::Value>>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    step(&state, cmd, move |conn, _| service::cancel(conn, id)).await
}
