//! A purchase order's page: its lines (ordered, received, closed, outstanding, expected date),
//! supplier, status and (for admins) audit entries; and its plain-form changes: cancel the
//! order, short-close a line, amend a line's quantity or expected date. Each change goes
//! through the API's own audited change with the API's permission and scope checks; a refused
//! change shows the order again with the refusal and its status.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde::Deserialize;

use super::layout::{page, respond};
use super::request::given;
use super::{see_other, trail, SignedIn};
use crate::api::extract::need;
use crate::api::replenishment::{change_one_order, visible_order, OrderChange};
use crate::api::{with_conn, AppState};
use crate::audit::AuditEntry;
use crate::auth::Principal;
use crate::catalog::{parts, suppliers};
use crate::db::AnyConnection;
use crate::error::AppError;
use crate::replenishment::model::{LineAmendment, PurchaseOrder};

#[path = "order_view.rs"]
mod view;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/orders/{id}", web::get().to(detail))
        .route("/orders/{id}/{change}", web::post().to(change));
}

/// The notice of the last change (after POST-redirect-GET).
#[derive(Debug, Default, Deserialize)]
pub struct Query {
    pub done: Option<String>,
}

/// Everything the page shows.
pub struct Data {
    pub order: PurchaseOrder,
    pub supplier_name: String,
    /// Part number to description.
    pub descriptions: HashMap<String, String>,
    pub audit: Option<Vec<AuditEntry>>,
}

fn load(conn: &mut AnyConnection, principal: &Principal, id: i64) -> Result<Data, AppError> {
    let order = visible_order(conn, principal, &id.to_string())?;
    let supplier_name = suppliers::find(conn, &order.supplier)?
        .map(|s| s.name)
        .unwrap_or_default();
    let mut descriptions = HashMap::new();
    for line in &order.lines {
        if let Some(part) = parts::find(conn, &line.part_number)? {
            descriptions.insert(part.part_number, part.description);
        }
    }
    let audit = trail::entries(conn, principal, "purchase_order", id)?;
    Ok(Data {
        order,
        supplier_name,
        descriptions,
        audit,
    })
}

/// The order's page with `status`, and the refusal of a change when there was one.
async fn show(
    who: &SignedIn,
    state: &AppState,
    id: i64,
    done: Option<&str>,
    refused: Option<&AppError>,
) -> HttpResponse {
    let principal = who.session.principal.clone();
    match with_conn(&state.pool, move |conn| load(conn, &principal, id)).await {
        Ok(data) => {
            let lang = who.lang;
            let status = refused.map_or(StatusCode::OK, |e| {
                StatusCode::from_u16(e.problem().status).unwrap_or(StatusCode::BAD_REQUEST)
            });
            let title = format!("{} {}", lang.t("po.title"), data.order.number);
            let body = view::render(lang, who, &data, done, refused);
            // The language switch returns to the order, also after a refused POST.
            let here = format!("/console/orders/{id}");
            respond(status, page(lang, Some(who), &here, &title, body))
        }
        Err(e) => who.error(refused.unwrap_or(&e)),
    }
}

async fn detail(req: HttpRequest, who: SignedIn, state: web::Data<AppState>, id: web::Path<i64>) -> HttpResponse {
    match who.page_request::<need::ReplenishmentRead, Query>(&req) {
        Ok((_, query)) => show(&who, &state, id.into_inner(), query.done.as_deref(), None).await,
        Err(e) => who.error(&e),
    }
}

/// A line change's form: the part it is for, and for an amendment the new figures (empty
/// means unchanged).
#[derive(Debug, Deserialize)]
struct LineForm {
    part_number: Option<String>,
    quantity: Option<String>,
    expected_date: Option<String>,
}

impl LineForm {
    fn part_number(&self) -> Result<String, AppError> {
        given(&self.part_number)
            .map(str::to_owned)
            .ok_or_else(|| AppError::validation("part_number", "name the line's part"))
    }

    fn amendment(&self) -> Result<LineAmendment, AppError> {
        let quantity = given(&self.quantity)
            .map(|q| {
                q.parse::<i64>()
                    .ok()
                    .filter(|q| *q >= 1)
                    .ok_or_else(|| AppError::validation("quantity", "must be a whole number of at least 1"))
            })
            .transpose()?;
        let expected_date = given(&self.expected_date)
            .map(|d| {
                NaiveDate::parse_from_str(d, "%Y-%m-%d")
                    .map_err(|_| AppError::validation("expected_date", "must be a date such as 2026-12-31"))
            })
            .transpose()?;
        Ok(LineAmendment {
            quantity,
            expected_date,
        })
    }
}

/// How a change is made of its form.
type MakeChange = fn(&LineForm) -> Result<OrderChange, AppError>;

/// Carries out one change, `cancel`, `close` (a line) or `amend` (a line), with the role and
/// the CSRF token checked before the form's fields are read (as the API checks the key before
/// the body), and returns to the order.
async fn change(
    req: HttpRequest,
    who: SignedIn,
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
    body: web::Bytes,
) -> HttpResponse {
    let (id, what) = path.into_inner();
    let (done, make): (&str, MakeChange) = match what.as_str() {
        "cancel" => ("cancelled", |_| Ok(OrderChange::Cancel)),
        "close" => ("closed", |form| Ok(OrderChange::CloseLine(form.part_number()?))),
        "amend" => ("amended", |form| {
            Ok(OrderChange::AmendLine(form.part_number()?, form.amendment()?))
        }),
        _ => return who.error(&AppError::not_found("page", req.path().to_owned())),
    };
    let outcome = async {
        let (caller, form) = who.form_request::<need::ReplenishmentWrite, LineForm>(&req, &body)?;
        change_one_order(&state, caller, id.to_string(), make(&form)?, None).await
    }
    .await;
    match outcome {
        Ok(_) => see_other(&format!("/console/orders/{id}?done={done}")),
        Err(e) => show(&who, &state, id, None, Some(&e)).await,
    }
}
