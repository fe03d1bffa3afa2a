//! Reservation routes for repair systems.

use actix_web::{web, HttpResponse};

use super::extract::{need, Caller, Command};
use super::problem::Problem;
use super::{mutate, ok_json, resource, respond, snapshot, with_conn, AppState, Changed, Page};
use crate::auth::Principal;
use crate::db::AnyConnection;
use crate::error::AppError;
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
    caller: Caller<need::ReservationsWrite>,
    cmd: Command<ReservationInput>,
) -> Result<HttpResponse, AppError> {
    caller.principal.require_warehouse(&cmd.input.warehouse)?;
    let Command { input, idempotency } = cmd;
    let (warehouse, repair_order) = (input.warehouse.clone(), input.repair_order.clone());
    let ttl = state.reservation_ttl;
    let action = ("reservation.create", "reservation");
    let result = mutate(
        &state,
        caller,
        idempotency,
        201,
        action,
        move |conn, principal, actor| {
            let reservation = service::reserve(conn, actor, &input, ttl, principal.visible_warehouses())?;
            Ok(Changed::new(reservation.id, reservation))
        },
    )
    .await;
    if let Err(AppError::Shortage { lines }) = &result {
        metrics::counter!("spares_reservations_refused_total").increment(1);
        // The refusal rolled back with the reservation: record it on its own; the urgent
        // replenishment job picks it up (see `replenishment::refusals`).
        let lines = lines.clone();
        let recorded = with_conn(&state.pool, move |conn| {
            crate::replenishment::refusals::record(conn, &warehouse, &repair_order, &lines)
        })
        .await;
        if let Err(error) = recorded {
            tracing::warn!(%error, "could not record a refused reservation");
        }
    }
    Ok(respond(result?))
}

#[utoipa::path(get, path = "/api/v1/reservations", tag = "reservations", params(ReservationFilter),
    responses(
        (status = 200, description = "A page of reservations", body = Page<Reservation>),
        (status = 400, description = "Invalid filter", body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller<need::ReservationsRead>,
    filter: web::Query<ReservationFilter>,
) -> Result<HttpResponse, AppError> {
    let scope = caller.principal.warehouses.clone();
    let page = with_conn(&state.pool, move |conn| service::list(conn, &filter, scope.as_deref())).await?;
    Ok(ok_json(&Page::from(page)))
}

#[utoipa::path(get, path = "/api/v1/reservations/{id}", tag = "reservations",
    params(("id" = i64, Path, description = "Reservation id")),
    responses(
        (status = 200, description = "The reservation", body = Reservation),
        (status = 400, description = "Invalid id", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown reservation", body = Problem, content_type = "application/problem+json")))]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller<need::ReservationsRead>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let reservation = with_conn(&state.pool, move |conn| service::get(conn, id)).await?;
    caller.principal.require_warehouse(&reservation.warehouse)?;
    Ok(ok_json(&reservation))
}

/// Loads the reservation, refusing keys scoped away from its warehouse.
fn visible_reservation(conn: &mut AnyConnection, principal: &Principal, id: i64) -> Result<Reservation, AppError> {
    let reservation = service::get(conn, id)?;
    principal.require_warehouse(&reservation.warehouse)?;
    Ok(reservation)
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
    caller: Caller<need::ReservationsWrite>,
    id: web::Path<i64>,
    cmd: Command<Option<ConsumeInput>>,
) -> Result<HttpResponse, AppError> {
    let Command { input, idempotency } = cmd;
    let (id, input) = (id.into_inner(), input.unwrap_or_default());
    let action = ("reservation.consume", "reservation");
    let stored = mutate(
        &state,
        caller,
        idempotency,
        200,
        action,
        move |conn, principal, actor| {
            let before = snapshot(&visible_reservation(conn, principal, id)?);
            let after = service::consume(conn, actor, id, &input)?;
            Ok(Changed {
                entity_id: id.to_string(),
                before,
                value: after,
            })
        },
    )
    .await?;
    Ok(respond(stored))
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
    caller: Caller<need::ReservationsWrite>,
    id: web::Path<i64>,
    cmd: Command<Option<serde_json::Value>>,
) -> Result<HttpResponse, AppError> {
    let (id, idempotency) = (id.into_inner(), cmd.idempotency);
    let action = ("reservation.release", "reservation");
    let stored = mutate(
        &state,
        caller,
        idempotency,
        200,
        action,
        move |conn, principal, actor| {
            let before = snapshot(&visible_reservation(conn, principal, id)?);
            let after = service::release(conn, actor, id, ReservationStatus::Released)?;
            Ok(Changed {
                entity_id: id.to_string(),
                before,
                value: after,
            })
        },
    )
    .await?;
    Ok(respond(stored))
}
