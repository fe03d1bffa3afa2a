//! Forecasting a run's scope chunk by chunk: which parts to forecast, their daily series, the
//! pure engine's forecast of each, then the chunk's forecasts stored.

use std::collections::{BTreeMap, HashSet};

use chrono::NaiveDate;
use diesel::prelude::*;

use super::catalog::Catalog;
use super::{store, ForecastSettings, PARTS_PER_CHUNK};
use crate::db::AnyConnection;
use crate::demand::daily;
use crate::error::AppError;
use crate::forecast::{self, leadtime::LeadTimeDemand, Params, Workspace};
use crate::schema::{demand_daily as d, warehouses};

/// A forecast computed for one series, before it is stored.
pub(super) struct Computed {
    pub(super) warehouse_id: i64,
    pub(super) part_id: i64,
    pub(super) demand_class: String,
    pub(super) method: String,
    pub(super) selection_error: Option<f64>,
    pub(super) daily_rate: f64,
    pub(super) lead_days: i64,
    pub(super) distribution: LeadTimeDemand,
    pub(super) history_days: usize,
    pub(super) demand_days: usize,
}

/// Forecasts one daily series for a lead time (in days); pure, no database.
fn forecast_series(
    series: &[f64],
    lead_days: i64,
    settings: &ForecastSettings,
    workspace: &mut Workspace,
) -> ForecastOutcome {
    let horizon = (lead_days + settings.review_days).max(1) as usize;
    // Daily series: a year is 365 periods.
    let params = Params::default();
    let selection = forecast::select::select_ws(series, horizon, &params, workspace);
    let path = forecast::forecast_path_ws(selection.method, series, horizon, &params, workspace);
    let distribution = forecast::leadtime::lead_time_demand(series, &path);
    ForecastOutcome {
        demand_class: selection.class.to_string(),
        method: selection.method.to_string(),
        selection_error: selection.error.filter(|e| e.is_finite()),
        daily_rate: path.iter().sum::<f64>() / horizon as f64,
        distribution,
    }
}

struct ForecastOutcome {
    demand_class: String,
    method: String,
    selection_error: Option<f64>,
    daily_rate: f64,
    distribution: LeadTimeDemand,
}

/// Forecasts every series of the scope, a chunk of parts at a time, storing each chunk's
/// forecasts; returns how many series each method won.
pub(super) fn forecast_all(
    conn: &mut AnyConnection,
    settings: &ForecastSettings,
    catalog: &Catalog,
    as_of: NaiveDate,
    warehouse_id: Option<i64>,
    only_part: Option<i64>,
) -> Result<BTreeMap<String, i64>, AppError> {
    let Some(from) = series_start(conn, settings, as_of)? else {
        return Ok(BTreeMap::new());
    };
    let targets = target_parts(conn, catalog, (from, as_of), warehouse_id, only_part)?;
    let mut methods = BTreeMap::new();
    let mut workspace = Workspace::new();
    for chunk in targets.chunks(PARTS_PER_CHUNK) {
        let warehouses = match warehouse_id {
            Some(w) => vec![w],
            None => warehouses::table.select(warehouses::id).load(conn)?,
        };
        let scope = ChunkScope {
            warehouses: &warehouses,
            chunk,
            days: (from, as_of),
        };
        let computed = forecast_chunk(conn, settings, catalog, &scope, &mut workspace)?;
        for c in &computed {
            *methods.entry(c.method.clone()).or_insert(0) += 1;
        }
        store::store(conn, settings, chunk, warehouse_id, &computed)?;
    }
    Ok(methods)
}

/// The first day of the series: the window's start, or the first recorded demand anywhere if
/// later (zeros before it are not known zeros); `None` when there is nothing to forecast.
fn series_start(
    conn: &mut AnyConnection,
    settings: &ForecastSettings,
    as_of: NaiveDate,
) -> Result<Option<NaiveDate>, AppError> {
    let window_start = as_of - chrono::Duration::days(settings.history_days - 1);
    let first_day: Option<NaiveDate> = d::table.select(diesel::dsl::min(d::day)).first(conn)?;
    Ok(first_day
        .map(|first| window_start.max(first))
        .filter(|from| *from <= as_of))
}

/// The parts to forecast, in id order: the final successors of the parts with demand in the
/// window (within the run's warehouse and part, when it has them).
fn target_parts(
    conn: &mut AnyConnection,
    catalog: &Catalog,
    (from, as_of): (NaiveDate, NaiveDate),
    warehouse_id: Option<i64>,
    only_part: Option<i64>,
) -> Result<Vec<i64>, AppError> {
    let mut demanded = d::table
        .filter(d::day.between(from, as_of))
        .select(d::part_id)
        .distinct()
        .into_boxed();
    if let Some(w) = warehouse_id {
        demanded = demanded.filter(d::warehouse_id.eq(w));
    }
    let demanded: Vec<i64> = demanded.load(conn)?;
    let mut targets: Vec<i64> = demanded
        .iter()
        .map(|p| catalog.successor_of(*p))
        .filter(|p| only_part.is_none_or(|only| only == *p))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    targets.sort_unstable();
    Ok(targets)
}

/// One chunk of a run: its parts, the warehouses forecast and the days of history.
struct ChunkScope<'a> {
    warehouses: &'a [i64],
    chunk: &'a [i64],
    days: (NaiveDate, NaiveDate),
}

/// Loads the daily rows of a chunk's parts and of the parts they replaced, and forecasts each
/// (warehouse, successor) series.
fn forecast_chunk(
    conn: &mut AnyConnection,
    settings: &ForecastSettings,
    catalog: &Catalog,
    scope: &ChunkScope<'_>,
    workspace: &mut Workspace,
) -> Result<Vec<Computed>, AppError> {
    let (from, as_of) = scope.days;
    let chunk_set: HashSet<i64> = scope.chunk.iter().copied().collect();
    let sources: Vec<i64> = catalog
        .successor
        .iter()
        .filter(|(_, s)| chunk_set.contains(s))
        .map(|(p, _)| *p)
        .collect();
    let rows = daily::load(conn, scope.warehouses, &sources, from, as_of)?;
    let mut series: BTreeMap<(i64, i64), Vec<(NaiveDate, i64)>> = BTreeMap::new();
    for r in rows {
        series
            .entry((r.warehouse_id, catalog.successor_of(r.part_id)))
            .or_default()
            .push((r.day, r.quantity));
    }
    let computed = series
        .into_iter()
        .map(|((warehouse_id, part_id), days)| {
            let dense = daily::densify(days, from, as_of);
            let lead_days = catalog
                .lead_days
                .get(&part_id)
                .copied()
                .unwrap_or(crate::catalog::suppliers::DEFAULT_LEAD_DAYS);
            let outcome = forecast_series(&dense, lead_days, settings, workspace);
            Computed {
                warehouse_id,
                part_id,
                demand_class: outcome.demand_class,
                method: outcome.method,
                selection_error: outcome.selection_error,
                daily_rate: outcome.daily_rate,
                lead_days,
                distribution: outcome.distribution,
                history_days: dense.len(),
                demand_days: dense.iter().filter(|q| **q > 0.0).count(),
            }
        })
        .collect();
    Ok(computed)
}
