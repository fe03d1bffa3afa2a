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
