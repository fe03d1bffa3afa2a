//! Purchase orders from approved proposals. Placing one posts an `order_placed` movement per
//! line (on_order +q); receipts quoting the order's number ([`super::receipts`]) and the
//! order's changes ([`super::order_changes`]: cancel, short-close, amend) move on_order
//! through the ledger too, so balances stay the sum of the ledger and planning never counts
//! a unit that will not come.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use rust_decimal::Decimal;

use super::model::{PurchaseOrder, PurchaseOrderFilter, PurchaseOrderLine, PurchaseOrderStatus};
use super::money_text;
use crate::catalog::suppliers::DEFAULT_LEAD_DAYS;
use crate::db::{self, AnyConnection};
use crate::error::AppError;
use crate::pagination::PageRequest;
use crate::schema::{
    parts, purchase_order_lines as l, purchase_orders as po, supplier_parts as sp, suppliers, warehouses,
};
use crate::stock::ledger::{self, Actor, Delta, DocumentRef, MovementKind, NewMovement};

/// A purchase order row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = po)]
pub(crate) struct OrderRow {
    pub id: i64,
    pub number: String,
    pub supplier_id: i64,
    pub warehouse_id: i64,
    pub status: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub expected_at: NaiveDateTime,
    pub closed_at: Option<NaiveDateTime>,
    pub over_receipt_pct: String,
}

/// A purchase order line row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = l)]
pub(crate) struct LineRow {
    pub id: i64,
    pub purchase_order_id: i64,
    pub part_id: i64,
    pub quantity: i64,
    pub received_qty: i64,
    pub unit_price: String,
    pub closed_qty: i64,
    pub expected_at: Option<NaiveDateTime>,
}

impl LineRow {
    pub fn outstanding(&self) -> i64 {
        (self.quantity - self.received_qty - self.closed_qty).max(0)
    }
}

/// One line to order: part, quantity, unit price.
pub(crate) struct NewLine {
    pub part_id: i64,
    pub quantity: i64,
    pub unit_price: Decimal,
}

/// Places an order for `lines` at `over_receipt_pct` tolerance; returns its id.
pub(crate) fn create(
    conn: &mut AnyConnection,
    (supplier_id, warehouse_id): (i64, i64),
    lines: &[NewLine],
    over_receipt_pct: Decimal,
    actor: &Actor,
) -> Result<i64, AppError> {
    let now = db::now();
    let part_ids: Vec<i64> = lines.iter().map(|x| x.part_id).collect();
    let lead: Option<i32> = sp::table
        .filter(sp::supplier_id.eq(supplier_id))
        .filter(sp::part_id.eq_any(&part_ids))
        .select(diesel::dsl::max(sp::lead_time_days))
        .first(conn)?;
    let expected = now + chrono::Duration::days(lead.map_or(DEFAULT_LEAD_DAYS, i64::from));
    let number = format!("PO-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]).to_uppercase();
    let id: i64 = diesel::insert_into(po::table)
        .values((
            po::number.eq(&number),
            po::supplier_id.eq(supplier_id),
            po::warehouse_id.eq(warehouse_id),
            po::status.eq(PurchaseOrderStatus::Open.as_str()),
            po::created_by.eq(&actor.name),
            po::created_at.eq(now),
            po::expected_at.eq(expected),
            po::over_receipt_pct.eq(money_text(over_receipt_pct)),
        ))
        .returning(po::id)
        .get_result(conn)?;
    for line in lines {
        diesel::insert_into(l::table)
            .values((
                l::purchase_order_id.eq(id),
                l::part_id.eq(line.part_id),
                l::quantity.eq(line.quantity),
                l::received_qty.eq(0i64),
                l::closed_qty.eq(0i64),
                l::unit_price.eq(money_text(line.unit_price)),
                l::expected_at.eq(Some(expected)),
            ))
            .execute(conn)?;
        let movement = (MovementKind::OrderPlaced, line.quantity, line.quantity);
        post_on_order(
            conn,
            actor,
            (&number, warehouse_id, line.part_id),
            movement,
            Some(supplier_id),
        )?;
    }
    let order = get(conn, id)?;
    crate::webhooks::enqueue(conn, "purchase_order.created", &order)?;
    Ok(id)
}

/// Posts a movement of an order's line that changes on_order by `on_order` (kind, quantity
/// shown, on_order delta).
pub(crate) fn post_on_order(
    conn: &mut AnyConnection,
    actor: &Actor,
    (number, warehouse_id, part_id): (&str, i64, i64),
    (kind, quantity, on_order): (MovementKind, i64, i64),
    supplier_id: Option<i64>,
) -> Result<(), AppError> {
    let warehouse_code: String = warehouses::table
        .find(warehouse_id)
        .select(warehouses::code)
        .first(conn)?;
    let part_number: String = parts::table.find(part_id).select(parts::part_number).first(conn)?;
    ledger::post(
        conn,
        actor,
        &NewMovement {
            warehouse_id,
            part_id,
            warehouse_code,
            part_number,
            kind,
            quantity,
            delta: Delta {
                on_order,
                ..Delta::default()
            },
            reason_code: None,
            document: Some(DocumentRef {
                kind: "purchase_order".to_owned(),
                reference: number.to_owned(),
            }),
            supplier_id,
            lot: None,
            note: None,
        },
    )?;
    Ok(())
}

/// The order's lines, in line order.
pub(crate) fn lines(conn: &mut AnyConnection, order_ids: &[i64]) -> Result<Vec<LineRow>, AppError> {
    Ok(l::table
        .filter(l::purchase_order_id.eq_any(order_ids))
        .select(LineRow::as_select())
        .order(l::id)
        .load(conn)?)
}

/// The status the lines add up to; `cancelled` only when nothing arrived and nothing is left.
pub(crate) fn status_of(lines: &[LineRow]) -> PurchaseOrderStatus {
    let received: i64 = lines.iter().map(|x| x.received_qty).sum();
    let closed: i64 = lines.iter().map(|x| x.closed_qty).sum();
    let outstanding: i64 = lines.iter().map(LineRow::outstanding).sum();
    match (outstanding > 0, received > 0, closed > 0) {
        (true, false, _) => PurchaseOrderStatus::Open,
        (true, true, _) => PurchaseOrderStatus::PartiallyReceived,
        (false, false, true) => PurchaseOrderStatus::Cancelled,
        (false, _, true) => PurchaseOrderStatus::Closed,
        (false, _, false) => PurchaseOrderStatus::Received,
    }
}

/// Stores the status the order's lines add up to now (closing it when nothing is left).
pub(crate) fn refresh_status(conn: &mut AnyConnection, order_id: i64) -> Result<PurchaseOrderStatus, AppError> {
    let status = status_of(&lines(conn, &[order_id])?);
    let closed_at = (!status.is_open()).then(db::now);
    diesel::update(po::table.find(order_id))
        .set((po::status.eq(status.as_str()), po::closed_at.eq(closed_at)))
        .execute(conn)?;
    Ok(status)
}

fn to_orders(conn: &mut AnyConnection, rows: Vec<OrderRow>) -> Result<Vec<PurchaseOrder>, AppError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let lines = lines(conn, &ids)?;
    let part_ids: Vec<i64> = lines.iter().map(|x| x.part_id).collect();
    let names: HashMap<i64, String> = parts::table
        .filter(parts::id.eq_any(part_ids))
        .select((parts::id, parts::part_number))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    let supplier_ids: Vec<i64> = rows.iter().map(|r| r.supplier_id).collect();
    let supplier_codes: HashMap<i64, String> = suppliers::table
        .filter(suppliers::id.eq_any(supplier_ids))
        .select((suppliers::id, suppliers::code))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    let sites = super::sites(conn)?;
    let mut by_order: HashMap<i64, Vec<PurchaseOrderLine>> = HashMap::new();
    for x in lines {
        let order = rows.iter().find(|r| r.id == x.purchase_order_id);
        by_order
            .entry(x.purchase_order_id)
            .or_default()
            .push(PurchaseOrderLine {
                part_number: names.get(&x.part_id).cloned().unwrap_or_default(),
                quantity: x.quantity,
                received: x.received_qty,
                closed: x.closed_qty,
                outstanding: x.outstanding(),
                unit_price: crate::validate::stored_decimal(&x.unit_price)?,
                expected_at: x
                    .expected_at
                    .or(order.map(|o| o.expected_at))
                    .unwrap_or_default()
                    .and_utc(),
            });
    }
    rows.into_iter()
        .map(|r| {
            let lines = by_order.remove(&r.id).unwrap_or_default();
            Ok(PurchaseOrder {
                id: r.id,
                number: r.number,
                supplier: supplier_codes.get(&r.supplier_id).cloned().unwrap_or_default(),
                warehouse: sites.get(&r.warehouse_id).map(|s| s.code.clone()).unwrap_or_default(),
                status: PurchaseOrderStatus::from_stored(&r.status)?,
                value: lines.iter().map(|x| x.unit_price * Decimal::from(x.quantity)).sum(),
                expected_at: expected_of(&lines).unwrap_or(r.expected_at.and_utc()),
                lines,
                over_receipt_pct: crate::validate::stored_decimal(&r.over_receipt_pct)?,
                created_by: r.created_by,
                created_at: r.created_at.and_utc(),
                closed_at: r.closed_at.map(|t| t.and_utc()),
            })
        })
        .collect()
}

/// The latest expected date of a line still outstanding, else of any line.
fn expected_of(lines: &[PurchaseOrderLine]) -> Option<chrono::DateTime<chrono::Utc>> {
    let open = lines.iter().filter(|x| x.outstanding > 0).map(|x| x.expected_at).max();
    open.or_else(|| lines.iter().map(|x| x.expected_at).max())
}

/// An order by id, or by number when `key` is not an integer (`PO-…`).
pub fn get_by_key(conn: &mut AnyConnection, key: &str) -> Result<PurchaseOrder, AppError> {
    let row: Option<OrderRow> = match key.trim().parse::<i64>() {
        Ok(id) => po::table
            .find(id)
            .select(OrderRow::as_select())
            .first(conn)
            .optional()?,
        Err(_) => po::table
            .filter(po::number.eq(key.trim()))
            .select(OrderRow::as_select())
            .first(conn)
            .optional()?,
    };
    let row = row.ok_or_else(|| AppError::not_found("purchase order", key.to_owned()))?;
    to_orders(conn, vec![row])?
        .pop()
        .ok_or_else(|| AppError::not_found("purchase order", key.to_owned()))
}

pub fn get(conn: &mut AnyConnection, id: i64) -> Result<PurchaseOrder, AppError> {
    get_by_key(conn, &id.to_string())
}

pub fn list(
    conn: &mut AnyConnection,
    filter: &PurchaseOrderFilter,
    scope: Option<&[String]>,
) -> Result<(Vec<PurchaseOrder>, Option<String>), AppError> {
    let page = PageRequest::parse(filter.limit, filter.cursor.as_deref())?;
    crate::catalog::filters::require(
        conn,
        &[
            crate::catalog::filters::Code::Warehouse("warehouse", filter.warehouse.as_deref()),
            crate::catalog::filters::Code::Supplier("supplier", filter.supplier.as_deref()),
        ],
    )?;
    let mut query = po::table
        .inner_join(suppliers::table)
        .inner_join(warehouses::table)
        .select(OrderRow::as_select())
        .limit(page.fetch_limit())
        .into_boxed();
    if let Some(status) = filter.status {
        query = query.filter(po::status.eq(status.as_str()));
    }
    if let Some(code) = &filter.supplier {
        crate::catalog::suppliers::resolve(conn, "supplier", code)?;
        query = query.filter(suppliers::code.eq(code.clone()));
    }
    if let Some(code) = &filter.warehouse {
        crate::catalog::warehouses::resolve(conn, "warehouse", code)?;
        query = query.filter(warehouses::code.eq(code.clone()));
    }
    if let Some(number) = &filter.number {
        query = query.filter(po::number.eq(number.trim().to_owned()));
    }
    if let Some(codes) = scope {
        query = query.filter(warehouses::code.eq_any(codes.to_vec()));
    }
    let order = filter.sort.unwrap_or(crate::pagination::ListOrder::Oldest);
    let query = crate::order_by_id!(query, po::id, order, page.id_cursor()?);
    let rows: Vec<OrderRow> = query.load(conn)?;
    let (rows, next) = page.finish(rows, |r| r.id.to_string());
    Ok((to_orders(conn, rows)?, next))
}
