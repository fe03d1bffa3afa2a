//! Replenishment routes: runs, policies and overrides, purchase orders (in
//! `replenishment_orders.rs`), KPIs (proposals are in `proposals`).

use actix_web::{web, HttpResponse};

use super::export;
use super::extract::{need, Caller, Command};
use super::params::Query;
use super::params::{Format, Listing};
use super::{long_run, mutate, ok_json, resource, respond, snapshot, with_conn, AppState, Changed, Page};
use crate::db::AnyConnection;
use crate::error::AppError;
use crate::replenishment::at_risk::{self, AtRiskFilter, AtRiskPair};
use crate::replenishment::model::{KpiAnswer, KpiFilter, Policy, PolicyFilter, PolicyOverride, RunRequest, RunSummary};
use crate::replenishment::runs::RunFilter;
use crate::replenishment::{kpis, planning, policies, runs};

#[path = "replenishment_orders.rs"]
mod orders;
pub(crate) use orders::*;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/replenishment/runs", "GET, POST")
            .route(web::get().to(list_runs))
            .route(web::post().to(run)),
    );
    cfg.service(resource("/replenishment/runs/{id}", "GET").route(web::get().to(get_run)));
    cfg.service(resource("/policies", "GET").route(web::get().to(list_policies)));
    cfg.service(
        resource("/policies/{warehouse}/{part_number}", "PUT, DELETE")
            .route(web::put().to(set_override))
            .route(web::delete().to(clear_override)),
    );
    cfg.service(resource("/purchase-orders", "GET").route(web::get().to(list_orders)));
    cfg.service(resource("/purchase-orders/{id}", "GET").route(web::get().to(get_order)));
    cfg.service(resource("/purchase-orders/{id}/cancel", "POST").route(web::post().to(cancel_order)));
    cfg.service(resource("/purchase-orders/{id}/lines/{part_number}", "PATCH").route(web::patch().to(amend_line)));
    cfg.service(resource("/purchase-orders/{id}/lines/{part_number}/close", "POST").route(web::post().to(close_line)));
    cfg.service(resource("/kpis", "GET").route(web::get().to(kpis)));
    cfg.service(resource("/at-risk", "GET").route(web::get().to(list_at_risk)));
}

#[utoipa::path(get, path = "/api/v1/at-risk", tag = "replenishment",
    params(AtRiskFilter, ("format" = Option<String>, Query, description = "`csv` for every matching pair as CSV (as `Accept: text/csv`); default JSON pages")),
    responses(
        (status = 200, description = "Pairs with a stock policy at or below their reorder point or projected to run out inside their lead time, \
            including pairs without a stock row yet, within the key's warehouses", body = Page<AtRiskPair>,
            content((Page<AtRiskPair> = "application/json"), (String = "text/csv")))))]
pub async fn list_at_risk(
    state: web::Data<AppState>,
    caller: Caller<need::StockRead>,
    listing: Listing<AtRiskFilter>,
) -> Result<HttpResponse, AppError> {
    let scope = caller.principal.warehouses.clone();
    let today = chrono::Utc::now().date_naive();
    let Listing { filter, format } = listing;
    match format {
        Format::Json => {
            let page = with_conn(&state.reports, move |conn| {
                at_risk::list(conn, &filter, scope.as_deref(), today)
            })
            .await?;
            Ok(ok_json(&Page::from(page)))
        }
        Format::Csv => {
            let rows = with_conn(&state.reports, move |conn| {
                at_risk::all(conn, &filter, scope.as_deref(), today)
            })
            .await?;
            Ok(export::rows("at-risk", rows))
        }
    }
}

#[utoipa::path(post, path = "/api/v1/replenishment/runs", tag = "replenishment", request_body = Option<RunRequest>,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: a retry returns the first run's summary")),
    responses(
        (status = 200, description = "The run finished; its policies and proposals are stored", body = RunSummary),
        (status = 404, description = "Unknown part")))]
pub async fn run(
    state: web::Data<AppState>,
    caller: Caller<need::ReplenishmentWrite>,
    cmd: Command<Option<RunRequest>>,
) -> Result<HttpResponse, AppError> {
    let Command { input, idempotency } = cmd;
    let stored = start_run(&state, caller, input.unwrap_or_default(), idempotency).await?;
    Ok(respond(stored))
}

/// Runs replenishment for a key without warehouse limits (a run plans the whole network),
/// audited as `replenishment.run`; the console's run form calls it too.
pub(crate) async fn start_run(
    state: &AppState,
    caller: Caller<need::ReplenishmentWrite>,
    input: RunRequest,
    idempotency: Option<crate::idempotency::IdempotentRequest>,
) -> Result<crate::idempotency::StoredResponse, AppError> {
    if caller.principal.visible_warehouses().is_some() {
        return Err(AppError::Forbidden(
            "a run plans the whole network: use a key without warehouse limits".into(),
        ));
    }
    let settings = state.replenishment.clone();
    let action = ("replenishment.run", "replenishment_run");
    long_run(state, caller, idempotency, action, move |conn, actor| {
        let summary = planning::run(conn, &settings, &input, "manual", actor)?;
        Ok(Changed::new(summary.id, summary))
    })
    .await
}

#[utoipa::path(get, path = "/api/v1/replenishment/runs", tag = "replenishment", params(RunFilter),
    responses(
        (status = 200, description = "Replenishment runs, newest first", body = Page<RunSummary>)))]
pub async fn list_runs(
    state: web::Data<AppState>,
    _caller: Caller<need::ReplenishmentRead>,
    filter: Query<RunFilter>,
) -> Result<HttpResponse, AppError> {
    let page = with_conn(&state.pool, move |conn| runs::list(conn, &filter)).await?;
    Ok(ok_json(&Page::from(page)))
}

#[utoipa::path(get, path = "/api/v1/replenishment/runs/{id}", tag = "replenishment",
    params(("id" = i64, Path, description = "Run id")),
    responses(
        (status = 200, description = "The run's summary, with the calibration of the internal target it planned with", body = RunSummary),
        (status = 404, description = "Unknown run")))]
pub async fn get_run(
    state: web::Data<AppState>,
    _caller: Caller<need::ReplenishmentRead>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let run = with_conn(&state.pool, move |conn| runs::get(conn, id)).await?;
    Ok(ok_json(&run))
}

#[utoipa::path(get, path = "/api/v1/policies", tag = "replenishment", params(PolicyFilter),
    responses(
        (status = 200, description = "(s, S) policies by warehouse and part", body = Page<Policy>)))]
pub async fn list_policies(
    state: web::Data<AppState>,
    caller: Caller<need::ReplenishmentRead>,
    filter: Query<PolicyFilter>,
) -> Result<HttpResponse, AppError> {
    let scope = caller.principal.warehouses.clone();
    let page = with_conn(&state.pool, move |conn| policies::list(conn, &filter, scope.as_deref())).await?;
    Ok(ok_json(&Page::from(page)))
}

#[utoipa::path(put, path = "/api/v1/policies/{warehouse}/{part_number}", tag = "replenishment", request_body = PolicyOverride,
    params(("warehouse" = String, Path, description = "Warehouse code"), ("part_number" = String, Path, description = "Part number"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses(
        (status = 200, description = "The manual min/max is in force", body = Policy),
        (status = 404, description = "Unknown warehouse or part")))]
pub async fn set_override(
    state: web::Data<AppState>,
    caller: Caller<need::ReplenishmentWrite>,
    path: web::Path<(String, String)>,
    cmd: Command<PolicyOverride>,
) -> Result<HttpResponse, AppError> {
    let Command { input, idempotency } = cmd;
    let work = move |conn: &mut AnyConnection, warehouse: &str, part_number: &str| {
        policies::set_override(conn, warehouse, part_number, &input)
    };
    change_policy(
        &state,
        caller,
        path.into_inner(),
        (idempotency, "policy.override"),
        work,
    )
    .await
}

#[utoipa::path(delete, path = "/api/v1/policies/{warehouse}/{part_number}", tag = "replenishment",
    params(("warehouse" = String, Path, description = "Warehouse code"), ("part_number" = String, Path, description = "Part number")),
    responses(
        (status = 200, description = "The override is cleared; the next run computes the levels again", body = Policy),
        (status = 404, description = "No manual override for this pair")))]
pub async fn clear_override(
    state: web::Data<AppState>,
    caller: Caller<need::ReplenishmentWrite>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let action = (None, "policy.clear_override");
    change_policy(&state, caller, path.into_inner(), action, policies::clear_override).await
}

/// A change `work` makes to the policy of a pair in the caller's warehouses, audited with the
/// stored policy before (none when the pair had none) and after.
async fn change_policy<F>(
    state: &AppState,
    caller: Caller<need::ReplenishmentWrite>,
    (warehouse, part_number): (String, String),
    (idempotency, action): (Option<crate::idempotency::IdempotentRequest>, &'static str),
    work: F,
) -> Result<HttpResponse, AppError>
where
    F: FnOnce(&mut AnyConnection, &str, &str) -> Result<Policy, AppError> + Send + 'static,
{
    caller.principal.require_warehouse(&warehouse)?;
    let stored = mutate(
        state,
        caller,
        idempotency,
        200,
        (action, "policy"),
        move |conn, _, _| {
            let before = policies::get(conn, &warehouse, &part_number)?
                .as_ref()
                .and_then(snapshot);
            let policy = work(conn, &warehouse, &part_number)?;
            Ok(Changed {
                entity_id: format!("{warehouse}/{part_number}"),
                before,
                value: policy,
            })
        },
    )
    .await?;
    Ok(respond(stored))
}

#[utoipa::path(get, path = "/api/v1/kpis", tag = "replenishment",
    params(KpiFilter, ("format" = Option<String>, Query, description = "`csv` for the KPIs as CSV, one row per group (as `Accept: text/csv`)")),
    responses(
        (status = 200, description = "Service and stock KPIs over the period: one object without `by`, the groups with it",
            content((KpiAnswer = "application/json"), (String = "text/csv")))))]
pub async fn kpis(
    state: web::Data<AppState>,
    caller: Caller<need::ReplenishmentRead>,
    listing: Listing<KpiFilter>,
) -> Result<HttpResponse, AppError> {
    let scope = caller.principal.warehouses.clone();
    let Listing { filter, format } = listing;
    let grouped = filter.by.is_some();
    let found = with_conn(&state.reports, move |conn| {
        kpis::groups(conn, &filter, scope.as_deref())
    })
    .await?;
    match (format, grouped) {
        (Format::Csv, _) => Ok(export::rows("kpis", found.groups)),
        (Format::Json, true) => Ok(ok_json(&KpiAnswer::Groups(found))),
        (Format::Json, false) => {
            let one = found
                .groups
                .into_iter()
                .next()
                .ok_or_else(|| AppError::Internal(anyhow::anyhow!("the network group is always present")))?;
            Ok(ok_json(&KpiAnswer::One(one)))
        }
    }
}
