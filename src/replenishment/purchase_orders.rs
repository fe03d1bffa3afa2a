//! Purchase orders from approved proposals. Placing one posts an `order_placed` movement per
//! line (on_order +q); a `receipt` quoting the order's number lowers on_order by what it
//! covers of the line (partial receipts allowed), so balances stay the sum of the ledger.

use std::collections::HashMap;

use diesel::prelude::*;
use rust_decimal::Decimal;

use super::model::{PurchaseOrder, PurchaseOrderFilter, PurchaseOrderLine};
use super::money_text;
use crate::db::{self, AnyConnection};
use crate::error::AppError;
use crate::pagination::PageRequest;
use crate::schema::{
    parts, purchase_order_lines as l, purchase_orders as po, supplier_parts as sp, suppliers, warehouses,
};
use crate::stock::ledger::{self, Actor, Delta, DocumentRef, MovementKind, NewMovement};

/// Places an order for `lines` (part id, quantity, unit price); returns its id.
pub fn create(
    conn: &mut AnyConnection,
    supplier_id: i64,
    warehouse_id: i64,
    lines: &[(i64, i64, Decimal)],
    actor: &Actor,
) -> Result<i64, AppError> {
    let now = db::now();
    let part_ids: Vec<i64> = lines.iter().map(|x| x.0).collect();
    let lead: Option<i32> = sp::table
        .filter(sp::supplier_id.eq(supplier_id))
        .filter(sp::part_id.eq_any(&part_ids))
        .select(diesel::dsl::max(sp::lead_time_days))
        .first(conn)?;
    let number = format!("PO-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]).to_uppercase();
    let id: i64 = diesel::insert_into(po::table)
        .values((
            po::number.eq(&number),
            po::supplier_id.eq(supplier_id),
            po::warehouse_id.eq(warehouse_id),
            po::status.eq("open"),
            po::created_by.eq(&actor.name),
            po::created_at.eq(now),
            po::expected_at.eq(now + chrono::Duration::days(i64::from(lead.unwrap_or(14)))),
        ))
        .returning(po::id)
        .get_result(conn)?;
    let warehouse_code: String = warehouses::table
        .find(warehouse_id)
        .select(warehouses::code)
        .first(conn)?;
    for (part_id, quantity, price) in lines {
        diesel::insert_into(l::table)
            .values((
                l::purchase_order_id.eq(id),
                l::part_id.eq(part_id),
                l::quantity.eq(quantity),
                l::received_qty.eq(0i64),
                l::unit_price.eq(money_text(*price)),
            ))
            .execute(conn)?;
        let part_number: String = parts::table.find(part_id).select(parts::part_number).first(conn)?;
        ledger::post(
            conn,
            actor,
            &NewMovement {
                warehouse_id,
                part_id: *part_id,
                warehouse_code: warehouse_code.clone(),
                part_number,
                kind: MovementKind::OrderPlaced,
                quantity: *quantity,
                delta: Delta {
                    on_order: *quantity,
                    ..Delta::default()
                },
                reason_code: None,
                document: Some(DocumentRef {
                    kind: "purchase_order".to_owned(),
                    reference: number.clone(),
                }),
                supplier_id: Some(supplier_id),
                lot: None,
                note: None,
            },
        )?;
    }
    let order = get(conn, id)?;
    crate::webhooks::enqueue(conn, "purchase_order.created", &order)?;
    Ok(id)
}

/// How much of a receipt of `quantity` at (warehouse, part) quoting `number` comes off
/// `on_order`; records it on the order line. An unknown number is an outside order (0).
pub fn on_receipt(
    conn: &mut AnyConnection,
    number: &str,
    warehouse_id: i64,
    part_id: i64,
    quantity: i64,
) -> Result<i64, AppError> {
    let order: Option<(i64, i64)> = po::table
        .filter(po::number.eq(number))
        .select((po::id, po::warehouse_id))
        .first(conn)
        .optional()?;
    let Some((order_id, order_warehouse)) = order else {
        return Ok(0);
    };
    if order_warehouse != warehouse_id {
        return Err(AppError::validation("purchase_order", "is for another warehouse"));
    }
    let line: Option<(i64, i64, i64)> = l::table
        .filter(l::purchase_order_id.eq(order_id))
        .filter(l::part_id.eq(part_id))
        .select((l::id, l::quantity, l::received_qty))
        .first(conn)
        .optional()?;
    let (line_id, ordered, received) =
        line.ok_or_else(|| AppError::validation("part_number", "is not on this purchase order"))?;
    let covered = quantity.min(ordered - received).max(0);
    diesel::update(l::table.find(line_id))
        .set(l::received_qty.eq(l::received_qty + quantity))
        .execute(conn)?;
    let open: i64 = l::table
        .filter(l::purchase_order_id.eq(order_id))
        .filter(l::received_qty.lt(l::quantity))
        .count()
        .get_result(conn)?;
    let (status, closed) = if open == 0 {
        ("received", Some(db::now()))
    } else {
        ("partially_received", None)
    };
    diesel::update(po::table.find(order_id))
        .set((po::status.eq(status), po::closed_at.eq(closed)))
        .execute(conn)?;
    Ok(covered)
}

type OrderRow = (
    i64,
    String,
    String,
    String,
    String,
    String,
    chrono::NaiveDateTime,
    chrono::NaiveDateTime,
    Option<chrono::NaiveDateTime>,
);

fn load(conn: &mut AnyConnection, rows: Vec<OrderRow>) -> Result<Vec<PurchaseOrder>, AppError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let lines: Vec<(i64, String, i64, i64, String)> = l::table
        .inner_join(parts::table)
        .filter(l::purchase_order_id.eq_any(&ids))
        .select((
            l::purchase_order_id,
            parts::part_number,
            l::quantity,
            l::received_qty,
            l::unit_price,
        ))
        .order(l::id)
        .load(conn)?;
    let mut by_order: HashMap<i64, Vec<PurchaseOrderLine>> = HashMap::new();
    for (order, part_number, quantity, received, price) in lines {
        by_order.entry(order).or_default().push(PurchaseOrderLine {
            part_number,
            quantity,
            received,
            outstanding: (quantity - received).max(0),
            unit_price: crate::validate::stored_decimal(&price)?,
        });
    }
    Ok(rows
        .into_iter()
        .map(|r| {
            let lines = by_order.remove(&r.0).unwrap_or_default();
            PurchaseOrder {
                id: r.0,
                number: r.1,
                supplier: r.2,
                warehouse: r.3,
                status: r.4,
                value: lines.iter().map(|x| x.unit_price * Decimal::from(x.quantity)).sum(),
                lines,
                created_by: r.5,
                created_at: r.6.and_utc(),
                expected_at: r.7.and_utc(),
                closed_at: r.8.map(|t| t.and_utc()),
            }
        })
        .collect())
}

pub fn get(conn: &mut AnyConnection, id: i64) -> Result<PurchaseOrder, AppError> {
    let rows = fetch(conn, &PurchaseOrderFilter::default(), Some(id), None, None, 1)?;
    load(conn, rows)?
        .pop()
        .ok_or_else(|| AppError::not_found("purchase order", id.to_string()))
}

fn fetch(
    conn: &mut AnyConnection,
    filter: &PurchaseOrderFilter,
    id: Option<i64>,
    scope: Option<&[String]>,
    after: Option<i64>,
    limit: i64,
) -> Result<Vec<OrderRow>, AppError> {
    let mut query = po::table
        .inner_join(suppliers::table)
        .inner_join(warehouses::table)
        .select((
            po::id,
            po::number,
            suppliers::code,
            warehouses::code,
            po::status,
            po::created_by,
            po::created_at,
            po::expected_at,
            po::closed_at,
        ))
        .order(po::id)
        .limit(limit)
        .into_boxed();
    if let Some(id) = id {
        query = query.filter(po::id.eq(id));
    }
    if let Some(status) = &filter.status {
        query = query.filter(po::status.eq(status.clone()));
    }
    if let Some(code) = &filter.supplier {
        query = query.filter(suppliers::code.eq(code.clone()));
    }
    if let Some(code) = &filter.warehouse {
        query = query.filter(warehouses::code.eq(code.clone()));
    }
    if let Some(codes) = scope {
        query = query.filter(warehouses::code.eq_any(codes.to_vec()));
    }
    if let Some(after) = after {
        query = query.filter(po::id.gt(after));
    }
    Ok(query.load(conn)?)
}

pub fn list(
    conn: &mut AnyConnection,
    filter: &PurchaseOrderFilter,
    scope: Option<&[String]>,
) -> Result<(Vec<PurchaseOrder>, Option<String>), AppError> {
    let page = PageRequest::parse(filter.limit, filter.cursor.as_deref())?;
    let rows = fetch(conn, filter, None, scope, page.id_cursor()?, page.fetch_limit())?;
    let (rows, next) = page.finish(rows, |r| r.0.to_string());
    Ok((load(conn, rows)?, next))
}
