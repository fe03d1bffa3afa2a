//! Reading stored forecasts: one page, filtered, with the codes a reader sees instead of ids.

use diesel::prelude::*;

use super::{Forecast, ForecastFilter, Quantiles};
use crate::catalog::utc;
use crate::db::AnyConnection;
use crate::error::AppError;
use crate::forecast::{classify::DemandClass, Method};
use crate::pagination::PageRequest;
use crate::schema::{forecasts as f, parts, warehouses};
use crate::validate::one_of;

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
const DEMAND_CLASSES: [DemandClass; 5] = [
    DemandClass::None,
    DemandClass::Smooth,
    DemandClass::Erratic,
    DemandClass::Intermittent,
    DemandClass::Lumpy,
];

pub fn list(
    conn: &mut AnyConnection,
    filter: &ForecastFilter,
    scope: Option<&[String]>,
) -> Result<(Vec<Forecast>, Option<String>), AppError> {
    let page = PageRequest::parse(filter.limit, filter.cursor.as_deref())?;
    crate::catalog::filters::require_known(conn, filter.warehouse.as_deref(), None, filter.part_number.as_deref())?;
    one_of(
        "demand_class",
        filter.demand_class.as_deref(),
        &DEMAND_CLASSES.map(DemandClass::name),
    )?;
    one_of("method", filter.method.as_deref(), &Method::ALL.map(Method::name))?;
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
