//! Proposal routes: list, read, edit (which locks), take the engine's figure, unlock,
//! approve (one or many) and reject.

use actix_web::{web, HttpResponse};
use serde::Serialize;

use super::csv_rows::ProposalRow;
use super::export;
use super::extract::{need, Caller, Command};
use super::params::{Format, Listing};
use super::{mutate, ok_json, resource, respond, with_conn, AppState, Changed, Page};
use crate::auth::Principal;
use crate::db::AnyConnection;
use crate::error::AppError;
use crate::idempotency::{IdempotentRequest, StoredResponse};
use crate::replenishment::model::{
    BulkApprove, BulkApproved, EngineFigure, Proposal, ProposalEdit, ProposalFilter, RejectInput,
};
use crate::replenishment::{proposals, review};
use crate::stock::ledger::Actor;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/proposals", "GET").route(web::get().to(list_proposals)));
    cfg.service(resource("/proposals/approve", "POST").route(web::post().to(bulk_approve)));
    cfg.service(
        resource("/proposals/{id}", "GET, PATCH")
            .route(web::get().to(get_proposal))
            .route(web::patch().to(edit_proposal)),
    );
    cfg.service(resource("/proposals/{id}/preview", "POST").route(web::post().to(preview_proposal)));
    cfg.service(resource("/proposals/{id}/approve", "POST").route(web::post().to(approve)));
    cfg.service(resource("/proposals/{id}/reject", "POST").route(web::post().to(reject)));
    cfg.service(resource("/proposals/{id}/accept-engine", "POST").route(web::post().to(accept_engine)));
    cfg.service(resource("/proposals/{id}/unlock", "POST").route(web::post().to(unlock)));
}

#[utoipa::path(get, path = "/api/v1/proposals", tag = "replenishment",
    params(ProposalFilter, ("format" = Option<String>, Query, description = "`csv` for every matching proposal as CSV, streamed (as `Accept: text/csv`)")),
    responses(
        (status = 200, description = "Purchase and transfer proposals, oldest first", body = Page<Proposal>,
            content((Page<Proposal> = "application/json"), (String = "text/csv")))))]
pub async fn list_proposals(
    state: web::Data<AppState>,
    caller: Caller<need::ReplenishmentRead>,
    listing: Listing<ProposalFilter>,
) -> Result<HttpResponse, AppError> {
    let scope = caller.principal.warehouses.clone();
    let Listing { filter, format } = listing;
    if format == Format::Csv {
        let list = move |conn: &mut AnyConnection, f: &ProposalFilter| {
            let (rows, next) = proposals::list(conn, f, scope.as_deref())?;
            Ok((rows.into_iter().map(ProposalRow::from).collect::<Vec<_>>(), next))
        };
        let next_page = |f: &mut ProposalFilter, cursor: String, limit: i64| {
            (f.cursor, f.limit) = (Some(cursor), Some(limit));
        };
        return export::pages(&state.pool, "proposals", filter, list, next_page).await;
    }
    let page = with_conn(&state.pool, move |conn| {
        proposals::list(conn, &filter, scope.as_deref())
    })
    .await?;
    Ok(ok_json(&Page::from(page)))
}

#[utoipa::path(get, path = "/api/v1/proposals/{id}", tag = "replenishment",
    params(("id" = i64, Path, description = "Proposal id")),
    responses(
        (status = 200, description = "The proposal with its explanation", body = Proposal),
        (status = 404, description = "Unknown proposal")))]
pub async fn get_proposal(
    state: web::Data<AppState>,
    caller: Caller<need::ReplenishmentRead>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let proposal = with_conn(&state.pool, move |conn| proposals::get(conn, id)).await?;
    caller.principal.require_warehouse(&proposal.warehouse)?;
    Ok(ok_json(&proposal))
}

pub(crate) fn visible(conn: &mut AnyConnection, principal: &Principal, id: i64) -> Result<Proposal, AppError> {
    let proposal = proposals::get(conn, id)?;
    principal.require_warehouse(&proposal.warehouse)?;
    Ok(proposal)
}

#[utoipa::path(patch, path = "/api/v1/proposals/{id}", tag = "replenishment", request_body = ProposalEdit,
    params(("id" = i64, Path, description = "Proposal id")),
    responses(
        (status = 200, description = "The edited proposal, locked: runs keep its figures and record theirs in `engine`", body = Proposal),
        (status = 404, description = "Unknown proposal"),
        (status = 409, description = "The proposal is no longer open")))]
pub async fn edit_proposal(
    state: web::Data<AppState>,
    caller: Caller<need::ReplenishmentWrite>,
    id: web::Path<i64>,
    cmd: Command<ProposalEdit>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let Command { input, idempotency } = cmd;
    let stored = edit_one(&state, caller, id, input, idempotency).await?;
    Ok(respond(stored))
}

/// Edits one proposal the caller may see (which locks it), audited as `proposal.edit` (or
/// `proposal.edit_override`).
pub(crate) async fn edit_one(
    state: &AppState,
    caller: Caller<need::ReplenishmentWrite>,
    id: i64,
    input: ProposalEdit,
    idempotency: Option<IdempotentRequest>,
) -> Result<StoredResponse, AppError> {
    let review_days = state.replenishment.review_days;
    let action = if input.override_rules {
        "proposal.edit_override"
    } else {
        "proposal.edit"
    };
    let work = move |conn: &mut AnyConnection, id, _: &Actor| review::edit(conn, id, &input, review_days);
    change_proposal(state, caller, id, (idempotency, action), work).await
}

#[utoipa::path(post, path = "/api/v1/proposals/{id}/preview", tag = "replenishment", request_body = ProposalEdit,
    params(("id" = i64, Path, description = "Proposal id")),
    responses(
        (status = 200, description = "What the edit would make of the proposal (quantity, supplier, value and the recomputed explanation); nothing is changed", body = EngineFigure),
        (status = 404, description = "Unknown proposal"),
        (status = 409, description = "The proposal is no longer open")))]
pub async fn preview_proposal(
    state: web::Data<AppState>,
    caller: Caller<need::ReplenishmentRead>,
    id: web::Path<i64>,
    cmd: Command<ProposalEdit>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let review_days = state.replenishment.review_days;
    let (warehouse, preview) = with_conn(&state.pool, move |conn| {
        review::preview(conn, id, &cmd.input, review_days)
    })
    .await?;
    caller.principal.require_warehouse(&warehouse)?;
    Ok(ok_json(&preview))
}

#[utoipa::path(post, path = "/api/v1/proposals/{id}/approve", tag = "replenishment",
    params(("id" = i64, Path, description = "Proposal id"), ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses(
        (status = 200, description = "Approved: a purchase order or transfer was created", body = BulkApproved),
        (status = 404, description = "Unknown proposal"),
        (status = 409, description = "The proposal is no longer open, or the source is short")))]
pub async fn approve(
    state: web::Data<AppState>,
    caller: Caller<need::ReplenishmentWrite>,
    id: web::Path<i64>,
    cmd: Command<Option<serde_json::Value>>,
) -> Result<HttpResponse, AppError> {
    let pct = state.replenishment.over_receipt_pct;
    let work = move |conn: &mut AnyConnection, id, actor: &Actor| proposals::approve_many(conn, &[id], pct, actor);
    let action = (cmd.idempotency, "proposal.approve");
    Ok(respond(
        change_proposal(&state, caller, id.into_inner(), action, work).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/proposals/approve", tag = "replenishment", request_body = BulkApprove,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses(
        (status = 200, description = "All approved (or none): purchase orders per supplier and warehouse, transfers per lane", body = BulkApproved),
        (status = 404, description = "Unknown proposal"),
        (status = 409, description = "A proposal is no longer open")))]
pub async fn bulk_approve(
    state: web::Data<AppState>,
    caller: Caller<need::ReplenishmentWrite>,
    cmd: Command<BulkApprove>,
) -> Result<HttpResponse, AppError> {
    let Command { input, idempotency } = cmd;
    let stored = approve_ids(&state, caller, input.ids, idempotency).await?;
    Ok(respond(stored))
}

/// Approves proposals the caller may see, all or none, audited as one `proposal.approve`
/// (the bulk route and the console's worklist).
pub(crate) async fn approve_ids(
    state: &AppState,
    caller: Caller<need::ReplenishmentWrite>,
    ids: Vec<i64>,
    idempotency: Option<IdempotentRequest>,
) -> Result<StoredResponse, AppError> {
    if ids.is_empty() || ids.len() > 500 {
        return Err(AppError::validation("ids", "must list 1-500 proposals"));
    }
    let pct = state.replenishment.over_receipt_pct;
    mutate(
        state,
        caller,
        idempotency,
        200,
        ("proposal.approve", "proposal"),
        move |conn, principal, actor| {
            for id in &ids {
                visible(conn, principal, *id)?;
            }
            let approved = proposals::approve_many(conn, &ids, pct, actor)?;
            let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
            Ok(Changed::new(ids.join(","), approved))
        },
    )
    .await
}

#[utoipa::path(post, path = "/api/v1/proposals/{id}/reject", tag = "replenishment", request_body = RejectInput,
    params(("id" = i64, Path, description = "Proposal id"), ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses(
        (status = 200, description = "Rejected", body = Proposal),
        (status = 404, description = "Unknown proposal"),
        (status = 409, description = "The proposal is no longer open")))]
pub async fn reject(
    state: web::Data<AppState>,
    caller: Caller<need::ReplenishmentWrite>,
    id: web::Path<i64>,
    cmd: Command<RejectInput>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let Command { input, idempotency } = cmd;
    let stored = reject_one(&state, caller, id, input.reason, idempotency).await?;
    Ok(respond(stored))
}

/// Rejects one proposal the caller may see, with its reason, audited as `proposal.reject`.
pub(crate) async fn reject_one(
    state: &AppState,
    caller: Caller<need::ReplenishmentWrite>,
    id: i64,
    reason: String,
    idempotency: Option<IdempotentRequest>,
) -> Result<StoredResponse, AppError> {
    let work = move |conn: &mut AnyConnection, id, actor: &Actor| proposals::reject(conn, id, &reason, actor);
    change_proposal(state, caller, id, (idempotency, "proposal.reject"), work).await
}

/// A state change of one proposal with no body: the caller may see it, `work` changes it,
/// the audit trail records before and after.
async fn review_action(
    state: web::Data<AppState>,
    caller: Caller<need::ReplenishmentWrite>,
    id: i64,
    idempotency: Option<IdempotentRequest>,
    action: &'static str,
    work: fn(&mut AnyConnection, i64, &Actor) -> Result<Proposal, AppError>,
) -> Result<HttpResponse, AppError> {
    Ok(respond(
        change_proposal(&state, caller, id, (idempotency, action), work).await?,
    ))
}

/// A change `work` makes to proposal `id`, once the caller is known to see it, audited as
/// `action` with the proposal before and `work`'s answer after.
async fn change_proposal<T, F>(
    state: &AppState,
    caller: Caller<need::ReplenishmentWrite>,
    id: i64,
    (idempotency, action): (Option<IdempotentRequest>, &'static str),
    work: F,
) -> Result<StoredResponse, AppError>
where
    T: Serialize,
    F: FnOnce(&mut AnyConnection, i64, &Actor) -> Result<T, AppError> + Send + 'static,
{
    mutate(
        state,
        caller,
        idempotency,
        200,
        (action, "proposal"),
        move |conn, principal, actor| {
            let before = visible(conn, principal, id)?;
            Ok(Changed::replacing(id, &before, work(conn, id, actor)?))
        },
    )
    .await
}

#[utoipa::path(post, path = "/api/v1/proposals/{id}/accept-engine", tag = "replenishment",
    params(("id" = i64, Path, description = "Proposal id"), ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses(
        (status = 200, description = "The engine's figure replaced the planner's and the proposal is unlocked (withdrawn when the engine sees no need)", body = Proposal),
        (status = 404, description = "Unknown proposal"),
        (status = 409, description = "The proposal is not open or not locked")))]
pub async fn accept_engine(
    state: web::Data<AppState>,
    caller: Caller<need::ReplenishmentWrite>,
    id: web::Path<i64>,
    cmd: Command<Option<serde_json::Value>>,
) -> Result<HttpResponse, AppError> {
    let work = |conn: &mut AnyConnection, id, actor: &_| review::accept_engine(conn, id, actor);
    review_action(
        state,
        caller,
        id.into_inner(),
        cmd.idempotency,
        "proposal.accept_engine",
        work,
    )
    .await
}

#[utoipa::path(post, path = "/api/v1/proposals/{id}/unlock", tag = "replenishment",
    params(("id" = i64, Path, description = "Proposal id"), ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses(
        (status = 200, description = "Unlocked as it is: the next run revises it to the engine's figures", body = Proposal),
        (status = 404, description = "Unknown proposal"),
        (status = 409, description = "The proposal is not open or not locked")))]
pub async fn unlock(
    state: web::Data<AppState>,
    caller: Caller<need::ReplenishmentWrite>,
    id: web::Path<i64>,
    cmd: Command<Option<serde_json::Value>>,
) -> Result<HttpResponse, AppError> {
    let work = |conn: &mut AnyConnection, id, _: &_| review::unlock(conn, id);
    review_action(state, caller, id.into_inner(), cmd.idempotency, "proposal.unlock", work).await
}
