//! A reservation on PostgreSQL without a transaction: the key check, one statement that
//! resolves the warehouse and parts and draws the id, and one that writes everything (see
//! `postgres::RESERVE`): three round trips, as `POST /movements` takes, instead of nine.

use chrono::Duration;

use super::model::{check_lines, Reservation, ReservationInput, ReservationLine, ReservationStatus};
use super::postgres::{self, NewReservation};
use super::service::ttl;
use crate::audit::Pending;
use crate::db::{self, AnyConnection};
use crate::error::AppError;
use crate::stock::ledger::Actor;
use crate::validate;

/// Reserves every line in one statement with its audit row. `Ok(None)` when this path does
/// not apply (SQLite), the request is invalid in any way, or any line is short; nothing was
/// written then, and the caller takes the transactional path [`super::service::reserve`], which
/// gives the refusal its full answer (the first failing check, or every short line).
pub fn reserve(
    conn: &mut AnyConnection,
    actor: &Actor,
    input: &ReservationInput,
    default_ttl: Duration,
    audit: &Pending<'_>,
) -> Result<Option<Reservation>, AppError> {
    let AnyConnection::Postgresql(pg) = conn else {
        return Ok(None);
    };
    let (Ok(repair_order), Ok(ttl), Ok(wanted)) = (
        validate::text("repair_order", &input.repair_order, 64),
        ttl(input, default_ttl),
        check_lines(&input.lines),
    ) else {
        return Ok(None);
    };
    let numbers: Vec<&str> = wanted.iter().map(|(number, _)| number.as_str()).collect();
    let Some(found) = postgres::resolve(pg, input.warehouse.trim(), &numbers)? else {
        return Ok(None);
    };
    let mut lines = Vec::with_capacity(wanted.len());
    for (number, quantity) in &wanted {
        match found.parts.iter().find(|(_, n)| n == number) {
            Some((id, _)) => lines.push((*id, *quantity)),
            None => return Ok(None),
        }
    }
    if !found.active {
        return Ok(None);
    }
    let at = db::now();
    let reservation = Reservation {
        id: found.reservation_id,
        repair_order,
        warehouse: found.warehouse_code,
        status: ReservationStatus::Active,
        lines: wanted
            .iter()
            .map(|(number, quantity)| ReservationLine {
                part_number: number.clone(),
                quantity: *quantity,
                consumed: 0,
                released: 0,
                remaining: *quantity,
            })
            .collect(),
        created_by: actor.name.clone(),
        created_at: at.and_utc(),
        expires_at: (at + ttl).and_utc(),
        closed_at: None,
    };
    // The audit row holds the answer as the transactional path records it (a JSON value).
    let after = serde_json::to_value(&reservation)
        .map_err(|e| AppError::Internal(e.into()))?
        .to_string();
    let record = audit.recording(at, reservation.id.to_string(), after);
    let new = NewReservation {
        id: reservation.id,
        warehouse_id: found.warehouse_id,
        lines: &lines,
        repair_order: &reservation.repair_order,
        at,
        expires_at: at + ttl,
    };
    Ok(postgres::reserve(pg, actor, &new, &record)?.then_some(reservation))
}
