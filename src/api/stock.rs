//! Stock routes: movements (the ledger), balances and a part's availability.

use actix_web::{web, HttpResponse};

use super::csv_rows::MovementRow;
use super::export;
use super::extract::{need, Caller, Command, Credentials};
use super::params::{Format, Listing};
use super::{mutate, ok_json, resource, respond, with_conn, AppState, Changed, Page};
use crate::audit;
use crate::error::AppError;
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
        (status = 409, description = "Not enough available stock; `available` says how much is")))]
pub async fn post_movement(
    state: web::Data<AppState>,
    credentials: Credentials<need::MovementsWrite>,
    cmd: Result<Command<MovementInput>, AppError>,
) -> Result<HttpResponse, AppError> {
    let action = ("movement.create", "movement");
    // The hot path (no Idempotency-Key): authentication and the posting share one connection
    // and one trip to the blocking pool. Checks run in the usual order: key, body, warehouse.
    let (caller, cmd) = with_conn(&state.pool, move |conn| {
        let caller = credentials.authenticate(conn)?;
        let cmd = cmd?;
        caller.principal.require_warehouse(&cmd.input.warehouse)?;
        if cmd.idempotency.is_some() {
            return Ok((caller, Err(cmd)));
        }
        let pending = audit::Pending {
            who: &caller.principal,
            request: &caller.request,
            action: action.0,
            entity_type: action.1,
        };
        match movements::record_autocommit(conn, &caller.actor(), &cmd.input, &pending)? {
            Some(movement) => Ok((caller, Ok(movement))),
            None => Ok((caller, Err(cmd))),
        }
    })
    .await?;
    let Command { input, idempotency } = match cmd {
        Ok(movement) => {
            metrics::counter!("spares_movements_posted_total").increment(1);
            return Ok(HttpResponse::Created().json(movement));
        }
        Err(cmd) => cmd,
    };
    Ok(respond(record_movement(&state, caller, input, idempotency).await?))
}

/// A staff movement in one transaction with its audit row and idempotency record, after the
/// warehouse scope check: `POST /movements` (with an Idempotency-Key) and the console's
/// movement form both post through here.
pub(crate) async fn record_movement(
    state: &AppState,
    caller: Caller<need::MovementsWrite>,
    input: MovementInput,
    idempotency: Option<crate::idempotency::IdempotentRequest>,
) -> Result<crate::idempotency::StoredResponse, AppError> {
    caller.principal.require_warehouse(&input.warehouse)?;
    let action = ("movement.create", "movement");
    let stored = mutate(state, caller, idempotency, 201, action, move |conn, _, actor| {
        let movement = movements::record(conn, actor, &input)?;
        Ok(Changed::new(movement.id, movement))
    })
    .await?;
    if !stored.replayed && stored.status == 201 {
        metrics::counter!("spares_movements_posted_total").increment(1);
    }
    Ok(stored)
}

#[utoipa::path(get, path = "/api/v1/movements", tag = "stock",
    params(MovementFilter, ("format" = Option<String>, Query, description = "`csv` for every matching movement as CSV, streamed (as `Accept: text/csv`)")),
    responses(
        (status = 200, description = "A page of the ledger, newest first unless `sort=oldest`", body = Page<Movement>,
            content((Page<Movement> = "application/json"), (String = "text/csv")))))]
pub async fn list_movements(
    state: web::Data<AppState>,
    caller: Caller<need::StockRead>,
    listing: Listing<MovementFilter>,
) -> Result<HttpResponse, AppError> {
    let scope = caller.principal.warehouses.clone();
    let Listing { filter, format } = listing;
    if format == Format::Csv {
        let list = move |conn: &mut crate::db::AnyConnection, f: &MovementFilter| {
            let (rows, next) = movements::list(conn, f, scope.as_deref())?;
            Ok((rows.into_iter().map(MovementRow::from).collect::<Vec<_>>(), next))
        };
        let next_page = |f: &mut MovementFilter, cursor: String, limit: i64| {
            (f.cursor, f.limit) = (Some(cursor), Some(limit));
        };
        return export::pages(&state.reports, "movements", filter, list, next_page).await;
    }
    let page = with_conn(&state.reports, move |conn| {
        movements::list(conn, &filter, scope.as_deref())
    })
    .await?;
    Ok(ok_json(&Page::from(page)))
}

#[utoipa::path(get, path = "/api/v1/movements/{id}", tag = "stock",
    params(("id" = i64, Path, description = "Movement id")),
    responses(
        (status = 200, description = "The movement", body = Movement),
        (status = 404, description = "Unknown movement")))]
pub async fn get_movement(
    state: web::Data<AppState>,
    caller: Caller<need::StockRead>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let movement = with_conn(&state.pool, move |conn| movements::get(conn, id)).await?;
    caller.principal.require_warehouse(&movement.warehouse)?;
    Ok(ok_json(&movement))
}

#[utoipa::path(get, path = "/api/v1/stock", tag = "stock",
    params(StockFilter, ("format" = Option<String>, Query, description = "`csv` for every matching balance as CSV, streamed (as `Accept: text/csv`)")),
    responses(
        (status = 200, description = "A page of balances by warehouse and part", body = Page<StockBalance>,
            content((Page<StockBalance> = "application/json"), (String = "text/csv")))))]
pub async fn list_stock(
    state: web::Data<AppState>,
    credentials: Credentials<need::StockRead>,
    listing: Result<Listing<StockFilter>, AppError>,
) -> Result<HttpResponse, AppError> {
    // A hot read: the key is checked, then the query, on the connection that reads the page
    // (one trip to the pool); a CSV export streams its pages afterwards.
    let (scope, read) = with_conn(&state.pool, move |conn| {
        let caller = credentials.authenticate(conn)?;
        let Listing { filter, format } = listing?;
        let scope = caller.principal.warehouses;
        if format == Format::Csv {
            return Ok((scope, Err(filter)));
        }
        let page = balances::list(conn, &filter, scope.as_deref())?;
        Ok((scope, Ok(page)))
    })
    .await?;
    match read {
        Ok(page) => Ok(ok_json(&Page::from(page))),
        Err(filter) => {
            let list =
                move |conn: &mut crate::db::AnyConnection, f: &StockFilter| balances::list(conn, f, scope.as_deref());
            let next_page = |f: &mut StockFilter, cursor: String, limit: i64| {
                (f.cursor, f.limit) = (Some(cursor), Some(limit));
            };
            export::pages(&state.pool, "stock", filter, list, next_page).await
        }
    }
}

#[utoipa::path(get, path = "/api/v1/parts/{part_number}/availability", tag = "stock",
    params(("part_number" = String, Path, description = "Part number")),
    responses(
        (status = 200, description = "Stock of the part at every warehouse the key may see", body = Availability),
        (status = 404, description = "Unknown part")))]
pub async fn availability(
    state: web::Data<AppState>,
    credentials: Credentials<need::AvailabilityRead>,
    part_number: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    // A hot read: the key is checked on the connection that reads (one trip to the pool).
    let found = with_conn(&state.pool, move |conn| {
        let caller = credentials.authenticate(conn)?;
        balances::availability(conn, &part_number, caller.principal.warehouses.as_deref())
    })
    .await?;
    Ok(ok_json(&found))
}
