//! Stored forecasts per (warehouse, part), computed from the daily demand series by the pure
//! engine in [`crate::forecast`].
//!
//! A run walks the parts in chunks: it loads one chunk's daily rows (and those of the parts they
//! replaced, whose demand counts toward their successor), forecasts every series of the chunk and
//! replaces the chunk's stored forecasts in one transaction. Memory is bounded by one chunk, not
//! by the number of series.

mod catalog;
mod compute;
mod list;
mod store;

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use self::catalog::Catalog;
use crate::catalog::utc;
use crate::db::{self, AnyConnection};
use crate::error::AppError;
use crate::schema::forecast_runs as runs;

pub use self::list::list;

/// Parts forecast per chunk: a chunk's rows are at most this many parts x warehouses x days.
const PARTS_PER_CHUNK: usize = 64;

/// How forecasts are made; the defaults suit daily repair demand.
#[derive(Debug, Clone)]
pub struct ForecastSettings {
    /// Days of history each series is built from.
    pub history_days: i64,
    /// Days between two replenishment reviews, added to the lead time.
    pub review_days: i64,
}

impl Default for ForecastSettings {
    fn default() -> Self {
        ForecastSettings {
            history_days: 730,
            review_days: 1,
        }
    }
}

/// The lead-time demand quantiles replenishment reads.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Quantiles {
    pub p50: i64,
    pub p90: i64,
    pub p95: i64,
    pub p99: i64,
}

/// The forecast of one (warehouse, part).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Forecast {
    pub warehouse: String,
    pub part_number: String,
    /// Syntetos-Boylan class: `smooth`, `erratic`, `intermittent`, `lumpy` or `none`.
    pub demand_class: String,
    /// The method that won the rolling-origin evaluation.
    pub method: String,
    /// Its scaled cumulative error over the lead time (absent when the history was too short).
    pub selection_error: Option<f64>,
    /// Expected units per day.
    pub daily_rate: f64,
    pub lead_time_days: i32,
    pub review_days: i32,
    /// Mean and variance of the demand over lead time + review period.
    pub lead_time_mean: f64,
    pub lead_time_variance: f64,
    pub lead_time_quantiles: Quantiles,
    /// Days of history the series covered, and how many had demand.
    pub history_days: i32,
    pub demand_days: i32,
    pub computed_at: DateTime<Utc>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ForecastFilter {
    /// Warehouse code.
    pub warehouse: Option<String>,
    pub part_number: Option<String>,
    /// Demand class.
    pub demand_class: Option<String>,
    pub method: Option<String>,
    /// Page size, 1-500 (default 50).
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// What to forecast; everything when empty.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ForecastRunRequest {
    /// Only this warehouse.
    pub warehouse: Option<String>,
    /// Only this part (a superseded part is forecast as its successor).
    pub part_number: Option<String>,
    /// Last day of history to use (`YYYY-MM-DD`, or an RFC 3339 time for its UTC day; default:
    /// yesterday, the last complete day).
    #[serde(default, deserialize_with = "crate::validate::day::option")]
    #[schema(value_type = Option<String>, format = Date, example = "2026-12-03")]
    pub as_of: Option<NaiveDate>,
}

/// One forecast run.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ForecastRunSummary {
    pub id: i64,
    /// `running`, `succeeded` or `failed`.
    pub status: String,
    /// What the run covered (the request it was started with).
    pub scope: ForecastRunRequest,
    pub as_of: NaiveDate,
    /// Series forecast.
    pub series: i64,
    /// How many series each method won.
    pub methods: BTreeMap<String, i64>,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// Runs the forecasts of the request's scope and stores them.
pub fn run(
    conn: &mut AnyConnection,
    settings: &ForecastSettings,
    request: &ForecastRunRequest,
) -> Result<ForecastRunSummary, AppError> {
    let as_of = request
        .as_of
        .unwrap_or_else(|| Utc::now().date_naive() - chrono::Duration::days(1));
    crate::catalog::filters::require_known(conn, request.warehouse.as_deref(), None, request.part_number.as_deref())?;
    let warehouse_id = match &request.warehouse {
        Some(code) => Some(crate::catalog::warehouses::get(conn, code)?.id),
        None => None,
    };
    let catalog = Catalog::load(conn)?;
    let only_part = match &request.part_number {
        Some(pn) => Some(catalog.successor_of(crate::catalog::parts::get(conn, pn)?.id)),
        None => None,
    };
    let stored_scope = serde_json::to_string(request).unwrap_or_default();
    let started = db::now();
    let id: i64 = db::write_tx(conn, |conn| {
        diesel::insert_into(runs::table)
            .values((
                runs::status.eq("running"),
                runs::scope.eq(&stored_scope),
                runs::started_at.eq(started),
            ))
            .returning(runs::id)
            .get_result(conn)
    })?;
    let outcome = compute::forecast_all(conn, settings, &catalog, as_of, warehouse_id, only_part);
    let finished = db::now();
    let (status, series, error) = match &outcome {
        Ok(methods) => ("succeeded", methods.values().sum::<i64>(), None),
        Err(e) => ("failed", 0, Some(e.to_string())),
    };
    db::write_tx(conn, |conn| {
        diesel::update(runs::table.find(id))
            .set((
                runs::status.eq(status),
                runs::series.eq(series as i32),
                runs::finished_at.eq(Some(finished)),
                runs::error.eq(error),
            ))
            .execute(conn)
    })?;
    let methods = outcome?;
    Ok(ForecastRunSummary {
        id,
        status: status.to_owned(),
        scope: request.clone(),
        as_of,
        series,
        methods,
        started_at: utc(started),
        finished_at: Some(utc(finished)),
    })
}
