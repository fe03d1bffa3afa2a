//! Reservations refused for shortage: each short line is recorded (for the stock-out KPI),
//! reported as a `reservation.refused` event, and its part gets an urgent replenishment run.

use diesel::prelude::*;
use serde::Serialize;

use crate::db::{self, AnyConnection};
use crate::error::{AppError, ShortageLine};
use crate::schema::{parts, reservation_refusals as r, warehouses};

#[derive(Debug, Serialize)]
struct Refused<'a> {
    warehouse: &'a str,
    repair_order: &'a str,
    lines: &'a [ShortageLine],
}

/// Records the short lines of a refused reservation, in one transaction with its event.
pub fn record(
    conn: &mut AnyConnection,
    warehouse: &str,
    repair_order: &str,
    lines: &[ShortageLine],
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
        for line in lines {
            let part_id: Option<i64> = parts::table
                .filter(parts::part_number.eq(&line.part_number))
                .select(parts::id)
                .first(conn)
                .optional()?;
            let Some(part_id) = part_id else { continue };
            diesel::insert_into(r::table)
                .values((
                    r::warehouse_id.eq(warehouse_id),
                    r::part_id.eq(part_id),
                    r::repair_order.eq(repair_order),
                    r::requested.eq(line.requested),
                    r::available.eq(line.available),
                    r::occurred_at.eq(now),
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
