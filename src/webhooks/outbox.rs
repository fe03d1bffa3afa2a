//! The outbox: one row per (event, subscribed endpoint), inserted by the caller inside the
//! transaction of the change, so an event exists exactly when its change committed.

use diesel::prelude::*;
use serde::Serialize;

use crate::db::{self, AnyConnection};
use crate::error::AppError;
use crate::schema::{webhook_endpoints as e, webhook_outbox as o};

/// The JSON body every delivery carries.
#[derive(Debug, Serialize)]
struct Envelope<'a, T: Serialize> {
    id: &'a str,
    #[serde(rename = "type")]
    event_type: &'a str,
    occurred_at: chrono::DateTime<chrono::Utc>,
    data: &'a T,
}

/// Records `event_type` with `data` for every active endpoint subscribed to it; returns the
/// event id (the same for every endpoint, stable across retries).
pub fn enqueue<T: Serialize>(conn: &mut AnyConnection, event_type: &str, data: &T) -> Result<String, AppError> {
    let event_id = uuid::Uuid::new_v4().to_string();
    let endpoints: Vec<(i64, String)> = e::table
        .filter(e::active.eq(true))
        .select((e::id, e::events))
        .load(conn)?;
    let subscribed: Vec<i64> = endpoints
        .into_iter()
        .filter(|(_, events)| events.split(',').any(|x| x == "*" || x == event_type))
        .map(|(id, _)| id)
        .collect();
    if subscribed.is_empty() {
        return Ok(event_id);
    }
    let now = db::now();
    let payload = serde_json::to_string(&Envelope {
        id: &event_id,
        event_type,
        occurred_at: now.and_utc(),
        data,
    })
    .map_err(|err| AppError::Internal(err.into()))?;
    for endpoint in subscribed {
        diesel::insert_into(o::table)
            .values((
                o::event_id.eq(&event_id),
                o::endpoint_id.eq(endpoint),
                o::event_type.eq(event_type),
                o::payload.eq(&payload),
                o::status.eq("pending"),
                o::attempts.eq(0),
                o::next_attempt_at.eq(now),
                o::created_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(event_id)
}
