//! KPIs over a period, from what happened: the ledger (reservations, issues, consumption,
//! on-hand changes) and the refused reservations.

use std::collections::HashMap;

use chrono::NaiveDate;
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

pub fn compute(conn: &mut AnyConnection, filter: &KpiFilter, scope: Option<&[String]>) -> Result<Kpis, AppError> {
    let to = filter.to.unwrap_or_else(|| chrono::Utc::now().date_naive());
    let from = filter.from.unwrap_or(to - chrono::Duration::days(29));
    if from > to {
        return Err(AppError::validation("from", "must not be after to"));
    }
    let (start, end) = (
        from.and_hms_opt(0, 0, 0).unwrap_or_default(),
        (to + chrono::Duration::days(1))
            .and_hms_opt(0, 0, 0)
            .unwrap_or_default(),
    );
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
    let ids: Vec<i64> = network
        .values()
        .filter(|s| filter.warehouse.as_ref().is_none_or(|c| &s.code == c))
        .filter(|s| filter.region.as_ref().is_none_or(|c| &s.region == c))
        .filter(|s| scope.is_none_or(|codes| codes.contains(&s.code)))
        .map(|s| s.id)
        .collect();
    let demand: Vec<(String, i64, i64)> = m::table
        .filter(m::warehouse_id.eq_any(&ids))
        .filter(m::created_at.ge(start))
        .filter(m::created_at.lt(end))
        .filter(m::kind.eq_any(["reserve", "issue", "consume"]))
        .select((m::kind, m::part_id, m::quantity))
        .load(conn)?;
    let refused = rr::table
        .filter(rr::warehouse_id.eq_any(&ids))
        .filter(rr::occurred_at.ge(start))
        .filter(rr::occurred_at.lt(end))
        .select((rr::part_id, rr::requested))
        .load::<(i64, i64)>(conn)?;
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
    let demand: Vec<(String, i64, i64)> = demand.into_iter().filter(|d| of_part(d.1)).collect();
    let refused: Vec<i64> = refused.into_iter().filter(|r| of_part(r.0)).map(|r| r.1).collect();
    // Imported history: each record is a line that was served (it was issued).
    let imported: Vec<(i64, i64)> = dr::table
        .filter(dr::warehouse_id.eq_any(&ids))
        .filter(dr::day.ge(from))
        .filter(dr::day.le(to))
        .select((dr::part_id, dr::quantity))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .filter(|r| of_part(r.0))
        .collect();
    let cost = |part: i64| parts.get(&part).map_or(Decimal::ZERO, |p| p.unit_cost);
    let (mut lines_filled, mut units_filled) = (0i64, 0i64);
    let mut used = Decimal::ZERO;
    for (kind, part, quantity) in &demand {
        if kind != "consume" {
            lines_filled += 1;
            units_filled += quantity;
        }
        if kind != "reserve" {
            used += cost(*part) * Decimal::from(*quantity);
        }
    }
    for (part, quantity) in &imported {
        lines_filled += 1;
        units_filled += quantity;
        used += cost(*part) * Decimal::from(*quantity);
    }
    let demand_lines = lines_filled + refused.len() as i64;
    let units_demanded = units_filled + refused.iter().sum::<i64>();
    // On hand at the end of the period, from the ledger.
    let deltas: Vec<(i64, i64)> = m::table
        .filter(m::warehouse_id.eq_any(&ids))
        .filter(m::created_at.lt(end))
        .filter(m::on_hand_delta.ne(0i64))
        .select((m::part_id, m::on_hand_delta))
        .load(conn)?;
    let mut on_hand: HashMap<i64, i64> = HashMap::new();
    for (part, delta) in deltas.into_iter().filter(|d| of_part(d.0)) {
        *on_hand.entry(part).or_default() += delta;
    }
    let inventory_value: Decimal = on_hand.iter().map(|(p, q)| cost(*p) * Decimal::from(*q)).sum();
    let turnover = (inventory_value > Decimal::ZERO).then(|| (used / inventory_value).to_f64().unwrap_or(0.0));
    let mut open = pr::table
        .filter(pr::status.eq("open"))
        .filter(pr::warehouse_id.eq_any(&ids))
        .into_boxed();
    if let Some(p) = part {
        open = open.filter(pr::part_id.eq(p));
    }
    let open_proposals = open.count().get_result(conn)?;
    let late_purchase_orders = po::table
        .filter(po::status.eq_any(["open", "partially_received"]))
        .filter(po::expected_at.lt(db::now()))
        .filter(po::warehouse_id.eq_any(&ids))
        .count()
        .get_result(conn)?;
    let ratio = |a: i64, b: i64| (b > 0).then(|| a as f64 / b as f64);
    Ok(Kpis {
        from,
        to,
        demand_lines,
        lines_filled,
        stockout_rate: ratio(demand_lines - lines_filled, demand_lines),
        units_demanded,
        units_filled,
        unit_fill_rate: ratio(units_filled, units_demanded),
        inventory_value: inventory_value.normalize(),
        turnover,
        open_proposals,
        late_purchase_orders,
    })
}
