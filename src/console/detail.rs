//! A proposal's page: its explanation with every input, the demand and projected-stock charts,
//! the part's suppliers and its stock elsewhere, revisions and (for admins) audit entries; an
//! edit of quantity or supplier previewed with the explanation recomputed before it is saved.
//! Data comes from the API's own functions and authorization.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{Duration, Utc};
use serde::Deserialize;
use spares_core::replenishment::projection;

use super::layout::{page, respond};
use super::{see_other, SignedIn};
use crate::api::extract::need;
use crate::api::proposals::{edit_one, visible};
use crate::api::{with_conn, AppState};
use crate::audit::AuditEntry;
use crate::auth::{Permission, Principal};
use crate::catalog::{parts, suppliers, warehouses};
use crate::db::AnyConnection;
use crate::demand::daily;
use crate::error::AppError;
use crate::replenishment::model::{EngineFigure, Proposal, ProposalEdit};
use crate::stock::balances::{self, Availability};

#[path = "detail_view.rs"]
mod view;

/// Weeks of demand history the chart shows.
const HISTORY_WEEKS: i64 = 26;
/// Weeks of forecast drawn after the history.
const FORECAST_WEEKS: i64 = 8;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/proposals/{id}", web::get().to(detail))
        .route("/proposals/{id}/edit", web::post().to(save));
}

/// The edit to preview (`qty`, `supplier`: empty means unchanged) and the last action's notice.
#[derive(Debug, Default, Deserialize)]
pub struct Preview {
    pub qty: Option<String>,
    pub supplier: Option<String>,
    pub done: Option<String>,
}

impl Preview {
    /// The edit these fields ask for, `None` when they ask for nothing.
    fn edit(&self) -> Result<Option<ProposalEdit>, AppError> {
        edit_from(self.qty.as_deref(), self.supplier.as_deref())
    }
}

fn edit_from(qty: Option<&str>, supplier: Option<&str>) -> Result<Option<ProposalEdit>, AppError> {
    let qty = qty.map(str::trim).filter(|q| !q.is_empty());
    let supplier = supplier.map(str::trim).filter(|s| !s.is_empty());
    if qty.is_none() && supplier.is_none() {
        return Ok(None);
    }
    let quantity = qty
        .map(|q| {
            q.parse::<i64>()
                .ok()
                .filter(|q| *q >= 1)
                .ok_or_else(|| AppError::validation("qty", "must be a whole number of at least 1"))
        })
        .transpose()?;
    Ok(Some(ProposalEdit {
        quantity,
        supplier: supplier.map(str::to_owned),
        override_rules: false,
    }))
}

/// Everything the page shows.
pub struct Data {
    pub proposal: Proposal,
    pub description: String,
    /// Demand per week, oldest first, and the first week's start.
    pub weekly: Vec<f64>,
    pub history_from: chrono::NaiveDate,
    pub terms: Option<Vec<suppliers::SupplierTerms>>,
    pub stock: Option<Availability>,
    pub audit: Option<Vec<AuditEntry>>,
    /// The previewed edit: its figures, or why it cannot be made.
    pub preview: Option<Result<EngineFigure, AppError>>,
}

impl Data {
    pub fn projection(&self) -> Vec<projection::ProjectedDay> {
        let e = &self.proposal.explanation;
        let horizon = (e.lead_time_days.max(e.arrives_in_days) + 7).max(14);
        projection::projected_stock(
            e.position,
            e.forecast_per_day.max(e.daily_rate),
            self.proposal.quantity,
            e.arrives_in_days,
            horizon,
        )
    }

    pub fn forecast_weeks(&self) -> i64 {
        FORECAST_WEEKS
    }
}

fn load(
    conn: &mut AnyConnection,
    principal: &Principal,
    id: i64,
    edit: Option<ProposalEdit>,
    review_days: i64,
) -> Result<Data, AppError> {
    let proposal = visible(conn, principal, id)?;
    let part = parts::get(conn, &proposal.part_number)?;
    let warehouse = warehouses::get(conn, &proposal.warehouse)?;
    let to = Utc::now().date_naive();
    let from = to - Duration::days(HISTORY_WEEKS * 7 - 1);
    let days = daily::load(conn, &[warehouse.id], &[part.id], from, to)?;
    let dense = daily::densify(days.into_iter().map(|d| (d.day, d.quantity)), from, to);
    let allows = |p: Permission| principal.role.allows(p);
    let terms = allows(Permission::SuppliersRead)
        .then(|| suppliers::terms(conn, None, Some(part.id)))
        .transpose()?;
    let stock = allows(Permission::AvailabilityRead)
        .then(|| balances::availability(conn, &part.part_number, principal.visible_warehouses()))
        .transpose()?;
    let audit = super::trail::entries(conn, principal, "proposal", id)?;
    let preview =
        edit.map(|edit| crate::replenishment::review::preview(conn, id, &edit, review_days).map(|(_, figure)| figure));
    Ok(Data {
        description: part.description,
        weekly: projection::weekly(&dense),
        history_from: from,
        proposal,
        terms,
        stock,
        audit,
        preview,
    })
}

async fn detail(req: HttpRequest, who: SignedIn, state: web::Data<AppState>, id: web::Path<i64>) -> HttpResponse {
    let found = who
        .page_request::<need::ReplenishmentRead, Preview>(&req)
        .and_then(|(caller, query)| Ok((query.edit()?, caller, query)));
    let (edit, caller, query) = match found {
        Ok(found) => found,
        Err(e) => return who.error(&e),
    };
    let (id, principal) = (id.into_inner(), caller.principal.clone());
    let review_days = state.replenishment.review_days;
    match with_conn(&state.pool, move |conn| load(conn, &principal, id, edit, review_days)).await {
        Ok(data) => {
            let lang = who.lang;
            let title = format!("{} #{id}", lang.t("detail.title"));
            let body = view::render(lang, &who, &query, &data);
            respond(StatusCode::OK, page(lang, Some(&who), &who.here, &title, body))
        }
        Err(e) => who.error(&e),
    }
}

#[derive(Deserialize)]
struct EditForm {
    qty: Option<String>,
    supplier: Option<String>,
}

/// Saves a quantity or supplier edit through the API's audited edit (which locks the proposal).
async fn save(
    req: HttpRequest,
    who: SignedIn,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: web::Bytes,
) -> HttpResponse {
    let id = id.into_inner();
    let outcome = async {
        let (caller, form) = who.form_request::<need::ReplenishmentWrite, EditForm>(&req, &body)?;
        let edit = edit_from(form.qty.as_deref(), form.supplier.as_deref())?
            .ok_or_else(|| AppError::validation("qty", "change the quantity or the supplier"))?;
        edit_one(&state, caller, id, edit, None).await
    }
    .await;
    match outcome {
        Ok(_) => see_other(&format!("/console/proposals/{id}?done=saved")),
        Err(e) => who.error(&e),
    }
}
