//! Reading balances: the stock list and a part's availability across the network.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::catalog::{parts, warehouses};
use crate::db::AnyConnection;
use crate::error::AppError;
use crate::pagination::PageRequest;
use crate::schema::{parts as part_t, regions, stock_balances as b, warehouses as wh};

/// Stock of one part at one warehouse.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StockBalance {
    pub warehouse: String,
    pub region: String,
    pub part_number: String,
    pub on_hand: i64,
    pub reserved: i64,
    /// `on_hand - reserved`: what can be issued or reserved now.
    pub available: i64,
    /// Defective returns awaiting scrap or repair; never available.
    pub defective: i64,
    pub in_transit_in: i64,
    pub on_order: i64,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StockFilter {
    /// Warehouse code.
    pub warehouse: Option<String>,
    pub part_number: Option<String>,
    /// Region code.
    pub region: Option<String>,
    /// Only rows whose available quantity is below this value (`1` lists stock-outs).
    pub available_below: Option<i64>,
    /// Skip rows where every quantity is zero (default true).
    pub hide_empty: Option<bool>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

type BalanceRow = (
    i64,
    i64,
    String,
    String,
    String,
    i64,
    i64,
    i64,
    i64,
    i64,
    chrono::NaiveDateTime,
);

macro_rules! balance_columns {
    () => {
        (
            b::warehouse_id,
            b::part_id,
            wh::code,
            regions::code,
            part_t::part_number,
            b::on_hand,
            b::reserved,
            b::defective,
            b::in_transit_in,
            b::on_order,
            b::updated_at,
        )
    };
}

fn to_balance(r: &BalanceRow) -> StockBalance {
    StockBalance {
        warehouse: r.2.clone(),
        region: r.3.clone(),
        part_number: r.4.clone(),
        on_hand: r.5,
        reserved: r.6,
        available: r.5 - r.6,
        defective: r.7,
        in_transit_in: r.8,
        on_order: r.9,
        updated_at: r.10.and_utc(),
    }
}

fn parse_cursor(page: &PageRequest) -> Result<Option<(i64, i64)>, AppError> {
    let Some(c) = page.cursor.as_deref() else {
        return Ok(None);
    };
    let invalid = || AppError::validation("cursor", "is not a valid cursor");
    let (w, p) = c.split_once('.').ok_or_else(invalid)?;
    Ok(Some((
        w.parse().map_err(|_| invalid())?,
        p.parse().map_err(|_| invalid())?,
    )))
}

/// Balances ordered by (warehouse, part) with the filters applied.
/// Balances matching the filter; `scope` limits them to those warehouse codes.
pub fn list(
    conn: &mut AnyConnection,
    filter: &StockFilter,
    scope: Option<&[String]>,
) -> Result<(Vec<StockBalance>, Option<String>), AppError> {
    let page = PageRequest::parse(filter.limit, filter.cursor.as_deref())?;
    let mut query = b::table
        .inner_join(wh::table.inner_join(regions::table))
        .inner_join(part_t::table)
        .select(balance_columns!())
        .order((b::warehouse_id, b::part_id))
        .limit(page.fetch_limit())
        .into_boxed();
    if let Some(code) = &filter.warehouse {
        query = query.filter(wh::code.eq(code.clone()));
    }
    if let Some(pn) = &filter.part_number {
        query = query.filter(part_t::part_number.eq(pn.clone()));
    }
    if let Some(region) = &filter.region {
        query = query.filter(regions::code.eq(region.clone()));
    }
    if let Some(codes) = scope {
        query = query.filter(wh::code.eq_any(codes.to_vec()));
    }
    if let Some(below) = filter.available_below {
        query = query.filter((b::on_hand - b::reserved).lt(below));
    }
    if filter.hide_empty.unwrap_or(true) {
        query = query.filter(
            b::on_hand
                .ne(0i64)
                .or(b::defective.ne(0i64))
                .or(b::in_transit_in.ne(0i64))
                .or(b::on_order.ne(0i64)),
        );
    }
    if let Some((w, p)) = parse_cursor(&page)? {
        query = query.filter(b::warehouse_id.gt(w).or(b::warehouse_id.eq(w).and(b::part_id.gt(p))));
    }
    let rows: Vec<BalanceRow> = query.load(conn)?;
    let (rows, next) = page.finish(rows, |r| format!("{}.{}", r.0, r.1));
    Ok((rows.iter().map(to_balance).collect(), next))
}

/// A part's stock at every warehouse of the network.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Availability {
    pub part_number: String,
    pub total_on_hand: i64,
    pub total_available: i64,
    /// Every active warehouse, including those without stock, ordered by available
    /// quantity (largest first) then code.
    pub warehouses: Vec<WarehouseAvailability>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WarehouseAvailability {
    pub warehouse: String,
    pub region: String,
    pub kind: warehouses::WarehouseKind,
    pub on_hand: i64,
    pub reserved: i64,
    pub available: i64,
    pub in_transit_in: i64,
    pub on_order: i64,
}

/// The part at every active warehouse (within `scope`, when given).
pub fn availability(
    conn: &mut AnyConnection,
    part_number: &str,
    scope: Option<&[String]>,
) -> Result<Availability, AppError> {
    let part = parts::get(conn, part_number)?;
    let balances: Vec<(i64, i64, i64, i64, i64)> = b::table
        .filter(b::part_id.eq(part.id))
        .select((b::warehouse_id, b::on_hand, b::reserved, b::in_transit_in, b::on_order))
        .load(conn)?;
    let mut rows: Vec<WarehouseAvailability> = warehouses::all(conn)?
        .into_iter()
        .filter(|w| w.active && scope.is_none_or(|codes| codes.contains(&w.code)))
        .map(|w| {
            let (on_hand, reserved, in_transit_in, on_order) = balances
                .iter()
                .find(|bal| bal.0 == w.id)
                .map(|bal| (bal.1, bal.2, bal.3, bal.4))
                .unwrap_or_default();
            WarehouseAvailability {
                warehouse: w.code,
                region: w.region,
                kind: w.kind,
                on_hand,
                reserved,
                available: on_hand - reserved,
                in_transit_in,
                on_order,
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        b.available
            .cmp(&a.available)
            .then_with(|| a.warehouse.cmp(&b.warehouse))
    });
    Ok(Availability {
        part_number: part.part_number,
        total_on_hand: rows.iter().map(|r| r.on_hand).sum(),
        total_available: rows.iter().map(|r| r.available).sum(),
        warehouses: rows,
    })
}

/// Available quantity of a part at each active warehouse holding some, with its region.
pub fn available_by_warehouse(conn: &mut AnyConnection, part_id: i64) -> Result<Vec<(String, String, i64)>, AppError> {
    Ok(b::table
        .inner_join(wh::table.inner_join(regions::table))
        .filter(b::part_id.eq(part_id))
        .filter(wh::active.eq(true))
        .filter((b::on_hand - b::reserved).gt(0i64))
        .select((wh::code, regions::code, b::on_hand - b::reserved))
        .load(conn)?)
}
