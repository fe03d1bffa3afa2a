//! Reading stored replenishment runs, with the calibration each planned with: one by id, or
//! pages of them newest first.

use diesel::prelude::*;
use serde::Deserialize;
use utoipa::IntoParams;

use super::calibration;
use super::model::{RunRequest, RunSummary};
use super::proposals::from_json;
use crate::catalog::utc;
use crate::db::AnyConnection;
use crate::error::AppError;
use crate::pagination::PageRequest;
use crate::schema::replenishment_runs as runs;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = runs)]
struct RunRow {
    id: i64,
    trigger_kind: String,
    status: String,
    scope: String,
    pairs: i32,
    purchases: i32,
    transfers: i32,
    shadow_price: Option<f64>,
    expected_stockout_rate: Option<f64>,
    internal_target: Option<f64>,
    calibration_id: Option<i64>,
    proposals_created: Option<i64>,
    proposals_revised: Option<i64>,
    proposals_withdrawn: Option<i64>,
    started_at: chrono::NaiveDateTime,
    finished_at: Option<chrono::NaiveDateTime>,
}

/// Which runs to list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RunFilter {
    /// `scheduled`, `manual` or `urgent`.
    pub trigger: Option<String>,
    /// `running`, `succeeded` or `failed`.
    pub status: Option<String>,
    /// Runs started at or after this instant (RFC 3339, or `YYYY-MM-DD` for the start of that
    /// day, UTC).
    #[serde(default, deserialize_with = "crate::validate::instant::option")]
    pub from: Option<chrono::DateTime<chrono::Utc>>,
    /// Runs started before this instant (RFC 3339, or `YYYY-MM-DD` for the start of that day,
    /// UTC).
    #[serde(default, deserialize_with = "crate::validate::instant::option")]
    pub to: Option<chrono::DateTime<chrono::Utc>>,
    /// `newest` first (the default) or `oldest` first; the cursor follows the order asked for.
    #[param(inline)]
    pub sort: Option<crate::pagination::ListOrder>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

const TRIGGERS: [&str; 3] = ["scheduled", "manual", "urgent"];
const STATUSES: [&str; 3] = ["running", "succeeded", "failed"];

/// One run as its summary (the calibration included); a run still going reports what it has.
pub fn get(conn: &mut AnyConnection, id: i64) -> Result<RunSummary, AppError> {
    let row: RunRow = runs::table
        .find(id)
        .select(RunRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("replenishment run", id.to_string()))?;
    summary(conn, row)
}

/// Runs newest first (or as `sort` asks), a page at a time.
pub fn list(conn: &mut AnyConnection, filter: &RunFilter) -> Result<(Vec<RunSummary>, Option<String>), AppError> {
    let page = PageRequest::parse(filter.limit, filter.cursor.as_deref())?;
    let trigger = crate::validate::one_of("trigger", filter.trigger.as_deref(), &TRIGGERS)?;
    let status = crate::validate::one_of("status", filter.status.as_deref(), &STATUSES)?;
    let mut query = runs::table
        .select(RunRow::as_select())
        .limit(page.fetch_limit())
        .into_boxed();
    if let Some(t) = trigger {
        query = query.filter(runs::trigger_kind.eq(t));
    }
    if let Some(s) = status {
        query = query.filter(runs::status.eq(s));
    }
    if let Some(from) = filter.from {
        query = query.filter(runs::started_at.ge(from.naive_utc()));
    }
    if let Some(to) = filter.to {
        query = query.filter(runs::started_at.lt(to.naive_utc()));
    }
    let order = filter.sort.unwrap_or(crate::pagination::ListOrder::Newest);
    let query = crate::order_by_id!(query, runs::id, order, page.id_cursor()?);
    let rows: Vec<RunRow> = query.load(conn)?;
    let (rows, next) = page.finish(rows, |r| r.id.to_string());
    let items = rows.into_iter().map(|r| summary(conn, r)).collect::<Result<_, _>>()?;
    Ok((items, next))
}

fn summary(conn: &mut AnyConnection, r: RunRow) -> Result<RunSummary, AppError> {
    let calibration = match r.calibration_id {
        Some(c) => calibration::get(conn, c)?,
        None => None,
    };
    // Runs store their request as JSON; an empty scope ("") predates that.
    let scope: RunRequest = if r.scope.trim().is_empty() {
        RunRequest::default()
    } else {
        from_json(&r.scope)?
    };
    Ok(RunSummary {
        id: r.id,
        trigger: r.trigger_kind,
        status: r.status,
        scope,
        pairs: i64::from(r.pairs),
        purchases: i64::from(r.purchases),
        transfers: i64::from(r.transfers),
        shadow_price: r.shadow_price,
        expected_stockout_rate: r.expected_stockout_rate,
        internal_target: r.internal_target,
        calibration,
        proposals_created: r.proposals_created,
        proposals_revised: r.proposals_revised,
        proposals_withdrawn: r.proposals_withdrawn,
        started_at: utc(r.started_at),
        finished_at: r.finished_at.map(utc),
    })
}
