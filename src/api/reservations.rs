//! Reservation routes for repair systems.

use actix_web::{web, HttpResponse};

use super::extract::{Command, RequestActor};
use super::problem::Problem;
use super::{ok_json, resource, respond, with_conn, AppState, Page};
use crate::error::AppError;
use crate::idempotency::{self, StoredResponse};
use crate::reservations::model::{ConsumeInput, Reservation, ReservationFilter, ReservationInput, ReservationStatus};
use crate::reservations::service;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/reservations", "GET, POST")
            .route(web::get().to(list))
            .route(web::post().to(reserve)),
    );
    cfg.service(resource("/reservations/{id}", "GET").route(web::get().to(get)));
    cfg.service(resource("/reservations/{id}/consume", "POST").route(web::post().to(consume)));
    cfg.service(resource("/reservations/{id}/release", "POST").route(web::post().to(release)));
}

#[utoipa::path(post, path = "/api/v1/reservations", tag = "reservations", request_body = ReservationInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses(
        (status = 201, description = "Every line reserved", body = Reservation),
        (status = 400, description = "Invalid input", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Stock is short: nothing was reserved; `lines` lists each short line and where the part is available", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Idempotency key reused", body = Problem, content_type = "application/problem+json")))]
pub async fn reserve(
    state: web::Data<AppState>,
    actor: RequestActor,
    cmd: Command<ReservationInput>,
) -> Result<HttpResponse, AppError> {
    let Command { input, idempotency } = cmd;
    let (actor, ttl) = (actor.0, state.reservation_ttl);
    let result = with_conn(&state.pool, move |conn| {
        idempotency::execute(conn, idempotency.as_ref(), |conn| {
            StoredResponse::json(201, &service::reserve(conn, &actor, &input, ttl)?)
        })
    })
    .await;
    if let Err(AppError::Shortage { .. }) = &result {
        metrics::counter!("spares_reservations_refused_total").increment(1);
    }
    Ok(respond(result?))
}

#[utoipa::path(get, path = "/api/v1/reservations", tag = "reservations", params(ReservationFilter),
    responses(
        (status = 200, description = "A page of reservations", body = Page<Reservation>),
        (status = 400, description = "Invalid filter", body = Problem, content_type = "application/problem+json")))]
pub async fn list(state: web::Data<AppState>, filter: web::Query<ReservationFilter>) -> Result<HttpResponse, AppError> {
    let page = with_conn(&state.pool, move |conn| service::list(conn, &filter)).await?;
    Ok(ok_json(&Page::from(page)))
}

#[utoipa::path(get, path = "/api/v1/reservations/{id}", tag = "reservations",
    params(("id" = i64, Path, description = "Reservation id")),
    responses(
        (status = 200, description = "The reservation", body = Reservation),
        (status = 400, description = "Invalid id", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown reservation", body = Problem, content_type = "application/problem+json")))]
pub async fn get(state: web::Data<AppState>, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    Ok(ok_json(
        &with_conn(&state.pool, move |conn| service::get(conn, id)).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/reservations/{id}/consume", tag = "reservations", request_body(content = Option<ConsumeInput>, description = "Lines to consume; omit to consume everything still reserved"),
    params(("id" = i64, Path, description = "Reservation id"), ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses(
        (status = 200, description = "Consumed; the stock was issued", body = Reservation),
        (status = 400, description = "Invalid input", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown reservation", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The reservation is not active", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Idempotency key reused", body = Problem, content_type = "application/problem+json")))]
pub async fn consume(
    state: web::Data<AppState>,
    actor: RequestActor,
    id: web::Path<i64>,
    cmd: Command<Option<ConsumeInput>>,
) -> Result<HttpResponse, AppError> {
    let Command { input, idempotency } = cmd;
    let (actor, id, input) = (actor.0, id.into_inner(), input.unwrap_or_default());
    let response = with_conn(&state.pool, move |conn| {
        idempotency::execute(conn, idempotency.as_ref(), |conn| {
            StoredResponse::json(200, &service::consume(conn, &actor, id, &input)?)
        })
    })
    .await?;
    Ok(respond(response))
}

#[utoipa::path(post, path = "/api/v1/reservations/{id}/release", tag = "reservations",
    params(("id" = i64, Path, description = "Reservation id"), ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses(
        (status = 200, description = "Released", body = Reservation),
        (status = 400, description = "Invalid input", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown reservation", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The reservation is not active", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Idempotency key reused", body = Problem, content_type = "application/problem+json")))]
pub async fn release(
    state: web::Data<AppState>,
    actor: RequestActor,
    id: web::Path<i64>,
    cmd: Command<Option<serde_json::Value>>,
) -> Result<HttpResponse, AppError> {
    let (actor, id, idempotency) = (actor.0, id.into_inner(), cmd.idempotency);
    let response = with_conn(&state.pool, move |conn| {
        idempotency::execute(conn, idempotency.as_ref(), |conn| {
            StoredResponse::json(200, &service::release(conn, &actor, id, ReservationStatus::Released)?)
        })
    })
    .await?;
    Ok(respond(response))
}
