//! Regions: listed and created.

use actix_web::{web, HttpResponse};

use super::create_entity;
use crate::api::extract::{need, Caller, Command};
use crate::api::{ok_json, with_conn, AppState};
use crate::catalog::regions::{self, NewRegion, Region};
use crate::error::AppError;

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
    create_entity(&state, caller, cmd, ("region.create", "region"), regions::create, |e| {
        e.code.clone()
    })
    .await
}
