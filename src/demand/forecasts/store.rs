//! Writing a chunk's forecasts: the old ones of the chunk replaced in one transaction.

use diesel::prelude::*;

use super::compute::Computed;
use super::ForecastSettings;
use crate::db::{self, AnyConnection};
use crate::error::AppError;
use crate::schema::forecasts as f;

/// Replaces the stored forecasts of a chunk of parts (within one warehouse, when the run is
/// limited to one).
pub(super) fn store(
    conn: &mut AnyConnection,
    settings: &ForecastSettings,
    chunk: &[i64],
    warehouse_id: Option<i64>,
    computed: &[Computed],
) -> Result<(), AppError> {
    let now = db::now();
    let values: Vec<_> = computed
        .iter()
        .map(|c| {
            let q = |p: f64| c.distribution.quantile(p) as i64;
            (
                f::warehouse_id.eq(c.warehouse_id),
                f::part_id.eq(c.part_id),
                f::demand_class.eq(c.demand_class.as_str()),
                f::method.eq(c.method.as_str()),
                f::selection_error.eq(c.selection_error),
                f::daily_rate.eq(c.daily_rate),
                f::lead_time_days.eq(c.lead_days as i32),
                f::review_days.eq(settings.review_days as i32),
                f::lead_time_mean.eq(c.distribution.mean()),
                f::lead_time_variance.eq(c.distribution.variance()),
                (
                    f::p50.eq(q(0.5)),
                    f::p90.eq(q(0.9)),
                    f::p95.eq(q(0.95)),
                    f::p99.eq(q(0.99)),
                ),
                (
                    f::history_days.eq(c.history_days as i32),
                    f::demand_days.eq(c.demand_days as i32),
                    f::computed_at.eq(now),
                ),
            )
        })
        .collect();
    db::write_tx(conn, |conn| {
        let mut stale = diesel::delete(f::table.filter(f::part_id.eq_any(chunk))).into_boxed();
        if let Some(w) = warehouse_id {
            stale = stale.filter(f::warehouse_id.eq(w));
        }
        stale.execute(conn)?;
        for batch in values.chunks(500) {
            // Multi-row inserts need the backend's own connection (SQLite has no DEFAULT keyword).
            let statement = diesel::insert_into(f::table).values(batch);
            match conn {
                AnyConnection::Postgresql(c) => statement.execute(c)?,
                AnyConnection::Sqlite(c) => statement.execute(c)?,
            };
        }
        Ok::<_, AppError>(())
    })
}
