//! Suppliers: listed, created, read and changed, and their terms per part (put and deleted).

use actix_web::{web, HttpResponse};

use super::{create_entity, update_entity};
use crate::api::extract::{need, Caller, Command};
use crate::api::params::Query;
use crate::api::{mutate, ok_json, respond, snapshot, with_conn, AppState, Changed, Page};
use crate::catalog::parts;
use crate::catalog::suppliers::{
    self, NewSupplier, Supplier, SupplierChanges, SupplierFilter, SupplierTerms, TermsInput,
};
use crate::db::AnyConnection;
use crate::error::AppError;

#[utoipa::path(get, path = "/api/v1/suppliers", tag = "catalog", params(SupplierFilter),
    responses(
        (status = 200, description = "A page of suppliers", body = Page<Supplier>)))]
pub async fn list_suppliers(
    state: web::Data<AppState>,
    _caller: Caller<need::SuppliersRead>,
    filter: Query<SupplierFilter>,
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
    create_entity(
        &state,
        caller,
        cmd,
        ("supplier.create", "supplier"),
        suppliers::create,
        |e| e.code.clone(),
    )
    .await
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
    let key = code.into_inner();
    update_entity(
        &state,
        caller,
        key,
        cmd,
        ("supplier.update", "supplier"),
        (suppliers::get, suppliers::update),
        |e: &Supplier| e.code.clone(),
    )
    .await
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
