//! Reservations refused for shortage: each short line is recorded (for the stock-out KPI),
//! reported as a `reservation.refused` event, and its part gets an urgent replenishment run.
//!
//! The urgent runs do not run on the request path: unhandled refusals are the queue. A
//! background job takes the parts with unhandled refusals, runs one urgent run per part and
//! stamps the refusals it covered, so a burst of refusals for one part costs one run and a
//! refused request answers as fast as any other.

use diesel::prelude::*;
use serde::Serialize;

use crate::db::{self, AnyConnection};
use crate::error::{AppError, ShortageLine};
use crate::schema::{parts, reservation_refusals as r, warehouses};

/// A part waiting for its urgent run: the refusals up to `last_refusal` are covered by it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingPart {
    pub part_id: i64,
    pub part_number: String,
    pub last_refusal: i64,
}

#[derive(Debug, Serialize)]
struct Refused<'a> {
    warehouse: &'a str,
    repair_order: &'a str,
    lines: &'a [ShortageLine],
}

/// Records the lines of a refused reservation, in one transaction with its event: the short
/// `lines` (stock-out lines for the KPIs, and urgent runs for their parts) and the `served`
/// ones (part number, quantity), which stock could have served (demand served for the KPIs,
/// no urgent run).
pub fn record(
    conn: &mut AnyConnection,
    warehouse: &str,
    repair_order: &str,
    lines: &[ShortageLine],
    served: &[(&str, i64)],
) -> Result<(), AppError> {
    db::write_tx(conn, |conn| {
        let warehouse_id: Option<i64> = warehouses::table
            .filter(warehouses::code.eq(warehouse))
            .select(warehouses::id)
            .first(conn)
            .optional()?;
        let Some(warehouse_id) = warehouse_id else {
            return Ok(());
        };
        let now = db::now();
        let short = lines
            .iter()
            .map(|l| (l.part_number.as_str(), l.requested, l.available, true));
        // A served line had its quantity available; it needs no urgent run (handled at once).
        let other = served.iter().map(|&(part, quantity)| (part, quantity, quantity, false));
        for (part_number, requested, available, is_short) in short.chain(other) {
            let part_id: Option<i64> = parts::table
                .filter(parts::part_number.eq(part_number))
                .select(parts::id)
                .first(conn)
                .optional()?;
            let Some(part_id) = part_id else { continue };
            diesel::insert_into(r::table)
                .values((
                    r::warehouse_id.eq(warehouse_id),
                    r::part_id.eq(part_id),
                    r::repair_order.eq(repair_order),
                    r::requested.eq(requested),
                    r::available.eq(available),
                    r::occurred_at.eq(now),
                    r::short.eq(is_short),
                    r::urgent_handled_at.eq((!is_short).then_some(now)),
                ))
                .execute(conn)?;
        }
        crate::webhooks::enqueue(
            conn,
            "reservation.refused",
            &Refused {
                warehouse,
                repair_order,
                lines,
            },
        )?;
        Ok(())
    })
}

/// Parts with refusals no urgent run has handled yet, oldest first, at most `limit`.
pub fn pending(conn: &mut AnyConnection, limit: i64) -> Result<Vec<PendingPart>, AppError> {
    let waiting: Vec<(i64, Option<i64>)> = r::table
        .filter(r::urgent_handled_at.is_null())
        .filter(r::short.eq(true))
        .group_by(r::part_id)
        .select((r::part_id, diesel::dsl::max(r::id)))
        .order(diesel::dsl::min(r::id))
        .limit(limit)
        .load(conn)?;
    let ids: Vec<i64> = waiting.iter().map(|w| w.0).collect();
    let numbers: std::collections::HashMap<i64, String> = parts::table
        .filter(parts::id.eq_any(&ids))
        .select((parts::id, parts::part_number))
        .load(conn)?
        .into_iter()
        .collect();
    Ok(waiting
        .into_iter()
        .filter_map(|(part_id, last)| {
            Some(PendingPart {
                part_id,
                part_number: numbers.get(&part_id)?.clone(),
                last_refusal: last?,
            })
        })
        .collect())
}

/// Stamps the part's refusals up to `last_refusal` as handled; later ones wait for the next
/// run, which will see the stock as it is then.
pub fn mark_handled(conn: &mut AnyConnection, part: &PendingPart) -> Result<(), AppError> {
    db::write_tx(conn, |conn| {
        diesel::update(
            r::table
                .filter(r::part_id.eq(part.part_id))
                .filter(r::id.le(part.last_refusal))
                .filter(r::urgent_handled_at.is_null()),
        )
        .set(r::urgent_handled_at.eq(Some(db::now())))
        .execute(conn)
    })?;
    Ok(())
}
