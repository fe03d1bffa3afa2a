//! A reservation refused for shortage rolls back with the transaction that tried it, so the
//! refusal is recorded afterwards, in a transaction of its own, on the same connection. What a
//! refusal means (a count, a row for the stock-out KPI, a `reservation.refused` event, an
//! urgent replenishment run) is decided here, once, for every caller of `service::reserve`.

use super::model::ReservationInput;
use crate::db::AnyConnection;
use crate::error::AppError;

/// Counts and records `outcome` when it is a shortage; any other outcome needs nothing.
pub fn record(conn: &mut AnyConnection, input: &ReservationInput, outcome: &AppError) {
    let AppError::Shortage { lines } = outcome else {
        return;
    };
    metrics::counter!("spares_reservations_refused_total").increment(1);
    let served: Vec<(&str, i64)> = input
        .lines
        .iter()
        .filter(|l| !lines.iter().any(|s| s.part_number == l.part_number.trim()))
        .map(|l| (l.part_number.trim(), l.quantity))
        .collect();
    let recorded = crate::replenishment::refusals::record(conn, &input.warehouse, &input.repair_order, lines, &served);
    // The client's answer is the refusal either way; a lost record costs one urgent run.
    if let Err(error) = recorded {
        tracing::warn!(%error, "could not record a refused reservation");
    }
}
