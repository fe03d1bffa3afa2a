//! Reading balances: the stock list and a part's availability across the network.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::catalog::filters::{narrow, Sites};
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
#[serde(deny_unknown_fields)]
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

/// A balance with its warehouse, region and part codes (joined).
#[derive(Queryable, Selectable)]
#[diesel(table_name = b)]
struct BalanceRow {
    warehouse_id: i64,
    part_id: i64,
    #[diesel(select_expression = wh::code)]
    warehouse_code: String,
    #[diesel(select_expression = regions::code)]
    region_code: String,
    #[diesel(select_expression = part_t::part_number)]
    part_number: String,
    on_hand: i64,
    reserved: i64,
    defective: i64,
    in_transit_in: i64,
    on_order: i64,
    updated_at: chrono::NaiveDateTime,
}

impl From<BalanceRow> for StockBalance {
    fn from(r: BalanceRow) -> Self {
        StockBalance {
            warehouse: r.warehouse_code,
            region: r.region_code,
            part_number: r.part_number,
            on_hand: r.on_hand,
            reserved: r.reserved,
            available: r.on_hand - r.reserved,
            defective: r.defective,
            in_transit_in: r.in_transit_in,
            on_order: r.on_order,
            updated_at: r.updated_at.and_utc(),
        }
    }
}

/// An active warehouse with what it holds of the part availability asks for (nothing when it
/// has no balance row), and the part's number as stored (`None` when no part has it).
#[derive(Queryable)]
struct HeldAt {
    warehouse: String,
    region: String,
    kind: String,
    part_number: Option<String>,
    on_hand: Option<i64>,
    reserved: Option<i64>,
    in_transit_in: Option<i64>,
    on_order: Option<i64>,
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
    let sites = Sites::new((&filter.warehouse, &filter.region, &filter.part_number), scope);
    let cursor = parse_cursor(&page);
    if cursor.is_err() {
        // An unknown code is named before a bad cursor.
        sites.require_known(conn)?;
    }
    let mut query = b::table
        .inner_join(wh::table.inner_join(regions::table))
        .inner_join(part_t::table)
        .select(BalanceRow::as_select())
        .order((b::warehouse_id, b::part_id))
        .limit(page.fetch_limit())
        .into_boxed();
    query = narrow(query, sites);
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
    if let Some((w, p)) = cursor? {
        query = query.filter(b::warehouse_id.gt(w).or(b::warehouse_id.eq(w).and(b::part_id.gt(p))));
    }
    let rows: Vec<BalanceRow> = query.load(conn)?;
    // The filter's codes are asked about only when nothing matched: a row found proves them
    // known, so the hot read (a warehouse and a part) is one statement.
    if rows.is_empty() {
        sites.require_known(conn)?;
    }
    let (rows, next) = page.finish(rows, |r| format!("{}.{}", r.warehouse_id, r.part_id));
    Ok((rows.into_iter().map(StockBalance::from).collect(), next))
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

/// The part at every active warehouse (within `scope`, when given), in one statement: the
/// active warehouses joined with the part's balances.
pub fn availability(
    conn: &mut AnyConnection,
    part_number: &str,
    scope: Option<&[String]>,
) -> Result<Availability, AppError> {
    let part_id = part_t::table
        .filter(part_t::part_number.eq(part_number))
        .select(part_t::id)
        .single_value();
    let stored_number = part_t::table
        .filter(part_t::part_number.eq(part_number))
        .select(part_t::part_number)
        .single_value();
    let held: Vec<HeldAt> = wh::table
        .inner_join(regions::table)
        .left_join(b::table.on(b::warehouse_id.eq(wh::id).and(b::part_id.nullable().eq(part_id))))
        .filter(wh::active.eq(true))
        .select((
            wh::code,
            regions::code,
            wh::kind,
            stored_number,
            b::on_hand.nullable(),
            b::reserved.nullable(),
            b::in_transit_in.nullable(),
            b::on_order.nullable(),
        ))
        .load(conn)?;
    // No active warehouse at all: whether the part exists is asked on its own.
    let number = match held.first() {
        Some(row) => row.part_number.clone(),
        None => Some(parts::get(conn, part_number)?.part_number),
    };
    let part_number = number.ok_or_else(|| AppError::not_found("part", part_number))?;
    let mut rows: Vec<WarehouseAvailability> = held
        .into_iter()
        .filter(|w| scope.is_none_or(|codes| codes.contains(&w.warehouse)))
        .map(|w| {
            let (on_hand, reserved) = (w.on_hand.unwrap_or(0), w.reserved.unwrap_or(0));
            Ok(WarehouseAvailability {
                kind: warehouses::WarehouseKind::from_stored(&w.kind)?,
                warehouse: w.warehouse,
                region: w.region,
                on_hand,
                reserved,
                available: on_hand - reserved,
                in_transit_in: w.in_transit_in.unwrap_or(0),
                on_order: w.on_order.unwrap_or(0),
            })
        })
        .collect::<Result<_, AppError>>()?;
    rows.sort_by(|a, b| {
        b.available
            .cmp(&a.available)
            .then_with(|| a.warehouse.cmp(&b.warehouse))
    });
    Ok(Availability {
        part_number,
        total_on_hand: rows.iter().map(|r| r.on_hand).sum(),
        total_available: rows.iter().map(|r| r.available).sum(),
        warehouses: rows,
    })
}

/// What one active warehouse holds available of a part, with its region.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = b)]
pub struct AvailableRow {
    #[diesel(select_expression = wh::code)]
    pub warehouse: String,
    #[diesel(select_expression = regions::code)]
    pub region: String,
    #[diesel(select_expression = b::on_hand - b::reserved)]
    #[diesel(select_expression_type = diesel::dsl::Sub<b::on_hand, b::reserved>)]
    pub available: i64,
}

/// Available quantity of a part at each active warehouse holding some, with its region.
pub fn available_by_warehouse(conn: &mut AnyConnection, part_id: i64) -> Result<Vec<AvailableRow>, AppError> {
    Ok(b::table
        .inner_join(wh::table.inner_join(regions::table))
        .filter(b::part_id.eq(part_id))
        .filter(wh::active.eq(true))
        .filter((b::on_hand - b::reserved).gt(0i64))
        .select(AvailableRow::as_select())
        .load(conn)?)
}
