//! Operational routes: liveness, readiness, metrics, the OpenAPI document and Swagger UI.

use actix_web::{web, HttpResponse};
use diesel::connection::SimpleConnection;
use serde_json::json;
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

use super::extract::{need, Caller};
use super::openapi::ApiDoc;
use super::{resource, with_conn, AppState};
use crate::error::AppError;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/health", "GET").route(web::get().to(health)))
        .service(resource("/ready", "GET").route(web::get().to(ready)))
        .service(resource("/metrics", "GET").route(web::get().to(prometheus)))
        .service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", ApiDoc::openapi()))
        .route("/docs", web::get().to(docs_redirect));
}

#[utoipa::path(get, path = "/health", tag = "system",
    responses((status = 200, description = "The process is alive")))]
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

#[utoipa::path(get, path = "/ready", tag = "system",
    responses(
        (status = 200, description = "The database is reachable"),
        (status = 503, description = "The database is not reachable")))]
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    with_conn(&state.pool, |conn| {
        conn.batch_execute("SELECT 1")
            .map_err(|e| AppError::Unavailable(format!("database check failed: {e}")))
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({ "status": "ready" })))
}

#[utoipa::path(get, path = "/metrics", tag = "system",
    responses((status = 200, description = "Prometheus text exposition", content_type = "text/plain")))]
pub async fn prometheus(
    state: web::Data<AppState>,
    admin: Option<Caller<need::Administer>>,
) -> Result<HttpResponse, AppError> {
    if !state.metrics_public && admin.is_none() {
        return Err(AppError::Unauthorized("/metrics requires an admin API key".into()));
    }
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(super::metrics::handle().render()))
}

async fn docs_redirect() -> HttpResponse {
    HttpResponse::Found().insert_header(("Location", "/docs/")).finish()
}
