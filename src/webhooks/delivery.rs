//! Delivering the outbox. Any number of instances may run this: a row is claimed with one
//! conditional UPDATE (only a pending, due, unclaimed row changes), so each attempt is made
//! by one instance; a claim left by a crashed instance lapses after [`CLAIM`].
//!
//! Failures are retried with exponential backoff (10 s, 20 s, 40 s ... capped at 1 h) for
//! [`GIVE_UP_AFTER`] (72 h) from the event, so a receiver down for a day loses nothing.

use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::signing;
use crate::db::{self, AnyConnection, DbPool};
use crate::error::AppError;
use crate::schema::{webhook_endpoints as e, webhook_outbox as o};
use crate::secrets::store::WEBHOOK_SECRET;
use crate::secrets::{KeyRing, KEY_FILE_SETTING};

const BATCH: i64 = 50;
const CLAIM: chrono::Duration = chrono::Duration::minutes(5);
pub const GIVE_UP_AFTER: chrono::Duration = chrono::Duration::hours(72);
const FIRST_RETRY_SECS: i64 = 10;
const MAX_BACKOFF_SECS: i64 = 3600;

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Report {
    pub delivered: usize,
    pub failed: usize,
}

/// Delay before attempt `attempts + 1`, after `attempts` failures.
pub fn backoff(attempts: i32) -> chrono::Duration {
    let exp = (attempts.max(1) - 1).min(20) as u32;
    chrono::Duration::seconds((FIRST_RETRY_SECS << exp).min(MAX_BACKOFF_SECS))
}

struct Claimed {
    id: i64,
    event_id: String,
    event_type: String,
    payload: String,
    url: String,
    /// The signing secret as stored: sealed under `secret_key_id`.
    sealed_secret: String,
    secret_key_id: String,
    attempts: i32,
    created_at: NaiveDateTime,
}

/// Claims up to a batch of due deliveries for this caller.
fn claim(conn: &mut AnyConnection, now: NaiveDateTime) -> Result<Vec<Claimed>, AppError> {
    let due: Vec<i64> = o::table
        .inner_join(e::table)
        .filter(e::active.eq(true))
        // A plain secret from before encryption is never used to sign: it waits to be sealed.
        .filter(e::secret_key_id.is_not_null())
        .filter(o::status.eq("pending"))
        .filter(o::next_attempt_at.le(now))
        .filter(o::claimed_until.is_null().or(o::claimed_until.lt(now)))
        .select(o::id)
        .order(o::id)
        .limit(BATCH)
        .load(conn)?;
    let mut claimed = Vec::new();
    for id in due {
        let taken = db::write_tx(conn, |conn| {
            diesel::update(
                o::table
                    .filter(o::id.eq(id))
                    .filter(o::status.eq("pending"))
                    .filter(o::claimed_until.is_null().or(o::claimed_until.lt(now))),
            )
            .set(o::claimed_until.eq(Some(now + CLAIM)))
            .execute(conn)
        })?;
        if taken != 1 {
            continue;
        }
        let row: (
            String,
            String,
            String,
            String,
            String,
            Option<String>,
            i32,
            NaiveDateTime,
        ) = o::table
            .inner_join(e::table)
            .filter(o::id.eq(id))
            .select((
                o::event_id,
                o::event_type,
                o::payload,
                e::url,
                e::secret,
                e::secret_key_id,
                o::attempts,
                o::created_at,
            ))
            .first(conn)?;
        claimed.push(Claimed {
            id,
            event_id: row.0,
            event_type: row.1,
            payload: row.2,
            url: row.3,
            sealed_secret: row.4,
            secret_key_id: row.5.unwrap_or_default(),
            attempts: row.6,
            created_at: row.7,
        });
    }
    Ok(claimed)
}

fn record(
    conn: &mut AnyConnection,
    item: &Claimed,
    outcome: Result<(), String>,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let attempts = item.attempts + 1;
    db::write_tx(conn, |conn| {
        let row = o::table.filter(o::id.eq(item.id));
        match &outcome {
            Ok(()) => diesel::update(row)
                .set((
                    o::status.eq("delivered"),
                    o::attempts.eq(attempts),
                    o::delivered_at.eq(Some(now)),
                    o::claimed_until.eq(None::<NaiveDateTime>),
                    o::last_error.eq(None::<String>),
                ))
                .execute(conn),
            Err(error) => {
                let next = now + backoff(attempts);
                let status = if next - item.created_at > GIVE_UP_AFTER {
                    "failed"
                } else {
                    "pending"
                };
                diesel::update(row)
                    .set((
                        o::status.eq(status),
                        o::attempts.eq(attempts),
                        o::next_attempt_at.eq(next),
                        o::claimed_until.eq(None::<NaiveDateTime>),
                        o::last_error.eq(Some(error.chars().take(500).collect::<String>())),
                    ))
                    .execute(conn)
            }
        }
    })?;
    Ok(())
}

/// The HTTP client deliveries use: reqwest with rustls (its `rustls` feature: aws-lc-rs for
/// the cryptography, the platform's trusted roots, no system OpenSSL), so `https://`
/// endpoints work as well as `http://` ones.
pub fn client() -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder().build()
}

async fn send(client: &reqwest::Client, item: &Claimed, secret: &str) -> Result<(), String> {
    let response = client
        .post(&item.url)
        .timeout(Duration::from_secs(10))
        .header("content-type", "application/json")
        .header("X-Spares-Event-Id", &item.event_id)
        .header("X-Spares-Event", &item.event_type)
        .header(
            "X-Spares-Signature",
            signing::signature(secret, item.payload.as_bytes()),
        )
        .body(item.payload.clone())
        .send()
        .await
        .map_err(|err| format!("request failed: {err}"))?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(format!("receiver answered {}", response.status().as_u16()))
    }
}

/// One pass: claims what is due at `now`, sends it and records each outcome.
pub async fn deliver_due(
    pool: &DbPool,
    client: &reqwest::Client,
    keys: &KeyRing,
    now: NaiveDateTime,
) -> Result<Report, AppError> {
    let claim_pool = pool.clone();
    let claimed = actix_web::web::block(move || {
        let mut conn = claim_pool.get()?;
        claim(&mut conn, now)
    })
    .await
    .map_err(|err| AppError::Internal(anyhow::anyhow!("delivery task failed: {err}")))??;
    let mut report = Report::default();
    for item in claimed {
        let outcome = match keys.open(WEBHOOK_SECRET, &item.secret_key_id, &item.sealed_secret) {
            Ok(secret) => send(client, &item, &secret).await,
            Err(error) => Err(format!("the signing secret cannot be used: {error}")),
        };
        match &outcome {
            Ok(()) => report.delivered += 1,
            Err(error) => {
                report.failed += 1;
                tracing::warn!(event = %item.event_id, url = %item.url, %error, "webhook delivery failed");
            }
        }
        let record_pool = pool.clone();
        actix_web::web::block(move || {
            let mut conn = record_pool.get()?;
            record(&mut conn, &item, outcome, now)
        })
        .await
        .map_err(|err| AppError::Internal(anyhow::anyhow!("delivery task failed: {err}")))??;
    }
    Ok(report)
}

/// Delivers the outbox every `interval` in the background.
pub fn spawn(pool: DbPool, interval: Duration, keys: Option<Arc<KeyRing>>) {
    let Some(keys) = keys else {
        tracing::warn!("webhook delivery is off: signing secrets are sealed and no {KEY_FILE_SETTING} is set");
        return;
    };
    actix_web::rt::spawn(async move {
        let client = match client() {
            Ok(client) => client,
            Err(error) => {
                tracing::error!(%error, "webhook delivery is off: the HTTP client could not be built");
                return;
            }
        };
        let mut ticker = actix_web::rt::time::interval(interval);
        loop {
            ticker.tick().await;
            match deliver_due(&pool, &client, &keys, db::now()).await {
                Ok(report) if report.delivered + report.failed > 0 => {
                    tracing::info!(delivered = report.delivered, failed = report.failed, "webhooks sent")
                }
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "webhook delivery pass failed"),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    fn claimed(url: String) -> Claimed {
        Claimed {
            id: 1,
            event_id: "evt-1".to_owned(),
            event_type: "proposal.created".to_owned(),
            payload: "{}".to_owned(),
            url,
            sealed_secret: String::new(),
            secret_key_id: String::new(),
            attempts: 0,
            created_at: db::now(),
        }
    }

    /// No network is needed: a local listener records the first bytes the client sends to an
    /// `https://` URL. A TLS handshake starts with a handshake record (0x16, version 3.x); a
    /// client without TLS refuses the URL before connecting and the listener sees nothing.
    #[actix_web::test]
    async fn an_https_endpoint_is_contacted_over_tls() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("https://{}/hook", listener.local_addr().expect("addr"));
        listener.set_nonblocking(true).expect("non-blocking");
        let first_bytes = std::thread::spawn(move || {
            let deadline = std::time::Instant::now() + Duration::from_secs(10);
            while std::time::Instant::now() < deadline {
                match listener.accept() {
                    Ok((mut stream, _)) => {
                        stream.set_nonblocking(false).ok()?;
                        stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
                        let mut head = [0u8; 2];
                        stream.read_exact(&mut head).ok()?;
                        return Some(head);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(20)),
                }
            }
            None
        });
        let client = client().expect("client builds");
        let outcome = send(&client, &claimed(url), "secret").await;
        let head = first_bytes.join().expect("listener thread");
        assert_eq!(head, Some([0x16, 0x03]), "a TLS ClientHello ({outcome:?})");
        assert!(outcome.is_err(), "the listener never completes the handshake");
    }
}
