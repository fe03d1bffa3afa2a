//! Stock routes: movements (the ledger), balances and a part's availability.

use actix_web::{web, HttpResponse};

use super::extract::{Command, RequestActor};
use super::problem::Problem;
use super::{ok_json, resource, respond, with_conn, AppState, Page};
use crate::error::AppError;
use crate::idempotency::{self, StoredResponse};
use crate::stock::balances::{self, Availability, StockBalance, StockFilter};
use crate::stock::movements::{self, Movement, MovementFilter, MovementInput};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/movements", "GET, POST")
            .route(web::get().to(list_movements))
            .route(web::post().to(post_movement)),
    );
    cfg.service(resource("/movements/{id}", "GET").route(web::get().to(get_movement)));
    cfg.service(resource("/stock", "GET").route(web::get().to(list_stock)));
    cfg.service(resource("/parts/{part_number}/availability", "GET").route(web::get().to(availability)));
}

#[utoipa::path(post, path = "/api/v1/movements", tag = "stock", request_body = MovementInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses(
        (status = 201, description = "Posted to the ledger", body = Movement),
        (status = 400, description = "Invalid input", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not enough available stock; `available` says how much is", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Idempotency key reused", body = Problem, content_type = "application/problem+json")))]
pub async fn post_movement(
    state: web::Data<AppState>,
    actor: RequestActor,
    cmd: Command<MovementInput>,
) -> Result<HttpResponse, AppError> {
    let Command { input, idempotency } = cmd;
    let actor = actor.0;
    let response = with_conn(&state.pool, move |conn| {
        idempotency::execute(conn, idempotency.as_ref(), |conn| {
            StoredResponse::json(201, &movements::record(conn, &actor, &input)?)
        })
    })
    .await?;
    if !response.replayed && response.status == 201 {
        metrics::counter!("spares_movements_posted_total").increment(1);
    }
    Ok(respond(response))
}

#[utoipa::path(get, path = "/api/v1/movements", tag = "stock", params(MovementFilter),
    responses(
        (status = 200, description = "A page of the ledger, oldest first", body = Page<Movement>),
        (status = 400, description = "Invalid filter", body = Problem, content_type = "application/problem+json")))]
pub async fn list_movements(
    state: web::Data<AppState>,
    filter: web::Query<MovementFilter>,
) -> Result<HttpResponse, AppError> {
    let page = with_conn(&state.pool, move |conn| movements::list(conn, &filter)).await?;
    Ok(ok_json(&Page::from(page)))
}

#[utoipa::path(get, path = "/api/v1/movements/{id}", tag = "stock",
    params(("id" = i64, Path, description = "Movement id")),
    responses(
        (status = 200, description = "The movement", body = Movement),
        (status = 400, description = "Invalid id", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown movement", body = Problem, content_type = "application/problem+json")))]
pub async fn get_movement(state: web::Data<AppState>, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    Ok(ok_json(
        &with_conn(&state.pool, move |conn| movements::get(conn, id)).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/stock", tag = "stock", params(StockFilter),
    responses(
        (status = 200, description = "A page of balances by warehouse and part", body = Page<StockBalance>),
        (status = 400, description = "Invalid filter", body = Problem, content_type = "application/problem+json")))]
pub async fn list_stock(state: web::Data<AppState>, filter: web::Query<StockFilter>) -> Result<HttpResponse, AppError> {
    let page = with_conn(&state.pool, move |conn| balances::list(conn, &filter)).await?;
    Ok(ok_json(&Page::from(page)))
}

#[utoipa::path(get, path = "/api/v1/parts/{part_number}/availability", tag = "stock",
    params(("part_number" = String, Path, description = "Part number")),
    responses(
        (status = 200, description = "Stock of the part at every warehouse", body = Availability),
        (status = 404, description = "Unknown part", body = Problem, content_type = "application/problem+json")))]
pub async fn availability(
    state: web::Data<AppState>,
    part_number: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    Ok(ok_json(
        &with_conn(&state.pool, move |conn| balances::availability(conn, &part_number)).await?,
    ))
}
