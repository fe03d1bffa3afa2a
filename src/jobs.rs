//! Background work: releasing expired reservations and purging old idempotency keys, the
//! scheduled forecast and replenishment runs, and the urgent runs for refused reservations
//! (webhook delivery has its own loop in `webhooks::delivery`). Safe with several instances
//! on one database: each expiry is a conditional status change, so a reservation is released
//! by exactly one instance, and every run takes a database lease first, so it happens once.

use std::sync::Arc;
use std::time::Duration;

use crate::db::{self, lease, DbPool};
use crate::demand::forecasts::{self, ForecastRunRequest, ForecastRunSummary, ForecastSettings};
use crate::error::AppError;
use crate::idempotency;
use crate::reservations::model::ReservationStatus;
use crate::reservations::service;
use crate::stock::ledger::Actor;

const EXPIRY_BATCH: i64 = 200;

/// Runs `pass` on the blocking pool every `interval`, the first time at once, and hands what
/// it returns to `report`. A pass that fails or panics is logged and the next tick tries again.
fn spawn_periodic<T: Send + 'static>(
    job: &'static str,
    interval: Duration,
    pass: impl Fn() -> Result<T, AppError> + Send + Sync + 'static,
    report: impl Fn(T) + 'static,
) {
    let pass = Arc::new(pass);
    actix_web::rt::spawn(async move {
        let mut ticker = actix_web::rt::time::interval(interval);
        loop {
            ticker.tick().await;
            let pass = Arc::clone(&pass);
            match actix_web::web::block(move || pass()).await {
                Ok(Ok(outcome)) => report(outcome),
                Ok(Err(error)) => tracing::warn!(%error, job, "background job failed"),
                Err(error) => tracing::warn!(%error, job, "background job panicked"),
            }
        }
    });
}

/// A lease holder name unique to this process and job.
fn holder() -> String {
    format!("{}-{}", std::process::id(), uuid::Uuid::new_v4())
}

/// Releases expired reservations and purges old idempotency keys every `interval`.
pub fn spawn(pool: DbPool, interval: Duration) {
    spawn_periodic(
        "expiry",
        interval,
        move || run_once(&pool),
        |expired| {
            if expired > 0 {
                tracing::info!(expired, "expired reservations released");
            }
        },
    );
}

/// One pass: expire what is due, purge old keys. Returns how many reservations expired.
pub fn run_once(pool: &DbPool) -> Result<usize, AppError> {
    let mut conn = pool.get()?;
    let due = service::due_for_expiry(&mut conn, db::now(), EXPIRY_BATCH)?;
    let actor = Actor {
        name: "system:expiry".to_owned(),
        request_id: None,
    };
    let mut expired = 0;
    for id in due {
        match db::write_tx(&mut conn, |c| {
            service::release(c, &actor, id, ReservationStatus::Expired)
        }) {
            Ok(_) => expired += 1,
            // Consumed, released or expired by someone else in the meantime.
            Err(AppError::InvalidState(_)) => {}
            Err(other) => return Err(other),
        }
    }
    db::write_tx(&mut conn, idempotency::purge_expired)?;
    Ok(expired)
}

const FORECAST_JOB: &str = "forecasts";
/// Longer than a full run takes; a crashed holder's lease frees itself after it.
const FORECAST_LEASE: chrono::Duration = chrono::Duration::hours(2);

/// Runs the forecasts every `interval`, on whichever instance takes the lease first.
pub fn spawn_forecasts(pool: DbPool, settings: ForecastSettings, interval: Duration) {
    let holder = holder();
    // Check often, run when due: the lease records when the last run finished.
    let check = interval.min(Duration::from_secs(60));
    let pass = move || run_forecasts_if_due(&pool, &settings, interval, &holder);
    spawn_periodic(FORECAST_JOB, check, pass, |run| {
        if let Some(run) = run {
            tracing::info!(run = run.id, series = run.series, "scheduled forecast run finished")
        }
    });
}

/// Runs every forecast when the schedule says so and no other instance is running them.
pub fn run_forecasts_if_due(
    pool: &DbPool,
    settings: &ForecastSettings,
    interval: Duration,
    holder: &str,
) -> Result<Option<ForecastRunSummary>, AppError> {
    let mut conn = pool.get()?;
    let every = chrono::Duration::from_std(interval).unwrap_or(chrono::Duration::days(1));
    if !lease::acquire(&mut conn, FORECAST_JOB, holder, FORECAST_LEASE, every)? {
        return Ok(None);
    }
    let outcome = forecasts::run(&mut conn, settings, &ForecastRunRequest::default());
    lease::finish(&mut conn, FORECAST_JOB, holder)?;
    outcome.map(Some)
}

const REPLENISHMENT_JOB: &str = "replenishment";
const REPLENISHMENT_LEASE: chrono::Duration = chrono::Duration::hours(2);

/// Runs replenishment every `interval`, on whichever instance takes the lease first.
pub fn spawn_replenishment(pool: DbPool, settings: crate::replenishment::ReplenishmentSettings, interval: Duration) {
    let holder = holder();
    let check = interval.min(Duration::from_secs(60));
    let pass = move || run_replenishment_if_due(&pool, &settings, interval, &holder);
    spawn_periodic(REPLENISHMENT_JOB, check, pass, |run| {
        if let Some(run) = run {
            tracing::info!(
                run = run.id,
                purchases = run.purchases,
                transfers = run.transfers,
                "scheduled replenishment run finished"
            )
        }
    });
}

/// Runs replenishment when the schedule says so and no other instance is running it.
pub fn run_replenishment_if_due(
    pool: &DbPool,
    settings: &crate::replenishment::ReplenishmentSettings,
    interval: Duration,
    holder: &str,
) -> Result<Option<crate::replenishment::model::RunSummary>, AppError> {
    let mut conn = pool.get()?;
    let every = chrono::Duration::from_std(interval).unwrap_or(chrono::Duration::days(1));
    if !lease::acquire(&mut conn, REPLENISHMENT_JOB, holder, REPLENISHMENT_LEASE, every)? {
        return Ok(None);
    }
    let actor = Actor {
        name: "system:replenishment".to_owned(),
        request_id: None,
    };
    let request = crate::replenishment::model::RunRequest::default();
    let outcome = crate::replenishment::planning::run(&mut conn, settings, &request, "scheduled", &actor);
    lease::finish(&mut conn, REPLENISHMENT_JOB, holder)?;
    outcome.map(Some)
}

const URGENT_JOB: &str = "urgent-replenishment";
/// Longer than a batch of urgent runs takes; a crashed holder's lease frees itself after it.
const URGENT_LEASE: chrono::Duration = chrono::Duration::minutes(10);
/// Parts handled per pass; the rest wait for the next tick.
const URGENT_BATCH: i64 = 100;

/// Runs the queued urgent replenishment runs every `interval`, on one instance at a time.
pub fn spawn_urgent_replenishment(
    pool: DbPool,
    settings: crate::replenishment::ReplenishmentSettings,
    interval: Duration,
) {
    let holder = holder();
    let pass = move || run_urgent_replenishment(&pool, &settings, &holder);
    spawn_periodic(URGENT_JOB, interval, pass, |parts| {
        if parts > 0 {
            tracing::info!(parts, "urgent replenishment runs finished")
        }
    });
}

/// One urgent run per part with refusals not yet handled, unless another instance is at it.
/// Returns how many parts were run.
pub fn run_urgent_replenishment(
    pool: &DbPool,
    settings: &crate::replenishment::ReplenishmentSettings,
    holder: &str,
) -> Result<usize, AppError> {
    let mut conn = pool.get()?;
    let pending = crate::replenishment::refusals::pending(&mut conn, URGENT_BATCH)?;
    if pending.is_empty() || !lease::acquire(&mut conn, URGENT_JOB, holder, URGENT_LEASE, chrono::Duration::zero())? {
        return Ok(0);
    }
    let outcome = (|| {
        // Read again under the lease: another instance may have handled some meanwhile.
        let pending = crate::replenishment::refusals::pending(&mut conn, URGENT_BATCH)?;
        let runs = crate::replenishment::planning::UrgentRuns::new(&mut conn)?;
        for part in &pending {
            match runs.run(&mut conn, settings, &part.part_number) {
                // A part deleted since needs no run.
                Ok(_) | Err(AppError::NotFound { .. }) => {}
                Err(other) => return Err(other),
            }
            crate::replenishment::refusals::mark_handled(&mut conn, part)?;
        }
        Ok(pending.len())
    })();
    lease::finish(&mut conn, URGENT_JOB, holder)?;
    outcome
}
