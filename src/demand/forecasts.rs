//! Stored forecasts per (warehouse, part), computed from the daily demand series by the pure
//! engine in [`crate::forecast`].
//!
//! A run walks the parts in chunks: it loads one chunk's daily rows (and those of the parts they
//! replaced, whose demand counts toward their successor), forecasts every series of the chunk and
//! replaces the chunk's stored forecasts in one transaction. Memory is bounded by one chunk, not
//! by the number of series.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::daily;
use crate::catalog::utc;
use crate::db::{self, AnyConnection};
use crate::error::AppError;
use crate::forecast::{self, leadtime::LeadTimeDemand, Params, Workspace};
use crate::pagination::PageRequest;
use crate::schema::{demand_daily as d, forecast_runs as runs, forecasts as f, parts, supplier_parts, warehouses};

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
    /// Last day of history to use (default: yesterday, the last complete day).
    pub as_of: Option<NaiveDate>,
}

/// One forecast run.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ForecastRunSummary {
    pub id: i64,
    /// `running`, `succeeded` or `failed`.
    pub status: String,
    pub scope: String,
    pub as_of: NaiveDate,
    /// Series forecast.
    pub series: i64,
    /// How many series each method won.
    pub methods: BTreeMap<String, i64>,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// A stored forecast with its warehouse code and part number (joined).
#[derive(Queryable, Selectable)]
#[diesel(table_name = f)]
struct ForecastRow {
    #[diesel(select_expression = warehouses::code)]
    warehouse_code: String,
    #[diesel(select_expression = parts::part_number)]
    part_number: String,
    demand_class: String,
    method: String,
    selection_error: Option<f64>,
    daily_rate: f64,
    lead_time_days: i32,
    review_days: i32,
    lead_time_mean: f64,
    lead_time_variance: f64,
    // Nested: diesel's tuples stop at 16 columns.
    #[diesel(embed)]
    quantiles: QuantileColumns,
    history_days: i32,
    demand_days: i32,
    computed_at: chrono::NaiveDateTime,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = f)]
struct QuantileColumns {
    p50: i64,
    p90: i64,
    p95: i64,
    p99: i64,
}

/// A page of stored forecasts, ordered by warehouse and part.
pub fn list(
    conn: &mut AnyConnection,
    filter: &ForecastFilter,
    scope: Option<&[String]>,
) -> Result<(Vec<Forecast>, Option<String>), AppError> {
    let page = PageRequest::parse(filter.limit, filter.cursor.as_deref())?;
    let mut query = f::table
        .inner_join(warehouses::table)
        .inner_join(parts::table)
        .select(ForecastRow::as_select())
        .order((warehouses::code, parts::part_number))
        .limit(page.fetch_limit())
        .into_boxed();
    if let Some(code) = &filter.warehouse {
        query = query.filter(warehouses::code.eq(code.clone()));
    }
    if let Some(pn) = &filter.part_number {
        query = query.filter(parts::part_number.eq(pn.clone()));
    }
    if let Some(class) = &filter.demand_class {
        query = query.filter(f::demand_class.eq(class.clone()));
    }
    if let Some(method) = &filter.method {
        query = query.filter(f::method.eq(method.clone()));
    }
    if let Some(codes) = scope {
        query = query.filter(warehouses::code.eq_any(codes.to_vec()));
    }
    if let Some(cursor) = page.cursor.as_deref() {
        let (w, p) = cursor
            .split_once('|')
            .ok_or_else(|| AppError::validation("cursor", "is not a valid cursor"))?;
        query = query.filter(
            warehouses::code.gt(w.to_owned()).or(warehouses::code
                .eq(w.to_owned())
                .and(parts::part_number.gt(p.to_owned()))),
        );
    }
    let rows: Vec<ForecastRow> = query.load(conn)?;
    let items = rows.into_iter().map(Forecast::from).collect();
    Ok(page.finish(items, |f: &Forecast| format!("{}|{}", f.warehouse, f.part_number)))
}

impl From<ForecastRow> for Forecast {
    fn from(row: ForecastRow) -> Self {
        let QuantileColumns { p50, p90, p95, p99 } = row.quantiles;
        Forecast {
            warehouse: row.warehouse_code,
            part_number: row.part_number,
            demand_class: row.demand_class,
            method: row.method,
            selection_error: row.selection_error,
            daily_rate: row.daily_rate,
            lead_time_days: row.lead_time_days,
            review_days: row.review_days,
            lead_time_mean: row.lead_time_mean,
            lead_time_variance: row.lead_time_variance,
            lead_time_quantiles: Quantiles { p50, p90, p95, p99 },
            history_days: row.history_days,
            demand_days: row.demand_days,
            computed_at: utc(row.computed_at),
        }
    }
}

/// A forecast computed for one series, before it is stored.
struct Computed {
    warehouse_id: i64,
    part_id: i64,
    demand_class: String,
    method: String,
    selection_error: Option<f64>,
    daily_rate: f64,
    lead_days: i64,
    distribution: LeadTimeDemand,
    history_days: usize,
    demand_days: usize,
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

/// A part and the part that replaces it.
#[derive(Queryable, Selectable)]
#[diesel(table_name = parts)]
struct Supersession {
    id: i64,
    part_number: String,
    superseded_by: Option<String>,
}

/// A supplier's lead time for a part, and whether it is the part's preferred supplier.
#[derive(Queryable, Selectable)]
#[diesel(table_name = supplier_parts)]
struct LeadTerms {
    part_id: i64,
    lead_time_days: i32,
    preferred: bool,
}

/// Everything a run needs to know about the catalog, loaded once.
struct Catalog {
    /// Each part's final successor (itself when not superseded).
    successor: HashMap<i64, i64>,
    lead_days: HashMap<i64, i64>,
}

impl Catalog {
    fn load(conn: &mut AnyConnection) -> Result<Self, AppError> {
        let rows: Vec<Supersession> = parts::table.select(Supersession::as_select()).load(conn)?;
        let by_number: HashMap<&str, i64> = rows.iter().map(|r| (r.part_number.as_str(), r.id)).collect();
        let next: HashMap<i64, i64> = rows
            .iter()
            .filter_map(|r| {
                let by = r.superseded_by.as_deref()?;
                by_number.get(by).map(|n| (r.id, *n))
            })
            .collect();
        let successor = rows
            .iter()
            .map(|r| {
                let mut current = r.id;
                // A chain longer than the catalog is a cycle: stop where we are.
                for _ in 0..rows.len() {
                    match next.get(&current) {
                        Some(n) if *n != r.id => current = *n,
                        _ => break,
                    }
                }
                (r.id, current)
            })
            .collect();
        let terms: Vec<LeadTerms> = supplier_parts::table.select(LeadTerms::as_select()).load(conn)?;
        // Per part: (preferred, lead days) of the supplier whose lead time counts.
        let mut lead_days: HashMap<i64, (bool, i64)> = HashMap::new();
        for t in terms {
            let lead = i64::from(t.lead_time_days);
            let (preferred, days) = lead_days.entry(t.part_id).or_insert((t.preferred, lead));
            // The preferred supplier's lead time wins; otherwise the quickest supplier's.
            if (t.preferred && !*preferred) || (t.preferred == *preferred && lead < *days) {
                (*preferred, *days) = (t.preferred, lead);
            }
        }
        Ok(Catalog {
            successor,
            lead_days: lead_days.into_iter().map(|(p, (_, l))| (p, l)).collect(),
        })
    }

    fn successor_of(&self, part: i64) -> i64 {
        self.successor.get(&part).copied().unwrap_or(part)
    }
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
    let warehouse_id = match &request.warehouse {
        Some(code) => Some(crate::catalog::warehouses::get(conn, code)?.id),
        None => None,
    };
    let catalog = Catalog::load(conn)?;
    let only_part = match &request.part_number {
        Some(pn) => Some(catalog.successor_of(crate::catalog::parts::get(conn, pn)?.id)),
        None => None,
    };
    let scope = serde_json::to_string(request).unwrap_or_default();
    let started = db::now();
    let id: i64 = db::write_tx(conn, |conn| {
        diesel::insert_into(runs::table)
            .values((
                runs::status.eq("running"),
                runs::scope.eq(&scope),
                runs::started_at.eq(started),
            ))
            .returning(runs::id)
            .get_result(conn)
    })?;
    let outcome = forecast_all(conn, settings, &catalog, as_of, warehouse_id, only_part);
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
        scope,
        as_of,
        series,
        methods,
        started_at: utc(started),
        finished_at: Some(utc(finished)),
    })
}

fn forecast_all(
    conn: &mut AnyConnection,
    settings: &ForecastSettings,
    catalog: &Catalog,
    as_of: NaiveDate,
    warehouse_id: Option<i64>,
    only_part: Option<i64>,
) -> Result<BTreeMap<String, i64>, AppError> {
    let window_start = as_of - chrono::Duration::days(settings.history_days - 1);
    // Series start when the data does: zeros before the first recorded demand anywhere are
    // not known zeros.
    let first_day: Option<NaiveDate> = d::table.select(diesel::dsl::min(d::day)).first(conn)?;
    let Some(first_day) = first_day else {
        return Ok(BTreeMap::new());
    };
    let from = window_start.max(first_day);
    if from > as_of {
        return Ok(BTreeMap::new());
    }
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
    let mut methods = BTreeMap::new();
    let mut workspace = Workspace::new();
    for chunk in targets.chunks(PARTS_PER_CHUNK) {
        let chunk_set: HashSet<i64> = chunk.iter().copied().collect();
        let sources: Vec<i64> = catalog
            .successor
            .iter()
            .filter(|(_, s)| chunk_set.contains(s))
            .map(|(p, _)| *p)
            .collect();
        let warehouses = match warehouse_id {
            Some(w) => vec![w],
            None => warehouses::table.select(warehouses::id).load(conn)?,
        };
        let rows = daily::load(conn, &warehouses, &sources, from, as_of)?;
        let mut series: BTreeMap<(i64, i64), Vec<(NaiveDate, i64)>> = BTreeMap::new();
        for r in rows {
            series
                .entry((r.warehouse_id, catalog.successor_of(r.part_id)))
                .or_default()
                .push((r.day, r.quantity));
        }
        let computed: Vec<Computed> = series
            .into_iter()
            .map(|((warehouse_id, part_id), days)| {
                let dense = daily::densify(days, from, as_of);
                let lead_days = catalog
                    .lead_days
                    .get(&part_id)
                    .copied()
                    .unwrap_or(crate::catalog::suppliers::DEFAULT_LEAD_DAYS);
                let outcome = forecast_series(&dense, lead_days, settings, &mut workspace);
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
        for c in &computed {
            *methods.entry(c.method.clone()).or_insert(0) += 1;
        }
        store(conn, settings, chunk, warehouse_id, &computed)?;
    }
    Ok(methods)
}

/// Replaces the stored forecasts of a chunk of parts (within one warehouse, when the run is
/// limited to one).
fn store(
    conn: &mut AnyConnection,
    settings: &ForecastSettings,
    chunk: &[i64],
    warehouse_id: Option<i64>,
    computed: &[Computed],
) -> Result<(), AppError> {
    let now = db::now();
    let values: Vec<_> = computed
        .iter()
        .map(|c| {
            let q = |p: f64| c.distribution.quantile(p) as i64;
            (
                f::warehouse_id.eq(c.warehouse_id),
                f::part_id.eq(c.part_id),
                f::demand_class.eq(c.demand_class.as_str()),
                f::method.eq(c.method.as_str()),
                f::selection_error.eq(c.selection_error),
                f::daily_rate.eq(c.daily_rate),
                f::lead_time_days.eq(c.lead_days as i32),
                f::review_days.eq(settings.review_days as i32),
                f::lead_time_mean.eq(c.distribution.mean()),
                f::lead_time_variance.eq(c.distribution.variance()),
                (
                    f::p50.eq(q(0.5)),
                    f::p90.eq(q(0.9)),
                    f::p95.eq(q(0.95)),
                    f::p99.eq(q(0.99)),
                ),
                (
                    f::history_days.eq(c.history_days as i32),
                    f::demand_days.eq(c.demand_days as i32),
                    f::computed_at.eq(now),
                ),
            )
        })
        .collect();
    db::write_tx(conn, |conn| {
        let mut stale = diesel::delete(f::table.filter(f::part_id.eq_any(chunk))).into_boxed();
        if let Some(w) = warehouse_id {
            stale = stale.filter(f::warehouse_id.eq(w));
        }
        stale.execute(conn)?;
        for batch in values.chunks(500) {
            // Multi-row inserts need the backend's own connection (SQLite has no DEFAULT keyword).
            let statement = diesel::insert_into(f::table).values(batch);
            match conn {
                AnyConnection::Postgresql(c) => statement.execute(c)?,
                AnyConnection::Sqlite(c) => statement.execute(c)?,
            };
        }
        Ok::<_, AppError>(())
    })
}
