//! The technicians' page: where a part is available, the key's own warehouses first, then
//! their region, then the rest of what the key may see (the API's availability, same scope).

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::html;
use serde::Deserialize;

use super::layout::{page, respond};
use super::SignedIn;
use crate::api::extract::{need, Caller};
use crate::api::{with_conn, AppState};
use crate::stock::balances::{self, Availability};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/availability", web::get().to(availability));
}

#[derive(Deserialize)]
struct Search {
    part_number: Option<String>,
}

/// Own warehouses (0), same region (1), elsewhere (2); the API's order within each.
fn closeness(found: &Availability, own: Option<&[String]>, code: &str, region: &str) -> u8 {
    let Some(own) = own else { return 1 };
    if own.iter().any(|c| c == code) {
        return 0;
    }
    let own_regions: Vec<&str> = found
        .warehouses
        .iter()
        .filter(|w| own.contains(&w.warehouse))
        .map(|w| w.region.as_str())
        .collect();
    if own_regions.contains(&region) {
        1
    } else {
        2
    }
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
    let part = search
        .part_number
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_owned);
    let scope = caller.principal.warehouses.clone();
    let found = match part.clone() {
        None => None,
        Some(pn) => {
            let scope = scope.clone();
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
            button type="submit" { (lang.t("availability.search")) }
        }
        @if let Some(found) = &found {
            p { (lang.t("availability.total")) ": " (found.total_available) }
            table {
                thead { tr { th { (lang.t("worklist.warehouse")) } th { (lang.t("worklist.region")) } th.num { (lang.t("availability.available")) } th.num { (lang.t("worklist.on_hand")) } th.num { (lang.t("availability.incoming")) } } }
                tbody {
                    @for w in sorted(found, scope.as_deref()) {
                        tr {
                            td { (w.warehouse) } td { (w.region) } td.num { (w.available) } td.num { (w.on_hand) } td.num { (w.in_transit_in + w.on_order) }
                        }
                    }
                }
            }
        }
    };
    respond(
        StatusCode::OK,
        page(lang, Some(&who), &who.here, &lang.t("availability.title"), body),
    )
}

fn sorted<'a>(found: &'a Availability, own: Option<&[String]>) -> Vec<&'a balances::WarehouseAvailability> {
    let mut rows: Vec<_> = found.warehouses.iter().collect();
    rows.sort_by_key(|w| closeness(found, own, &w.warehouse, &w.region));
    rows
}
