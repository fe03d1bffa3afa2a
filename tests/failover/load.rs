//! Clients writing under load through a failover: each request carries its own Idempotency-Key
//! and is retried with that key, on a 503 or a lost connection, until it is acknowledged.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// How long one request may keep being refused before the test gives up on the failover.
const GIVE_UP_AFTER: Duration = Duration::from_secs(90);

/// One write a client made, with the service's acknowledgement.
#[derive(Clone, Debug)]
pub struct Sent {
    pub key: String,
    pub path: String,
    pub body: Value,
    pub acknowledged: Value,
    /// Attempts until the acknowledgement: more than one means the failover interrupted it.
    pub attempts: u32,
    /// When the attempt that was acknowledged started, and when its answer came.
    pub last_attempt: Instant,
    pub acknowledged_at: Instant,
    /// Status codes of the refused attempts.
    pub refusals: Vec<u16>,
}

/// What every client shares: the service, the key, the stop flag and the count of writes done.
#[derive(Clone)]
pub struct Load {
    pub client: reqwest::Client,
    pub address: String,
    pub secret: String,
    pub stop: Arc<AtomicBool>,
    pub acknowledged: Arc<AtomicUsize>,
}

/// Outcome of one attempt: the status and body, or `None` when the connection failed.
pub async fn attempt(load: &Load, key: &str, path: &str, body: &Value) -> Option<(u16, Value, bool)> {
    let reply = load
        .client
        .post(format!("{}{path}", load.address))
        .bearer_auth(&load.secret)
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .ok()?;
    let status = reply.status().as_u16();
    let replayed = reply.headers().contains_key("Idempotent-Replayed");
    Some((status, reply.json().await.unwrap_or_default(), replayed))
}

/// Sends one write until it is acknowledged. Anything but 2xx, 503 (the database is switching)
/// or a dropped connection fails the test.
pub async fn until_acknowledged(load: &Load, key: String, path: String, body: Value) -> Sent {
    let first = Instant::now();
    let mut refusals = Vec::new();
    loop {
        let started = Instant::now();
        match attempt(load, &key, &path, &body).await {
            Some((status, reply, _)) if (200..300).contains(&status) => {
                load.acknowledged.fetch_add(1, Ordering::SeqCst);
                return Sent {
                    attempts: refusals.len() as u32 + 1,
                    key,
                    path,
                    body,
                    acknowledged: reply,
                    last_attempt: started,
                    acknowledged_at: Instant::now(),
                    refusals,
                };
            }
            Some((503, _, _)) => refusals.push(503),
            None => refusals.push(0),
            Some((status, reply, _)) => panic!("{path} ({key}) got {status} during the failover: {reply}"),
        }
        assert!(
            first.elapsed() < GIVE_UP_AFTER,
            "{path} ({key}) still refused after {GIVE_UP_AFTER:?}: {refusals:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A client cycling receipts, issues and reservations (each reservation then consumed) until
/// told to stop; returns every write it made, all acknowledged.
pub async fn client(load: Load, id: usize) -> Vec<Sent> {
    let mut log = Vec::new();
    let mut n = 0;
    while !load.stop.load(Ordering::SeqCst) {
        let (path, body) = match n % 3 {
            0 => (
                "/api/v1/movements",
                json!({ "kind": "receipt", "warehouse": "N-RDC", "part_number": "P-1", "quantity": 1 }),
            ),
            1 => (
                "/api/v1/movements",
                json!({ "kind": "issue", "warehouse": "N-RDC", "part_number": "P-1", "quantity": 1 }),
            ),
            _ => (
                "/api/v1/reservations",
                json!({ "repair_order": format!("RO-{id}-{n}"), "warehouse": "N-RDC",
                        "lines": [{ "part_number": "P-1", "quantity": 1 }] }),
            ),
        };
        let sent = until_acknowledged(&load, format!("failover-{id}-{n}"), path.to_owned(), body).await;
        let reservation = sent.acknowledged["id"].as_i64().filter(|_| n % 3 == 2);
        log.push(sent);
        if let Some(reservation) = reservation {
            let path = format!("/api/v1/reservations/{reservation}/consume");
            log.push(until_acknowledged(&load, format!("failover-{id}-{n}-consume"), path, json!({})).await);
        }
        n += 1;
    }
    log
}
