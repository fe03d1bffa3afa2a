//! The request deadline: ordinary requests get `request_timeout`, bulk work twenty times it.

use std::time::Duration;

use diesel::connection::SimpleConnection;
use serde_json::json;
use spares::db::AnyConnection;

use crate::helpers::TestApp;
use crate::on_both_backends_with;

const DEADLINE: Duration = Duration::from_millis(500);

on_both_backends_with!(
    a_replenishment_run_that_waits_past_the_ordinary_deadline_still_finishes => |s| s.request_timeout = crate::deadlines::DEADLINE,
);

/// Holds the write lock (SQLite) or locks the tables a run and a receipt write (PostgreSQL)
/// for `held`, from another connection; returns once the lock is taken.
fn hold_lock(app: &TestApp, held: Duration) -> std::thread::JoinHandle<()> {
    let pool = app.pool.clone();
    let (taken, wait) = std::sync::mpsc::channel();
    let holder = std::thread::spawn(move || {
        let mut conn = pool.get().expect("connection");
        let lock = match &*conn {
            AnyConnection::Sqlite(_) => "BEGIN IMMEDIATE",
            AnyConnection::Postgresql(_) => {
                "BEGIN; LOCK TABLE replenishment_runs, stock_balances IN ACCESS EXCLUSIVE MODE"
            }
        };
        conn.batch_execute(lock).expect("lock taken");
        taken.send(()).expect("test waits");
        std::thread::sleep(held);
        conn.batch_execute("COMMIT").expect("lock released");
    });
    wait.recv().expect("lock taken");
    holder
}

async fn a_replenishment_run_that_waits_past_the_ordinary_deadline_still_finishes(app: TestApp) {
    app.seed_network().await;
    // The deadline is in force: an ordinary write that waits as long is cut off.
    let holder = hold_lock(&app, DEADLINE * 3);
    let receipt = json!({ "kind": "receipt", "warehouse": "N-01", "part_number": "P-1", "quantity": 1 });
    let cut_off = app.post("/api/v1/movements", &receipt).await;
    holder.join().expect("lock holder");
    assert_eq!(cut_off.status, 503, "{}", cut_off.body);

    let holder = hold_lock(&app, DEADLINE * 3);
    let run = app.post("/api/v1/replenishment/runs", &json!({})).await;
    holder.join().expect("lock holder");
    assert_eq!(run.status, 200, "a full run gets the long deadline: {}", run.body);
    assert_eq!(run.body["status"], "succeeded", "{}", run.body);
}
