//! Crash safety: the service process is killed with SIGKILL in the middle of concurrent
//! movements and reservations, then restarted on the same database. Every acknowledged request
//! must be in the ledger exactly once, nothing unacknowledged may be half-applied, balances
//! must equal the ledger, and retrying the interrupted requests with their Idempotency-Keys
//! must complete each exactly once. SIGTERM must stop the service cleanly (exit 0).

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::TestApp;
use crate::on_both_backends;
use crate::process::{start, Service};

on_both_backends!(
    killing_the_process_mid_load_loses_nothing_acknowledged,
    sigterm_stops_the_service_cleanly,
);

const CLIENTS: usize = 12;
const STOCK: i64 = 100_000;

/// One client request: what was sent, and whether the service acknowledged it.
#[derive(Clone)]
struct Sent {
    key: String,
    path: String,
    body: Value,
    acknowledged: Option<Value>,
}

async fn send(client: &reqwest::Client, address: &str, secret: &str, sent: &Sent) -> Option<(u16, Value, bool)> {
    let reply = client
        .post(format!("{address}{}", sent.path))
        .bearer_auth(secret)
        .header("Idempotency-Key", &sent.key)
        .json(&sent.body)
        .send()
        .await
        .ok()?;
    let status = reply.status().as_u16();
    let replayed = reply.headers().contains_key("Idempotent-Replayed");
    let body = reply.json().await.ok()?;
    Some((status, body, replayed))
}

/// A client alternating receipts, issues and reservations (each reservation then consumed)
/// until the service goes away or `stop` says so.
async fn client_loop(
    client: reqwest::Client,
    address: String,
    secret: String,
    id: usize,
    acknowledged: Arc<AtomicUsize>,
) -> Vec<Sent> {
    let mut log = Vec::new();
    for n in 0.. {
        let (path, body) = match n % 3 {
            0 => (
                "/api/v1/movements".to_owned(),
                json!({ "kind": "receipt", "warehouse": "N-RDC", "part_number": "P-1", "quantity": 1 }),
            ),
            1 => (
                "/api/v1/movements".to_owned(),
                json!({ "kind": "issue", "warehouse": "N-RDC", "part_number": "P-1", "quantity": 1 }),
            ),
            _ => (
                "/api/v1/reservations".to_owned(),
                json!({ "repair_order": format!("RO-{id}-{n}"), "warehouse": "N-RDC",
                        "lines": [{ "part_number": "P-1", "quantity": 1 }] }),
            ),
        };
        let mut sent = Sent {
            key: format!("crash-{id}-{n}"),
            path,
            body,
            acknowledged: None,
        };
        match send(&client, &address, &secret, &sent).await {
            Some((status, body, _)) if (200..300).contains(&status) => {
                sent.acknowledged = Some(body.clone());
                acknowledged.fetch_add(1, Ordering::SeqCst);
                log.push(sent);
                if let Some(reservation) = body["id"].as_i64().filter(|_| n % 3 == 2) {
                    let consume = Sent {
                        key: format!("crash-{id}-{n}-consume"),
                        path: format!("/api/v1/reservations/{reservation}/consume"),
                        body: json!({}),
                        acknowledged: None,
                    };
                    let outcome = send(&client, &address, &secret, &consume).await;
                    let ok = matches!(&outcome, Some((s, _, _)) if (200..300).contains(s));
                    log.push(Sent {
                        acknowledged: outcome.filter(|_| ok).map(|(_, b, _)| b),
                        ..consume
                    });
                    if !ok {
                        return log;
                    }
                }
            }
            Some((status, body, _)) => panic!("{} refused with {status}: {body}", sent.path),
            None => {
                log.push(sent);
                return log;
            }
        }
    }
    log
}

async fn killing_the_process_mid_load_loses_nothing_acknowledged(app: TestApp) {
    app.seed_network().await;
    app.receive("N-RDC", "P-1", STOCK).await;
    let log = load_then_kill(&app, start(&app).await).await;
    let acked: Vec<&Sent> = log.iter().filter(|s| s.acknowledged.is_some()).collect();
    let interrupted: Vec<Sent> = log.iter().filter(|s| s.acknowledged.is_none()).cloned().collect();
    assert!(acked.len() >= 150, "load ran before the kill: {}", acked.len());
    assert!(!interrupted.is_empty(), "requests were in flight when the process died");

    let service = start(&app).await;
    app.assert_ledger_agrees();
    assert_acknowledged_are_there(&app, &acked).await;
    retry_each_once(&app, &service, &interrupted).await;
    app.assert_ledger_agrees();
    assert_one_effect_per_request(&app, &log).await;
    drop(service);
}

/// Runs the clients against the service and kills it (SIGKILL) once the load is well under
/// way, so requests are in flight at every stage; returns what every client sent.
async fn load_then_kill(app: &TestApp, mut service: Service) -> Vec<Sent> {
    let acknowledged = Arc::new(AtomicUsize::new(0));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|id| {
            actix_web::rt::spawn(client_loop(
                app.client.clone(),
                service.address.clone(),
                app.admin_key.clone(),
                id,
                acknowledged.clone(),
            ))
        })
        .collect();
    // Kill once the load is well under way, so requests are in flight at every stage.
    for _ in 0..600 {
        if acknowledged.load(Ordering::SeqCst) >= 150 {
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(10)).await;
    }
    service.child.kill().expect("SIGKILL");
    service.child.wait().expect("reaped");
    let mut log = Vec::new();
    for client in clients {
        log.extend(client.await.expect("client task"));
    }
    log
}

/// Every acknowledged movement and reservation is there, as acknowledged.
async fn assert_acknowledged_are_there(app: &TestApp, acked: &[&Sent]) {
    for sent in acked {
        let body = sent.acknowledged.as_ref().expect("acknowledged");
        let id = body["id"].as_i64().expect("id");
        let path = if sent.path == "/api/v1/movements" {
            format!("/api/v1/movements/{id}")
        } else {
            format!("/api/v1/reservations/{id}")
        };
        let found = app.get(&path).await;
        assert_eq!(found.status, 200, "acknowledged {} {id} lost", sent.path);
        if sent.path.ends_with("/consume") {
            assert_eq!(found.body["status"], "consumed", "{}", found.body);
        }
    }
}

/// Retrying each interrupted request completes it exactly once.
async fn retry_each_once(app: &TestApp, service: &Service, interrupted: &[Sent]) {
    for sent in interrupted {
        let (status, body, _) = send(&app.client, &service.address, &app.admin_key, sent)
            .await
            .expect("the restarted service answers");
        assert!(
            (200..300).contains(&status),
            "retry of {} got {status}: {body}",
            sent.key
        );
        let (again, second, replayed) = send(&app.client, &service.address, &app.admin_key, sent)
            .await
            .expect("answers");
        assert_eq!((again, &second["id"], replayed), (status, &body["id"], true));
    }
}

/// Exactly one ledger effect per request: count what every client asked for.
async fn assert_one_effect_per_request(app: &TestApp, log: &[Sent]) {
    let receipts = log.iter().filter(|s| s.body["kind"] == "receipt").count() as i64;
    let issues = log.iter().filter(|s| s.body["kind"] == "issue").count() as i64;
    let reservations: Vec<&Sent> = log.iter().filter(|s| s.path == "/api/v1/reservations").collect();
    let consumed = log.iter().filter(|s| s.path.ends_with("/consume")).count() as i64;
    let still_reserved = reservations.len() as i64 - consumed;
    let balance = app.balance("N-RDC", "P-1").await;
    assert_eq!(
        (balance["on_hand"].as_i64(), balance["reserved"].as_i64()),
        (Some(STOCK + receipts - issues - consumed), Some(still_reserved)),
        "{balance}"
    );
    let verify = Command::new(env!("CARGO_BIN_EXE_spares"))
        .arg("verify")
        .env("DATABASE_URL", &app.database_url)
        .output()
        .expect("verify runs");
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stdout));
}

async fn sigterm_stops_the_service_cleanly(app: TestApp) {
    app.seed_network().await;
    let mut service = start(&app).await;
    let terminated = Command::new("kill")
        .args(["-TERM", &service.child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(terminated.success());
    let mut status = None;
    for _ in 0..200 {
        if let Some(exit) = service.child.try_wait().expect("waits") {
            status = Some(exit);
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    let status = status.expect("the service exits after SIGTERM");
    assert!(status.success(), "exit status {status:?}");
    assert!(
        app.client
            .get(format!("{}/health", service.address))
            .send()
            .await
            .is_err(),
        "no longer accepting connections"
    );
}
