//! Webhook endpoint routes (admin).

use actix_web::{web, HttpResponse};

use super::extract::{need, Caller, Command};
use super::problem::Problem;
use super::{mutate, ok_json, resource, respond, with_conn, AppState, Changed};
use crate::error::AppError;
use crate::webhooks::endpoints::{self, Endpoint, NewEndpoint};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/webhooks", "GET, POST")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    );
    cfg.service(resource("/webhooks/{id}", "DELETE").route(web::delete().to(deactivate)));
}

#[utoipa::path(get, path = "/api/v1/webhooks", tag = "webhooks",
    responses((status = 200, description = "Registered endpoints (never their secrets)", body = Vec<Endpoint>)))]
pub async fn list(state: web::Data<AppState>, _caller: Caller<need::Administer>) -> Result<HttpResponse, AppError> {
    let found = with_conn(&state.pool, endpoints::list).await?;
    Ok(ok_json(&found))
}

#[utoipa::path(post, path = "/api/v1/webhooks", tag = "webhooks", request_body = NewEndpoint,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses(
        (status = 201, description = "Registered; the response shows the signing secret once", body = Endpoint),
        (status = 400, description = "Invalid input", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Idempotency key reused", body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller<need::Administer>,
    cmd: Command<NewEndpoint>,
) -> Result<HttpResponse, AppError> {
    let Command { input, idempotency } = cmd;
    let stored = mutate(
        &state,
        caller,
        idempotency,
        201,
        ("webhook.create", "webhook_endpoint"),
        move |conn, _, _| {
            let endpoint = endpoints::create(conn, &input)?;
            Ok(Changed::new(endpoint.id, endpoint))
        },
    )
    .await?;
    Ok(respond(stored))
}

#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "webhooks",
    params(("id" = i64, Path, description = "Endpoint id")),
    responses(
        (status = 200, description = "Deactivated: nothing more is sent to it", body = Endpoint),
        (status = 400, description = "Invalid id", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown endpoint", body = Problem, content_type = "application/problem+json")))]
pub async fn deactivate(
    state: web::Data<AppState>,
    caller: Caller<need::Administer>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let stored = mutate(
        &state,
        caller,
        None,
        200,
        ("webhook.deactivate", "webhook_endpoint"),
        move |conn, _, _| {
            let endpoint = endpoints::deactivate(conn, id)?;
            Ok(Changed::new(id, endpoint))
        },
    )
    .await?;
    Ok(respond(stored))
}
