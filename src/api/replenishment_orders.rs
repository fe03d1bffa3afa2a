//! Purchase order routes: list, read, and the changes an order takes after it was placed
//! (cancel, short-close a line, amend a line), each also callable by the web console.

use actix_web::{web, HttpResponse};

use super::super::extract::{need, Caller, Command};
use super::super::params::Query;
use super::super::{mutate, ok_json, respond, with_conn, AppState, Changed, Page};
use crate::auth::Principal;
use crate::db::AnyConnection;
use crate::error::AppError;
use crate::replenishment::model::{LineAmendment, PurchaseOrder, PurchaseOrderFilter};
use crate::replenishment::{order_changes, purchase_orders};
use crate::stock::ledger::Actor;

#[utoipa::path(get, path = "/api/v1/purchase-orders", tag = "replenishment", params(PurchaseOrderFilter),
    responses(
        (status = 200, description = "Purchase orders, oldest first", body = Page<PurchaseOrder>)))]
pub async fn list_orders(
    state: web::Data<AppState>,
    caller: Caller<need::ReplenishmentRead>,
    filter: Query<PurchaseOrderFilter>,
) -> Result<HttpResponse, AppError> {
    let scope = caller.principal.warehouses.clone();
    let page = with_conn(&state.pool, move |conn| {
        purchase_orders::list(conn, &filter, scope.as_deref())
    })
    .await?;
    Ok(ok_json(&Page::from(page)))
}

#[utoipa::path(get, path = "/api/v1/purchase-orders/{id}", tag = "replenishment",
    params(("id" = String, Path, description = "Purchase order id, or its number (`PO-…`)")),
    responses(
        (status = 200, description = "The purchase order and its lines", body = PurchaseOrder),
        (status = 404, description = "Unknown purchase order")))]
pub async fn get_order(
    state: web::Data<AppState>,
    caller: Caller<need::ReplenishmentRead>,
    key: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let key = key.into_inner();
    let order = with_conn(&state.pool, move |conn| purchase_orders::get_by_key(conn, &key)).await?;
    caller.principal.require_warehouse(&order.warehouse)?;
    Ok(ok_json(&order))
}

/// The order, once the caller is known to see its warehouse.
pub(crate) fn visible_order(
    conn: &mut AnyConnection,
    principal: &Principal,
    key: &str,
) -> Result<PurchaseOrder, AppError> {
    let order = purchase_orders::get_by_key(conn, key)?;
    principal.require_warehouse(&order.warehouse)?;
    Ok(order)
}

/// A change to one order the caller sees, audited with the order before and after.
async fn change_order<F>(
    state: &AppState,
    caller: Caller<need::ReplenishmentWrite>,
    key: String,
    (idempotency, action): (Option<crate::idempotency::IdempotentRequest>, &'static str),
    work: F,
) -> Result<crate::idempotency::StoredResponse, AppError>
where
    F: FnOnce(&mut AnyConnection, &str, &Actor) -> Result<PurchaseOrder, AppError> + Send + 'static,
{
    mutate(
        state,
        caller,
        idempotency,
        200,
        (action, "purchase_order"),
        move |conn, principal, actor| {
            let before = visible_order(conn, principal, &key)?;
            let after = work(conn, &key, actor)?;
            Ok(Changed::replacing(after.id, &before, after))
        },
    )
    .await
}

/// The changes a purchase order takes, each as the API and the console make it.
pub(crate) enum OrderChange {
    Cancel,
    CloseLine(String),
    AmendLine(String, LineAmendment),
}

/// Makes one change to an order the caller sees (audited `purchase_order.cancel`,
/// `.close_line` or `.amend_line`).
pub(crate) async fn change_one_order(
    state: &AppState,
    caller: Caller<need::ReplenishmentWrite>,
    key: String,
    change: OrderChange,
    idempotency: Option<crate::idempotency::IdempotentRequest>,
) -> Result<crate::idempotency::StoredResponse, AppError> {
    match change {
        OrderChange::Cancel => {
            let work = |conn: &mut AnyConnection, key: &str, actor: &Actor| order_changes::cancel(conn, key, actor);
            change_order(state, caller, key, (idempotency, "purchase_order.cancel"), work).await
        }
        OrderChange::CloseLine(part_number) => {
            let work = move |conn: &mut AnyConnection, key: &str, actor: &Actor| {
                order_changes::close_line(conn, key, &part_number, actor)
            };
            change_order(state, caller, key, (idempotency, "purchase_order.close_line"), work).await
        }
        OrderChange::AmendLine(part_number, input) => {
            let work = move |conn: &mut AnyConnection, key: &str, actor: &Actor| {
                order_changes::amend_line(conn, key, &part_number, &input, actor)
            };
            change_order(state, caller, key, (idempotency, "purchase_order.amend_line"), work).await
        }
    }
}

#[utoipa::path(post, path = "/api/v1/purchase-orders/{id}/cancel", tag = "replenishment",
    params(("id" = String, Path, description = "Purchase order id or number"), ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses(
        (status = 200, description = "Every outstanding unit is cancelled and comes off on_order: `cancelled` when nothing had arrived, else `closed`", body = PurchaseOrder),
        (status = 404, description = "Unknown purchase order"),
        (status = 409, description = "The order has nothing outstanding")))]
pub async fn cancel_order(
    state: web::Data<AppState>,
    caller: Caller<need::ReplenishmentWrite>,
    key: web::Path<String>,
    cmd: Command<Option<serde_json::Value>>,
) -> Result<HttpResponse, AppError> {
    let change = OrderChange::Cancel;
    let stored = change_one_order(&state, caller, key.into_inner(), change, cmd.idempotency).await?;
    Ok(respond(stored))
}

#[utoipa::path(post, path = "/api/v1/purchase-orders/{id}/lines/{part_number}/close", tag = "replenishment",
    params(("id" = String, Path, description = "Purchase order id or number"), ("part_number" = String, Path, description = "Part on the order"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses(
        (status = 200, description = "The rest of the line is closed and comes off on_order", body = PurchaseOrder),
        (status = 400, description = "The part is not on the order"),
        (status = 404, description = "Unknown purchase order"),
        (status = 409, description = "Nothing outstanding on the line or the order")))]
pub async fn close_line(
    state: web::Data<AppState>,
    caller: Caller<need::ReplenishmentWrite>,
    path: web::Path<(String, String)>,
    cmd: Command<Option<serde_json::Value>>,
) -> Result<HttpResponse, AppError> {
    let (key, part_number) = path.into_inner();
    let change = OrderChange::CloseLine(part_number);
    let stored = change_one_order(&state, caller, key, change, cmd.idempotency).await?;
    Ok(respond(stored))
}

#[utoipa::path(patch, path = "/api/v1/purchase-orders/{id}/lines/{part_number}", tag = "replenishment", request_body = LineAmendment,
    params(("id" = String, Path, description = "Purchase order id or number"), ("part_number" = String, Path, description = "Part on the order"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses(
        (status = 200, description = "The line is amended; on_order moved by the quantity's change", body = PurchaseOrder),
        (status = 400, description = "Invalid input, or the part is not on the order"),
        (status = 404, description = "Unknown purchase order"),
        (status = 409, description = "The order has nothing outstanding")))]
pub async fn amend_line(
    state: web::Data<AppState>,
    caller: Caller<need::ReplenishmentWrite>,
    path: web::Path<(String, String)>,
    cmd: Command<LineAmendment>,
) -> Result<HttpResponse, AppError> {
    let (key, part_number) = path.into_inner();
    let Command { input, idempotency } = cmd;
    let change = OrderChange::AmendLine(part_number, input);
    let stored = change_one_order(&state, caller, key, change, idempotency).await?;
    Ok(respond(stored))
}
