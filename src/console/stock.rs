//! The warehouse staff's page: stock of the warehouses the key may see, searched by warehouse
//! and part, 100 rows a page (the API's balances list, same scope); for keys that may post
//! movements, the movement form (see [`super::movements`]) and, after one, the new balance.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::html;
use serde::Deserialize;

use super::layout::{encode, page, respond};
use super::movements::{self, Entry};
use super::SignedIn;
use crate::api::extract::{need, Caller};
use crate::api::{with_conn, AppState};
use crate::auth::Permission;
use crate::stock::balances::{self, StockBalance, StockFilter};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/stock", web::get().to(stock));
}

#[derive(Deserialize)]
struct Search {
    warehouse: Option<String>,
    part_number: Option<String>,
    cursor: Option<String>,
    /// After a movement (POST-redirect-GET): `recorded`, or `replayed` for a double submit.
    done: Option<String>,
    movement: Option<i64>,
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
    let exact = given(&search.warehouse).is_some() && given(&search.part_number).is_some();
    let filter = StockFilter {
        warehouse: given(&search.warehouse),
        part_number: given(&search.part_number),
        limit: Some(100),
        cursor: given(&search.cursor),
        // One warehouse and part: its row even at zero (an issue may just have emptied it).
        hide_empty: exact.then_some(false),
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
    let form = match movement_form(&state, &who, &warehouse, &part).await {
        Ok(form) => form,
        Err(e) => return who.error(&e),
    };
    let body = html! {
        @if let (Some(done), Some(id)) = (search.done.as_deref(), search.movement) {
            (notice(lang, done, id, rows.iter().find(|r| r.warehouse == warehouse && r.part_number == part)))
        }
        @if let Some(form) = form {
            h2 { (lang.t("wh.record_title")) }
            (form)
            h2 { (lang.t("stock.title")) }
        }
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

/// What the last movement did, with the balance it left.
fn notice(lang: super::i18n::Lang, done: &str, id: i64, row: Option<&StockBalance>) -> maud::Markup {
    let said = if done == "replayed" {
        lang.t("wh.replayed")
    } else {
        lang.t("wh.recorded")
    };
    html! {
        p.notice role="status" {
            (said) " #" (id) "."
            @if let Some(r) = row {
                " " (r.warehouse) " · " (r.part_number) ": " (lang.t("worklist.on_hand")) " " strong.balance { (r.on_hand) }
                ", " (lang.t("availability.available")) " " (r.available)
            }
        }
    }
}

/// The movement form, for keys that may post movements, filled with the searched warehouse
/// and part.
async fn movement_form(
    state: &AppState,
    who: &SignedIn,
    warehouse: &str,
    part: &str,
) -> Result<Option<maud::Markup>, crate::error::AppError> {
    if !who.session.principal.role.allows(Permission::MovementsWrite) {
        return Ok(None);
    }
    let choices = movements::warehouse_choices(state, who).await?;
    let entry = Entry {
        warehouse: warehouse.to_owned(),
        part_number: part.to_owned(),
        ..Default::default()
    };
    Ok(Some(movements::form(who.lang, who, &choices, &entry)))
}
