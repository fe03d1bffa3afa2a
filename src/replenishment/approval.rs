//! Approving open proposals: purchases become purchase orders (one per supplier and
//! destination), transfers become transfer documents (one per lane), in the approval's
//! transaction.

use std::collections::BTreeMap;

use diesel::prelude::*;
use rust_decimal::Decimal;

use super::model::{BulkApproved, ProposalStatus};
use super::proposals::{get, load_open, Names, Row};
use super::purchase_orders;
use crate::db::{self, AnyConnection};
use crate::error::AppError;
use crate::reservations::model::LineInput;
use crate::schema::proposals as pr;
use crate::stock::ledger::Actor;
use crate::transfers::{model::TransferInput, service as transfers};

/// Approves open proposals (all or none): purchases become purchase orders, one per supplier
/// and destination warehouse; transfers become transfer documents, one per lane.
/// New purchase orders take the over-receipt tolerance in force (`over_receipt_pct`).
pub fn approve_many(
    conn: &mut AnyConnection,
    ids: &[i64],
    over_receipt_pct: Decimal,
    actor: &Actor,
) -> Result<BulkApproved, AppError> {
    if ids.is_empty() {
        return Err(AppError::validation("ids", "must not be empty"));
    }
    let mut rows = Vec::with_capacity(ids.len());
    for (i, id) in ids.iter().enumerate() {
        if ids[..i].contains(id) {
            return Err(AppError::validation(format!("ids[{i}]"), "is listed twice"));
        }
        rows.push(load_open(conn, *id)?);
    }
    let names = Names::load(conn, &rows)?;
    let mut orders: BTreeMap<(i64, i64), Vec<&Row>> = BTreeMap::new();
    let mut lanes: BTreeMap<(i64, i64), Vec<&Row>> = BTreeMap::new();
    for row in &rows {
        match (row.kind.as_str(), row.supplier_id, row.from_warehouse_id) {
            ("transfer", _, Some(from)) => lanes.entry((from, row.warehouse_id)).or_default().push(row),
            (_, Some(supplier), _) => orders.entry((supplier, row.warehouse_id)).or_default().push(row),
            _ => return Err(AppError::InvalidState(format!("proposal {} has no source", row.id))),
        }
    }
    let now = db::now();
    let mut result = BulkApproved {
        approved: Vec::new(),
        purchase_orders: Vec::new(),
        transfers: Vec::new(),
    };
    for ((supplier, warehouse), group) in &orders {
        let mut lines = Vec::new();
        for r in group {
            lines.push(purchase_orders::NewLine {
                part_id: r.part_id,
                quantity: r.quantity,
                unit_price: crate::validate::stored_decimal(&r.unit_price)?,
            });
        }
        let po = purchase_orders::create(conn, (*supplier, *warehouse), &lines, over_receipt_pct, actor)?;
        let group_ids: Vec<i64> = group.iter().map(|r| r.id).collect();
        diesel::update(pr::table.filter(pr::id.eq_any(&group_ids)))
            .set(pr::purchase_order_id.eq(Some(po)))
            .execute(conn)?;
        result.purchase_orders.push(po);
    }
    for ((from, to), group) in &lanes {
        let mut quantities: BTreeMap<String, i64> = BTreeMap::new();
        for r in group {
            *quantities
                .entry(names.parts.get(&r.part_id).cloned().unwrap_or_default())
                .or_default() += r.quantity;
        }
        let input = TransferInput {
            from: names.site(*from),
            to: names.site(*to),
            lines: quantities
                .into_iter()
                .map(|(part_number, quantity)| LineInput { part_number, quantity })
                .collect(),
            note: Some("replenishment proposal".to_owned()),
        };
        let transfer = transfers::create(conn, actor, &input)?;
        let group_ids: Vec<i64> = group.iter().map(|r| r.id).collect();
        diesel::update(pr::table.filter(pr::id.eq_any(&group_ids)))
            .set(pr::transfer_id.eq(Some(transfer.id)))
            .execute(conn)?;
        result.transfers.push(transfer.id);
    }
    diesel::update(pr::table.filter(pr::id.eq_any(ids)))
        .set((
            pr::status.eq(ProposalStatus::Approved.as_str()),
            pr::decided_at.eq(Some(now)),
            pr::decided_by.eq(Some(actor.name.clone())),
        ))
        .execute(conn)?;
    for id in ids {
        let proposal = get(conn, *id)?;
        crate::webhooks::enqueue(conn, "proposal.approved", &proposal)?;
        result.approved.push(proposal);
    }
    Ok(result)
}
