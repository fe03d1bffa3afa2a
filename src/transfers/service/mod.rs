//! Transfer use-cases. Each runs inside the caller's write transaction and combines the
//! queries of [`queries`] with the ledger postings of [`postings`].

mod postings;
mod queries;

use self::postings::{ends, post};
use self::queries::{add_discrepancy, add_received, change_status, load_lines, LineRow};
use super::model::*;
use crate::catalog::{parts, warehouses};
use crate::db::{self, AnyConnection};
use crate::error::AppError;
use crate::reservations::model::{check_lines, LineInput};
use crate::stock::ledger::{Actor, Delta, MovementKind};
use crate::validate;

pub use self::queries::{get, list};

pub fn create(conn: &mut AnyConnection, actor: &Actor, input: &TransferInput) -> Result<Transfer, AppError> {
    let from = warehouses::resolve(conn, "from", &input.from)?;
    let to = warehouses::resolve(conn, "to", &input.to)?;
    if from.id == to.id {
        return Err(AppError::validation("to", "must differ from the source warehouse"));
    }
    if !from.active || !to.active {
        return Err(AppError::validation(
            if from.active { "to" } else { "from" },
            "the warehouse is inactive",
        ));
    }
    let note = validate::optional_text("note", input.note.as_deref(), 500)?;
    let wanted = check_lines(&input.lines)?;
    let mut lines = Vec::with_capacity(wanted.len());
    for (i, (part_number, quantity)) in wanted.iter().enumerate() {
        let part = parts::resolve(conn, &format!("lines[{i}].part_number"), part_number)?;
        lines.push((part.id, *quantity));
    }
    let id = queries::insert(conn, actor, (from.id, to.id), note, &lines)?;
    get(conn, id)
}

/// Ships every line: stock leaves the source's `on_hand` and appears in the destination's
/// `in_transit_in`. All lines or none.
pub fn ship(conn: &mut AnyConnection, actor: &Actor, id: i64) -> Result<Transfer, AppError> {
    let transfer = get(conn, id)?;
    change_status(
        conn,
        id,
        &[TransferStatus::Created],
        TransferStatus::Shipped,
        Some((true, db::now())),
    )?;
    let ends = ends(conn, &transfer)?;
    let mut lines = load_lines(conn, &[id])?;
    lines.sort_by_key(|l| l.part_id);
    for line in &lines {
        let q = line.quantity;
        post(
            conn,
            actor,
            id,
            (ends.from_id, &ends.from_code),
            line,
            MovementKind::TransferShip,
            q,
            Delta {
                on_hand: -q,
                ..Delta::default()
            },
        )?;
    }
    for line in &lines {
        let q = line.quantity;
        post(
            conn,
            actor,
            id,
            (ends.to_id, &ends.to_code),
            line,
            MovementKind::TransferInbound,
            q,
            Delta {
                in_transit_in: q,
                ..Delta::default()
            },
        )?;
    }
    get(conn, id)
}

/// Receives lines (or everything outstanding) at the destination; see [`ReceiveInput`].
pub fn receive(conn: &mut AnyConnection, actor: &Actor, id: i64, input: &ReceiveInput) -> Result<Transfer, AppError> {
    let transfer = get(conn, id)?;
    if !matches!(
        transfer.status,
        TransferStatus::Shipped | TransferStatus::PartiallyReceived
    ) {
        return Err(AppError::InvalidState(format!(
            "transfer {id} is {}; only shipped transfers can be received",
            transfer.status.as_str()
        )));
    }
    let ends = ends(conn, &transfer)?;
    let lines = load_lines(conn, &[id])?;
    let receipts = receipts_wanted(&lines, input.lines.as_deref())?;
    let to = (ends.to_id, ends.to_code.as_str());
    for (line, q) in &receipts {
        if !add_received(conn, line.id, *q)? {
            return Err(AppError::InvalidState(
                "the line was received by a concurrent request".into(),
            ));
        }
        let delta = Delta {
            on_hand: *q,
            in_transit_in: -*q,
            ..Delta::default()
        };
        post(conn, actor, id, to, line, MovementKind::TransferReceive, *q, delta)?;
    }
    if input.close.unwrap_or(false) {
        close_short(conn, actor, id, to)?;
    }
    settle_status(conn, id)?;
    get(conn, id)
}

/// The lines to receive and how many of each: everything outstanding when the request names
/// no lines, else each named line, at most its outstanding units.
fn receipts_wanted(lines: &[LineRow], wanted: Option<&[LineInput]>) -> Result<Vec<(LineRow, i64)>, AppError> {
    let wanted = match wanted {
        None | Some([]) => {
            return Ok(lines
                .iter()
                .filter(|l| l.outstanding() > 0)
                .map(|l| (l.clone(), l.outstanding()))
                .collect())
        }
        Some(wanted) => wanted,
    };
    let mut receipts = Vec::with_capacity(wanted.len());
    for (i, (part_number, quantity)) in check_lines(wanted)?.into_iter().enumerate() {
        let line = lines
            .iter()
            .find(|l| l.part_number == part_number)
            .ok_or_else(|| AppError::validation(format!("lines[{i}].part_number"), "is not on this transfer"))?;
        if quantity > line.outstanding() {
            return Err(AppError::validation(
                format!("lines[{i}].quantity"),
                format!("exceeds the {} outstanding", line.outstanding()),
            ));
        }
        receipts.push((line.clone(), quantity));
    }
    Ok(receipts)
}

/// A final receipt: whatever is still outstanding is recorded as a discrepancy and leaves the
/// destination's `in_transit_in`.
fn close_short(conn: &mut AnyConnection, actor: &Actor, id: i64, to: (i64, &str)) -> Result<(), AppError> {
    for line in load_lines(conn, &[id])? {
        let short = line.outstanding();
        if short > 0 {
            add_discrepancy(conn, line.id, short)?;
            let delta = Delta {
                in_transit_in: -short,
                ..Delta::default()
            };
            post(
                conn,
                actor,
                id,
                to,
                &line,
                MovementKind::TransferDiscrepancy,
                short,
                delta,
            )?;
        }
    }
    Ok(())
}

/// After a receipt: partially received while any line is outstanding, else received.
fn settle_status(conn: &mut AnyConnection, id: i64) -> Result<(), AppError> {
    let open = load_lines(conn, &[id])?.iter().any(|l| l.outstanding() > 0);
    let (next, stamp) = if open {
        (TransferStatus::PartiallyReceived, None)
    } else {
        (TransferStatus::Received, Some((false, db::now())))
    };
    change_status(
        conn,
        id,
        &[TransferStatus::Shipped, TransferStatus::PartiallyReceived],
        next,
        stamp,
    )
}

pub fn cancel(conn: &mut AnyConnection, id: i64) -> Result<Transfer, AppError> {
    change_status(
        conn,
        id,
        &[TransferStatus::Created],
        TransferStatus::Cancelled,
        Some((false, db::now())),
    )?;
    get(conn, id)
}
