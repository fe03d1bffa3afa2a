//! Purchase orders: the orders of the key's warehouses, oldest first as the API lists them,
//! page by page, filtered by status, from the API's own `purchase_orders::list` and scope;
//! each leads to its page (`order.rs`), where it can be changed.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::html;
use serde::Deserialize;

use super::layout::{encode, page, respond};
use super::SignedIn;
use crate::api::extract::need;
use crate::api::{with_conn, AppState};
use crate::error::AppError;
use crate::replenishment::model::{PurchaseOrderFilter, PurchaseOrderStatus};
use crate::replenishment::purchase_orders;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/orders", web::get().to(orders));
}

#[derive(Debug, Default, Deserialize)]
struct Query {
    status: Option<String>,
    cursor: Option<String>,
}

async fn orders(req: HttpRequest, who: SignedIn, state: web::Data<AppState>) -> HttpResponse {
    let (caller, query) = match who.page_request::<need::ReplenishmentRead, Query>(&req) {
        Ok(found) => found,
        Err(e) => return who.error(&e),
    };
    let status = match query.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => match PurchaseOrderStatus::from_stored(s) {
            Ok(status) => Some(status),
            Err(_) => return who.error(&AppError::validation("status", "is not a purchase order status")),
        },
    };
    let filter = PurchaseOrderFilter {
        status,
        supplier: None,
        warehouse: None,
        number: None,
        sort: None,
        limit: Some(100),
        cursor: query.cursor.clone().filter(|c| !c.is_empty()),
    };
    let scope = caller.principal.warehouses.clone();
    let found = with_conn(&state.pool, move |conn| {
        purchase_orders::list(conn, &filter, scope.as_deref())
    })
    .await;
    let (list, next) = match found {
        Ok(found) => found,
        Err(e) => return who.error(&e),
    };
    let lang = who.lang;
    let chosen = query.status.clone().unwrap_or_default();
    let body = html! {
        form.filters method="get" action="/console/orders" {
            label { (lang.t("worklist.status"))
                select name="status" {
                    option value="" { (lang.t("worklist.any")) }
                    @for s in ["open", "partially_received", "received", "closed", "cancelled"] {
                        option value=(s) selected[s == chosen] { (lang.t(&format!("po.status.{s}"))) }
                    }
                }
            }
            button type="submit" { (lang.t("worklist.filter")) }
        }
        table {
            thead { tr { th { (lang.t("orders.number")) } th { (lang.t("worklist.supplier")) } th { (lang.t("worklist.warehouse")) } th { (lang.t("worklist.status")) } th { (lang.t("orders.lines")) } th { (lang.t("worklist.value")) } th { (lang.t("po.expected")) } } }
            tbody {
                @for o in &list { tr {
                    td { a href={ "/console/orders/" (o.id) } { code { (o.number) } } } td { (o.supplier) } td { (o.warehouse) }
                    td { (lang.t(&format!("po.status.{}", o.status.as_str()))) }
                    td.num { (o.lines.len()) } td.num { (format!("{:.2}", o.value)) } td { (o.expected_at.format("%Y-%m-%d")) }
                } }
                @if list.is_empty() { tr { td colspan="7" { (lang.t("orders.none")) } } }
            }
        }
        div.pager { @if let Some(next) = &next {
            a href={ "/console/orders?status=" (encode(&chosen)) "&cursor=" (encode(next)) } { (lang.t("worklist.next")) }
        } }
    };
    respond(
        StatusCode::OK,
        page(lang, Some(&who), &who.here, &lang.t("orders.title"), body),
    )
}
