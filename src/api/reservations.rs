//! Reservation routes for repair systems.

use actix_web::{web, HttpResponse};

use super::extract::{need, Caller, Command, Credentials};
use super::params::Query;
use super::{
    mutate_authenticated, no_shortcut, nothing_after_refusal, ok_json, resource, respond, with_conn, AppState, Changed,
    Page,
};
use crate::audit::Pending;
use crate::auth::Principal;
use crate::db::AnyConnection;
use crate::error::AppError;
use crate::reservations::model::{ConsumeInput, Reservation, ReservationFilter, ReservationInput, ReservationStatus};
use crate::reservations::{autocommit, refused, service};
use crate::stock::ledger::Actor;

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
        (status = 409, description = "Stock is short: nothing was reserved; `lines` lists each short line and where the part is available")))]
pub async fn reserve(
    state: web::Data<AppState>,
    credentials: Credentials<need::ReservationsWrite>,
    cmd: Result<Command<ReservationInput>, AppError>,
) -> Result<HttpResponse, AppError> {
    let ttl = state.reservation_ttl;
    let work = move |conn: &mut AnyConnection, principal: &Principal, actor: &Actor, input: &ReservationInput| {
        principal.require_warehouse(&input.warehouse)?;
        // Where else the part is: every key that may read availability (all roles may) learns
        // it across the network, whatever warehouses it may reserve in.
        let elsewhere = match principal.require(crate::auth::roles::Permission::AvailabilityRead) {
            Ok(()) => None,
            Err(_) => principal.visible_warehouses(),
        };
        let reservation = service::reserve(conn, actor, input, ttl, elsewhere)?;
        Ok(Changed::new(reservation.id, reservation))
    };
    // PostgreSQL, no Idempotency-Key: every line in one statement without a transaction.
    let shortcut = move |conn: &mut AnyConnection,
                         principal: &Principal,
                         actor: &Actor,
                         audit: &Pending<'_>,
                         input: &ReservationInput| {
        principal.require_warehouse(&input.warehouse)?;
        autocommit::reserve(conn, actor, input, ttl, audit)
    };
    let action = (201, "reservation.create", "reservation");
    let stored = mutate_authenticated(&state, credentials, cmd, action, shortcut, work, refused::record).await?;
    Ok(respond(stored))
}

#[utoipa::path(get, path = "/api/v1/reservations", tag = "reservations", params(ReservationFilter),
    responses(
        (status = 200, description = "A page of reservations", body = Page<Reservation>)))]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller<need::ReservationsRead>,
    filter: Query<ReservationFilter>,
) -> Result<HttpResponse, AppError> {
    let scope = caller.principal.warehouses.clone();
    let page = with_conn(&state.pool, move |conn| service::list(conn, &filter, scope.as_deref())).await?;
    Ok(ok_json(&Page::from(page)))
}

#[utoipa::path(get, path = "/api/v1/reservations/{id}", tag = "reservations",
    params(("id" = i64, Path, description = "Reservation id")),
    responses(
        (status = 200, description = "The reservation", body = Reservation),
        (status = 404, description = "Unknown reservation")))]
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

#[utoipa::path(post, path = "/api/v1/reservations/{id}/consume", tag = "reservations", request_body(content = Option<ConsumeInput>, description = "Lines to consume; omit to consume everything still reserved"),
    params(("id" = i64, Path, description = "Reservation id"), ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses(
        (status = 200, description = "Consumed; the stock was issued", body = Reservation),
        (status = 404, description = "Unknown reservation"),
        (status = 409, description = "The reservation is not active")))]
pub async fn consume(
    state: web::Data<AppState>,
    credentials: Credentials<need::ReservationsWrite>,
    id: web::Path<i64>,
    cmd: Result<Command<Option<ConsumeInput>>, AppError>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let work = move |conn: &mut AnyConnection, principal: &Principal, actor: &Actor, input: &Option<ConsumeInput>| {
        let visible = |warehouse: &str| principal.require_warehouse(warehouse);
        let everything = ConsumeInput::default();
        let input = input.as_ref().unwrap_or(&everything);
        let (before, after) = service::consume(conn, actor, id, input, &visible)?;
        Ok(Changed::replacing(id, &before, after))
    };
    settle(
        &state,
        credentials,
        cmd,
        (200, "reservation.consume", "reservation"),
        work,
    )
    .await
}

/// Consume and release: the transaction always runs (no shortcut) and a refusal needs nothing.
async fn settle<I, F>(
    state: &AppState,
    credentials: Credentials<need::ReservationsWrite>,
    cmd: Result<Command<I>, AppError>,
    action: (u16, &'static str, &'static str),
    work: F,
) -> Result<HttpResponse, AppError>
where
    I: Send + 'static,
    F: FnOnce(&mut AnyConnection, &Principal, &Actor, &I) -> Result<Changed<Reservation>, AppError> + Send + 'static,
{
    let stored = mutate_authenticated(
        state,
        credentials,
        cmd,
        action,
        no_shortcut,
        work,
        nothing_after_refusal,
    )
    .await?;
    Ok(respond(stored))
}

#[utoipa::path(post, path = "/api/v1/reservations/{id}/release", tag = "reservations",
    params(("id" = i64, Path, description = "Reservation id"), ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses(
        (status = 200, description = "Released", body = Reservation),
        (status = 404, description = "Unknown reservation"),
        (status = 409, description = "The reservation is not active")))]
pub async fn release(
    state: web::Data<AppState>,
    credentials: Credentials<need::ReservationsWrite>,
    id: web::Path<i64>,
    cmd: Result<Command<Option<serde_json::Value>>, AppError>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let work = move |conn: &mut AnyConnection, principal: &Principal, actor: &Actor, _: &Option<serde_json::Value>| {
        let visible = |warehouse: &str| principal.require_warehouse(warehouse);
        let (before, after) = service::release_visible(conn, actor, id, ReservationStatus::Released, &visible)?;
        Ok(Changed::replacing(id, &before, after))
    };
    settle(
        &state,
        credentials,
        cmd,
        (200, "reservation.release", "reservation"),
        work,
    )
    .await
}
