//! Balances under a posting: the conditional update that keeps their invariants, the row a
//! first posting creates and the refusal when the update does not apply.

use diesel::prelude::*;

use super::{Delta, NewMovement};
use crate::db::{self, AnyConnection};
use crate::error::AppError;
use crate::schema::stock_balances;

/// Applies a delta with one conditional UPDATE; creates the balance row on first use.
pub(super) fn apply_delta(conn: &mut AnyConnection, movement: &NewMovement) -> Result<(), AppError> {
    let (warehouse_id, part_id, delta) = (movement.warehouse_id, movement.part_id, movement.delta);
    if conditional_update(conn, warehouse_id, part_id, delta)? == 1 {
        return Ok(());
    }
    // The row may be missing, or (on PostgreSQL) a concurrent transaction may just have created
    // it: either way it exists after this, so the update is worth one more try.
    ensure_balance_row(conn, warehouse_id, part_id)?;
    if conditional_update(conn, warehouse_id, part_id, delta)? == 1 {
        return Ok(());
    }
    Err(insufficient_stock(conn, movement)?)
}

/// The refusal of a movement the balance cannot take, with what is available.
pub(super) fn insufficient_stock(conn: &mut AnyConnection, movement: &NewMovement) -> QueryResult<AppError> {
    let available = stock_balances::table
        .find((movement.warehouse_id, movement.part_id))
        .select(stock_balances::on_hand - stock_balances::reserved)
        .first::<i64>(conn)
        .optional()?
        .unwrap_or(0);
    Ok(AppError::InsufficientStock {
        warehouse: movement.warehouse_code.clone(),
        part_number: movement.part_number.clone(),
        requested: movement.quantity,
        available,
    })
}

fn conditional_update(conn: &mut AnyConnection, warehouse_id: i64, part_id: i64, d: Delta) -> QueryResult<usize> {
    use stock_balances as b;
    diesel::update(
        b::table
            .filter(b::warehouse_id.eq(warehouse_id))
            .filter(b::part_id.eq(part_id))
            .filter((b::on_hand + d.on_hand).ge(0i64))
            .filter((b::reserved + d.reserved).ge(0i64))
            .filter((b::on_hand + d.on_hand - b::reserved - d.reserved).ge(0i64))
            .filter((b::defective + d.defective).ge(0i64))
            .filter((b::in_transit_in + d.in_transit_in).ge(0i64))
            .filter((b::on_order + d.on_order).ge(0i64)),
    )
    .set((
        b::on_hand.eq(b::on_hand + d.on_hand),
        b::reserved.eq(b::reserved + d.reserved),
        b::defective.eq(b::defective + d.defective),
        b::in_transit_in.eq(b::in_transit_in + d.in_transit_in),
        b::on_order.eq(b::on_order + d.on_order),
        b::updated_at.eq(db::now()),
    ))
    .execute(conn)
}

/// Inserts an all-zero balance row if none exists.
pub(super) fn ensure_balance_row(conn: &mut AnyConnection, warehouse_id: i64, part_id: i64) -> QueryResult<()> {
    let values = (
        stock_balances::warehouse_id.eq(warehouse_id),
        stock_balances::part_id.eq(part_id),
        stock_balances::updated_at.eq(db::now()),
    );
    match conn {
        AnyConnection::Postgresql(c) => diesel::insert_into(stock_balances::table)
            .values(values)
            .on_conflict_do_nothing()
            .execute(c)?,
        AnyConnection::Sqlite(c) => diesel::insert_or_ignore_into(stock_balances::table)
            .values(values)
            .execute(c)?,
    };
    Ok(())
}
