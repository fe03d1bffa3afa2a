//! What must hold on the new primary after the failover.

use std::time::Duration;

use serde_json::json;

use crate::cluster::{dump_and_restore, psql};
use crate::load::{until_acknowledged, Load, Sent};
use crate::{get, spares, STOCK};

fn movement_rows(port: u16, database: &str) -> i64 {
    psql(port, database, "SELECT count(*) FROM movements")
        .parse()
        .expect("a count")
}

/// Every acknowledged write is on the new primary, as acknowledged, once: the stock adds up, the
/// ledger holds one row per write, and each retry with its key is a replay of the same answer.
pub async fn every_write_is_there_once(load: &Load, log: &[Sent], new_primary: u16) {
    let count = |f: &dyn Fn(&Sent) -> bool| log.iter().filter(|s| f(s)).count() as i64;
    let receipts = count(&|s| s.body["kind"] == "receipt");
    let issues = count(&|s| s.body["kind"] == "issue");
    let reservations = count(&|s| s.path == "/api/v1/reservations");
    let consumed = count(&|s| s.path.ends_with("/consume"));
    let (status, stock) = get(load, "/api/v1/stock?warehouse=N-RDC&part_number=P-1").await;
    assert_eq!(status, 200, "{stock}");
    let balance = &stock["items"][0];
    assert_eq!(
        (balance["on_hand"].as_i64(), balance["reserved"].as_i64()),
        (
            Some(STOCK + receipts - issues - consumed),
            Some(reservations - consumed)
        ),
        "{balance}"
    );
    // The seed receipt, then one row per movement, reservation and consumption.
    assert_eq!(
        movement_rows(new_primary, "spares"),
        1 + receipts + issues + reservations + consumed
    );
    for sent in log {
        let id = &sent.acknowledged["id"];
        let path = match sent.path.as_str() {
            "/api/v1/movements" => format!("/api/v1/movements/{id}"),
            _ => format!("/api/v1/reservations/{id}"),
        };
        let (status, found) = get(load, &path).await;
        assert_eq!(status, 200, "acknowledged {} {id} lost", sent.key);
        if sent.path.ends_with("/consume") {
            assert_eq!(found["status"], "consumed", "{found}");
        }
        let replay = crate::attempt(load, &sent.key, &sent.path, &sent.body).await;
        let (status, body, replayed) = replay.expect("the service answers");
        assert!(
            (200..300).contains(&status),
            "retry of {} got {status}: {body}",
            sent.key
        );
        assert_eq!((&body["id"], replayed), (id, true), "retry of {} replays", sent.key);
    }
}

/// A pg_dump taken while the service runs restores into a database that `spares verify` passes,
/// with every ledger row.
pub fn a_dump_restores_into_a_database_that_verifies(port: u16) {
    dump_and_restore(port, "spares", "spares_restored");
    let restored = format!("postgres://postgres@127.0.0.1:{port}/spares_restored");
    let verify = spares(&restored, &["verify"]);
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stdout));
    assert_eq!(movement_rows(port, "spares_restored"), movement_rows(port, "spares"));
}

/// A server fenced read-only (what an operator does to a primary being demoted) refuses a write
/// with a retryable 503 problem and changes nothing; once lifted, the same request with its key
/// completes once.
pub async fn a_server_fenced_read_only_refuses_writes_with_a_retryable_503(load: &Load, port: u16) {
    let set_read_only = |on: bool| {
        let setting = if on {
            "SET default_transaction_read_only = on"
        } else {
            "RESET default_transaction_read_only"
        };
        psql(port, "postgres", &format!("ALTER SYSTEM {setting}"));
        psql(port, "postgres", "SELECT pg_reload_conf()");
    };
    set_read_only(true);
    // Backends read the reloaded configuration before their next statement.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rows = movement_rows(port, "spares");
    let body = json!({ "kind": "receipt", "warehouse": "N-RDC", "part_number": "P-1", "quantity": 1 });
    let reply = load
        .client
        .post(format!("{}/api/v1/movements", load.address))
        .bearer_auth(&load.secret)
        .header("Idempotency-Key", "fenced-receipt")
        .json(&body)
        .send()
        .await
        .expect("the service answers");
    assert_eq!(reply.status().as_u16(), 503);
    let header = |name: &str| {
        reply
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    assert_eq!(header("content-type").as_deref(), Some("application/problem+json"));
    assert_eq!(header("retry-after").as_deref(), Some("1"));
    let problem: serde_json::Value = reply.json().await.expect("a problem body");
    assert_eq!(problem["type"], "/problems/unavailable", "{problem}");
    assert_eq!(movement_rows(port, "spares"), rows, "the refused write changed nothing");

    set_read_only(false);
    let sent = until_acknowledged(load, "fenced-receipt".into(), "/api/v1/movements".into(), body).await;
    assert_eq!(sent.acknowledged["quantity"], 1, "{}", sent.acknowledged);
    assert_eq!(movement_rows(port, "spares"), rows + 1);
}
