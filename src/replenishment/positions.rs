//! Inventory positions that count everything in flight, so no run proposes what is already on
//! its way: on hand - reserved + open purchase order lines (`on_order`) + shipped transfers not
//! yet received (`in_transit_in`) + transfers created but not shipped + approved proposals not
//! yet turned into a document. A created transfer also holds its units at the source: they
//! are no longer there to give.

use std::collections::{BTreeMap, HashMap};

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::model::ProposalStatus;
use super::planning::PartInfo;
use crate::db::AnyConnection;
use crate::error::AppError;
use crate::ids::{PairKey, PartId, WarehouseId};
use crate::schema::{proposals as pr, stock_balances as b, transfer_lines as tl, transfers as t};
use crate::transfers::model::TransferStatus;

/// A balance row as positions need it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = b)]
pub(crate) struct Balance {
    pub warehouse_id: i64,
    pub part_id: i64,
    pub on_hand: i64,
    pub reserved: i64,
    pub in_transit_in: i64,
    pub on_order: i64,
}

/// Units committed to move that the balances do not show yet, per (warehouse, part).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Committed {
    /// Created transfers to the warehouse, not shipped.
    pub transfers_in: i64,
    /// Created transfers from the warehouse, not shipped (still in its on hand).
    pub transfers_out: i64,
    /// Approved proposals without a purchase order or transfer yet (into the warehouse).
    pub approved_in: i64,
    /// Approved transfer proposals without a transfer yet (out of the warehouse).
    pub approved_out: i64,
}

/// The position of one (warehouse, part) and what it is made of.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Position {
    pub on_hand: i64,
    pub reserved: i64,
    /// Outstanding on open purchase order lines.
    pub on_order: i64,
    /// Shipped to the warehouse, not received.
    pub in_transit: i64,
    /// Transfers created to (+) or from (-) the warehouse, not shipped.
    pub transfers_created: i64,
    /// Approved proposals not yet a purchase order or transfer (+ in, - out).
    pub approved_pending: i64,
    /// Usable units of replaced parts at the warehouse (used before the successor is bought).
    pub predecessor_stock: i64,
}

impl Position {
    /// What the reorder point is compared with.
    pub fn total(&self) -> i64 {
        self.on_hand - self.reserved
            + self.on_order
            + self.in_transit
            + self.transfers_created
            + self.approved_pending
            + self.predecessor_stock
    }

    /// Units in flight toward the warehouse, net of what it has promised away.
    pub fn in_flight(&self) -> i64 {
        self.on_order + self.in_transit + self.transfers_created + self.approved_pending
    }

    /// On hand not yet promised to a created transfer (what it could give).
    pub fn giveable_on_hand(&self) -> i64 {
        self.on_hand + self.transfers_created.min(0) + self.approved_pending.min(0)
    }
}

pub(crate) fn balances(conn: &mut AnyConnection, part_ids: &[i64]) -> Result<Vec<Balance>, AppError> {
    Ok(b::table
        .filter(b::part_id.eq_any(part_ids))
        .select(Balance::as_select())
        .load(conn)?)
}

/// Created transfers and approved proposals without a document, for these parts.
pub(crate) fn committed(conn: &mut AnyConnection, part_ids: &[i64]) -> Result<HashMap<PairKey, Committed>, AppError> {
    let mut out: HashMap<PairKey, Committed> = HashMap::new();
    let transfers: Vec<CreatedLine> = tl::table
        .inner_join(t::table)
        .filter(t::status.eq(TransferStatus::Created.as_str()))
        .filter(tl::part_id.eq_any(part_ids))
        .select(CreatedLine::as_select())
        .load(conn)?;
    for l in transfers {
        out.entry(PairKey::new(l.to_warehouse_id, l.part_id))
            .or_default()
            .transfers_in += l.quantity;
        out.entry(PairKey::new(l.from_warehouse_id, l.part_id))
            .or_default()
            .transfers_out += l.quantity;
    }
    let approved: Vec<ApprovedMove> = pr::table
        .filter(pr::status.eq(ProposalStatus::Approved.as_str()))
        .filter(pr::purchase_order_id.is_null())
        .filter(pr::transfer_id.is_null())
        .filter(pr::part_id.eq_any(part_ids))
        .select(ApprovedMove::as_select())
        .load(conn)?;
    for p in approved {
        out.entry(PairKey::new(p.warehouse_id, p.part_id))
            .or_default()
            .approved_in += p.quantity;
        if let Some(from) = p.from_warehouse_id {
            out.entry(PairKey::new(from, p.part_id)).or_default().approved_out += p.quantity;
        }
    }
    Ok(out)
}

/// A line of a created (not yet shipped) transfer, with the transfer's two warehouses.
#[derive(Queryable, Selectable)]
#[diesel(table_name = tl)]
struct CreatedLine {
    #[diesel(select_expression = t::from_warehouse_id)]
    from_warehouse_id: WarehouseId,
    #[diesel(select_expression = t::to_warehouse_id)]
    to_warehouse_id: WarehouseId,
    part_id: PartId,
    quantity: i64,
}

/// An approved proposal not yet turned into a document: into `warehouse_id`, and out of
/// `from_warehouse_id` for a transfer.
#[derive(Queryable, Selectable)]
#[diesel(table_name = pr)]
struct ApprovedMove {
    warehouse_id: WarehouseId,
    from_warehouse_id: Option<WarehouseId>,
    part_id: PartId,
    quantity: i64,
}

/// Positions of `part_id` per warehouse: its own stock and flows, plus what the parts it
/// replaced still hold there.
pub(crate) fn of_part(
    part_id: i64,
    balances: &[Balance],
    committed: &HashMap<PairKey, Committed>,
    catalog: &HashMap<i64, PartInfo>,
) -> BTreeMap<i64, Position> {
    let mut out: BTreeMap<i64, Position> = BTreeMap::new();
    for x in balances {
        let entry = out.entry(x.warehouse_id).or_default();
        if x.part_id == part_id {
            entry.on_hand += x.on_hand;
            entry.reserved += x.reserved;
            entry.on_order += x.on_order;
            entry.in_transit += x.in_transit_in;
        } else if catalog.get(&x.part_id).is_some_and(|p| p.successor == part_id) {
            entry.predecessor_stock += (x.on_hand - x.reserved).max(0);
        }
    }
    for (key, c) in committed {
        if key.part.get() == part_id {
            let entry = out.entry(key.warehouse.get()).or_default();
            entry.transfers_created += c.transfers_in - c.transfers_out;
            entry.approved_pending += c.approved_in - c.approved_out;
        }
    }
    out
}
