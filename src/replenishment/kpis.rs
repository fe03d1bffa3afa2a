//! KPIs over a period, from what happened: the ledger (reservations, issues, consumption,
//! on-hand changes) and the refused reservations.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::planning::load_parts;
use super::sites;
use crate::db::{self, AnyConnection};
use crate::error::AppError;
use crate::schema::{
    demand_records as dr, movements as m, proposals as pr, purchase_orders as po, reservation_refusals as rr,
};

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct KpiFilter {
    /// First day (UTC, inclusive); default 30 days before `to`.
    pub from: Option<NaiveDate>,
    /// Last day (UTC, inclusive); default today.
    pub to: Option<NaiveDate>,
    pub region: Option<String>,
    pub warehouse: Option<String>,
    /// Only this part.
    pub part_number: Option<String>,
}

/// Service and stock figures over a period, from the imported demand history, the ledger and
/// the refusals. A ratio without a denominator is null, never a perfect score.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Kpis {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Imported demand-history lines, reservation lines and issues, plus refused reservation
    /// lines.
    pub demand_lines: i64,
    /// Lines served at once from the requested warehouse (imported history counts as served).
    pub lines_filled: i64,
    /// Lines not served at once / all lines; null without demand lines.
    pub stockout_rate: Option<f64>,
    pub units_demanded: i64,
    pub units_filled: i64,
    /// Units filled / units demanded; null without demand.
    pub unit_fill_rate: Option<f64>,
    /// On hand x unit cost at the end of the period.
    #[schema(value_type = String)]
    pub inventory_value: Decimal,
    /// Cost of units consumed, issued or in imported history over the window asked for /
    /// inventory value at its end (not annualised); null without inventory value.
    pub turnover: Option<f64>,
    pub open_proposals: i64,
    /// Purchase orders past their expected date with units outstanding.
    pub late_purchase_orders: i64,
}

/// The KPIs of the filter's window, warehouses and part.
pub fn compute(conn: &mut AnyConnection, filter: &KpiFilter, scope: Option<&[String]>) -> Result<Kpis, AppError> {
    let window = Window::of(filter)?;
    let ids = warehouse_ids(conn, filter, scope)?;
    let parts = load_parts(conn)?;
    let part: Option<i64> = match &filter.part_number {
        Some(pn) => Some(
            parts
                .iter()
                .find(|(_, p)| &p.part_number == pn)
                .map(|(id, _)| *id)
                .ok_or_else(|| AppError::validation("part_number", "is not a known part"))?,
        ),
        None => None,
    };
    let of_part = |p: i64| part.is_none_or(|only| only == p);
    let cost = |part: i64| parts.get(&part).map_or(Decimal::ZERO, |p| p.unit_cost);
    let service = service(conn, &ids, &window, &of_part, &cost)?;
    let inventory_value = inventory_value(conn, &ids, window.end, &of_part, &cost)?;
    let turnover = (inventory_value > Decimal::ZERO).then(|| (service.used / inventory_value).to_f64().unwrap_or(0.0));
    let (open_proposals, late_purchase_orders) = backlog(conn, &ids, part)?;
    let ratio = |a: i64, b: i64| (b > 0).then(|| a as f64 / b as f64);
    Ok(Kpis {
        from: window.from,
        to: window.to,
        demand_lines: service.demand_lines,
        lines_filled: service.lines_filled,
        stockout_rate: ratio(service.demand_lines - service.lines_filled, service.demand_lines),
        units_demanded: service.units_demanded,
        units_filled: service.units_filled,
        unit_fill_rate: ratio(service.units_filled, service.units_demanded),
        inventory_value: inventory_value.normalize(),
        turnover,
        open_proposals,
        late_purchase_orders,
    })
}

/// The days asked for (default: the 30 days up to today) and the instants that bound them.
struct Window {
    from: NaiveDate,
    to: NaiveDate,
    /// Midnight (UTC) starting `from`, and the one after `to`.
    start: NaiveDateTime,
    end: NaiveDateTime,
}

impl Window {
    fn of(filter: &KpiFilter) -> Result<Self, AppError> {
        let to = filter.to.unwrap_or_else(|| chrono::Utc::now().date_naive());
        let from = filter.from.unwrap_or(to - chrono::Duration::days(29));
        if from > to {
            return Err(AppError::validation("from", "must not be after to"));
        }
        Ok(Window {
            from,
            to,
            start: from.and_hms_opt(0, 0, 0).unwrap_or_default(),
            end: (to + chrono::Duration::days(1))
                .and_hms_opt(0, 0, 0)
                .unwrap_or_default(),
        })
    }
}

/// The warehouses counted: the filter's warehouse or region (an unknown one is a 400 naming
/// it), within the key's scope.
fn warehouse_ids(conn: &mut AnyConnection, filter: &KpiFilter, scope: Option<&[String]>) -> Result<Vec<i64>, AppError> {
    let network = sites(conn)?;
    if let Some(code) = &filter.warehouse {
        if !network.values().any(|s| &s.code == code) {
            return Err(AppError::validation("warehouse", "is not a known warehouse"));
        }
    }
    if let Some(code) = &filter.region {
        if !network.values().any(|s| &s.region == code) {
            return Err(AppError::validation("region", "is not a known region"));
        }
    }
    Ok(network
        .values()
        .filter(|s| filter.warehouse.as_ref().is_none_or(|c| &s.code == c))
        .filter(|s| filter.region.as_ref().is_none_or(|c| &s.region == c))
        .filter(|s| scope.is_none_or(|codes| codes.contains(&s.code)))
        .map(|s| s.id)
        .collect())
}

/// A ledger movement that is demand: a reservation, an issue or a consumption.
#[derive(Queryable, Selectable)]
#[diesel(table_name = m)]
struct DemandMovement {
    kind: String,
    part_id: i64,
    quantity: i64,
}

/// A refused reservation line: demand that was not served.
#[derive(Queryable, Selectable)]
#[diesel(table_name = rr)]
struct RefusedLine {
    part_id: i64,
    requested: i64,
}

/// An imported demand-history record: a line that was served (it was issued).
#[derive(Queryable, Selectable)]
#[diesel(table_name = dr)]
struct ImportedLine {
    part_id: i64,
    quantity: i64,
}

/// Lines and units demanded and served over the window, and the cost of what was used.
struct Service {
    demand_lines: i64,
    lines_filled: i64,
    units_demanded: i64,
    units_filled: i64,
    used: Decimal,
}

/// Counts the window's demand: reservations and issues are lines served (a consumption only
/// uses what its reservation served), imported history lines are served, refusals are not.
fn service(
    conn: &mut AnyConnection,
    ids: &[i64],
    window: &Window,
    of_part: &dyn Fn(i64) -> bool,
    cost: &dyn Fn(i64) -> Decimal,
) -> Result<Service, AppError> {
    let demand: Vec<DemandMovement> = m::table
        .filter(m::warehouse_id.eq_any(ids))
        .filter(m::created_at.ge(window.start))
        .filter(m::created_at.lt(window.end))
        .filter(m::kind.eq_any(["reserve", "issue", "consume"]))
        .select(DemandMovement::as_select())
        .load(conn)?;
    let refused: Vec<RefusedLine> = rr::table
        .filter(rr::warehouse_id.eq_any(ids))
        .filter(rr::occurred_at.ge(window.start))
        .filter(rr::occurred_at.lt(window.end))
        .select(RefusedLine::as_select())
        .load(conn)?;
    let imported: Vec<ImportedLine> = dr::table
        .filter(dr::warehouse_id.eq_any(ids))
        .filter(dr::day.ge(window.from))
        .filter(dr::day.le(window.to))
        .select(ImportedLine::as_select())
        .load(conn)?;
    let (mut lines_filled, mut units_filled) = (0i64, 0i64);
    let mut used = Decimal::ZERO;
    for d in demand.iter().filter(|d| of_part(d.part_id)) {
        if d.kind != "consume" {
            lines_filled += 1;
            units_filled += d.quantity;
        }
        if d.kind != "reserve" {
            used += cost(d.part_id) * Decimal::from(d.quantity);
        }
    }
    for r in imported.iter().filter(|r| of_part(r.part_id)) {
        lines_filled += 1;
        units_filled += r.quantity;
        used += cost(r.part_id) * Decimal::from(r.quantity);
    }
    let refused: Vec<i64> = refused
        .iter()
        .filter(|r| of_part(r.part_id))
        .map(|r| r.requested)
        .collect();
    Ok(Service {
        demand_lines: lines_filled + refused.len() as i64,
        lines_filled,
        units_demanded: units_filled + refused.iter().sum::<i64>(),
        units_filled,
        used,
    })
}

/// A change of on-hand stock in the ledger.
#[derive(Queryable, Selectable)]
#[diesel(table_name = m)]
struct OnHandChange {
    part_id: i64,
    on_hand_delta: i64,
}

/// On hand x unit cost at the end of the window, from the ledger.
fn inventory_value(
    conn: &mut AnyConnection,
    ids: &[i64],
    end: NaiveDateTime,
    of_part: &dyn Fn(i64) -> bool,
    cost: &dyn Fn(i64) -> Decimal,
) -> Result<Decimal, AppError> {
    let deltas: Vec<OnHandChange> = m::table
        .filter(m::warehouse_id.eq_any(ids))
        .filter(m::created_at.lt(end))
        .filter(m::on_hand_delta.ne(0i64))
        .select(OnHandChange::as_select())
        .load(conn)?;
    let mut on_hand: HashMap<i64, i64> = HashMap::new();
    for d in deltas.into_iter().filter(|d| of_part(d.part_id)) {
        *on_hand.entry(d.part_id).or_default() += d.on_hand_delta;
    }
    Ok(on_hand.iter().map(|(p, q)| cost(*p) * Decimal::from(*q)).sum())
}

/// Open proposals (of the part, when one is asked for) and late purchase orders at the
/// warehouses counted.
fn backlog(conn: &mut AnyConnection, ids: &[i64], part: Option<i64>) -> Result<(i64, i64), AppError> {
    let mut open = pr::table
        .filter(pr::status.eq("open"))
        .filter(pr::warehouse_id.eq_any(ids))
        .into_boxed();
    if let Some(p) = part {
        open = open.filter(pr::part_id.eq(p));
    }
    let open_proposals = open.count().get_result(conn)?;
    let late_purchase_orders = po::table
        .filter(po::status.eq_any(["open", "partially_received"]))
        .filter(po::expected_at.lt(db::now()))
        .filter(po::warehouse_id.eq_any(ids))
        .count()
        .get_result(conn)?;
    Ok((open_proposals, late_purchase_orders))
}
