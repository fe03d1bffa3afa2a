use reqwest::Method;
use serde_json::json;

use crate::helpers::TestApp;
use crate::on_both_backends;

on_both_backends!(
    a_history_import_is_all_or_nothing_and_reimporting_adds_nothing,
    a_bad_row_after_whole_batches_were_written_rolls_the_whole_import_back,
    consumption_and_issues_are_demand_but_transfers_and_adjustments_are_not,
);

async fn import(app: &TestApp, content_type: &str, body: &str) -> (u16, serde_json::Value) {
    let response = app
        .client
        .post(format!("{}/api/v1/demand-history", app.address))
        .bearer_auth(&app.admin_key)
        .header("content-type", content_type)
        .body(body.to_owned())
        .send()
        .await
        .expect("sent");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or_default())
}

async fn series(app: &TestApp, warehouse: &str, part: &str, from: &str, to: &str) -> serde_json::Value {
    let reply = app
        .get(&format!(
            "/api/v1/demand-history?warehouse={warehouse}&part_number={part}&from={from}&to={to}"
        ))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body
}

async fn a_history_import_is_all_or_nothing_and_reimporting_adds_nothing(app: TestApp) {
    app.seed_network().await;
    let bad = "date,warehouse,part_number,qty,repair_order\n\
               2025-01-02,N-RDC,P-1,2,RO-1\n\
               2025-01-03,N-RDC,P-1,x,RO-2\n\
               2025-01-04,NOWHERE,P-1,1,\n";
    let (status, problem) = import(&app, "text/csv", bad).await;
    assert_eq!(status, 400, "{problem}");
    let errors = problem["errors"].as_array().expect("row errors");
    assert_eq!(
        (errors[0]["line"].as_u64(), errors[0]["field"].as_str()),
        (Some(3), Some("qty"))
    );
    assert_eq!(
        (errors[1]["line"].as_u64(), errors[1]["field"].as_str()),
        (Some(4), Some("warehouse"))
    );
    assert_eq!(
        series(&app, "N-RDC", "P-1", "2025-01-01", "2025-01-10").await["total"],
        0,
        "nothing half-applied"
    );

    // Two identical rows are two repairs; importing the same file again adds nothing.
    let good = "date,warehouse,part_number,qty\n\
                2025-01-02,N-RDC,P-1,2\n\
                2025-01-02,N-RDC,P-1,2\n\
                2025-01-05,N-RDC,P-1,1\n\
                2025-01-05,N-01,P-2,0\n";
    let (status, report) = import(&app, "text/csv", good).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        (report["rows_imported"].as_u64(), report["zero_rows"].as_u64()),
        (Some(3), Some(1))
    );
    let (_, again) = import(&app, "text/csv", good).await;
    assert_eq!(
        (again["rows_imported"].as_u64(), again["rows_already_imported"].as_u64()),
        (Some(0), Some(3))
    );
    let jsonl =
        "{\"date\":\"2025-01-06\",\"warehouse\":\"N-RDC\",\"part_number\":\"P-1\",\"qty\":3,\"fault_code\":\"E4\"}\n";
    let (status, report) = import(&app, "application/x-ndjson", jsonl).await;
    assert_eq!((status, report["units_imported"].as_i64()), (200, Some(3)));
    let found = series(&app, "N-RDC", "P-1", "2025-01-01", "2025-01-10").await;
    assert_eq!(found["daily"], json!([0, 4, 0, 0, 1, 3, 0, 0, 0, 0]));
    assert_eq!(
        (found["total"].as_i64(), found["demand_days"].as_u64()),
        (Some(8), Some(3))
    );
    let viewer = app.key("viewer", "viewer", None).await;
    let denied = app
        .request_as(Some(&viewer), Method::POST, "/api/v1/demand-history", None, None)
        .await;
    assert_eq!(denied.status, 403);
}

/// Rows are written in batches of 2,000 while later rows are still being read: a bad row that
/// comes after several written batches must still leave nothing behind.
async fn a_bad_row_after_whole_batches_were_written_rolls_the_whole_import_back(app: TestApp) {
    app.seed_network().await;
    let rows = |n: usize| -> String {
        (0..n)
            .map(|i| format!("2025-01-{:02},N-RDC,P-1,1,RO-{i}\n", 1 + i % 28))
            .collect()
    };
    let header = "date,warehouse,part_number,qty,repair_order\n";
    let bad = format!("{header}{}2025-02-01,N-RDC,P-1,-4,RO-X\n{}", rows(5_000), rows(10));
    let (status, problem) = import(&app, "text/csv", &bad).await;
    assert_eq!(status, 400, "{problem}");
    assert_eq!(problem["errors"][0]["line"].as_u64(), Some(5_002), "{problem}");
    assert_eq!(problem["errors"][0]["field"].as_str(), Some("qty"), "{problem}");
    assert_eq!(
        series(&app, "N-RDC", "P-1", "2025-01-01", "2025-02-28").await["total"],
        0,
        "nothing of the written batches is left"
    );

    let (status, report) = import(&app, "text/csv", &format!("{header}{}", rows(4_500))).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        (report["rows_read"].as_u64(), report["rows_imported"].as_u64()),
        (Some(4_500), Some(4_500))
    );
    assert_eq!(
        series(&app, "N-RDC", "P-1", "2025-01-01", "2025-02-28").await["total"],
        4_500
    );
}

async fn consumption_and_issues_are_demand_but_transfers_and_adjustments_are_not(app: TestApp) {
    app.seed_network().await;
    app.receive("N-RDC", "P-1", 20).await;
    let movement = |kind: &str, quantity: i64| json!({ "kind": kind, "warehouse": "N-RDC", "part_number": "P-1", "quantity": quantity, "reason_code": "count" });
    let issue = json!({ "kind": "issue", "warehouse": "N-RDC", "part_number": "P-1", "quantity": 2 });
    assert_eq!(app.post("/api/v1/movements", &issue).await.status, 201);
    assert_eq!(
        app.post("/api/v1/movements", &movement("adjustment", -1)).await.status,
        201
    );
    let reservation = app
        .post("/api/v1/reservations", &json!({ "repair_order": "RO-1", "warehouse": "N-RDC", "lines": [{ "part_number": "P-1", "quantity": 3 }] }))
        .await;
    let id = reservation.body["id"].clone();
    assert_eq!(
        app.post(&format!("/api/v1/reservations/{id}/consume"), &json!({}))
            .await
            .status,
        200
    );
    let transfer = app
        .post(
            "/api/v1/transfers",
            &json!({ "from": "N-RDC", "to": "E-RDC", "lines": [{ "part_number": "P-1", "quantity": 4 }] }),
        )
        .await;
    let tid = transfer.body["id"].clone();
    assert_eq!(
        app.post(&format!("/api/v1/transfers/{tid}/ship"), &json!({}))
            .await
            .status,
        200
    );
    let today = chrono::Utc::now().date_naive().to_string();
    let found = series(&app, "N-RDC", "P-1", &today, &today).await;
    assert_eq!(
        found["daily"],
        json!([5]),
        "2 issued + 3 consumed; the adjustment and the transfer are not demand"
    );
}
