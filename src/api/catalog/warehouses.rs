//! Warehouses: listed (within the key's scope), created, read and changed.

use actix_web::{web, HttpResponse};

use crate::api::extract::{need, Caller, Command};
use crate::api::params::Query;
use crate::api::{mutate, ok_json, respond, snapshot, with_conn, AppState, Changed, Page};
use crate::catalog::warehouses::{self, NewWarehouse, Warehouse, WarehouseChanges, WarehouseFilter};
use crate::error::AppError;

#[utoipa::path(get, path = "/api/v1/warehouses", tag = "catalog", params(WarehouseFilter),
    responses(
        (status = 200, description = "A page of warehouses (only the key's own, for a key limited to warehouses)", body = Page<Warehouse>)))]
pub async fn list_warehouses(
    state: web::Data<AppState>,
    caller: Caller<need::CatalogRead>,
    filter: Query<WarehouseFilter>,
) -> Result<HttpResponse, AppError> {
    let scope = caller.principal.warehouses.clone();
    let page = with_conn(&state.pool, move |conn| {
        warehouses::list(conn, &filter, scope.as_deref())
    })
    .await?;
    Ok(ok_json(&Page::from(page)))
}

#[utoipa::path(post, path = "/api/v1/warehouses", tag = "catalog", request_body = NewWarehouse,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses(
        (status = 201, description = "Created", body = Warehouse),
        (status = 409, description = "Already exists")))]
pub async fn create_warehouse(
    state: web::Data<AppState>,
    caller: Caller<need::CatalogWrite>,
    cmd: Command<NewWarehouse>,
) -> Result<HttpResponse, AppError> {
    let Command { input, idempotency } = cmd;
    let stored = mutate(
        &state,
        caller,
        idempotency,
        201,
        ("warehouse.create", "warehouse"),
        move |conn, _, _| {
            let warehouse = warehouses::create(conn, &input)?;
            Ok(Changed::new(warehouse.code.clone(), warehouse))
        },
    )
    .await?;
    Ok(respond(stored))
}

#[utoipa::path(get, path = "/api/v1/warehouses/{code}", tag = "catalog",
    params(("code" = String, Path, description = "Warehouse code")),
    responses(
        (status = 200, description = "The warehouse", body = Warehouse),
        (status = 404, description = "Unknown warehouse")))]
pub async fn get_warehouse(
    state: web::Data<AppState>,
    caller: Caller<need::CatalogRead>,
    code: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    caller.principal.require_warehouse(&code)?;
    Ok(ok_json(
        &with_conn(&state.pool, move |conn| warehouses::get(conn, &code)).await?,
    ))
}

#[utoipa::path(patch, path = "/api/v1/warehouses/{code}", tag = "catalog", request_body = WarehouseChanges,
    params(("code" = String, Path, description = "Warehouse code")),
    responses(
        (status = 200, description = "Updated", body = Warehouse),
        (status = 404, description = "Unknown warehouse")))]
pub async fn update_warehouse(
    state: web::Data<AppState>,
    caller: Caller<need::CatalogWrite>,
    code: web::Path<String>,
    cmd: Command<WarehouseChanges>,
) -> Result<HttpResponse, AppError> {
    let Command { input, idempotency } = cmd;
    let stored = mutate(
        &state,
        caller,
        idempotency,
        200,
        ("warehouse.update", "warehouse"),
        move |conn, _, _| {
            let before = snapshot(&warehouses::get(conn, &code)?);
            let after = warehouses::update(conn, &code, &input)?;
            Ok(Changed {
                entity_id: after.code.clone(),
                before,
                value: after,
            })
        },
    )
    .await?;
    Ok(respond(stored))
}
