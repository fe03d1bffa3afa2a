//! The warehouse staff's page: stock of the warehouses the key may see, searched by warehouse
//! and part, 100 rows a page (the API's balances list, same scope).

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::html;
use serde::Deserialize;

use super::layout::{encode, page, respond};
use super::SignedIn;
use crate::api::extract::{need, Caller};
use crate::api::{with_conn, AppState};
use crate::stock::balances::{self, StockFilter};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/stock", web::get().to(stock));
}

#[derive(Deserialize)]
struct Search {
    warehouse: Option<String>,
    part_number: Option<String>,
    cursor: Option<String>,
}

fn given(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

async fn stock(
    req: HttpRequest,
    who: SignedIn,
    state: web::Data<AppState>,
    search: web::Query<Search>,
) -> HttpResponse {
    let lang = who.lang;
    let caller = match Caller::<need::StockRead>::signed_in(who.session.principal.clone(), &req) {
        Ok(caller) => caller,
        Err(e) => return who.error(&e),
    };
    let filter = StockFilter {
        warehouse: given(&search.warehouse),
        part_number: given(&search.part_number),
        limit: Some(100),
        cursor: given(&search.cursor),
        ..Default::default()
    };
    let (warehouse, part) = (
        filter.warehouse.clone().unwrap_or_default(),
        filter.part_number.clone().unwrap_or_default(),
    );
    let scope = caller.principal.warehouses.clone();
    let (rows, next) = match with_conn(&state.pool, move |conn| balances::list(conn, &filter, scope.as_deref())).await {
        Ok(found) => found,
        Err(e) => return who.error(&e),
    };
    let query = serde_html_form::to_string([("warehouse", &warehouse), ("part_number", &part)]).unwrap_or_default();
    let body = html! {
        form.filters method="get" action="/console/stock" {
            label { (lang.t("worklist.warehouse")) input name="warehouse" size="10" value=(warehouse); }
            label { (lang.t("worklist.part")) input name="part_number" size="16" value=(part); }
            button type="submit" { (lang.t("availability.search")) }
        }
        table {
            thead { tr {
                th { (lang.t("worklist.warehouse")) } th { (lang.t("worklist.part")) } th.num { (lang.t("worklist.on_hand")) }
                th.num { (lang.t("stock.reserved")) } th.num { (lang.t("availability.available")) } th.num { (lang.t("availability.incoming")) }
            } }
            tbody {
                @for r in &rows {
                    tr { td { (r.warehouse) } td { code { (r.part_number) } } td.num { (r.on_hand) } td.num { (r.reserved) } td.num { (r.available) } td.num { (r.in_transit_in + r.on_order) } }
                }
                @if rows.is_empty() { tr { td colspan="6" { (lang.t("stock.none")) } } }
            }
        }
        div.pager { @if let Some(next) = &next { a href={ "/console/stock?" (query) "&cursor=" (encode(next)) } { (lang.t("worklist.next")) } } }
    };
    respond(
        StatusCode::OK,
        page(lang, Some(&who), &who.here, &lang.t("stock.title"), body),
    )
}
