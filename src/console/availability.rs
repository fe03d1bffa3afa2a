//! The technicians' page: where a part is available, the technician's own warehouse first
//! (chosen on the page; by default the first the key is limited to), then the other warehouses
//! of its region, then the rest of the network, each group most available first: the API's
//! availability, same scope (a key limited to warehouses sees only those, as in the API).

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::html;
use serde::Deserialize;

use super::layout::{page, respond};
use super::movements::warehouse_choices;
use super::SignedIn;
use crate::api::extract::{need, Caller};
use crate::api::{with_conn, AppState};
use crate::error::AppError;
use crate::stock::balances::{self, Availability};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/availability", web::get().to(availability));
}

#[derive(Deserialize)]
struct Search {
    part_number: Option<String>,
    /// The technician's own warehouse; by default the first the key is limited to.
    at: Option<String>,
}

/// How near a warehouse is to the technician's: the same warehouse, the same region, or
/// elsewhere in the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Near {
    Own,
    Region,
    Network,
}

impl Near {
    fn key(self) -> &'static str {
        match self {
            Near::Own => "wh.near.own",
            Near::Region => "wh.near.region",
            Near::Network => "wh.near.network",
        }
    }
}

/// The warehouses grouped by nearness to `home` (the API's order, most available first,
/// within each group); without a home, one group: the network.
fn by_nearness<'a>(found: &'a Availability, home: Option<&str>) -> Vec<(Near, &'a balances::WarehouseAvailability)> {
    let region = home
        .and_then(|h| found.warehouses.iter().find(|w| w.warehouse == h))
        .map(|w| w.region.as_str());
    let mut rows: Vec<_> = found
        .warehouses
        .iter()
        .map(|w| {
            let near = if Some(w.warehouse.as_str()) == home {
                Near::Own
            } else if Some(w.region.as_str()) == region {
                Near::Region
            } else {
                Near::Network
            };
            (near, w)
        })
        .collect();
    rows.sort_by_key(|(near, _)| *near);
    rows
}

async fn availability(
    req: HttpRequest,
    who: SignedIn,
    state: web::Data<AppState>,
    search: web::Query<Search>,
) -> HttpResponse {
    let lang = who.lang;
    let caller = match Caller::<need::AvailabilityRead>::signed_in(who.session.principal.clone(), &req) {
        Ok(caller) => caller,
        Err(e) => return who.error(&e),
    };
    let given = |v: &Option<String>| v.as_deref().map(str::trim).filter(|p| !p.is_empty()).map(str::to_owned);
    let part = given(&search.part_number);
    let choices = match warehouse_choices(&state, &who).await {
        Ok(choices) => choices,
        Err(e) => return who.error(&e),
    };
    let home = match given(&search.at) {
        Some(at) if !choices.contains(&at) => {
            return who.error(&AppError::validation(
                "at",
                format!("{at} is not a warehouse this key may see"),
            ))
        }
        Some(at) => Some(at),
        None => caller
            .principal
            .warehouses
            .as_ref()
            .and_then(|codes| codes.first().cloned()),
    };
    let found = match part.clone() {
        None => None,
        Some(pn) => {
            let scope = caller.principal.warehouses.clone();
            match with_conn(&state.pool, move |conn| {
                balances::availability(conn, &pn, scope.as_deref())
            })
            .await
            {
                Ok(found) => Some(found),
                Err(e) => return who.error(&e),
            }
        }
    };
    let body = html! {
        form.filters method="get" action="/console/availability" {
            label { (lang.t("worklist.part")) input name="part_number" size="16" required value=(part.clone().unwrap_or_default()); }
            label { (lang.t("wh.my_warehouse"))
                select name="at" {
                    option value="" { "—" }
                    @for code in &choices { option value=(code) selected[home.as_ref() == Some(code)] { (code) } }
                }
            }
            button type="submit" { (lang.t("availability.search")) }
        }
        @if let Some(found) = &found {
            p { (lang.t("availability.total")) ": " (found.total_available) }
            table.availability {
                thead { tr { th { (lang.t("wh.near_label")) } th { (lang.t("worklist.warehouse")) } th { (lang.t("worklist.region")) } th.num { (lang.t("availability.available")) } th.num { (lang.t("worklist.on_hand")) } th.num { (lang.t("availability.incoming")) } } }
                tbody {
                    @for (near, w) in by_nearness(found, home.as_deref()) {
                        tr.here[near == Near::Own] {
                            td { (lang.t(near.key())) } td { (w.warehouse) } td { (w.region) } td.num { (w.available) } td.num { (w.on_hand) } td.num { (w.in_transit_in + w.on_order) }
                        }
                    }
                }
            }
            @if caller.principal.warehouses.is_some() { p.hint { (lang.t("wh.scope_hint")) } }
        }
    };
    respond(
        StatusCode::OK,
        page(lang, Some(&who), &who.here, &lang.t("availability.title"), body),
    )
}
