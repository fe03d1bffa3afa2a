//! KPIs over any window: imported demand history counts with the ledger, a ratio without a
//! denominator is null (not a perfect score), turnover is over the window asked for, and a
//! part can be asked for on its own.

use serde_json::{json, Value};

use crate::helpers::TestApp;
use crate::on_both_backends;

on_both_backends!(
    kpis_count_imported_history_and_show_null_where_a_ratio_has_no_denominator,
    turnover_is_over_the_window_asked_for_not_annualised,
);

async fn kpis(app: &TestApp, query: &str) -> Value {
    let reply = app.get(&format!("/api/v1/kpis?{query}")).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body
}

async fn kpis_count_imported_history_and_show_null_where_a_ratio_has_no_denominator(app: TestApp) {
    app.seed_network().await;
    let mut csv = String::from("date,warehouse,part_number,qty\n");
    for day in 1..=10 {
        csv.push_str(&format!("2025-01-{day:02},N-01,P-1,3\n"));
    }
    csv.push_str("2025-01-05,N-01,P-2,1\n");
    app.import_demand(csv).await;

    let k = kpis(&app, "warehouse=N-01&from=2025-01-01&to=2025-01-31").await;
    assert_eq!(
        (
            k["demand_lines"].as_i64(),
            k["lines_filled"].as_i64(),
            k["units_demanded"].as_i64()
        ),
        (Some(11), Some(11), Some(31)),
        "{k}"
    );
    assert_eq!(k["stockout_rate"], json!(0.0));
    assert_eq!(k["unit_fill_rate"], json!(1.0));
    let p1 = kpis(&app, "warehouse=N-01&part_number=P-1&from=2025-01-01&to=2025-01-31").await;
    assert_eq!(
        (p1["demand_lines"].as_i64(), p1["units_demanded"].as_i64()),
        (Some(10), Some(30))
    );

    let empty = kpis(&app, "from=2024-01-01&to=2024-01-31").await;
    assert_eq!(empty["demand_lines"], 0);
    assert_eq!(
        (&empty["stockout_rate"], &empty["unit_fill_rate"], &empty["turnover"]),
        (&Value::Null, &Value::Null, &Value::Null),
        "no denominator, no ratio: {empty}"
    );
    let unknown = app.get("/api/v1/kpis?part_number=NOPE").await;
    assert_eq!(
        (unknown.status, unknown.body["field"].as_str()),
        (400, Some("part_number"))
    );
}

async fn turnover_is_over_the_window_asked_for_not_annualised(app: TestApp) {
    app.seed_network().await;
    app.receive("N-01", "P-1", 10).await;
    let issue = json!({ "kind": "issue", "warehouse": "N-01", "part_number": "P-1", "quantity": 2 });
    assert_eq!(app.post("/api/v1/movements", &issue).await.status, 201);
    // 2 units used (25.00) against 8 left on hand (100.00) at the end of the window.
    let k = kpis(&app, "warehouse=N-01").await;
    assert_eq!(k["turnover"], json!(0.25), "{k}");
}
