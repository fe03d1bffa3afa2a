//! `spares verify` recomputes balances from the ledger and exits non-zero on a mismatch.

use std::process::Command;

use diesel::prelude::*;

use crate::helpers::TestApp;
use crate::on_both_backends;

on_both_backends!(verify_exits_non_zero_when_a_balance_disagrees_with_the_ledger);

fn run_verify(app: &TestApp) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_spares"))
        .arg("verify")
        .env("DATABASE_URL", &app.database_url)
        .output()
        .expect("spares runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

async fn verify_exits_non_zero_when_a_balance_disagrees_with_the_ledger(app: TestApp) {
    app.seed_network().await;
    app.receive("N-RDC", "P-1", 4).await;
    app.receive("E-RDC", "P-2", 2).await;
    let (ok, report) = run_verify(&app);
    assert!(ok, "a consistent database passes: {report}");
    {
        use spares::schema::stock_balances::dsl::*;
        let mut conn = app.pool.get().expect("conn");
        // Tampering outside the service, as a faulty script or manual SQL would.
        diesel::update(stock_balances.filter(on_hand.eq(4i64)))
            .set(on_hand.eq(5i64))
            .execute(&mut conn)
            .expect("tampered");
    }
    let (ok, report) = run_verify(&app);
    assert!(!ok, "the mismatch must be reported with a failing exit code");
    let report: serde_json::Value = serde_json::from_str(&report).expect("JSON report");
    let mismatches = report["mismatches"].as_array().expect("list");
    assert_eq!(mismatches.len(), 1);
    assert_eq!(mismatches[0]["ledger"]["on_hand"], 4);
    assert_eq!(mismatches[0]["balance"]["on_hand"], 5);
}

on_both_backends!(
    verify_names_each_audit_entry_altered_removed_or_inserted_behind_the_services_back,
    concurrent_writers_leave_every_audit_chain_intact,
);

/// `spares verify`'s JSON report and its first line on stderr.
fn verify_report(app: &TestApp) -> (bool, serde_json::Value, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_spares"))
        .arg("verify")
        .env("DATABASE_URL", &app.database_url)
        .output()
        .expect("spares runs");
    let report = serde_json::from_slice(&output.stdout).expect("JSON report");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.success(), report, stderr)
}

/// Runs SQL as someone with database access would, append-only triggers out of the way.
fn tamper(app: &TestApp, sql: &str) {
    use diesel::connection::SimpleConnection;
    let mut conn = app.pool.get().expect("conn");
    let unguard = if app.database_url.starts_with("postgres") {
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only;"
    } else {
        "DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete;"
    };
    conn.batch_execute(&format!("{unguard} {sql}")).expect("tampered");
}

fn audit_rows(app: &TestApp) -> Vec<(i64, Option<i32>, Option<i64>)> {
    use spares::schema::audit_log::dsl::*;
    let mut conn = app.pool.get().expect("conn");
    audit_log
        .order(id)
        .select((id, chain_id, chain_seq))
        .load(&mut conn)
        .expect("rows")
}

/// A finding as (kind, entry id, chain id, sequence number).
type Finding = (String, Option<i64>, Option<i64>, Option<i64>);

fn findings(report: &serde_json::Value) -> Vec<Finding> {
    report["audit"]["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["kind"].as_str().unwrap_or_default().to_owned(),
                f["entry_id"].as_i64(),
                f["chain_id"].as_i64(),
                f["seq"].as_i64(),
            )
        })
        .collect()
}

async fn verify_names_each_audit_entry_altered_removed_or_inserted_behind_the_services_back(app: TestApp) {
    app.seed_network().await;
    for quantity in 1..=3 {
        app.receive("N-RDC", "P-1", quantity).await;
    }
    let (ok, report, _) = verify_report(&app);
    assert!(ok, "an untouched trail passes: {report}");
    let rows = audit_rows(&app);
    assert_eq!(report["audit"]["entries_checked"], rows.len());
    assert!(rows.len() >= 12 && rows.iter().all(|r| r.1.is_some() && r.2.is_some()));

    let (altered, removed, copied) = (rows[2], rows[5], rows[7]);
    tamper(
        &app,
        &format!(
            "UPDATE audit_log SET after_state = '{{\"forged\":true}}' WHERE id = {}",
            altered.0
        ),
    );
    tamper(&app, &format!("DELETE FROM audit_log WHERE id = {}", removed.0));
    // An entry passed off as another's: its chain columns copied, its content new.
    tamper(
        &app,
        &format!(
            "INSERT INTO audit_log (occurred_at, key_id, actor, method, route, action, entity_type, entity_id, \
             chain_id, chain_seq, prev_hash, entry_hash) SELECT occurred_at, key_id, 'intruder', method, route, \
             action, entity_type, entity_id, chain_id, chain_seq, prev_hash, entry_hash FROM audit_log WHERE id = {}",
            copied.0
        ),
    );
    // And one written the plain way, no chain columns at all.
    tamper(
        &app,
        "INSERT INTO audit_log (occurred_at, actor, method, route, action, entity_type, entity_id) \
         VALUES ('2026-12-01 10:00:00', 'intruder', 'POST', '/api/v1/parts', 'part.create', 'part', '99')",
    );
    let after = audit_rows(&app);
    let (copy_id, plain_id) = (after[after.len() - 2].0, after[after.len() - 1].0);

    let (ok, report, stderr) = verify_report(&app);
    assert!(!ok, "tampering fails verify");
    let found = findings(&report);
    let chain = |c: Option<i32>| c.map(i64::from);
    assert_eq!(found.len(), 4, "each tampering once: {found:?}");
    assert_eq!(
        found[0],
        ("altered".into(), Some(altered.0), chain(altered.1), altered.2)
    );
    let gap = found
        .iter()
        .find(|f| f.0 == "removed")
        .expect("the removal is reported");
    assert_eq!(
        (gap.2, gap.3),
        (chain(removed.1), removed.2),
        "names the chain and the missing place"
    );
    assert!(
        gap.1.is_none_or(|next| next > removed.0),
        "names the entry after the gap: {gap:?}"
    );
    let inserted: Vec<Option<i64>> = found.iter().filter(|f| f.0 == "inserted").map(|f| f.1).collect();
    assert_eq!(inserted, vec![Some(copy_id), Some(plain_id)]);
    assert!(
        stderr.contains(&format!("first: entry {} differs", altered.0)),
        "stderr names the first: {stderr}"
    );
}

async fn concurrent_writers_leave_every_audit_chain_intact(app: TestApp) {
    app.seed_network().await;
    app.receive("N-RDC", "P-1", 1).await;
    let app = std::sync::Arc::new(app);
    let writers: Vec<_> = (0..8)
        .map(|writer| {
            let app = app.clone();
            tokio::spawn(async move {
                for n in 0..12 {
                    if n % 4 == 0 {
                        // A transactional path (the part's audit entry with its row) beside
                        // the one-statement movement path.
                        let body = serde_json::json!({ "part_number": format!("C-{writer}-{n}"), "description": "c", "unit_cost": "1.00" });
                        assert_eq!(app.post("/api/v1/parts", &body).await.status, 201);
                    } else {
                        app.receive("N-RDC", "P-1", 1).await;
                    }
                }
            })
        })
        .collect();
    for writer in writers {
        writer.await.expect("writer");
    }
    let (ok, report, stderr) = verify_report(&app);
    assert!(ok, "{stderr} {report}");
    let rows = audit_rows(&app);
    assert_eq!(report["audit"]["entries_checked"], rows.len());
    let heads = report["audit"]["heads"].as_array().expect("heads");
    let chained: i64 = heads.iter().map(|h| h["seq"].as_i64().unwrap_or(0)).sum();
    assert_eq!(chained, rows.len() as i64, "every entry has its own place in a chain");
}
