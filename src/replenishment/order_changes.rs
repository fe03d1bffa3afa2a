//! Changing a purchase order after it was placed: cancel it, short-close a line (the rest will
//! not come), amend a line's quantity or expected date. Every change to what is outstanding
//! is a ledger movement on `on_order`, so planning sees it at once.

use chrono::NaiveTime;
use diesel::prelude::*;

use super::model::{LineAmendment, PurchaseOrder, PurchaseOrderStatus};
use super::purchase_orders::{self, get, lines, post_on_order, refresh_status, LineRow, OrderRow};
use crate::db::AnyConnection;
use crate::error::AppError;
use crate::schema::{parts, purchase_order_lines as l, purchase_orders as po};
use crate::stock::ledger::{Actor, MovementKind};

/// An order that can still change, by id or number.
fn open_order(conn: &mut AnyConnection, key: &str) -> Result<OrderRow, AppError> {
    let id = purchase_orders::get_by_key(conn, key)?.id;
    let row: OrderRow = po::table.find(id).select(OrderRow::as_select()).first(conn)?;
    let status = PurchaseOrderStatus::from_stored(&row.status)?;
    if !status.is_open() {
        return Err(AppError::InvalidState(format!(
            "purchase order {} is {}: nothing is outstanding to change",
            row.number,
            status.as_str()
        )));
    }
    Ok(row)
}

/// The order's line for `part_number`; a part not on it is a 400 naming `part_number`.
fn line_of(conn: &mut AnyConnection, order: &OrderRow, part_number: &str) -> Result<LineRow, AppError> {
    let part: Option<i64> = parts::table
        .filter(parts::part_number.eq(part_number.trim()))
        .select(parts::id)
        .first(conn)
        .optional()?;
    lines(conn, &[order.id])?
        .into_iter()
        .find(|x| Some(x.part_id) == part)
        .ok_or_else(|| AppError::validation("part_number", format!("{part_number} is not on {}", order.number)))
}

/// Closes what is outstanding on a line: on_order drops by it.
fn close_rest(conn: &mut AnyConnection, order: &OrderRow, line: &LineRow, actor: &Actor) -> Result<(), AppError> {
    let rest = line.outstanding();
    if rest == 0 {
        return Ok(());
    }
    diesel::update(l::table.find(line.id))
        .set(l::closed_qty.eq(l::closed_qty + rest))
        .execute(conn)?;
    let movement = (MovementKind::OrderClosed, rest, -rest);
    post_on_order(
        conn,
        actor,
        (&order.number, order.warehouse_id, line.part_id),
        movement,
        Some(order.supplier_id),
    )
}

/// Cancels every line's outstanding units; the order is `cancelled` when nothing had arrived,
/// else `closed`.
pub fn cancel(conn: &mut AnyConnection, key: &str, actor: &Actor) -> Result<PurchaseOrder, AppError> {
    let order = open_order(conn, key)?;
    let all = lines(conn, &[order.id])?;
    close_lines(conn, &order, &all, actor)
}

/// Short-closes one line: the supplier will not deliver the rest.
pub fn close_line(
    conn: &mut AnyConnection,
    key: &str,
    part_number: &str,
    actor: &Actor,
) -> Result<PurchaseOrder, AppError> {
    let order = open_order(conn, key)?;
    let line = line_of(conn, &order, part_number)?;
    if line.outstanding() == 0 {
        return Err(AppError::InvalidState(format!(
            "{part_number} on {} has nothing outstanding to close",
            order.number
        )));
    }
    close_lines(conn, &order, std::slice::from_ref(&line), actor)
}

/// Closes what `lines` of `order` still have outstanding and answers the order as it stands.
fn close_lines(
    conn: &mut AnyConnection,
    order: &OrderRow,
    lines: &[LineRow],
    actor: &Actor,
) -> Result<PurchaseOrder, AppError> {
    for line in lines {
        close_rest(conn, order, line, actor)?;
    }
    refresh_status(conn, order.id)?;
    get(conn, order.id)
}

/// Changes a line's ordered quantity (on_order moves by the difference) and/or its expected
/// date.
pub fn amend_line(
    conn: &mut AnyConnection,
    key: &str,
    part_number: &str,
    input: &LineAmendment,
    actor: &Actor,
) -> Result<PurchaseOrder, AppError> {
    if input.quantity.is_none() && input.expected_date.is_none() {
        return Err(AppError::validation(
            "quantity",
            "give a quantity, an expected_date or both",
        ));
    }
    let order = open_order(conn, key)?;
    let line = line_of(conn, &order, part_number)?;
    if let Some(quantity) = input.quantity {
        let floor = (line.received_qty + line.closed_qty).max(1);
        if quantity < floor {
            return Err(AppError::validation(
                "quantity",
                format!(
                    "must be at least {floor}: {} received and {} closed",
                    line.received_qty, line.closed_qty
                ),
            ));
        }
        let change = quantity - line.quantity;
        if change != 0 {
            diesel::update(l::table.find(line.id))
                .set(l::quantity.eq(quantity))
                .execute(conn)?;
            let movement = (MovementKind::OrderAmended, change, change);
            post_on_order(
                conn,
                actor,
                (&order.number, order.warehouse_id, line.part_id),
                movement,
                Some(order.supplier_id),
            )?;
        }
    }
    if let Some(date) = input.expected_date {
        if date < order.created_at.date() {
            return Err(AppError::validation(
                "expected_date",
                "must not be before the order was placed",
            ));
        }
        diesel::update(l::table.find(line.id))
            .set(l::expected_at.eq(Some(date.and_time(NaiveTime::MIN))))
            .execute(conn)?;
    }
    refresh_status(conn, order.id)?;
    get(conn, order.id)
}
