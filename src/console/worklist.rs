//! The procurement worklist: open proposals with the planner's columns, filters and paging;
//! selected rows approved or rejected (with a reason) and quantities edited in one plain form.
//! Every action goes through the API's own audited mutations.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::layout::{page, respond};
use super::request::given;
use super::{see_other, SignedIn};
use crate::api::extract::{need, Caller};
use crate::api::proposals::{approve_ids, edit_one, reject_one};
use crate::api::{with_conn, AppState};
use crate::error::AppError;
use crate::replenishment::listing::{self, ProposalSort};
use crate::replenishment::model::{ProposalEdit, ProposalFilter, ProposalKind, ProposalStatus};

#[path = "worklist_view.rs"]
mod view;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/proposals", web::get().to(worklist))
        .route("/proposals", web::post().to(act));
}

/// The worklist's query string: what the filter form sends (empty fields mean no filter).
#[derive(Debug, Default, Clone, Deserialize)]
pub struct Query {
    pub status: Option<String>,
    pub kind: Option<String>,
    pub region: Option<String>,
    pub warehouse: Option<String>,
    pub supplier: Option<String>,
    pub part_number: Option<String>,
    pub min_value: Option<String>,
    pub max_value: Option<String>,
    pub criticality: Option<String>,
    /// `yes` (edited by a planner) or `no`.
    pub edited: Option<String>,
    pub sort: Option<String>,
    pub cursor: Option<String>,
    /// What the last action did (after POST-redirect-GET): `approved`, `rejected`, `saved`.
    pub done: Option<String>,
    pub n: Option<usize>,
}

impl Query {
    /// The domain filter, each bad value a 400 naming its field.
    fn filter(&self) -> Result<ProposalFilter, AppError> {
        let status =
            match given(&self.status).unwrap_or("open") {
                "all" => None,
                s => Some(ProposalStatus::from_stored(s).map_err(|_| {
                    AppError::validation("status", "must be open, approved, rejected, withdrawn or all")
                })?),
            };
        let kind = match given(&self.kind) {
            None => None,
            Some("purchase") => Some(ProposalKind::Purchase),
            Some("transfer") => Some(ProposalKind::Transfer),
            Some(_) => return Err(AppError::validation("kind", "must be purchase or transfer")),
        };
        let money = |field: &str, value: &Option<String>| {
            given(value)
                .map(|v| {
                    v.parse()
                        .map_err(|_| AppError::validation(field, "must be an amount such as 100.00"))
                })
                .transpose()
        };
        let criticality = given(&self.criticality)
            .map(|c| {
                serde_json::from_value(serde_json::Value::String(c.to_owned()))
                    .map_err(|_| AppError::validation("criticality", "must be critical, high, medium or low"))
            })
            .transpose()?;
        let edited = match given(&self.edited) {
            None => None,
            Some("yes") => Some(true),
            Some("no") => Some(false),
            Some(_) => return Err(AppError::validation("edited", "must be yes or no")),
        };
        let sort = match given(&self.sort).unwrap_or("id") {
            "id" => ProposalSort::Id,
            "value" => ProposalSort::Value,
            "urgency" => ProposalSort::Urgency,
            "cover" => ProposalSort::Cover,
            _ => return Err(AppError::validation("sort", "must be id, value, urgency or cover")),
        };
        Ok(ProposalFilter {
            status,
            kind,
            region: given(&self.region).map(str::to_owned),
            warehouse: given(&self.warehouse).map(str::to_owned),
            supplier: given(&self.supplier).map(str::to_owned),
            part_number: given(&self.part_number).map(str::to_owned),
            min_value: money("min_value", &self.min_value)?,
            max_value: money("max_value", &self.max_value)?,
            criticality,
            edited,
            sort: Some(sort),
            limit: Some(100),
            cursor: given(&self.cursor).map(str::to_owned),
        })
    }

    /// This filter as a query string, without the cursor and the notice.
    pub fn filter_query(&self) -> String {
        let pairs: Vec<(&str, &str)> = [
            ("status", &self.status),
            ("kind", &self.kind),
            ("region", &self.region),
            ("warehouse", &self.warehouse),
            ("supplier", &self.supplier),
            ("part_number", &self.part_number),
            ("min_value", &self.min_value),
            ("max_value", &self.max_value),
            ("criticality", &self.criticality),
            ("edited", &self.edited),
            ("sort", &self.sort),
        ]
        .into_iter()
        .filter_map(|(name, value)| given(value).map(|v| (name, v)))
        .collect();
        serde_html_form::to_string(pairs).unwrap_or_default()
    }
}

async fn worklist(req: HttpRequest, who: SignedIn, state: web::Data<AppState>) -> HttpResponse {
    let (caller, query) = match who.page_request::<need::ReplenishmentRead, Query>(&req) {
        Ok(found) => found,
        Err(e) => return who.error(&e),
    };
    match load(caller, &state, &query).await {
        Ok(data) => {
            let lang = who.lang;
            let body = view::render(lang, &who, &query, &data);
            respond(
                StatusCode::OK,
                page(lang, Some(&who), &who.here, &lang.t("worklist.title"), body),
            )
        }
        Err(e) => who.error(&e),
    }
}

async fn load(
    caller: Caller<need::ReplenishmentRead>,
    state: &AppState,
    query: &Query,
) -> Result<view::Data, AppError> {
    let filter = query.filter()?;
    let scope = caller.principal.warehouses.clone();
    with_conn(&state.pool, move |conn| {
        view::Data::load(conn, &filter, scope.as_deref())
    })
    .await
}

/// The worklist form: `action` is `approve`, `reject` or `save`; `ids` the selected rows;
/// `row`/`was`/`qty` the quantity column in page order; `back` the filter to return to.
#[derive(Debug, Deserialize)]
struct Action {
    action: String,
    #[serde(default)]
    ids: Vec<i64>,
    reason: Option<String>,
    /// `yes`: approve or reject every open proposal matching the filter, not only the ticked.
    all: Option<String>,
    #[serde(default)]
    row: Vec<i64>,
    #[serde(default)]
    was: Vec<String>,
    #[serde(default)]
    qty: Vec<String>,
    back: Option<String>,
}

async fn act(req: HttpRequest, who: SignedIn, state: web::Data<AppState>, body: web::Bytes) -> HttpResponse {
    let outcome = async {
        let (caller, form) = who.form_request::<need::ReplenishmentWrite, Action>(&req, &body)?;
        let done = perform(&state, &req, caller, &who, &form).await?;
        Ok::<_, AppError>((form, done))
    }
    .await;
    match outcome {
        Ok((form, (what, n))) => {
            // Re-made from its parts: the redirect carries only filter fields.
            let back: Query = serde_html_form::from_str(form.back.as_deref().unwrap_or("")).unwrap_or_default();
            let back = back.filter_query();
            let sep = if back.is_empty() { "" } else { "&" };
            see_other(&format!("/console/proposals?{back}{sep}done={what}&n={n}"))
        }
        Err(e) => who.error(&e),
    }
}

/// At most this many proposals in one "all matching the filter" action.
const ALL_MATCHING_CAP: i64 = 5_000;
/// The API's bulk approval takes this many at once (all or none each).
const APPROVE_CHUNK: usize = 500;

/// The proposals an approve or reject applies to: the ticked rows, or every open proposal
/// matching the page's filter (within the key's scope) when "all matching" is ticked.
async fn chosen(state: &AppState, who: &SignedIn, form: &Action) -> Result<Vec<i64>, AppError> {
    if form.all.as_deref() != Some("yes") {
        if form.ids.is_empty() {
            return Err(AppError::validation("ids", "select at least one proposal"));
        }
        return Ok(form.ids.clone());
    }
    let back: Query = serde_html_form::from_str(form.back.as_deref().unwrap_or(""))
        .map_err(|e| AppError::validation("back", e.to_string()))?;
    let mut filter = back.filter()?;
    filter.status = Some(ProposalStatus::Open);
    let scope = who.session.principal.warehouses.clone();
    let ids = with_conn(&state.pool, move |conn| {
        listing::matching_ids(conn, &filter, scope.as_deref(), ALL_MATCHING_CAP)
    })
    .await?;
    if ids.is_empty() {
        return Err(AppError::validation("all", "no open proposal matches the filter"));
    }
    Ok(ids)
}

/// Carries out one worklist action; returns what was done and to how many proposals.
async fn perform(
    state: &AppState,
    req: &HttpRequest,
    caller: Caller<need::ReplenishmentWrite>,
    who: &SignedIn,
    form: &Action,
) -> Result<(&'static str, usize), AppError> {
    let principal = who.session.principal.clone();
    let another = || Caller::<need::ReplenishmentWrite>::signed_in(principal.clone(), req);
    match form.action.as_str() {
        "approve" => {
            let ids = chosen(state, who, form).await?;
            let mut caller = Some(caller);
            for chunk in ids.chunks(APPROVE_CHUNK) {
                let who = match caller.take() {
                    Some(c) => c,
                    None => another()?,
                };
                approve_ids(state, who, chunk.to_vec(), None).await?;
            }
            Ok(("approved", ids.len()))
        }
        "reject" => {
            let reason = form.reason.as_deref().map(str::trim).unwrap_or("");
            if reason.is_empty() {
                return Err(AppError::validation("reason", "say why the proposals are rejected"));
            }
            let ids = chosen(state, who, form).await?;
            let mut caller = Some(caller);
            for id in &ids {
                let who = match caller.take() {
                    Some(c) => c,
                    None => another()?,
                };
                reject_one(state, who, *id, reason.to_owned(), None).await?;
            }
            Ok(("rejected", ids.len()))
        }
        "save" => save_quantities(state, req, caller, principal, form).await,
        _ => Err(AppError::validation("action", "must be approve, reject or save")),
    }
}

/// Edits the quantities the planner changed (each edit locks its proposal, as in the API).
async fn save_quantities(
    state: &AppState,
    req: &HttpRequest,
    first: Caller<need::ReplenishmentWrite>,
    principal: crate::auth::Principal,
    form: &Action,
) -> Result<(&'static str, usize), AppError> {
    if form.row.len() != form.qty.len() || form.row.len() != form.was.len() {
        return Err(AppError::validation(
            "qty",
            "the quantity column is incomplete; reload the page",
        ));
    }
    let mut changed = Vec::new();
    for (i, id) in form.row.iter().enumerate() {
        let (was, now) = (form.was[i].trim(), form.qty[i].trim());
        if was == now {
            continue;
        }
        let quantity: i64 = now
            .parse()
            .ok()
            .filter(|q| *q >= 1)
            .ok_or_else(|| AppError::validation(format!("qty[{id}]"), "must be a whole number of at least 1"))?;
        changed.push((*id, quantity));
    }
    let mut caller = Some(first);
    for (id, quantity) in &changed {
        let who = match caller.take() {
            Some(c) => c,
            None => Caller::signed_in(principal.clone(), req)?,
        };
        let edit = ProposalEdit {
            quantity: Some(*quantity),
            supplier: None,
            override_rules: false,
        };
        edit_one(state, who, *id, edit, None).await?;
    }
    Ok(("saved", changed.len()))
}
