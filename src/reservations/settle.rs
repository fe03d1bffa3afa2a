//! Settling a reservation: consuming what it holds (the stock leaves the warehouse) or
//! releasing it (the stock is available again). Each locks and reads the reservation in one
//! statement, settles every line at once (one statement on PostgreSQL) and answers from what it
//! wrote.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::*;
use super::service::{assemble_lines, read, reservation_doc, stored, LineRow, Stored};
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

/// Locks the reservation's row, then its lines (the order every writer takes them: taken in
/// the other order, a consume racing a release deadlocked on PostgreSQL), and reads them once.
/// Unknown is 404, out of the caller's `visible` warehouses 403, not active 409.
fn lock_active(
    conn: &mut AnyConnection,
    id: i64,
    visible: &dyn Fn(&str) -> Result<(), AppError>,
) -> Result<Locked, AppError> {
    let Stored {
        reservation: before,
        warehouse_id,
        lines,
    } = if let AnyConnection::Postgresql(pg) = &mut *conn {
        stored(id, super::postgres::lock(pg, id)?)?
    } else {
        // The write transaction's BEGIN IMMEDIATE is the lock: no other writer runs meanwhile.
        read(conn, id)?
    };
    visible(&before.warehouse)?;
    if before.status != ReservationStatus::Active {
        return Err(AppError::InvalidState(format!(
            "reservation {id} is {}, not active",
            before.status.as_str()
        )));
    }
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
    let locked = lock_active(conn, id, visible)?;
    let mut targets = consume_targets(&locked, input)?;
    // Balance rows in part-id order, as `reserve` takes them, so the two cannot deadlock.
    targets.sort_by_key(|(line, _)| line.part_id);
    let taken: Vec<(i64, i64)> = targets.iter().map(|(line, q)| (line.id, *q)).collect();
    let after = after_change(&locked, &taken, LineBucket::Consumed, ReservationStatus::Active, None);
    // Nothing left reserved: the row lock is ours, so this close cannot race another writer.
    let close = (!after.lines.iter().any(|line| line.remaining > 0)).then(|| (ReservationStatus::Consumed, db::now()));
    let how = Settlement {
        bucket: LineBucket::Consumed,
        reason_code: None,
        note: Some(format!("repair order {}", locked.before.repair_order)),
        close,
    };
    settle(conn, actor, &locked, &targets, &how)?;
    let after = match close {
        Some((status, closed_at)) => after_change(&locked, &taken, LineBucket::Consumed, status, Some(closed_at)),
        None => after,
    };
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
    let locked = lock_active(conn, id, visible)?;
    let mut targets: Vec<(LineRow, i64)> = locked
        .lines
        .iter()
        .filter(|line| line.remaining() > 0)
        .map(|line| (line.clone(), line.remaining()))
        .collect();
    targets.sort_by_key(|(line, _)| line.part_id);
    let closed_at = db::now();
    let how = Settlement {
        bucket: LineBucket::Released,
        reason_code: Some(status.as_str().to_owned()),
        note: None,
        close: Some((status, closed_at)),
    };
    settle(conn, actor, &locked, &targets, &how)?;
    let taken: Vec<(i64, i64)> = targets.iter().map(|(line, q)| (line.id, *q)).collect();
    let after = after_change(&locked, &taken, LineBucket::Released, status, Some(closed_at));
    Ok((locked.before, after))
}

/// Which counter of a reservation line a quantity moves to.
#[derive(Clone, Copy)]
enum LineBucket {
    Consumed,
    Released,
}

/// How a settlement moves its targets, and whether it closes the reservation.
struct Settlement {
    bucket: LineBucket,
    reason_code: Option<String>,
    note: Option<String>,
    /// The reservation's status and closing time afterwards, when the settlement closes it.
    close: Option<(ReservationStatus, NaiveDateTime)>,
}

/// The ledger entry of moving `quantity` of `line` as `how` says.
fn movement(locked: &Locked, line: &LineRow, quantity: i64, how: &Settlement) -> NewMovement {
    let (kind, delta) = match how.bucket {
        LineBucket::Consumed => (
            MovementKind::Consume,
            Delta {
                on_hand: -quantity,
                reserved: -quantity,
                ..Delta::default()
            },
        ),
        LineBucket::Released => (
            MovementKind::Release,
            Delta {
                reserved: -quantity,
                ..Delta::default()
            },
        ),
    };
    NewMovement {
        warehouse_id: locked.warehouse_id,
        part_id: line.part_id,
        warehouse_code: locked.before.warehouse.clone(),
        part_number: line.part_number.clone(),
        kind,
        quantity,
        delta,
        reason_code: how.reason_code.clone(),
        document: Some(reservation_doc(locked.before.id)),
        supplier_id: None,
        lot: None,
        note: how.note.clone(),
    }
}

/// Moves each target (in part-id order) out of its line and its balance, posts its movement
/// and closes the reservation when `how` says: on PostgreSQL in one statement, on SQLite (where
/// a statement costs no round trip) line by line through the ledger.
fn settle(
    conn: &mut AnyConnection,
    actor: &Actor,
    locked: &Locked,
    targets: &[(LineRow, i64)],
    how: &Settlement,
) -> Result<(), AppError> {
    if let AnyConnection::Postgresql(pg) = &mut *conn {
        let flat: Vec<(i64, i64, i64)> = targets.iter().map(|(l, q)| (l.id, l.part_id, *q)).collect();
        let kind = match how.bucket {
            LineBucket::Consumed => MovementKind::Consume,
            LineBucket::Released => MovementKind::Release,
        };
        let done = super::postgres::settle(
            pg,
            actor,
            &super::postgres::Settle {
                reservation_id: locked.before.id,
                warehouse_id: locked.warehouse_id,
                targets: &flat,
                consume: matches!(how.bucket, LineBucket::Consumed),
                kind: kind.as_str(),
                reason_code: how.reason_code.as_deref(),
                note: how.note.as_deref(),
                at: db::now(),
                close: how.close.map(|(status, at)| (status.as_str(), at)),
            },
        )?;
        if done.taken != targets.len() as i64 {
            return Err(concurrent_change());
        }
        let posted = done.posted.unwrap_or_default();
        return match targets.iter().find(|(line, _)| !posted.contains(&line.part_id)) {
            Some((line, quantity)) => Err(ledger::refusal(conn, &movement(locked, line, *quantity, how))?),
            None => Ok(()),
        };
    }
    for (line, quantity) in targets {
        take_from_line(conn, line.id, how.bucket, *quantity)?;
        ledger::post(conn, actor, &movement(locked, line, *quantity, how))?;
    }
    if let Some((status, closed_at)) = how.close {
        diesel::update(r::table.filter(r::id.eq(locked.before.id)))
            .set((r::status.eq(status.as_str()), r::closed_at.eq(Some(closed_at))))
            .execute(conn)?;
    }
    Ok(())
}

fn concurrent_change() -> AppError {
    AppError::InvalidState("the reserved quantity was consumed or released by a concurrent request".into())
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
        return Err(concurrent_change());
    }
    Ok(())
}
