//! Turning a staff movement into the ledger row it posts: which optional fields its kind takes,
//! each kind's checks and its effect on the balance. Pure but for two steps that read the
//! catalog, and one that writes: a receipt against one of our purchase orders books the arrival
//! on the order (`book_order_arrival`), in the caller's transaction.

use super::list::to_movement;
use super::{Movement, MovementInput, ReturnCondition, ScrapSource, StaffMovementKind, ADJUSTMENT_REASONS};
use crate::catalog::{suppliers, Stockpoint};
use crate::db::AnyConnection;
use crate::error::AppError;
use crate::stock::ledger::{Actor, Delta, DocumentRef, MovementKind, MovementRow, NewMovement};
use crate::validate;

fn reference(field: &str, value: Option<&str>) -> Result<Option<String>, AppError> {
    validate::optional_text(field, value, 64)
}

fn document(kind: &str, reference: Option<String>) -> Option<DocumentRef> {
    reference.map(|reference| DocumentRef {
        kind: kind.to_owned(),
        reference,
    })
}

/// The optional fields each kind takes; any other optional field present is refused, so a
/// client's mistake (a supplier on an issue) is not silently dropped.
pub(super) fn check_applicable(input: &MovementInput) -> Result<(), AppError> {
    let allowed: &[&str] = match input.kind {
        StaffMovementKind::Receipt => &["supplier", "purchase_order", "lot", "note", "reason_code"],
        StaffMovementKind::Issue => &["repair_order", "note", "reason_code", "lot"],
        StaffMovementKind::Adjustment => &["reason_code", "note", "lot"],
        StaffMovementKind::Return => &["condition", "repair_order", "lot", "note", "reason_code"],
        StaffMovementKind::Scrap => &["source", "reason_code", "lot", "note"],
    };
    let present = [
        ("reason_code", input.reason_code.is_some()),
        ("condition", input.condition.is_some()),
        ("source", input.source.is_some()),
        ("supplier", input.supplier.is_some()),
        ("purchase_order", input.purchase_order.is_some()),
        ("repair_order", input.repair_order.is_some()),
        ("lot", input.lot.is_some()),
        ("note", input.note.is_some()),
    ];
    match present.iter().find(|(name, given)| *given && !allowed.contains(name)) {
        Some((name, _)) => Err(AppError::validation(
            *name,
            format!("does not apply to {} movements", kind_name(input.kind)),
        )),
        None => Ok(()),
    }
}

fn kind_name(kind: StaffMovementKind) -> &'static str {
    match kind {
        StaffMovementKind::Receipt => "receipt",
        StaffMovementKind::Issue => "issue",
        StaffMovementKind::Adjustment => "adjustment",
        StaffMovementKind::Return => "return",
        StaffMovementKind::Scrap => "scrap",
    }
}

/// A validated staff movement, ready to post.
pub(super) struct Planned {
    pub(super) movement: NewMovement,
    supplier: Option<String>,
}

impl Planned {
    pub(super) fn into_movement(self, row: MovementRow) -> Movement {
        to_movement(
            row,
            self.movement.warehouse_code,
            self.movement.part_number,
            self.supplier,
        )
    }

    /// The movement as it will read once posted with this id and time.
    pub(super) fn preview(&self, id: i64, actor: &Actor, created_at: chrono::NaiveDateTime) -> Movement {
        let m = &self.movement;
        Movement {
            id,
            warehouse: m.warehouse_code.clone(),
            part_number: m.part_number.clone(),
            kind: m.kind.as_str().to_owned(),
            quantity: super::list::shown_quantity(m.kind.as_str(), m.quantity, m.delta.on_hand),
            delta: m.delta,
            reason_code: m.reason_code.clone(),
            document: m.document.clone(),
            supplier: self.supplier.clone(),
            lot: m.lot.clone(),
            note: m.note.clone(),
            actor: actor.name.clone(),
            request_id: actor.request_id.clone(),
            created_at: created_at.and_utc(),
        }
    }
}

/// A kind's effect: the ledger kind, the balance delta and the document it quotes.
type Effect = (MovementKind, Delta, Option<DocumentRef>);

/// Validates the kind's fields and works out its effect; a receipt against one of our purchase
/// orders books the arrival on the order (a write: the caller's transaction must be open).
pub(super) fn prepare_and_book(
    conn: &mut AnyConnection,
    input: &MovementInput,
    at: Stockpoint,
) -> Result<Planned, AppError> {
    let note = validate::optional_text("note", input.note.as_deref(), 500)?;
    let lot = reference("lot", input.lot.as_deref())?;
    let q = input.quantity;
    let mut supplier = None;
    let mut reason_code = validate::optional_text("reason_code", input.reason_code.as_deref(), 32)?;
    let (kind, delta, doc) = match input.kind {
        StaffMovementKind::Receipt => {
            validate::positive("quantity", q)?;
            if let Some(code) = &input.supplier {
                supplier = Some(suppliers::resolve(conn, "supplier", code)?);
            }
            receipt(conn, input, &at)?
        }
        StaffMovementKind::Issue => issue(input)?,
        StaffMovementKind::Adjustment => adjustment(q, reason_code.as_deref())?,
        StaffMovementKind::Return => return_to_stock(input)?,
        StaffMovementKind::Scrap => {
            validate::positive("quantity", q)?;
            reason_code = reason_code.or_else(|| Some("scrap".to_owned()));
            scrap(input)
        }
    };
    Ok(Planned {
        movement: NewMovement {
            warehouse_id: at.warehouse_id.get(),
            part_id: at.part_id.get(),
            warehouse_code: at.warehouse,
            part_number: at.part_number,
            kind,
            quantity: q.abs(),
            delta,
            reason_code,
            document: doc,
            supplier_id: supplier.as_ref().map(|s| s.id),
            lot,
            note,
        },
        supplier: supplier.map(|s| s.code),
    })
}

/// A receipt: on hand grows; against one of our purchase orders its units also come off
/// `on_order`.
fn receipt(conn: &mut AnyConnection, input: &MovementInput, at: &Stockpoint) -> Result<Effect, AppError> {
    let q = input.quantity;
    let po = reference("purchase_order", input.purchase_order.as_deref())?;
    let arrived = match &po {
        Some(number) => book_order_arrival(conn, number, at, q)?,
        None => 0,
    };
    let delta = Delta {
        on_hand: q,
        on_order: -arrived,
        ..Delta::default()
    };
    Ok((MovementKind::Receipt, delta, document("purchase_order", po)))
}

/// Books a receipt's arrival on the purchase order it quotes (a write), returning the units
/// that were on order.
fn book_order_arrival(conn: &mut AnyConnection, number: &str, at: &Stockpoint, q: i64) -> Result<i64, AppError> {
    let at_pair = (at.warehouse_id, at.part_id);
    crate::replenishment::receipts::on_receipt(conn, number, at_pair, (&at.part_number, q))
}

fn issue(input: &MovementInput) -> Result<Effect, AppError> {
    let q = input.quantity;
    validate::positive("quantity", q)?;
    let ro = reference("repair_order", input.repair_order.as_deref())?;
    let delta = Delta {
        on_hand: -q,
        ..Delta::default()
    };
    Ok((MovementKind::Issue, delta, document("repair_order", ro)))
}

/// An adjustment: signed, non-zero, with one of the [`ADJUSTMENT_REASONS`].
fn adjustment(q: i64, reason_code: Option<&str>) -> Result<Effect, AppError> {
    if q == 0 {
        return Err(AppError::validation("quantity", "an adjustment must not be zero"));
    }
    if q.abs() > validate::MAX_QUANTITY {
        return Err(AppError::validation("quantity", "is too large"));
    }
    match reason_code {
        None => return Err(AppError::validation("reason_code", "is required for adjustments")),
        Some(r) if !ADJUSTMENT_REASONS.contains(&r) => {
            return Err(AppError::validation(
                "reason_code",
                format!("must be one of {}", ADJUSTMENT_REASONS.join(", ")),
            ))
        }
        Some(_) => {}
    }
    let delta = Delta {
        on_hand: q,
        ..Delta::default()
    };
    Ok((MovementKind::Adjustment, delta, None))
}

/// A return from a repair: good parts back to `on_hand`, defective ones to `defective`.
fn return_to_stock(input: &MovementInput) -> Result<Effect, AppError> {
    let q = input.quantity;
    validate::positive("quantity", q)?;
    let condition = input
        .condition
        .ok_or_else(|| AppError::validation("condition", "is required for returns (good or defective)"))?;
    let delta = match condition {
        ReturnCondition::Good => Delta {
            on_hand: q,
            ..Delta::default()
        },
        ReturnCondition::Defective => Delta {
            defective: q,
            ..Delta::default()
        },
    };
    let ro = reference("repair_order", input.repair_order.as_deref())?;
    Ok((MovementKind::Return, delta, document("repair_order", ro)))
}

/// A scrap: from `on_hand` (the default) or from `defective`.
fn scrap(input: &MovementInput) -> Effect {
    let q = input.quantity;
    let delta = match input.source.unwrap_or(ScrapSource::OnHand) {
        ScrapSource::OnHand => Delta {
            on_hand: -q,
            ..Delta::default()
        },
        ScrapSource::Defective => Delta {
            defective: -q,
            ..Delta::default()
        },
    };
    (MovementKind::Scrap, delta, None)
}
