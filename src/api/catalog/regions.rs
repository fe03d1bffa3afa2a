//! Regions: listed and created.

use actix_web::{web, HttpResponse};

use crate::api::extract::{need, Caller, Command};
use crate::api::{mutate, ok_json, respond, with_conn, AppState, Changed};
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
