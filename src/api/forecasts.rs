//! Forecast routes: the stored forecasts and on-demand runs.

use actix_web::{web, HttpResponse};

use super::extract::{need, Caller, Command};
use super::params::Query;
use super::{long_run, ok_json, resource, respond, with_conn, AppState, Changed, Page};
use crate::demand::forecasts::{self, Forecast, ForecastFilter, ForecastRunRequest, ForecastRunSummary};
use crate::error::AppError;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/forecasts", "GET").route(web::get().to(list)));
    cfg.service(resource("/forecasts/run", "POST").route(web::post().to(run)));
}

#[utoipa::path(get, path = "/api/v1/forecasts", tag = "forecasting", params(ForecastFilter),
    responses(
        (status = 200, description = "Stored forecasts by warehouse and part", body = Page<Forecast>)))]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller<need::ForecastsRead>,
    filter: Query<ForecastFilter>,
) -> Result<HttpResponse, AppError> {
    let scope = caller.principal.visible_warehouses().map(<[String]>::to_vec);
    let page = with_conn(&state.pool, move |conn| {
        forecasts::list(conn, &filter, scope.as_deref())
    })
    .await?;
    Ok(ok_json(&Page::from(page)))
}

#[utoipa::path(post, path = "/api/v1/forecasts/run", tag = "forecasting", request_body = Option<ForecastRunRequest>,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: a retry returns the first run's summary")),
    responses(
        (status = 200, description = "The run finished; its forecasts are stored", body = ForecastRunSummary),
        (status = 400, description = "Unknown warehouse or part (the problem names the field)")))]
pub async fn run(
    state: web::Data<AppState>,
    caller: Caller<need::ForecastsWrite>,
    cmd: Command<Option<ForecastRunRequest>>,
) -> Result<HttpResponse, AppError> {
    let Command { input, idempotency } = cmd;
    let input = input.unwrap_or_default();
    match (&input.warehouse, caller.principal.visible_warehouses()) {
        (Some(code), _) => caller.principal.require_warehouse(code)?,
        (None, Some(_)) => {
            return Err(AppError::validation(
                "warehouse",
                "is required for a key limited to some warehouses",
            ))
        }
        (None, None) => {}
    }
    let settings = state.forecast.clone();
    let action = ("forecast.run", "forecast_run");
    let stored = long_run(&state, caller, idempotency, action, move |conn, _| {
        let summary = forecasts::run(conn, &settings, &input)?;
        Ok(Changed::new(summary.id, summary))
    })
    .await?;
    Ok(respond(stored))
}
