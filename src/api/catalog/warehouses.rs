//! Warehouses: listed (within the key's scope), created, read and changed.

use actix_web::{web, HttpResponse};

use super::{create_entity, update_entity};
use crate::api::extract::{need, Caller, Command};
use crate::api::params::Query;
use crate::api::{ok_json, with_conn, AppState, Page};
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
    create_entity(
        &state,
        caller,
        cmd,
        ("warehouse.create", "warehouse"),
        warehouses::create,
        |e| e.code.clone(),
    )
    .await
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
    let key = code.into_inner();
    update_entity(
        &state,
        caller,
        key,
        cmd,
        ("warehouse.update", "warehouse"),
        (warehouses::get, warehouses::update),
        |e: &Warehouse| e.code.clone(),
    )
    .await
}
