//! Pairs at risk: every (warehouse, part) with a stock policy whose position (everything in
//! flight counted, as the runs count it) is at or below its reorder point, or that the forecast
//! empties inside its lead time. Pairs with a policy but no stock row yet count with position 0,
//! which is exactly when nobody would find them in the stock list. The judgement is
//! [`spares_core::replenishment::risk`]; the API and the console both read [`list`].

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::planning::{load_parts, sources, PartInfo};
use super::positions::{self, Position};
use crate::catalog::filters::{narrow, Sites};
use crate::db::AnyConnection;
use crate::error::AppError;
use crate::ids::{PairKey, PartId, WarehouseId};
use crate::pagination::PageRequest;
use crate::schema::{parts as p, regions, replenishment_policies as rp, warehouses as w};
use spares_core::replenishment::risk;

/// Which pairs at risk to list, and in which order.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AtRiskFilter {
    /// Warehouse code.
    pub warehouse: Option<String>,
    /// Region code.
    pub region: Option<String>,
    pub part_number: Option<String>,
    /// `days_of_cover` (fewest days first, pairs without forecast demand last; the default)
    /// or `value_at_risk` (largest first).
    pub sort: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// One pair at risk.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AtRiskPair {
    pub warehouse: String,
    pub region: String,
    pub part_number: String,
    pub criticality: String,
    /// 0 when the pair has no stock row yet.
    pub on_hand: i64,
    pub reserved: i64,
    /// Open purchase order lines, transfers shipped or created and approved proposals without
    /// a document yet (net of what the warehouse gives away).
    pub in_flight: i64,
    /// On hand - reserved + in flight (+ usable stock of parts this one replaced).
    pub position: i64,
    pub reorder_point: i64,
    pub order_up_to: i64,
    pub lead_time_days: i64,
    pub forecast_per_day: f64,
    /// Days the position lasts at the forecast rate; null without forecast demand.
    pub days_of_cover: Option<f64>,
    /// The day the position runs out at the forecast rate (UTC); null without forecast demand.
    pub projected_stockout_date: Option<NaiveDate>,
    pub at_or_below_reorder_point: bool,
    pub stockout_inside_lead_time: bool,
    /// Units the position lacks to reach the larger of the reorder point and the forecast
    /// demand over the lead time.
    pub units_short: i64,
    #[schema(value_type = String, example = "12.50")]
    pub unit_cost: Decimal,
    /// `units_short x unit_cost`.
    #[schema(value_type = String, example = "50.00")]
    pub value_at_risk: Decimal,
    /// Whether the warehouse has a stock row for the part at all.
    pub has_stock_row: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sort {
    DaysOfCover,
    ValueAtRisk,
}

impl Sort {
    fn parse(value: Option<&str>) -> Result<Self, AppError> {
        match value {
            None | Some("days_of_cover") => Ok(Sort::DaysOfCover),
            Some("value_at_risk") => Ok(Sort::ValueAtRisk),
            Some(_) => Err(AppError::validation("sort", "must be days_of_cover or value_at_risk")),
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = rp)]
struct PolicyRow {
    warehouse_id: i64,
    part_id: i64,
    #[diesel(select_expression = w::code)]
    warehouse: String,
    #[diesel(select_expression = regions::code)]
    region: String,
    reorder_point: i64,
    order_up_to: i64,
    daily_rate: f64,
    lead_time_days: i32,
}

/// A pair at risk with the ids its order and cursor use.
struct Found {
    warehouse_id: i64,
    part_id: i64,
    pair: AtRiskPair,
}

/// Parts whose positions are read in one go (bound parameters stay well under both backends'
/// limits).
const CHUNK: usize = 500;

/// Every pair at risk matching `filter` (within `scope`, the key's warehouses), in the
/// filter's order. `today` is the day cover is counted from.
pub fn all(
    conn: &mut AnyConnection,
    filter: &AtRiskFilter,
    scope: Option<&[String]>,
    today: NaiveDate,
) -> Result<Vec<AtRiskPair>, AppError> {
    Ok(sorted(conn, filter, scope, today)?
        .into_iter()
        .map(|f| f.pair)
        .collect())
}

/// One page of [`all`]; the cursor is the last pair's sort key, so pages stay in order while
/// figures change.
pub fn list(
    conn: &mut AnyConnection,
    filter: &AtRiskFilter,
    scope: Option<&[String]>,
    today: NaiveDate,
) -> Result<(Vec<AtRiskPair>, Option<String>), AppError> {
    let page = PageRequest::parse(filter.limit, filter.cursor.as_deref())?;
    let sort = Sort::parse(filter.sort.as_deref())?;
    let after = page.cursor.as_deref().map(parse_cursor).transpose()?;
    let found = sorted(conn, filter, scope, today)?;
    let rows: Vec<Found> = found
        .into_iter()
        .filter(|f| after.is_none_or(|a| key(sort, f) > a))
        .take(page.fetch_limit() as usize)
        .collect();
    let (rows, next) = page.finish(rows, |f| {
        let (primary, wid, pid) = key(sort, f);
        format!("{primary}.{wid}.{pid}")
    });
    Ok((rows.into_iter().map(|f| f.pair).collect(), next))
}

fn parse_cursor(cursor: &str) -> Result<(i64, i64, i64), AppError> {
    let invalid = || AppError::validation("cursor", "is not a valid cursor");
    let mut parts = cursor.splitn(3, '.').map(|x| x.parse::<i64>().map_err(|_| invalid()));
    match (parts.next(), parts.next(), parts.next()) {
        (Some(a), Some(b), Some(c)) => Ok((a?, b?, c?)),
        _ => Err(invalid()),
    }
}

/// The order of a pair as integers: milli-days of cover ascending (none last), or cents at
/// risk descending; then warehouse and part ids.
fn key(sort: Sort, f: &Found) -> (i64, i64, i64) {
    let primary = match sort {
        Sort::DaysOfCover => f.pair.days_of_cover.map_or(i64::MAX, |d| (d * 1000.0).round() as i64),
        Sort::ValueAtRisk => -super::money_cents(f.pair.value_at_risk),
    };
    (primary, f.warehouse_id, f.part_id)
}

fn sorted(
    conn: &mut AnyConnection,
    filter: &AtRiskFilter,
    scope: Option<&[String]>,
    today: NaiveDate,
) -> Result<Vec<Found>, AppError> {
    let sort = Sort::parse(filter.sort.as_deref())?;
    Sites::new((&filter.warehouse, &filter.region, &filter.part_number), scope).require_known(conn)?;
    let policies = policies(conn, filter, scope)?;
    let catalog = load_parts(conn)?;
    let mut by_part: HashMap<i64, Vec<PolicyRow>> = HashMap::new();
    for row in policies {
        // A replaced part is never bought: its stock counts in its successor's position.
        if catalog
            .get(&row.part_id)
            .is_some_and(|info| info.successor == row.part_id)
        {
            by_part.entry(row.part_id).or_default().push(row);
        }
    }
    let mut part_ids: Vec<i64> = by_part.keys().copied().collect();
    part_ids.sort_unstable();
    let mut found = Vec::new();
    for chunk in part_ids.chunks(CHUNK) {
        let balances = positions::balances(conn, &sources(&catalog, chunk))?;
        let rows_held: std::collections::HashSet<PairKey> = balances
            .iter()
            .map(|b| PairKey::new(WarehouseId(b.warehouse_id), PartId(b.part_id)))
            .collect();
        let committed = positions::committed(conn, chunk)?;
        let mut by_successor: HashMap<i64, Vec<positions::Balance>> = HashMap::new();
        for b in balances {
            let successor = catalog.get(&b.part_id).map_or(b.part_id, |info| info.successor);
            by_successor.entry(successor).or_default().push(b);
        }
        for &part_id in chunk {
            let held = by_successor.remove(&part_id).unwrap_or_default();
            let at = positions::of_part(part_id, &held, &committed, &catalog);
            let Some(info) = catalog.get(&part_id) else { continue };
            for row in by_part.remove(&part_id).unwrap_or_default() {
                let stock = at.get(&row.warehouse_id).copied().unwrap_or_default();
                let has_row = rows_held.contains(&PairKey::new(WarehouseId(row.warehouse_id), PartId(part_id)));
                if let Some(pair) = judge(&row, info, stock, has_row, today) {
                    found.push(Found {
                        warehouse_id: row.warehouse_id,
                        part_id,
                        pair,
                    });
                }
            }
        }
    }
    found.sort_by_key(|f| key(sort, f));
    Ok(found)
}

/// The stored policies of active warehouses matching the filter and scope.
fn policies(
    conn: &mut AnyConnection,
    filter: &AtRiskFilter,
    scope: Option<&[String]>,
) -> Result<Vec<PolicyRow>, AppError> {
    let query = rp::table
        .inner_join(w::table.inner_join(regions::table))
        .inner_join(p::table)
        .filter(w::active.eq(true))
        .select(PolicyRow::as_select())
        .into_boxed();
    Ok(narrow(
        query,
        Sites::new((&filter.warehouse, &filter.region, &filter.part_number), scope),
    )
    .load(conn)?)
}

/// The pair as listed, or `None` when it is not at risk.
fn judge(row: &PolicyRow, info: &PartInfo, stock: Position, has_row: bool, today: NaiveDate) -> Option<AtRiskPair> {
    let position = stock.total();
    let lead_days = i64::from(row.lead_time_days);
    let r = risk::assess(&risk::Inputs {
        position,
        reorder_point: row.reorder_point,
        daily_rate: row.daily_rate,
        lead_days,
    })?;
    Some(AtRiskPair {
        warehouse: row.warehouse.clone(),
        region: row.region.clone(),
        part_number: info.part_number.clone(),
        criticality: info.criticality.clone(),
        on_hand: stock.on_hand,
        reserved: stock.reserved,
        in_flight: stock.in_flight(),
        position,
        reorder_point: row.reorder_point,
        order_up_to: row.order_up_to,
        lead_time_days: lead_days,
        forecast_per_day: row.daily_rate,
        days_of_cover: r.days_of_cover,
        projected_stockout_date: r
            .stockout_in_days
            .and_then(|d| today.checked_add_signed(chrono::Duration::days(d))),
        at_or_below_reorder_point: r.at_or_below_reorder_point,
        stockout_inside_lead_time: r.stockout_inside_lead_time,
        units_short: r.units_short,
        unit_cost: crate::money::shown(info.unit_cost),
        value_at_risk: crate::money::shown(info.unit_cost * Decimal::from(r.units_short)),
        has_stock_row: has_row,
    })
}
