//! Posting a movement: the one place that writes ledger rows and balances. The types and the
//! step-by-step posting (SQLite, and any backend inside a transaction) live here; PostgreSQL's
//! one-statement posting in [`postgres`], the balance update both use in [`balance`].

mod balance;
mod postgres;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

pub use postgres::{post_autocommit, resolve_with_new_id};

use crate::db::{self, AnyConnection};
use crate::error::AppError;
use crate::schema::movements;

/// Every kind of ledger entry. Warehouse staff post the first five directly; the others are
/// written by transfers, reservations and purchase orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MovementKind {
    Receipt,
    Issue,
    Adjustment,
    Return,
    Scrap,
    TransferShip,
    TransferInbound,
    TransferReceive,
    TransferDiscrepancy,
    Reserve,
    Release,
    Consume,
    /// A purchase order placed: on_order +q.
    OrderPlaced,
    /// Units of a purchase order line that will not come (cancelled or short-closed):
    /// on_order -q.
    OrderClosed,
    /// A purchase order line's quantity changed by q (either sign): on_order +q.
    OrderAmended,
}

impl MovementKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MovementKind::Receipt => "receipt",
            MovementKind::Issue => "issue",
            MovementKind::Adjustment => "adjustment",
            MovementKind::Return => "return",
            MovementKind::Scrap => "scrap",
            MovementKind::TransferShip => "transfer_ship",
            MovementKind::TransferInbound => "transfer_inbound",
            MovementKind::TransferReceive => "transfer_receive",
            MovementKind::TransferDiscrepancy => "transfer_discrepancy",
            MovementKind::Reserve => "reserve",
            MovementKind::Release => "release",
            MovementKind::Consume => "consume",
            MovementKind::OrderPlaced => "order_placed",
            MovementKind::OrderClosed => "order_closed",
            MovementKind::OrderAmended => "order_amended",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(s.to_owned())).ok()
    }
}

/// The effect of one movement on each balance column.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Delta {
    pub on_hand: i64,
    pub reserved: i64,
    pub defective: i64,
    pub in_transit_in: i64,
    pub on_order: i64,
}

/// The document a movement belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DocumentRef {
    /// `repair_order`, `purchase_order`, `transfer`, `reservation` or `count`.
    #[serde(rename = "type")]
    pub kind: String,
    pub reference: String,
}

/// Who caused a movement and under which request, recorded on every ledger row.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub name: String,
    pub request_id: Option<String>,
}

/// A movement to post.
#[derive(Debug, Clone)]
pub struct NewMovement {
    pub warehouse_id: i64,
    pub part_id: i64,
    /// Codes for error messages; the ledger stores ids.
    pub warehouse_code: String,
    pub part_number: String,
    pub kind: MovementKind,
    pub quantity: i64,
    pub delta: Delta,
    pub reason_code: Option<String>,
    pub document: Option<DocumentRef>,
    pub supplier_id: Option<i64>,
    pub lot: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = movements)]
pub struct MovementRow {
    pub id: i64,
    pub warehouse_id: i64,
    pub part_id: i64,
    pub kind: String,
    pub quantity: i64,
    pub on_hand_delta: i64,
    pub reserved_delta: i64,
    pub defective_delta: i64,
    pub in_transit_delta: i64,
    pub on_order_delta: i64,
    pub reason_code: Option<String>,
    pub document_type: Option<String>,
    pub document_ref: Option<String>,
    pub supplier_id: Option<i64>,
    pub lot: Option<String>,
    pub note: Option<String>,
    pub actor: String,
    pub request_id: Option<String>,
    pub created_at: NaiveDateTime,
}

impl MovementRow {
    pub fn created_at_utc(&self) -> DateTime<Utc> {
        self.created_at.and_utc()
    }
}

/// Posts a movement: applies its delta to the balance and appends the ledger row. Must run
/// inside a write transaction; fails with 409 `insufficient-stock` (and changes nothing) when
/// the balance would break its invariants.
pub fn post(conn: &mut AnyConnection, actor: &Actor, movement: &NewMovement) -> Result<MovementRow, AppError> {
    if matches!(conn, AnyConnection::Postgresql(_)) {
        return postgres::post_fused(conn, actor, movement);
    }
    balance::apply_delta(conn, movement)?;
    let row = diesel::insert_into(movements::table)
        .values((
            movements::warehouse_id.eq(movement.warehouse_id),
            movements::part_id.eq(movement.part_id),
            movements::kind.eq(movement.kind.as_str()),
            movements::quantity.eq(movement.quantity),
            movements::on_hand_delta.eq(movement.delta.on_hand),
            movements::reserved_delta.eq(movement.delta.reserved),
            movements::defective_delta.eq(movement.delta.defective),
            movements::in_transit_delta.eq(movement.delta.in_transit_in),
            movements::on_order_delta.eq(movement.delta.on_order),
            movements::reason_code.eq(movement.reason_code.as_deref()),
            movements::document_type.eq(movement.document.as_ref().map(|d| d.kind.as_str())),
            movements::document_ref.eq(movement.document.as_ref().map(|d| d.reference.as_str())),
            movements::supplier_id.eq(movement.supplier_id),
            movements::lot.eq(movement.lot.as_deref()),
            movements::note.eq(movement.note.as_deref()),
            movements::actor.eq(&actor.name),
            movements::request_id.eq(actor.request_id.as_deref()),
            movements::created_at.eq(db::now()),
        ))
        .returning(movements::all_columns)
        .get_result::<MovementRow>(conn)?;
    if counts_as_demand(movement.kind) {
        let demand = crate::demand::daily::DayDemand {
            warehouse_id: movement.warehouse_id,
            part_id: movement.part_id,
            day: row.created_at.date(),
            quantity: movement.quantity,
            lines: 1,
        };
        crate::demand::daily::add(conn, &[demand])?;
    }
    Ok(row)
}

/// The 409 `insufficient-stock` refusal of a movement its balance would not take, with what is
/// available, for a caller that posted it by a statement of its own.
pub fn refusal(conn: &mut AnyConnection, movement: &NewMovement) -> Result<AppError, AppError> {
    Ok(balance::insufficient_stock(conn, movement)?)
}

/// Repairs' consumption is the demand signal forecasting reads.
pub(super) fn counts_as_demand(kind: MovementKind) -> bool {
    matches!(kind, MovementKind::Issue | MovementKind::Consume)
}
