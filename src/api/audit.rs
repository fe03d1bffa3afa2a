//! The audit trail, for admins.

use actix_web::{web, HttpResponse};

use super::extract::{need, Caller};
use super::params::Query;
use super::{ok_json, resource, with_conn, AppState, Page};
use crate::audit::{self, AuditEntry, AuditFilter};
use crate::error::AppError;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/audit", "GET").route(web::get().to(list)));
}

#[utoipa::path(get, path = "/api/v1/audit", tag = "access", params(AuditFilter),
    responses(
        (status = 200, description = "Audit entries, oldest first", body = Page<AuditEntry>)))]
pub async fn list(
    state: web::Data<AppState>,
    _caller: Caller<need::Administer>,
    filter: Query<AuditFilter>,
) -> Result<HttpResponse, AppError> {
    let page = with_conn(&state.reports, move |conn| audit::list(conn, &filter)).await?;
    Ok(ok_json(&Page::from(page)))
}
