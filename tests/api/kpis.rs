//! KPIs over any window: imported demand history counts with the ledger, a ratio without a
//! denominator is null (not a perfect score), turnover is over the window asked for, and a
//! part can be asked for on its own.

use serde_json::{json, Value};

use crate::helpers::TestApp;
use crate::on_both_backends;

on_both_backends!(
    kpis_count_imported_history_and_show_null_where_a_ratio_has_no_denominator,
    turnover_is_over_the_window_asked_for_not_annualised,
    a_refused_multi_line_reservation_counts_short_lines_as_stockouts_and_the_others_as_served,
    kpis_are_given_per_network_region_warehouse_and_part,
    the_demo_history_counts_in_the_kpis,
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

async fn a_refused_multi_line_reservation_counts_short_lines_as_stockouts_and_the_others_as_served(app: TestApp) {
    app.seed_network().await;
    app.receive("N-01", "P-1", 5).await;
    // P-1 is there, P-2 is not: the reservation is refused as a whole.
    let body = json!({
        "repair_order": "RO-1",
        "warehouse": "N-01",
        "lines": [{ "part_number": "P-1", "quantity": 2 }, { "part_number": "P-2", "quantity": 3 }],
    });
    let reply = app.post("/api/v1/reservations", &body).await;
    assert_eq!(reply.status, 409, "{}", reply.body);

    let k = kpis(&app, "warehouse=N-01").await;
    assert_eq!(
        (
            k["demand_lines"].as_i64(),
            k["lines_filled"].as_i64(),
            k["units_demanded"].as_i64(),
            k["units_filled"].as_i64()
        ),
        (Some(2), Some(1), Some(5), Some(2)),
        "the P-2 line is a stock-out line, the P-1 line served demand: {k}"
    );
    assert_eq!(k["stockout_rate"], json!(0.5));
    let p1 = kpis(&app, "warehouse=N-01&part_number=P-1").await;
    assert_eq!(
        (p1["demand_lines"].as_i64(), p1["stockout_rate"].as_f64()),
        (Some(1), Some(0.0)),
        "{p1}"
    );
    // The served line asks for no urgent run: only P-2 is short.
    let reply = app.get("/api/v1/kpis?warehouse=N-01&by=part").await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let groups: Vec<(&str, i64, i64)> = reply.body["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| {
            (
                g["group"].as_str().unwrap_or_default(),
                g["demand_lines"].as_i64().unwrap_or(-1),
                g["lines_filled"].as_i64().unwrap_or(-1),
            )
        })
        .collect();
    assert_eq!(groups, vec![("P-1", 1, 1), ("P-2", 1, 0)], "{}", reply.body);
}

async fn kpis_are_given_per_network_region_warehouse_and_part(app: TestApp) {
    app.seed_network().await;
    let mut csv = String::from("date,warehouse,part_number,qty\n");
    csv.push_str("2025-03-01,N-01,P-1,2\n2025-03-02,N-RDC,P-1,1\n2025-03-03,E-RDC,P-2,4\n");
    app.import_demand(csv).await;
    let window = "from=2025-03-01&to=2025-03-31";
    let lines = |body: &Value| -> Vec<(String, i64)> {
        body["groups"]
            .as_array()
            .expect("groups")
            .iter()
            .map(|g| {
                (
                    g["group"].as_str().unwrap_or_default().to_owned(),
                    g["demand_lines"].as_i64().unwrap_or(-1),
                )
            })
            .collect()
    };
    let s = |x: &str, n: i64| (x.to_owned(), n);
    let network = kpis(&app, &format!("{window}&by=network")).await;
    assert_eq!(
        (network["by"].as_str(), lines(&network)),
        (Some("network"), vec![s("network", 3)])
    );
    let regions = kpis(&app, &format!("{window}&by=region")).await;
    assert_eq!(lines(&regions), vec![s("east", 1), s("north", 2)], "{regions}");
    // Every warehouse in scope is a row, with or without demand.
    let warehouses = kpis(&app, &format!("{window}&by=warehouse&region=north")).await;
    assert_eq!(lines(&warehouses), vec![s("N-01", 1), s("N-RDC", 1)], "{warehouses}");
    let parts = kpis(&app, &format!("{window}&by=part")).await;
    assert_eq!(lines(&parts), vec![s("P-1", 2), s("P-2", 1)], "{parts}");
    // Without `by`, the single object as before.
    let one = kpis(&app, window).await;
    assert_eq!(
        (one["group"].as_str(), one["demand_lines"].as_i64()),
        (Some("network"), Some(3))
    );
    assert_eq!(one["inventory_value"], "0.00", "money with two decimals");
    let reply = app.get("/api/v1/kpis?by=colour").await;
    assert_eq!((reply.status, reply.body["field"].as_str()), (400, Some("by")));
    // A window given as RFC 3339 times reads the same days.
    let rfc = kpis(&app, "from=2025-03-01T00:00:00Z&to=2025-03-31T12:00:00Z").await;
    assert_eq!(rfc["demand_lines"], 3, "{rfc}");
}

/// The demo's two years of repair history reach the KPIs: every seeded line is a served line
/// in a window covering them (issue 14: the demo's past year showed 0 demand lines).
async fn the_demo_history_counts_in_the_kpis(app: TestApp) {
    use diesel::prelude::*;
    let mut conn = app.pool.get().expect("a connection");
    spares::demo::seed(&mut conn).expect("the demo seeds");
    let records: i64 = spares::schema::demand_records::table
        .count()
        .get_result(&mut conn)
        .expect("counted");
    drop(conn);
    assert!(records > 1_000, "the demo seeded {records} history lines");
    let to = chrono::Utc::now().date_naive();
    let from = to - chrono::Duration::days(731);
    let k = kpis(&app, &format!("from={from}&to={to}")).await;
    assert_eq!(k["demand_lines"], records, "{k}");
    assert_eq!(k["lines_filled"], records, "{k}");
}
