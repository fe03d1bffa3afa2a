//! Receipts quoting a purchase order: the order must exist, be for the receiving warehouse and
//! have the part on a line; the line takes at most its outstanding units plus the order's
//! over-receipt tolerance. What it covers of the outstanding comes off `on_order`, so an
//! order counted in a position is never counted again once its units are on the shelf.

use diesel::prelude::*;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use super::model::PurchaseOrderStatus;
use super::purchase_orders::{refresh_status, LineRow, OrderRow};
use crate::db::AnyConnection;
use crate::error::AppError;
use crate::ids::{PartId, WarehouseId};
use crate::schema::{purchase_order_lines as l, purchase_orders as po};

/// Units a line of `quantity` accepts beyond it at `pct` percent (rounded down: a tolerance
/// never lets in more than it says).
pub(crate) fn tolerance_units(quantity: i64, pct: Decimal) -> i64 {
    (Decimal::from(quantity.max(0)) * pct / Decimal::ONE_HUNDRED)
        .floor()
        .to_i64()
        .unwrap_or(0)
        .max(0)
}

/// Books a receipt of `quantity` at (warehouse, part) against order `number`; returns how many
/// units come off `on_order`. The caller's write transaction must be open.
pub fn on_receipt(
    conn: &mut AnyConnection,
    number: &str,
    (warehouse_id, part_id): (WarehouseId, PartId),
    (part_number, quantity): (&str, i64),
) -> Result<i64, AppError> {
    let order: OrderRow = po::table
        .filter(po::number.eq(number))
        .select(OrderRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| {
            AppError::validation(
                "purchase_order",
                format!("no purchase order is numbered {number:?}; check the number on the delivery note"),
            )
        })?;
    if order.warehouse_id != warehouse_id.get() {
        return Err(AppError::validation(
            "purchase_order",
            format!("{number} is for another warehouse"),
        ));
    }
    let line: LineRow = l::table
        .filter(l::purchase_order_id.eq(order.id))
        .filter(l::part_id.eq(part_id))
        .select(LineRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::validation("part_number", format!("{part_number} is not on {number}")))?;
    let status = PurchaseOrderStatus::from_stored(&order.status)?;
    let pct = crate::validate::stored_decimal(&order.over_receipt_pct)?;
    // A cancelled or closed order expects nothing more, tolerance included.
    let tolerance = if status.is_open() {
        tolerance_units(line.quantity - line.closed_qty, pct)
    } else {
        0
    };
    let refused = || AppError::OverReceipt {
        purchase_order: number.to_owned(),
        part_number: part_number.to_owned(),
        requested: quantity,
        outstanding: line.outstanding(),
        tolerance,
    };
    if quantity > line.outstanding() + tolerance {
        return Err(refused());
    }
    // Conditional, so two receipts racing for the same line cannot both pass the check.
    let booked = diesel::update(
        l::table
            .filter(l::id.eq(line.id))
            .filter((l::received_qty + l::closed_qty + quantity).le(l::quantity + tolerance)),
    )
    .set(l::received_qty.eq(l::received_qty + quantity))
    .execute(conn)?;
    if booked == 0 {
        return Err(refused());
    }
    refresh_status(conn, order.id)?;
    Ok(quantity.min(line.outstanding()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tolerance_rounds_down_and_is_zero_at_zero_percent() {
        let pct = |s: &str| s.parse::<Decimal>().expect("decimal");
        assert_eq!(tolerance_units(10, pct("0")), 0);
        assert_eq!(tolerance_units(10, pct("5")), 0);
        assert_eq!(tolerance_units(20, pct("5")), 1);
        assert_eq!(tolerance_units(3, pct("100")), 3);
        assert_eq!(tolerance_units(7, pct("12.5")), 0);
        assert_eq!(tolerance_units(8, pct("12.5")), 1);
    }
}
