//! Replenishment runs: the list (newest first, page by page), a form to start one and each
//! run's summary (what it planned and proposed, what became of the open proposals, the
//! calibration it planned with). Reads are the API's `runs::list` / `runs::get`; starting a run
//! is the API's own audited `start_run`, with its permission and its refusal of keys limited
//! to some warehouses.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::layout::{page, respond};
use super::{see_other, SignedIn};
use crate::api::extract::need;
use crate::api::replenishment::start_run;
use crate::api::{with_conn, AppState};
use crate::error::AppError;
use crate::replenishment::model::{RunRequest, RunSummary};
use crate::replenishment::runs::{self, RunFilter};

#[path = "runs_view.rs"]
mod view;

/// Runs a page shows.
const PAGE: i64 = 50;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/runs", web::get().to(list))
        .route("/runs", web::post().to(start))
        .route("/runs/{id}", web::get().to(summary));
}

#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    cursor: Option<String>,
}

async fn list(req: HttpRequest, who: SignedIn, state: web::Data<AppState>) -> HttpResponse {
    let query = match who.page_request::<need::ReplenishmentRead, ListQuery>(&req) {
        Ok((_, query)) => query,
        Err(e) => return who.error(&e),
    };
    let filter = RunFilter {
        limit: Some(PAGE),
        cursor: query.cursor.filter(|c| !c.trim().is_empty()),
        ..Default::default()
    };
    match with_conn(&state.pool, move |conn| runs::list(conn, &filter)).await {
        Ok((found, next)) => list_page(&who, StatusCode::OK, &found, next.as_deref(), None),
        Err(e) => who.error(&e),
    }
}

fn list_page(
    who: &SignedIn,
    status: StatusCode,
    found: &[RunSummary],
    next: Option<&str>,
    refused: Option<&AppError>,
) -> HttpResponse {
    let lang = who.lang;
    let body = view::list(lang, who, found, next, refused);
    respond(
        status,
        page(lang, Some(who), "/console/runs", &lang.t("runs.title"), body),
    )
}

#[derive(Debug, Default, Deserialize)]
struct SummaryQuery {
    done: Option<String>,
}

async fn summary(req: HttpRequest, who: SignedIn, state: web::Data<AppState>, id: web::Path<i64>) -> HttpResponse {
    let query = match who.page_request::<need::ReplenishmentRead, SummaryQuery>(&req) {
        Ok((_, query)) => query,
        Err(e) => return who.error(&e),
    };
    let id = id.into_inner();
    match with_conn(&state.pool, move |conn| runs::get(conn, id)).await {
        Ok(run) => {
            let lang = who.lang;
            let title = format!("{} #{id}", lang.t("runs.run"));
            let body = view::summary(lang, &run, query.done.as_deref() == Some("started"));
            respond(StatusCode::OK, page(lang, Some(&who), &who.here, &title, body))
        }
        Err(e) => who.error(&e),
    }
}

/// The start form: one part only (empty: the whole network) and whether to recompute the
/// policies first (a ticked box sends `yes`; an unticked one sends nothing).
#[derive(Debug, Deserialize)]
struct StartForm {
    part_number: Option<String>,
    replan: Option<String>,
}

impl StartForm {
    fn request(&self) -> Result<RunRequest, AppError> {
        let replan = match self.replan.as_deref().map(str::trim) {
            None | Some("") => false,
            Some("yes") => true,
            Some(_) => return Err(AppError::validation("replan", "must be yes or left out")),
        };
        Ok(RunRequest {
            part_number: self
                .part_number
                .as_deref()
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_owned),
            replan: Some(replan),
        })
    }
}

/// Starts a run and shows its summary; a refusal shows the list again with it.
async fn start(req: HttpRequest, who: SignedIn, state: web::Data<AppState>, body: web::Bytes) -> HttpResponse {
    let outcome = async {
        let (caller, form) = who.form_request::<need::ReplenishmentWrite, StartForm>(&req, &body)?;
        let stored = start_run(&state, caller, form.request()?, None).await?;
        let run: serde_json::Value = serde_json::from_str(&stored.body).map_err(|e| AppError::Internal(e.into()))?;
        run["id"]
            .as_i64()
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("a run's summary has its id")))
    }
    .await;
    let refused = match outcome {
        Ok(id) => return see_other(&format!("/console/runs/{id}?done=started")),
        Err(e) => e,
    };
    let status = StatusCode::from_u16(refused.problem().status).unwrap_or(StatusCode::BAD_REQUEST);
    let filter = RunFilter {
        limit: Some(PAGE),
        ..Default::default()
    };
    match with_conn(&state.pool, move |conn| runs::list(conn, &filter)).await {
        Ok((found, next)) => list_page(&who, status, &found, next.as_deref(), Some(&refused)),
        Err(_) => who.error(&refused),
    }
}
