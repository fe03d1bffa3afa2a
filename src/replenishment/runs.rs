//! Reading stored replenishment runs, with the calibration each planned with.

use diesel::prelude::*;

use super::calibration;
use super::model::RunSummary;
use crate::catalog::utc;
use crate::db::AnyConnection;
use crate::error::AppError;
use crate::schema::replenishment_runs as runs;

type RunRow = (
    (i64, String, String, String),
    (i32, i32, i32),
    (Option<f64>, Option<f64>, Option<f64>, Option<i64>),
    (chrono::NaiveDateTime, Option<chrono::NaiveDateTime>),
);

/// One run as its summary (the calibration included); a run still going reports what it has.
pub fn get(conn: &mut AnyConnection, id: i64) -> Result<RunSummary, AppError> {
    let row: Option<RunRow> = runs::table
        .find(id)
        .select((
            (runs::id, runs::trigger_kind, runs::status, runs::scope),
            (runs::pairs, runs::purchases, runs::transfers),
            (
                runs::shadow_price,
                runs::expected_stockout_rate,
                runs::internal_target,
                runs::calibration_id,
            ),
            (runs::started_at, runs::finished_at),
        ))
        .first(conn)
        .optional()?;
    let ((id, trigger, status, scope), (pairs, purchases, transfers), (price, rate, internal, calibration_id), times) =
        row.ok_or_else(|| AppError::not_found("replenishment run", id.to_string()))?;
    let calibration = match calibration_id {
        Some(c) => calibration::get(conn, c)?,
        None => None,
    };
    Ok(RunSummary {
        id,
        trigger,
        status,
        scope,
        pairs: i64::from(pairs),
        purchases: i64::from(purchases),
        transfers: i64::from(transfers),
        shadow_price: price,
        expected_stockout_rate: rate,
        internal_target: internal,
        calibration,
        started_at: utc(times.0),
        finished_at: times.1.map(utc),
    })
}
