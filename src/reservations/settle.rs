//! Settling a reservation: consuming what it holds (the stock leaves the warehouse) or
//! releasing it (the stock is available again). Each locks the reservation first, reads it once
//! and answers from what it wrote.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::*;
use super::service::{assemble_lines, read, reservation_doc, LineRow, Stored};
use crate::db::{self, AnyConnection};
use crate::error::AppError;
use crate::schema::{reservation_lines as rl, reservations as r};
use crate::stock::ledger::{self, Actor, Delta, MovementKind, NewMovement};

/// A reservation locked for a change: its row, as read after the lock, and its lines.
struct Locked {
    before: Reservation,
    warehouse_id: i64,
    lines: Vec<LineRow>,
}

/// Takes the reservation's row lock (before its lines, as every writer does: taken in the other
/// order, a consume racing a release deadlocked on PostgreSQL), closing it as `close` says, then
/// reads it once. Unknown is 404, out of the caller's `visible` warehouses 403, not active 409.
fn lock_active(
    conn: &mut AnyConnection,
    id: i64,
    close: Option<(ReservationStatus, NaiveDateTime)>,
    visible: &dyn Fn(&str) -> Result<(), AppError>,
) -> Result<Locked, AppError> {
    let active = r::table
        .filter(r::id.eq(id))
        .filter(r::status.eq(ReservationStatus::Active.as_str()));
    let locked = match close {
        Some((status, closed_at)) => diesel::update(active)
            .set((r::status.eq(status.as_str()), r::closed_at.eq(Some(closed_at))))
            .execute(conn)?,
        None => diesel::update(active)
            .set(r::status.eq(ReservationStatus::Active.as_str()))
            .execute(conn)?,
    };
    let Stored {
        reservation: mut before,
        warehouse_id,
        lines,
    } = read(conn, id)?;
    visible(&before.warehouse)?;
    if locked == 0 {
        return Err(AppError::InvalidState(format!(
            "reservation {id} is {}, not active",
            before.status.as_str()
        )));
    }
    // Closed by the lock statement itself: it was active and open until then.
    before.status = ReservationStatus::Active;
    before.closed_at = None;
    Ok(Locked {
        before,
        warehouse_id,
        lines,
    })
}

/// The reservation after `taken` (line id, quantity) moved into `bucket`, as `status`.
fn after_change(
    locked: &Locked,
    taken: &[(i64, i64)],
    bucket: LineBucket,
    status: ReservationStatus,
    closed_at: Option<NaiveDateTime>,
) -> Reservation {
    let lines: Vec<LineRow> = locked
        .lines
        .iter()
        .map(|line| {
            let mut line = line.clone();
            let moved: i64 = taken.iter().filter(|(id, _)| *id == line.id).map(|(_, q)| q).sum();
            match bucket {
                LineBucket::Consumed => line.consumed += moved,
                LineBucket::Released => line.released += moved,
            }
            line
        })
        .collect();
    let mut after = locked.before.clone();
    after.lines = assemble_lines(&lines, after.id);
    after.status = status;
    after.closed_at = closed_at.map(|t| t.and_utc());
    after
}

/// The lines a consume takes from and how much of each: everything still reserved, or the
/// quantities the request names (each part on the reservation, no more than it still holds).
fn consume_targets(locked: &Locked, input: &ConsumeInput) -> Result<Vec<(LineRow, i64)>, AppError> {
    Ok(match input.lines.as_deref() {
        None | Some([]) => locked
            .lines
            .iter()
            .filter_map(|l| {
                let remaining = l.remaining();
                (remaining > 0).then(|| (l.clone(), remaining))
            })
            .collect(),
        Some(lines) => {
            let wanted = check_lines(lines)?;
            let mut targets = Vec::with_capacity(wanted.len());
            for (i, (part_number, quantity)) in wanted.into_iter().enumerate() {
                let line = locked
                    .lines
                    .iter()
                    .find(|l| l.part_number == part_number)
                    .ok_or_else(|| {
                        AppError::validation(format!("lines[{i}].part_number"), "is not on this reservation")
                    })?;
                let remaining = line.remaining();
                if quantity > remaining {
                    return Err(AppError::validation(
                        format!("lines[{i}].quantity"),
                        format!("exceeds the {remaining} still reserved"),
                    ));
                }
                targets.push((line.clone(), quantity));
            }
            targets
        }
    })
}

/// Consumes all that is still reserved, or the given quantities per line: the stock leaves
/// the warehouse as a `consume` movement. Returns the reservation before and after.
pub fn consume(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: i64,
    input: &ConsumeInput,
    visible: &dyn Fn(&str) -> Result<(), AppError>,
) -> Result<(Reservation, Reservation), AppError> {
    let locked = lock_active(conn, id, None, visible)?;
    let mut targets = consume_targets(&locked, input)?;
    // Balance rows in part-id order, as `reserve` takes them, so the two cannot deadlock.
    targets.sort_by_key(|(line, _)| line.part_id);
    let (reservation, warehouse_id) = (&locked.before, locked.warehouse_id);
    for (line, quantity) in &targets {
        take_from_line(conn, line.id, LineBucket::Consumed, *quantity)?;
        ledger::post(
            conn,
            actor,
            &NewMovement {
                warehouse_id,
                part_id: line.part_id,
                warehouse_code: reservation.warehouse.clone(),
                part_number: line.part_number.clone(),
                kind: MovementKind::Consume,
                quantity: *quantity,
                delta: Delta {
                    on_hand: -quantity,
                    reserved: -quantity,
                    ..Delta::default()
                },
                reason_code: None,
                document: Some(reservation_doc(id)),
                supplier_id: None,
                lot: None,
                note: Some(format!("repair order {}", reservation.repair_order)),
            },
        )?;
    }
    let taken: Vec<(i64, i64)> = targets.iter().map(|(line, q)| (line.id, *q)).collect();
    let after = after_change(&locked, &taken, LineBucket::Consumed, ReservationStatus::Active, None);
    if after.lines.iter().any(|line| line.remaining > 0) {
        return Ok((locked.before, after));
    }
    // Nothing left reserved: the row lock is ours, so this close cannot race another writer.
    let closed_at = db::now();
    diesel::update(r::table.filter(r::id.eq(id)))
        .set((
            r::status.eq(ReservationStatus::Consumed.as_str()),
            r::closed_at.eq(Some(closed_at)),
        ))
        .execute(conn)?;
    let after = after_change(
        &locked,
        &taken,
        LineBucket::Consumed,
        ReservationStatus::Consumed,
        Some(closed_at),
    );
    Ok((locked.before, after))
}

/// Releases everything still reserved. `Expired` is used by the expiry task.
pub fn release(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: i64,
    status: ReservationStatus,
) -> Result<Reservation, AppError> {
    release_visible(conn, actor, id, status, &|_| Ok(())).map(|(_, after)| after)
}

/// [`release`] for a caller limited to `visible` warehouses; returns the reservation before
/// and after.
pub fn release_visible(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: i64,
    status: ReservationStatus,
    visible: &dyn Fn(&str) -> Result<(), AppError>,
) -> Result<(Reservation, Reservation), AppError> {
    let closed_at = db::now();
    let locked = lock_active(conn, id, Some((status, closed_at)), visible)?;
    let mut lines = locked.lines.clone();
    lines.sort_by_key(|line| line.part_id);
    let mut taken = Vec::with_capacity(lines.len());
    for line in lines {
        let remaining = line.remaining();
        if remaining <= 0 {
            continue;
        }
        take_from_line(conn, line.id, LineBucket::Released, remaining)?;
        ledger::post(
            conn,
            actor,
            &NewMovement {
                warehouse_id: locked.warehouse_id,
                part_id: line.part_id,
                warehouse_code: locked.before.warehouse.clone(),
                part_number: line.part_number.clone(),
                kind: MovementKind::Release,
                quantity: remaining,
                delta: Delta {
                    reserved: -remaining,
                    ..Delta::default()
                },
                reason_code: Some(status.as_str().to_owned()),
                document: Some(reservation_doc(id)),
                supplier_id: None,
                lot: None,
                note: None,
            },
        )?;
        taken.push((line.id, remaining));
    }
    let after = after_change(&locked, &taken, LineBucket::Released, status, Some(closed_at));
    Ok((locked.before, after))
}

/// Which counter of a reservation line a quantity moves to.
#[derive(Clone, Copy)]
enum LineBucket {
    Consumed,
    Released,
}

/// Moves `quantity` of a line's remaining reservation into `bucket`, refusing if it is no
/// longer there (a concurrent consume or release got it first).
fn take_from_line(conn: &mut AnyConnection, line_id: i64, bucket: LineBucket, quantity: i64) -> Result<(), AppError> {
    let target = rl::table
        .filter(rl::id.eq(line_id))
        .filter((rl::quantity - rl::consumed_qty - rl::released_qty).ge(quantity));
    let changed = match bucket {
        LineBucket::Consumed => diesel::update(target)
            .set(rl::consumed_qty.eq(rl::consumed_qty + quantity))
            .execute(conn)?,
        LineBucket::Released => diesel::update(target)
            .set(rl::released_qty.eq(rl::released_qty + quantity))
            .execute(conn)?,
    };
    if changed == 0 {
        return Err(AppError::InvalidState(
            "the reserved quantity was consumed or released by a concurrent request".into(),
        ));
    }
    Ok(())
}
