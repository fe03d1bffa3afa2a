//! Master data routes: regions, warehouses, parts, suppliers and supplier terms.

use actix_web::{web, HttpResponse};

use super::extract::{need, Caller, Command};
use super::{mutate, ok_json, resource, respond, snapshot, with_conn, AppState, Changed, Page};
use crate::catalog::parts::{self, NewPart, Part, PartChanges, PartFilter};
use crate::catalog::regions::{self, NewRegion, Region};
use crate::catalog::suppliers::{
    self, NewSupplier, Supplier, SupplierChanges, SupplierFilter, SupplierTerms, TermsInput,
};
use crate::catalog::warehouses::{self, NewWarehouse, Warehouse, WarehouseChanges, WarehouseFilter};
use crate::db::AnyConnection;
use crate::error::AppError;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/regions", "GET, POST")
            .route(web::get().to(list_regions))
            .route(web::post().to(create_region)),
    );
    cfg.service(
        resource("/warehouses", "GET, POST")
            .route(web::get().to(list_warehouses))
            .route(web::post().to(create_warehouse)),
    );
    cfg.service(
        resource("/warehouses/{code}", "GET, PATCH")
            .route(web::get().to(get_warehouse))
            .route(web::patch().to(update_warehouse)),
    );
    cfg.service(
        resource("/parts", "GET, POST")
            .route(web::get().to(list_parts))
            .route(web::post().to(create_part)),
    );
    cfg.service(
        resource("/parts/{part_number}", "GET, PATCH")
            .route(web::get().to(get_part))
            .route(web::patch().to(update_part)),
    );
    cfg.service(resource("/parts/{part_number}/suppliers", "GET").route(web::get().to(part_suppliers)));
    cfg.service(
        resource("/suppliers", "GET, POST")
            .route(web::get().to(list_suppliers))
            .route(web::post().to(create_supplier)),
    );
    cfg.service(
        resource("/suppliers/{code}", "GET, PATCH")
            .route(web::get().to(get_supplier))
            .route(web::patch().to(update_supplier)),
    );
    cfg.service(resource("/suppliers/{code}/parts", "GET").route(web::get().to(supplier_terms)));
    cfg.service(
        resource("/suppliers/{code}/parts/{part_number}", "PUT, DELETE")
            .route(web::put().to(put_terms))
            .route(web::delete().to(delete_terms)),
    );
}

#[utoipa::path(get, path = "/api/v1/regions", tag = "catalog",
    responses((status = 200, description = "All regions", body = Vec<Region>)))]
pub async fn list_regions(
    state: web::Data<AppState>,
    _caller: Caller<need::CatalogRead>,
) -> Result<HttpResponse, AppError> {
    Ok(ok_json(&with_conn(&state.pool, regions::list).await?))
}

#[utoipa::path(post, path = "/api/v1/regions", tag = "catalog", request_body = NewRegion,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses(
        (status = 201, description = "Created", body = Region),
        (status = 409, description = "Already exists")))]
pub async fn create_region(
    state: web::Data<AppState>,
    caller: Caller<need::CatalogWrite>,
    cmd: Command<NewRegion>,
) -> Result<HttpResponse, AppError> {
    let Command { input, idempotency } = cmd;
    let stored = mutate(
        &state,
        caller,
        idempotency,
        201,
        ("region.create", "region"),
        move |conn, _, _| {
            let region = regions::create(conn, &input)?;
            Ok(Changed::new(region.code.clone(), region))
        },
    )
    .await?;
    Ok(respond(stored))
}

#[utoipa::path(get, path = "/api/v1/warehouses", tag = "catalog", params(WarehouseFilter),
    responses(
        (status = 200, description = "A page of warehouses (only the key's own, for a key limited to warehouses)", body = Page<Warehouse>)))]
pub async fn list_warehouses(
    state: web::Data<AppState>,
    caller: Caller<need::CatalogRead>,
    filter: web::Query<WarehouseFilter>,
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

#[utoipa::path(get, path = "/api/v1/parts", tag = "catalog", params(PartFilter),
    responses(
        (status = 200, description = "A page of parts", body = Page<Part>)))]
pub async fn list_parts(
    state: web::Data<AppState>,
    _caller: Caller<need::CatalogRead>,
    filter: web::Query<PartFilter>,
) -> Result<HttpResponse, AppError> {
    let page = with_conn(&state.pool, move |conn| parts::list(conn, &filter)).await?;
    Ok(ok_json(&Page::from(page)))
}

#[utoipa::path(post, path = "/api/v1/parts", tag = "catalog", request_body = NewPart,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses(
        (status = 201, description = "Created", body = Part),
        (status = 409, description = "Already exists")))]
pub async fn create_part(
    state: web::Data<AppState>,
    caller: Caller<need::CatalogWrite>,
    cmd: Command<NewPart>,
) -> Result<HttpResponse, AppError> {
    let Command { input, idempotency } = cmd;
    let stored = mutate(
        &state,
        caller,
        idempotency,
        201,
        ("part.create", "part"),
        move |conn, _, _| {
            let part = parts::create(conn, &input)?;
            Ok(Changed::new(part.part_number.clone(), part))
        },
    )
    .await?;
    Ok(respond(stored))
}

#[utoipa::path(get, path = "/api/v1/parts/{part_number}", tag = "catalog",
    params(("part_number" = String, Path, description = "Part number")),
    responses(
        (status = 200, description = "The part", body = Part),
        (status = 404, description = "Unknown part")))]
pub async fn get_part(
    state: web::Data<AppState>,
    _caller: Caller<need::CatalogRead>,
    part_number: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    Ok(ok_json(
        &with_conn(&state.pool, move |conn| parts::get(conn, &part_number)).await?,
    ))
}

#[utoipa::path(patch, path = "/api/v1/parts/{part_number}", tag = "catalog", request_body = PartChanges,
    params(("part_number" = String, Path, description = "Part number")),
    responses(
        (status = 200, description = "Updated", body = Part),
        (status = 404, description = "Unknown part")))]
pub async fn update_part(
    state: web::Data<AppState>,
    caller: Caller<need::CatalogWrite>,
    part_number: web::Path<String>,
    cmd: Command<PartChanges>,
) -> Result<HttpResponse, AppError> {
    let Command { input, idempotency } = cmd;
    let stored = mutate(
        &state,
        caller,
        idempotency,
        200,
        ("part.update", "part"),
        move |conn, _, _| {
            let before = snapshot(&parts::get(conn, &part_number)?);
            let after = parts::update(conn, &part_number, &input)?;
            Ok(Changed {
                entity_id: after.part_number.clone(),
                before,
                value: after,
            })
        },
    )
    .await?;
    Ok(respond(stored))
}

#[utoipa::path(get, path = "/api/v1/parts/{part_number}/suppliers", tag = "catalog",
    params(("part_number" = String, Path, description = "Part number")),
    responses(
        (status = 200, description = "Every supplier's terms for the part", body = Vec<SupplierTerms>),
        (status = 404, description = "Unknown part")))]
pub async fn part_suppliers(
    state: web::Data<AppState>,
    _caller: Caller<need::SuppliersRead>,
    part_number: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let terms = with_conn(&state.pool, move |conn| {
        let part = parts::get(conn, &part_number)?;
        suppliers::terms(conn, None, Some(part.id))
    })
    .await?;
    Ok(ok_json(&terms))
}

#[utoipa::path(get, path = "/api/v1/suppliers", tag = "catalog", params(SupplierFilter),
    responses(
        (status = 200, description = "A page of suppliers", body = Page<Supplier>)))]
pub async fn list_suppliers(
    state: web::Data<AppState>,
    _caller: Caller<need::SuppliersRead>,
    filter: web::Query<SupplierFilter>,
) -> Result<HttpResponse, AppError> {
    let page = with_conn(&state.pool, move |conn| suppliers::list(conn, &filter)).await?;
    Ok(ok_json(&Page::from(page)))
}

#[utoipa::path(post, path = "/api/v1/suppliers", tag = "catalog", request_body = NewSupplier,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses(
        (status = 201, description = "Created", body = Supplier),
        (status = 409, description = "Already exists")))]
pub async fn create_supplier(
    state: web::Data<AppState>,
    caller: Caller<need::SuppliersWrite>,
    cmd: Command<NewSupplier>,
) -> Result<HttpResponse, AppError> {
    let Command { input, idempotency } = cmd;
    let stored = mutate(
        &state,
        caller,
        idempotency,
        201,
        ("supplier.create", "supplier"),
        move |conn, _, _| {
            let supplier = suppliers::create(conn, &input)?;
            Ok(Changed::new(supplier.code.clone(), supplier))
        },
    )
    .await?;
    Ok(respond(stored))
}

#[utoipa::path(get, path = "/api/v1/suppliers/{code}", tag = "catalog",
    params(("code" = String, Path, description = "Supplier code")),
    responses(
        (status = 200, description = "The supplier", body = Supplier),
        (status = 404, description = "Unknown supplier")))]
pub async fn get_supplier(
    state: web::Data<AppState>,
    _caller: Caller<need::SuppliersRead>,
    code: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    Ok(ok_json(
        &with_conn(&state.pool, move |conn| suppliers::get(conn, &code)).await?,
    ))
}

#[utoipa::path(patch, path = "/api/v1/suppliers/{code}", tag = "catalog", request_body = SupplierChanges,
    params(("code" = String, Path, description = "Supplier code")),
    responses(
        (status = 200, description = "Updated", body = Supplier),
        (status = 404, description = "Unknown supplier")))]
pub async fn update_supplier(
    state: web::Data<AppState>,
    caller: Caller<need::SuppliersWrite>,
    code: web::Path<String>,
    cmd: Command<SupplierChanges>,
) -> Result<HttpResponse, AppError> {
    let Command { input, idempotency } = cmd;
    let stored = mutate(
        &state,
        caller,
        idempotency,
        200,
        ("supplier.update", "supplier"),
        move |conn, _, _| {
            let before = snapshot(&suppliers::get(conn, &code)?);
            let after = suppliers::update(conn, &code, &input)?;
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

#[utoipa::path(get, path = "/api/v1/suppliers/{code}/parts", tag = "catalog",
    params(("code" = String, Path, description = "Supplier code")),
    responses(
        (status = 200, description = "The supplier's terms per part", body = Vec<SupplierTerms>),
        (status = 404, description = "Unknown supplier")))]
pub async fn supplier_terms(
    state: web::Data<AppState>,
    _caller: Caller<need::SuppliersRead>,
    code: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let terms = with_conn(&state.pool, move |conn| {
        let supplier = suppliers::get(conn, &code)?;
        suppliers::terms(conn, Some(supplier.id), None)
    })
    .await?;
    Ok(ok_json(&terms))
}

fn existing_terms(
    conn: &mut AnyConnection,
    code: &str,
    part_number: &str,
) -> Result<Option<serde_json::Value>, AppError> {
    let supplier = suppliers::get(conn, code)?;
    let part = parts::get(conn, part_number)?;
    Ok(suppliers::terms(conn, Some(supplier.id), Some(part.id))?
        .first()
        .and_then(snapshot))
}

#[utoipa::path(put, path = "/api/v1/suppliers/{code}/parts/{part_number}", tag = "catalog", request_body = TermsInput,
    params(("code" = String, Path, description = "Supplier code"), ("part_number" = String, Path, description = "Part number")),
    responses(
        (status = 200, description = "The terms as stored", body = SupplierTerms),
        (status = 404, description = "Unknown supplier or part")))]
pub async fn put_terms(
    state: web::Data<AppState>,
    caller: Caller<need::SuppliersWrite>,
    path: web::Path<(String, String)>,
    cmd: Command<TermsInput>,
) -> Result<HttpResponse, AppError> {
    let (code, part_number) = path.into_inner();
    let Command { input, idempotency } = cmd;
    let action = ("supplier_terms.put", "supplier_terms");
    let stored = mutate(&state, caller, idempotency, 200, action, move |conn, _, _| {
        let before = existing_terms(conn, &code, &part_number)?;
        let after = suppliers::put_terms(conn, &code, &part_number, &input)?;
        Ok(Changed {
            entity_id: format!("{code}/{part_number}"),
            before,
            value: after,
        })
    })
    .await?;
    Ok(respond(stored))
}

#[utoipa::path(delete, path = "/api/v1/suppliers/{code}/parts/{part_number}", tag = "catalog",
    params(("code" = String, Path, description = "Supplier code"), ("part_number" = String, Path, description = "Part number")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such terms")))]
pub async fn delete_terms(
    state: web::Data<AppState>,
    caller: Caller<need::SuppliersWrite>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (code, part_number) = path.into_inner();
    let action = ("supplier_terms.delete", "supplier_terms");
    mutate(&state, caller, None, 204, action, move |conn, _, _| {
        let before = existing_terms(conn, &code, &part_number)?;
        suppliers::delete_terms(conn, &code, &part_number)?;
        Ok(Changed {
            entity_id: format!("{code}/{part_number}"),
            before,
            value: serde_json::Value::Null,
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
