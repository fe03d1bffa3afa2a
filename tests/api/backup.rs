//! `spares backup` and `spares restore`: an online copy of the SQLite database taken while
//! clients write, and putting it back; PostgreSQL is refused with its own tools named.

use std::collections::HashSet;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use diesel::prelude::*;
use serde_json::{json, Value};

use crate::helpers::TestApp;
use crate::on_both_backends;

on_both_backends!(a_backup_taken_under_load_holds_every_write_acknowledged_before_it_and_verifies);

fn spares(database_url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spares"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .output()
        .expect("spares runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `spares verify` on `database_url`: its exit status and JSON report.
fn verify(database_url: &str) -> (bool, Value) {
    let output = spares(database_url, &["verify"]);
    let report = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
    (output.status.success(), report)
}

fn movement_ids(path: &str) -> HashSet<i64> {
    use spares::schema::movements::dsl::*;
    let mut conn = diesel::SqliteConnection::establish(path).expect("the copy opens");
    movements
        .select(id)
        .load::<i64>(&mut conn)
        .expect("movements read")
        .into_iter()
        .collect()
}

/// Clients posting receipts until `stop`; each acknowledged movement id is pushed to `acked`
/// once its 201 has arrived.
fn start_writers(
    app: &TestApp,
    stop: &Arc<AtomicBool>,
    acked: &Arc<Mutex<Vec<i64>>>,
) -> Vec<actix_web::rt::task::JoinHandle<()>> {
    (0..4)
        .map(|n| {
            let (client, address, key) = (app.client.clone(), app.address.clone(), app.admin_key.clone());
            let (stop, acked) = (stop.clone(), acked.clone());
            actix_web::rt::spawn(async move {
                let part = ["P-1", "P-2", "P-3"][n % 3];
                while !stop.load(Ordering::Relaxed) {
                    let body = json!({ "kind": "receipt", "warehouse": "N-RDC", "part_number": part, "quantity": 1 });
                    let reply = client
                        .post(format!("{address}/api/v1/movements"))
                        .bearer_auth(&key)
                        .json(&body)
                        .send()
                        .await
                        .expect("sent");
                    assert_eq!(reply.status().as_u16(), 201, "a receipt is accepted");
                    let movement: Value = reply.json().await.expect("JSON");
                    let id = movement["id"].as_i64().expect("movement id");
                    acked.lock().expect("not poisoned").push(id);
                }
            })
        })
        .collect()
}

async fn a_backup_taken_under_load_holds_every_write_acknowledged_before_it_and_verifies(app: TestApp) {
    let dir = tempfile::tempdir().expect("dir");
    let copy = dir.path().join("copy.db").to_string_lossy().into_owned();
    if app.database_url.starts_with("postgres") {
        let backup = spares(&app.database_url, &["backup", "--to", &copy]);
        assert!(!backup.status.success(), "PostgreSQL is not copied by spares backup");
        assert!(stderr(&backup).contains("pg_dump"), "{}", stderr(&backup));
        let restore = spares(&app.database_url, &["restore", "--from", &copy]);
        assert!(!restore.status.success());
        assert!(stderr(&restore).contains("pg_restore"), "{}", stderr(&restore));
        assert!(!dir.path().join("copy.db").exists(), "nothing was written");
        return;
    }
    app.seed_network().await;
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(Mutex::new(Vec::new()));
    let writers = start_writers(&app, &stop, &acked);
    while acked.lock().expect("not poisoned").len() < 100 {
        actix_web::rt::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    // Every id acknowledged by now must be in the copy; the writers carry on meanwhile.
    let before: Vec<i64> = acked.lock().expect("not poisoned").clone();
    let (url, to) = (app.database_url.clone(), copy.clone());
    let backup = actix_web::rt::task::spawn_blocking(move || spares(&url, &["backup", "--to", &to]))
        .await
        .expect("backup ran");
    let during = acked.lock().expect("not poisoned").len() - before.len();
    stop.store(true, Ordering::Relaxed);
    for writer in writers {
        writer.await.expect("writer finished");
    }
    assert!(backup.status.success(), "{}", stderr(&backup));
    let report: Value = serde_json::from_slice(&backup.stdout).expect("JSON report");
    assert_eq!(report["integrity"], "ok", "{report}");

    let in_copy = movement_ids(&copy);
    let missing: Vec<&i64> = before.iter().filter(|id| !in_copy.contains(id)).collect();
    assert!(
        missing.is_empty(),
        "acknowledged before the backup, missing from it: {missing:?}"
    );
    assert_eq!(report["movements"].as_u64(), Some(in_copy.len() as u64));
    let (ok, checked) = verify(&copy);
    assert!(ok, "the copy passes spares verify: {checked}");
    assert_eq!(checked["audit"]["findings"], json!([]), "{checked}");
    assert!(checked["audit"]["entries_checked"].as_u64() >= Some(before.len() as u64));
    eprintln!(
        "{} writes acknowledged before the backup, {during} while it ran",
        before.len()
    );

    let again = spares(&app.database_url, &["backup", "--to", &copy]);
    assert!(!again.status.success(), "an existing file is never overwritten");
    assert!(stderr(&again).contains("already exists"), "{}", stderr(&again));

    // The service still has the database open: restoring over it is refused, nothing changes.
    let live_before = movement_ids(&app.database_url).len();
    let refused = spares(&app.database_url, &["restore", "--from", &copy]);
    assert!(!refused.status.success(), "restore over an open database is refused");
    assert!(stderr(&refused).contains("stop the service"), "{}", stderr(&refused));
    assert_eq!(movement_ids(&app.database_url).len(), live_before);
    app.assert_ledger_agrees();

    // Into a database no one has open: the copy comes back whole and verifies.
    let target = dir.path().join("restored.db").to_string_lossy().into_owned();
    std::fs::write(&target, b"").expect("an empty file stands for the lost database");
    let restored = spares(&target, &["restore", "--from", &copy]);
    assert!(restored.status.success(), "{}", stderr(&restored));
    let restored_report: Value = serde_json::from_slice(&restored.stdout).expect("JSON report");
    assert!(restored_report["replaced_kept_as"].is_string(), "{restored_report}");
    assert_eq!(movement_ids(&target), in_copy);
    let (ok, checked) = verify(&target);
    assert!(ok, "the restored database passes spares verify: {checked}");
}
