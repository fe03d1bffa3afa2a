//! Transfers for warehouse staff: what to ship from the key's warehouses and what to receive
//! at them, with a ship button and a receipt form (units received per line; optionally closing
//! the transfer, which records what is still missing as a discrepancy). Both post through the
//! API's own `ship_one` / `receive_one` (same role and warehouse-end checks, same audit rows),
//! once per rendered form (see [`super::once`]).

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use super::{once, see_other, SignedIn};
use crate::api::extract::{need, Caller};
use crate::api::transfers::{receive_one, ship_one};
use crate::api::{with_conn, AppState};
use crate::error::AppError;
use crate::reservations::model::LineInput;
use crate::transfers::model::{ReceiveInput, Transfer, TransferFilter, TransferStatus};
use crate::transfers::service;

#[path = "transfers_view.rs"]
mod view;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/transfers", web::get().to(transfers))
        .route("/transfers/{id}/ship", web::post().to(ship))
        .route("/transfers/{id}/receive", web::post().to(receive));
}

/// At most this many transfers of each list on the page.
const LIST_LIMIT: i64 = 200;

#[derive(Debug, Default, Deserialize)]
struct Query {
    /// After an action (POST-redirect-GET): `shipped`, `received` or `replayed`.
    done: Option<String>,
    transfer: Option<i64>,
}

/// The page's data: transfers leaving the key's warehouses, those arriving at them, and the
/// one the last action changed.
pub struct Lists {
    pub to_ship: Vec<Transfer>,
    pub to_receive: Vec<Transfer>,
    /// A list was cut at [`LIST_LIMIT`].
    pub more: bool,
    pub changed: Option<Transfer>,
}

async fn load(state: &AppState, who: &SignedIn, changed: Option<i64>) -> Result<Lists, AppError> {
    let scope = who.session.principal.warehouses.clone();
    let principal = who.session.principal.clone();
    with_conn(&state.pool, move |conn| {
        let mut page = |status| {
            let filter = TransferFilter {
                status: Some(status),
                limit: Some(LIST_LIMIT),
                ..Default::default()
            };
            service::list(conn, &filter, scope.as_deref())
        };
        let (created, more_created) = page(TransferStatus::Created)?;
        let (shipped, more_shipped) = page(TransferStatus::Shipped)?;
        let (partial, more_partial) = page(TransferStatus::PartiallyReceived)?;
        let to_ship = created
            .into_iter()
            .filter(|t| principal.sees_warehouse(&t.from))
            .collect();
        let mut to_receive: Vec<Transfer> = shipped
            .into_iter()
            .chain(partial)
            .filter(|t| principal.sees_warehouse(&t.to))
            .collect();
        to_receive.sort_by_key(|t| t.id);
        let changed = match changed.map(|id| service::get(conn, id)) {
            None | Some(Err(AppError::NotFound { .. })) => None,
            Some(found) => {
                Some(found?).filter(|t| principal.sees_warehouse(&t.from) || principal.sees_warehouse(&t.to))
            }
        };
        Ok(Lists {
            to_ship,
            to_receive,
            more: more_created.is_some() || more_shipped.is_some() || more_partial.is_some(),
            changed,
        })
    })
    .await
}

/// The page, with a refusal above the lists when an action was refused.
async fn show(
    req: &HttpRequest,
    who: &SignedIn,
    state: &AppState,
    (status, alert): (StatusCode, Option<String>),
    (done, changed): (Option<String>, Option<i64>),
) -> HttpResponse {
    if let Err(e) = Caller::<need::StockRead>::signed_in(who.session.principal.clone(), req) {
        return who.error(&e);
    }
    match load(state, who, changed).await {
        Ok(lists) => view::render(status, who, alert.as_deref(), done.as_deref(), &lists),
        Err(e) => who.error(&e),
    }
}

async fn transfers(req: HttpRequest, who: SignedIn, state: web::Data<AppState>) -> HttpResponse {
    let query: Query = match serde_html_form::from_str(req.query_string()) {
        Ok(q) => q,
        Err(e) => return who.error(&AppError::validation("query", e.to_string())),
    };
    show(&req, &who, &state, (StatusCode::OK, None), (query.done, query.transfer)).await
}

#[derive(Debug, Deserialize)]
struct ShipForm {
    #[serde(default)]
    token: String,
}

/// What a receipt form asked for, as the submission's fingerprint.
#[derive(Debug, Default, Deserialize, Serialize)]
struct ReceiveForm {
    #[serde(default, skip_serializing)]
    token: String,
    #[serde(default)]
    part: Vec<String>,
    #[serde(default)]
    qty: Vec<String>,
    /// `yes`: close the transfer, recording what is still missing as a discrepancy.
    close: Option<String>,
}

impl ReceiveForm {
    fn input(&self) -> Result<ReceiveInput, AppError> {
        if self.part.len() != self.qty.len() {
            return Err(AppError::validation(
                "qty",
                "the receipt form is incomplete; reload the page",
            ));
        }
        let mut lines = Vec::new();
        for (part, qty) in self.part.iter().zip(&self.qty) {
            let quantity: i64 = qty
                .trim()
                .parse()
                .ok()
                .filter(|q| *q >= 0)
                .ok_or_else(|| AppError::validation(format!("qty[{part}]"), "must be a whole number, 0 or more"))?;
            if quantity > 0 {
                lines.push(LineInput {
                    part_number: part.clone(),
                    quantity,
                });
            }
        }
        // The API receives everything outstanding when no line is named: never what a form
        // of zeros means.
        if lines.is_empty() {
            return Err(AppError::validation(
                "qty",
                "enter how many units arrived of at least one line",
            ));
        }
        Ok(ReceiveInput {
            lines: Some(lines),
            close: Some(self.close.as_deref() == Some("yes")),
        })
    }
}

/// The page after an action: back to the list with what changed, or the refusal on it.
async fn after(
    req: &HttpRequest,
    who: &SignedIn,
    state: &AppState,
    id: i64,
    done: &str,
    outcome: Result<(serde_json::Value, bool), AppError>,
) -> HttpResponse {
    match outcome {
        Ok((_, replayed)) => {
            let done = if replayed { "replayed" } else { done };
            see_other(&format!("/console/transfers?done={done}&transfer={id}"))
        }
        Err(e) => {
            let problem = e.problem();
            if problem.status >= 500 {
                return who.error(&e);
            }
            let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::BAD_REQUEST);
            show(req, who, state, (status, Some(problem.detail)), (None, None)).await
        }
    }
}

async fn ship(
    req: HttpRequest,
    who: SignedIn,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: web::Bytes,
) -> HttpResponse {
    let (caller, form) = match once::checked::<need::TransfersWrite, ShipForm>(&who, &req, &body) {
        Ok(checked) => checked,
        Err(refused) => return *refused,
    };
    let id = id.into_inner();
    let outcome = async {
        let once = once::request(&form.token, req.path(), &id)?;
        once::outcome(ship_one(&state, caller, id, Some(once)).await?)
    }
    .await;
    after(&req, &who, &state, id, "shipped", outcome).await
}

async fn receive(
    req: HttpRequest,
    who: SignedIn,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: web::Bytes,
) -> HttpResponse {
    let (caller, form) = match once::checked::<need::TransfersWrite, ReceiveForm>(&who, &req, &body) {
        Ok(checked) => checked,
        Err(refused) => return *refused,
    };
    let id = id.into_inner();
    let outcome = async {
        let input = form.input()?;
        let once = once::request(&form.token, req.path(), &form)?;
        once::outcome(receive_one(&state, caller, id, input, Some(once)).await?)
    }
    .await;
    after(&req, &who, &state, id, "received", outcome).await
}
