//! Background work: releasing expired reservations and purging old idempotency keys. Safe with
//! several instances on one database: each expiry is a conditional status change, so a
//! reservation is released by exactly one instance.

use std::time::Duration;

use crate::db::{self, DbPool};
use crate::error::AppError;
use crate::idempotency;
use crate::reservations::model::ReservationStatus;
use crate::reservations::service;
use crate::stock::ledger::Actor;

const EXPIRY_BATCH: i64 = 200;

pub fn spawn(pool: DbPool, interval: Duration) {
    actix_web::rt::spawn(async move {
        let mut ticker = actix_web::rt::time::interval(interval);
        loop {
            ticker.tick().await;
            let pool = pool.clone();
            let outcome = actix_web::web::block(move || run_once(&pool)).await;
            match outcome {
                Ok(Ok(expired)) if expired > 0 => tracing::info!(expired, "expired reservations released"),
                Ok(Ok(_)) => {}
                Ok(Err(error)) => tracing::warn!(%error, "background job failed"),
                Err(error) => tracing::warn!(%error, "background job panicked"),
            }
        }
    });
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
