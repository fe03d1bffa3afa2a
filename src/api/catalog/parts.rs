//! Parts: listed, created, read and changed, and every supplier's terms for one part.

use actix_web::{web, HttpResponse};

use super::{create_entity, update_entity};
use crate::api::extract::{need, Caller, Command};
use crate::api::params::Query;
use crate::api::{ok_json, with_conn, AppState, Page};
use crate::catalog::parts::{self, NewPart, Part, PartChanges, PartFilter};
use crate::catalog::suppliers::{self, SupplierTerms};
use crate::error::AppError;

#[utoipa::path(get, path = "/api/v1/parts", tag = "catalog", params(PartFilter),
    responses(
        (status = 200, description = "A page of parts", body = Page<Part>)))]
pub async fn list_parts(
    state: web::Data<AppState>,
    _caller: Caller<need::CatalogRead>,
    filter: Query<PartFilter>,
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
    create_entity(&state, caller, cmd, ("part.create", "part"), parts::create, |e| {
        e.part_number.clone()
    })
    .await
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
    let key = part_number.into_inner();
    update_entity(
        &state,
        caller,
        key,
        cmd,
        ("part.update", "part"),
        (parts::get, parts::update),
        |e: &Part| e.part_number.clone(),
    )
    .await
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
