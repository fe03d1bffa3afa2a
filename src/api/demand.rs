//! Demand history routes: bulk import and one series.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Duration;

use super::extract::{need, Caller};
use super::params::Query;
use super::{ok_json, resource, respond, with_conn, AppState};
use crate::audit::{self, Change};
use crate::catalog::{parts, warehouses};
use crate::demand::daily::{self, DemandSeries, SeriesQuery};
use crate::demand::import::{self, Format, ImportReport};
use crate::error::AppError;
use crate::idempotency::{self, IdempotentRequest, StoredResponse};

/// Imports may be large: 64 MiB is about 1.5 million rows.
const MAX_IMPORT_BYTES: usize = 64 * 1024 * 1024;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/demand-history", "GET, POST")
            .app_data(web::PayloadConfig::new(MAX_IMPORT_BYTES))
            .route(web::get().to(series))
            .route(web::post().to(import_history)),
    );
}

fn format_of(req: &HttpRequest) -> Format {
    let content_type = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if content_type.contains("ndjson") || content_type.contains("jsonl") || content_type.contains("json-lines") {
        Format::JsonLines
    } else {
        Format::Csv
    }
}

#[utoipa::path(post, path = "/api/v1/demand-history", tag = "forecasting",
    request_body(content = String, description = "CSV with header `date,warehouse,part_number,qty[,repair_order,product_model,fault_code]`, or JSON lines with the same members (`Content-Type: application/x-ndjson`). Up to 64 MiB.", content_type = "text/csv"),
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses(
        (status = 200, description = "Imported; rows imported before were skipped", body = ImportReport),
        (status = 400, description = "Bad rows (each with its line number); nothing was imported")))]
pub async fn import_history(
    state: web::Data<AppState>,
    caller: Caller<need::ForecastsWrite>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let format = format_of(&req);
    let idempotency = caller
        .request
        .idempotency_key
        .clone()
        .map(|key| IdempotentRequest::new(key, "POST", req.path(), &body));
    let Caller { principal, request, .. } = caller;
    let stored = with_conn(&state.pool, move |conn| {
        idempotency::execute(conn, idempotency.as_ref(), |conn| {
            let report = import::import(conn, body.as_ref(), format, principal.visible_warehouses())?;
            let change = Change {
                action: "demand.import",
                entity_type: "demand_history",
                entity_id: format!("{} rows", report.rows_read),
                before: None,
                after: serde_json::to_value(&report).ok(),
            };
            audit::record(conn, &principal, &request, &change)?;
            StoredResponse::json(200, &report)
        })
    })
    .await?;
    Ok(respond(stored))
}

#[utoipa::path(get, path = "/api/v1/demand-history", tag = "forecasting", params(SeriesQuery),
    responses(
        (status = 200, description = "The daily demand series of one warehouse and part", body = DemandSeries),
        (status = 400, description = "Unknown warehouse or part (the problem names the parameter)")))]
pub async fn series(
    state: web::Data<AppState>,
    caller: Caller<need::ForecastsRead>,
    query: Query<SeriesQuery>,
) -> Result<HttpResponse, AppError> {
    caller.principal.require_warehouse(&query.warehouse)?;
    let query = query.into_inner();
    let to = query.to.unwrap_or_else(|| chrono::Utc::now().date_naive());
    let from = query.from.unwrap_or(to - Duration::days(729));
    if from > to || (to - from).num_days() > 3_660 {
        return Err(AppError::validation(
            "from",
            "must be on or before `to`, at most 10 years earlier",
        ));
    }
    let found = with_conn(&state.reports, move |conn| {
        // A filter naming an unknown code is a 400 naming it, as on every list route.
        crate::catalog::filters::require_known(conn, Some(&query.warehouse), None, Some(&query.part_number))?;
        let warehouse = warehouses::get(conn, &query.warehouse)?;
        let part = parts::get(conn, &query.part_number)?;
        let rows = daily::load(conn, &[warehouse.id], &[part.id], from, to)?;
        let daily: Vec<i64> = daily::densify(rows.into_iter().map(|r| (r.day, r.quantity)), from, to)
            .into_iter()
            .map(|q| q as i64)
            .collect();
        Ok(DemandSeries {
            warehouse: warehouse.code,
            part_number: part.part_number,
            from,
            to,
            total: daily.iter().sum(),
            demand_days: daily.iter().filter(|q| **q > 0).count(),
            daily,
        })
    })
    .await?;
    Ok(ok_json(&found))
}
