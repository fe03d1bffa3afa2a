//! Flat rows for the CSV exports of types that nest (a movement's delta and document, a
//! proposal's explanation): one column per value, in the order a spreadsheet reads best.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::replenishment::explain::Binding;
use crate::replenishment::model::{Proposal, ProposalKind, ProposalStatus};
use crate::stock::movements::Movement;

/// A ledger row as CSV.
#[derive(Debug, Serialize)]
pub struct MovementRow {
    pub id: i64,
    pub created_at: DateTime<Utc>,
    pub warehouse: String,
    pub part_number: String,
    pub kind: String,
    pub quantity: i64,
    pub on_hand_delta: i64,
    pub reserved_delta: i64,
    pub defective_delta: i64,
    pub in_transit_in_delta: i64,
    pub on_order_delta: i64,
    pub reason_code: Option<String>,
    pub document_type: Option<String>,
    pub document_ref: Option<String>,
    pub supplier: Option<String>,
    pub lot: Option<String>,
    pub note: Option<String>,
    pub actor: String,
    pub request_id: Option<String>,
}

impl From<Movement> for MovementRow {
    fn from(m: Movement) -> Self {
        let (document_type, document_ref) = match m.document {
            Some(d) => (Some(d.kind), Some(d.reference)),
            None => (None, None),
        };
        MovementRow {
            id: m.id,
            created_at: m.created_at,
            warehouse: m.warehouse,
            part_number: m.part_number,
            kind: m.kind,
            quantity: m.quantity,
            on_hand_delta: m.delta.on_hand,
            reserved_delta: m.delta.reserved,
            defective_delta: m.delta.defective,
            in_transit_in_delta: m.delta.in_transit_in,
            on_order_delta: m.delta.on_order,
            reason_code: m.reason_code,
            document_type,
            document_ref,
            supplier: m.supplier,
            lot: m.lot,
            note: m.note,
            actor: m.actor,
            request_id: m.request_id,
        }
    }
}

/// A proposal as CSV, with the explanation's figures a buyer sorts by.
#[derive(Debug, Serialize)]
pub struct ProposalRow {
    pub id: i64,
    pub run_id: i64,
    pub kind: ProposalKind,
    pub status: ProposalStatus,
    pub warehouse: String,
    pub region: String,
    pub part_number: String,
    pub from_warehouse: Option<String>,
    pub supplier: Option<String>,
    pub quantity: i64,
    pub unit_price: Decimal,
    pub value: Decimal,
    pub binding: Binding,
    pub on_hand: i64,
    pub in_flight: i64,
    pub position: i64,
    pub reorder_point: i64,
    pub order_up_to: i64,
    pub forecast_per_day: f64,
    pub days_of_cover: Option<f64>,
    pub projected_stockout_date: Option<NaiveDate>,
    pub sentence: String,
    pub locked: bool,
    pub revision: i64,
    pub reason: Option<String>,
    pub purchase_order_id: Option<i64>,
    pub transfer_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by: Option<String>,
}

impl From<Proposal> for ProposalRow {
    fn from(p: Proposal) -> Self {
        let x = p.explanation;
        ProposalRow {
            id: p.id,
            run_id: p.run_id,
            kind: p.kind,
            status: p.status,
            warehouse: p.warehouse,
            region: p.region,
            part_number: p.part_number,
            from_warehouse: p.from_warehouse,
            supplier: p.supplier,
            quantity: p.quantity,
            unit_price: crate::money::shown(p.unit_price),
            value: crate::money::shown(p.value),
            binding: p.binding,
            on_hand: x.on_hand,
            in_flight: x.in_flight,
            position: x.position,
            reorder_point: x.reorder_point,
            order_up_to: x.order_up_to,
            forecast_per_day: x.forecast_per_day,
            days_of_cover: x.days_of_cover,
            projected_stockout_date: x.projected_stockout_date,
            sentence: x.sentence,
            locked: p.locked,
            revision: p.revision,
            reason: p.reason,
            purchase_order_id: p.purchase_order_id,
            transfer_id: p.transfer_id,
            created_at: p.created_at,
            decided_at: p.decided_at,
            decided_by: p.decided_by,
        }
    }
}
