//! Flat rows for the CSV exports of types that nest (a movement's delta and document, a
//! proposal's explanation): one column per value, in the order a spreadsheet reads best. Each
//! row wraps the API type and names its columns as it serializes, so the CSV does not restate
//! the type's fields.

use serde::ser::{Serialize, SerializeStruct, Serializer};

use crate::replenishment::model::Proposal;
use crate::stock::movements::Movement;

/// A ledger row as CSV.
#[derive(Debug)]
pub struct MovementRow(Movement);

impl From<Movement> for MovementRow {
    fn from(m: Movement) -> Self {
        MovementRow(m)
    }
}

impl Serialize for MovementRow {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (m, delta) = (&self.0, &self.0.delta);
        let mut row = serializer.serialize_struct("MovementRow", 19)?;
        row.serialize_field("id", &m.id)?;
        row.serialize_field("created_at", &m.created_at)?;
        row.serialize_field("warehouse", &m.warehouse)?;
        row.serialize_field("part_number", &m.part_number)?;
        row.serialize_field("kind", &m.kind)?;
        row.serialize_field("quantity", &m.quantity)?;
        row.serialize_field("on_hand_delta", &delta.on_hand)?;
        row.serialize_field("reserved_delta", &delta.reserved)?;
        row.serialize_field("defective_delta", &delta.defective)?;
        row.serialize_field("in_transit_in_delta", &delta.in_transit_in)?;
        row.serialize_field("on_order_delta", &delta.on_order)?;
        row.serialize_field("reason_code", &m.reason_code)?;
        row.serialize_field("document_type", &m.document.as_ref().map(|d| &d.kind))?;
        row.serialize_field("document_ref", &m.document.as_ref().map(|d| &d.reference))?;
        row.serialize_field("supplier", &m.supplier)?;
        row.serialize_field("lot", &m.lot)?;
        row.serialize_field("note", &m.note)?;
        row.serialize_field("actor", &m.actor)?;
        row.serialize_field("request_id", &m.request_id)?;
        row.end()
    }
}

/// A proposal as CSV, with the explanation's figures a buyer sorts by.
#[derive(Debug)]
pub struct ProposalRow(Proposal);

impl From<Proposal> for ProposalRow {
    fn from(p: Proposal) -> Self {
        ProposalRow(p)
    }
}

impl Serialize for ProposalRow {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (p, x) = (&self.0, &self.0.explanation);
        let mut row = serializer.serialize_struct("ProposalRow", 30)?;
        row.serialize_field("id", &p.id)?;
        row.serialize_field("run_id", &p.run_id)?;
        row.serialize_field("kind", &p.kind)?;
        row.serialize_field("status", &p.status)?;
        row.serialize_field("warehouse", &p.warehouse)?;
        row.serialize_field("region", &p.region)?;
        row.serialize_field("part_number", &p.part_number)?;
        row.serialize_field("from_warehouse", &p.from_warehouse)?;
        row.serialize_field("supplier", &p.supplier)?;
        row.serialize_field("quantity", &p.quantity)?;
        row.serialize_field("unit_price", &crate::money::shown(p.unit_price))?;
        row.serialize_field("value", &crate::money::shown(p.value))?;
        row.serialize_field("binding", &p.binding)?;
        row.serialize_field("on_hand", &x.on_hand)?;
        row.serialize_field("in_flight", &x.in_flight)?;
        row.serialize_field("position", &x.position)?;
        row.serialize_field("reorder_point", &x.reorder_point)?;
        row.serialize_field("order_up_to", &x.order_up_to)?;
        row.serialize_field("forecast_per_day", &x.forecast_per_day)?;
        row.serialize_field("days_of_cover", &x.days_of_cover)?;
        row.serialize_field("projected_stockout_date", &x.projected_stockout_date)?;
        row.serialize_field("sentence", &x.sentence)?;
        row.serialize_field("locked", &p.locked)?;
        row.serialize_field("revision", &p.revision)?;
        row.serialize_field("reason", &p.reason)?;
        row.serialize_field("purchase_order_id", &p.purchase_order_id)?;
        row.serialize_field("transfer_id", &p.transfer_id)?;
        row.serialize_field("created_at", &p.created_at)?;
        row.serialize_field("decided_at", &p.decided_at)?;
        row.serialize_field("decided_by", &p.decided_by)?;
        row.end()
    }
}
