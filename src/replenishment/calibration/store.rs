//! Calibrations as stored (`replenishment_calibrations`): reading them back, writing one.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::Found;
use crate::catalog::utc;
use crate::db::{self, AnyConnection};
use crate::error::AppError;
use crate::replenishment::model::{Calibration, CalibrationTrial};
use crate::replenishment::ReplenishmentSettings;
use crate::schema::replenishment_calibrations as c;

/// A stored calibration.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = c)]
struct CalibrationRow {
    id: i64,
    run_id: i64,
    computed_at: chrono::NaiveDateTime,
    external_target: f64,
    internal_target: f64,
    margin: f64,
    window_from: Option<NaiveDate>,
    window_to: Option<NaiveDate>,
    origins: i32,
    pairs_replayed: i64,
    lines_replayed: i64,
    trials: String,
    fallback: Option<String>,
}

fn to_calibration(row: CalibrationRow) -> Result<Calibration, AppError> {
    let trials: Vec<CalibrationTrial> = serde_json::from_str(&row.trials)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("stored calibration trials: {e}")))?;
    Ok(Calibration {
        id: row.id,
        run_id: row.run_id,
        computed_at: utc(row.computed_at),
        external_target: row.external_target,
        internal_target: row.internal_target,
        margin: row.margin,
        at_limit: at_limit(&trials, row.margin * row.external_target, row.fallback.is_some()),
        window_from: row.window_from,
        window_to: row.window_to,
        origins: row.origins,
        pairs_replayed: row.pairs_replayed,
        lines_replayed: row.lines_replayed,
        trials,
        fallback: row.fallback,
    })
}

/// Whether no trial reached `goal` (a calibration that chose nothing is not at a limit). The
/// search only stops without a passing trial at the model's limit, so the stored trials say it.
fn at_limit(trials: &[CalibrationTrial], goal: f64, fallback: bool) -> bool {
    !fallback && !trials.is_empty() && trials.iter().all(|t| t.stockout_rate > goal * (1.0 + 1e-9))
}

/// The most recent calibration.
pub(crate) fn latest(conn: &mut AnyConnection) -> Result<Option<Calibration>, AppError> {
    load(conn, None)
}

/// One calibration by id.
pub(crate) fn get(conn: &mut AnyConnection, id: i64) -> Result<Option<Calibration>, AppError> {
    load(conn, Some(id))
}

/// The calibration `id`, or the most recent one.
fn load(conn: &mut AnyConnection, id: Option<i64>) -> Result<Option<Calibration>, AppError> {
    let mut query = c::table
        .select(CalibrationRow::as_select())
        .order((c::computed_at.desc(), c::id.desc()))
        .into_boxed();
    if let Some(id) = id {
        query = query.filter(c::id.eq(id));
    }
    let row: Option<CalibrationRow> = query.first(conn).optional()?;
    row.map(to_calibration).transpose()
}

pub(super) fn store(
    conn: &mut AnyConnection,
    settings: &ReplenishmentSettings,
    run_id: i64,
    found: &Found,
) -> Result<Calibration, AppError> {
    let external = settings.stockout_target;
    let trials: Vec<CalibrationTrial> = found
        .trials
        .iter()
        .map(|t| CalibrationTrial {
            internal_target: t.internal,
            stockout_rate: t.achieved,
        })
        .collect();
    let text = serde_json::to_string(&trials).map_err(|e| AppError::Internal(e.into()))?;
    let now = db::now();
    let internal = if found.fallback.is_some() {
        external
    } else {
        found.internal.unwrap_or(external)
    };
    // Stored as a share of the target (what the fixed margin was); a fallback demanded nothing.
    let margin = if found.fallback.is_none() && external > 0.0 {
        found.goal / external
    } else {
        1.0
    };
    let id: i64 = db::write_tx(conn, |conn| {
        diesel::insert_into(c::table)
            .values((
                c::run_id.eq(run_id),
                c::computed_at.eq(now),
                c::external_target.eq(external),
                c::internal_target.eq(internal),
                c::margin.eq(margin),
                c::window_from.eq(found.window.map(|w| w.0)),
                c::window_to.eq(found.window.map(|w| w.1)),
                c::origins.eq(found.origins as i32),
                c::pairs_replayed.eq(found.pairs as i64),
                c::lines_replayed.eq(found.lines as i64),
                c::trials.eq(&text),
                c::fallback.eq(found.fallback.as_deref()),
            ))
            .returning(c::id)
            .get_result(conn)
    })?;
    tracing::info!(
        external,
        internal,
        lines = found.lines,
        at_limit = found.at_limit,
        fallback = found.fallback.as_deref().unwrap_or(""),
        "replenishment calibration"
    );
    Ok(Calibration {
        id,
        run_id,
        computed_at: utc(now),
        external_target: external,
        internal_target: internal,
        margin,
        at_limit: found.at_limit,
        window_from: found.window.map(|w| w.0),
        window_to: found.window.map(|w| w.1),
        origins: found.origins as i32,
        pairs_replayed: found.pairs as i64,
        lines_replayed: found.lines as i64,
        trials,
        fallback: found.fallback.clone(),
    })
}
