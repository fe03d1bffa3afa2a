//! Movements posted by warehouse staff (receipt, issue, adjustment, return, scrap) and the
//! ledger listing.

mod list;
mod prepare;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use self::prepare::{check_applicable, prepare_and_book};
use super::ledger::{self, Actor, Delta, DocumentRef};
use crate::catalog::Stockpoint;
use crate::db::AnyConnection;
use crate::error::AppError;
use crate::validate;

pub use self::list::{get, list, to_movement, MovementFilter};

/// Reason codes an adjustment may carry.
pub const ADJUSTMENT_REASONS: &[&str] = &["count", "damage", "found", "loss", "theft", "expiry", "correction"];

/// Condition of a part returned from a repair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReturnCondition {
    /// Back to `on_hand`, available again.
    Good,
    /// To the `defective` quantity, never available.
    Defective,
}

/// Which quantity a scrap takes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ScrapSource {
    OnHand,
    Defective,
}

/// A movement recorded by warehouse staff. Which optional fields apply depends on `kind`:
/// `receipt` takes `supplier`, `purchase_order`, `lot`; `issue` takes `repair_order`;
/// `adjustment` takes a signed `quantity` and a mandatory `reason_code`; `return` takes
/// `condition` and `repair_order`; `scrap` takes `source` (default `on_hand`) and `reason_code`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MovementInput {
    #[schema(value_type = String, example = "receipt")]
    pub kind: StaffMovementKind,
    /// Warehouse code.
    pub warehouse: String,
    pub part_number: String,
    /// Units; positive, except adjustments, which are signed and non-zero.
    #[serde(deserialize_with = "validate::integer::deserialize")]
    #[schema(value_type = i64, example = 10)]
    pub quantity: i64,
    /// Adjustments: one of count, damage, found, loss, theft, expiry, correction.
    #[schema(max_length = 32)]
    pub reason_code: Option<String>,
    pub condition: Option<ReturnCondition>,
    pub source: Option<ScrapSource>,
    /// Supplier code (receipts).
    pub supplier: Option<String>,
    #[schema(max_length = 64)]
    pub purchase_order: Option<String>,
    #[schema(max_length = 64)]
    pub repair_order: Option<String>,
    #[schema(max_length = 64)]
    pub lot: Option<String>,
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

/// The kinds staff may post through `POST /movements`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StaffMovementKind {
    Receipt,
    Issue,
    Adjustment,
    Return,
    Scrap,
}

/// A ledger entry as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Movement {
    pub id: i64,
    pub warehouse: String,
    pub part_number: String,
    pub kind: String,
    pub quantity: i64,
    pub delta: Delta,
    pub reason_code: Option<String>,
    pub document: Option<DocumentRef>,
    pub supplier: Option<String>,
    pub lot: Option<String>,
    pub note: Option<String>,
    pub actor: String,
    pub request_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Validates a staff movement and posts it.
pub fn record(conn: &mut AnyConnection, actor: &Actor, input: &MovementInput) -> Result<Movement, AppError> {
    check_applicable(input)?;
    let at = crate::catalog::resolve_stockpoint(
        conn,
        ("warehouse", &input.warehouse),
        ("part_number", &input.part_number),
    )?;
    let planned = prepare_and_book(conn, input, at)?;
    let row = ledger::post(conn, actor, &planned.movement)?;
    Ok(planned.into_movement(row))
}

/// PostgreSQL, a movement without a purchase order: validated and resolved, then posted by one
/// statement in its own implicit transaction together with its audit row (see
/// [`ledger::post_autocommit`]): two round trips instead of a transaction's six. `Ok(None)`
/// when this path does not apply or the balance refused the movement; nothing was written then,
/// and the caller takes the transactional path, which gives the refusal its full answer.
pub fn record_autocommit(
    conn: &mut AnyConnection,
    actor: &Actor,
    input: &MovementInput,
    audit: &crate::audit::Pending<'_>,
) -> Result<Option<Movement>, AppError> {
    if input.purchase_order.is_some() || !matches!(conn, AnyConnection::Postgresql(_)) {
        return Ok(None);
    }
    check_applicable(input)?;
    let (code, part_number) = (input.warehouse.trim(), input.part_number.trim());
    let (warehouse_id, part_id, id) = ledger::resolve_with_new_id(conn, code, part_number)?;
    let at = Stockpoint::from_ids(
        ("warehouse", code),
        ("part_number", part_number),
        (warehouse_id, part_id),
    )?;
    let planned = prepare_and_book(conn, input, at)?;
    let created_at = crate::db::now();
    let movement = planned.preview(id, actor, created_at);
    let after = serde_json::to_string(&movement).map_err(|e| AppError::Internal(e.into()))?;
    let audit = audit.recording(created_at, id.to_string(), after);
    let posted = ledger::post_autocommit(conn, actor, &planned.movement, (id, created_at), &audit)?;
    Ok(posted.map(|_| movement))
}
