use serde_json::json;

use crate::helpers::TestApp;
use crate::on_both_backends;

on_both_backends!(
    master_data_is_created_read_updated_and_deactivated,
    supplier_terms_keep_one_preferred_supplier_per_part,
);

async fn master_data_is_created_read_updated_and_deactivated(app: TestApp) {
    app.seed_network().await;
    let part = app.get("/api/v1/parts/P-1").await;
    assert_eq!(
        (part.status, part.body["unit_cost"].as_str()),
        (200, Some("12.50")),
        "money with two decimals"
    );
    let updated = app
        .patch(
            "/api/v1/parts/P-1",
            &json!({ "unit_cost": "13.125", "criticality": "critical", "superseded_by": "P-2" }),
        )
        .await;
    assert_eq!(updated.status, 200, "{}", updated.body);
    assert_eq!(updated.body["unit_cost"], "13.125", "money keeps its exact digits");
    assert_eq!(updated.body["superseded_by"], "P-2");
    let itself = app.patch("/api/v1/parts/P-1", &json!({ "superseded_by": "P-1" })).await;
    assert_eq!(
        (itself.status, itself.body["field"].as_str()),
        (400, Some("superseded_by"))
    );
    let duplicate = app
        .post(
            "/api/v1/warehouses",
            &json!({ "code": "N-01", "name": "again", "region": "north", "kind": "local" }),
        )
        .await;
    assert_eq!(
        (duplicate.status, duplicate.body["type"].as_str()),
        (409, Some("/problems/duplicate"))
    );
    let closed = app.patch("/api/v1/warehouses/N-01", &json!({ "active": false })).await;
    assert_eq!((closed.status, closed.body["active"].as_bool()), (200, Some(false)));
    let listed = app.get("/api/v1/warehouses?region=north&active=true").await;
    let codes: Vec<&str> = listed.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|w| w["code"].as_str())
        .collect();
    assert_eq!(codes, ["N-RDC"]);
    app.receive("N-01", "P-1", 2).await;
    let reserve = app
        .post(
            "/api/v1/reservations",
            &json!({ "repair_order": "RO-1", "warehouse": "N-01", "lines": [{ "part_number": "P-1", "quantity": 1 }] }),
        )
        .await;
    assert_eq!(
        (reserve.status, reserve.body["field"].as_str()),
        (400, Some("warehouse")),
        "no new reservations at an inactive warehouse"
    );
    let regions = app.get("/api/v1/regions").await;
    assert_eq!(regions.body.as_array().map(Vec::len), Some(2));
}

async fn supplier_terms_keep_one_preferred_supplier_per_part(app: TestApp) {
    app.seed_network().await;
    assert_eq!(
        app.post("/api/v1/suppliers", &json!({ "code": "SUP-2", "name": "Supplier two" }))
            .await
            .status,
        201
    );
    let first = app
        .request(
            reqwest::Method::PUT,
            "/api/v1/suppliers/SUP-1/parts/P-1",
            Some(&json!({ "lead_time_days": 10, "unit_price": "9.90" })),
            None,
        )
        .await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.body["preferred"], true, "a part's first supplier is preferred");
    let second = app
        .request(
            reqwest::Method::PUT,
            "/api/v1/suppliers/SUP-2/parts/P-1",
            Some(&json!({ "lead_time_days": 4, "moq": 10, "pack_size": 5, "unit_price": 11, "preferred": true })),
            None,
        )
        .await;
    assert_eq!(second.status, 200, "{}", second.body);
    let terms = app.get("/api/v1/parts/P-1/suppliers").await;
    let preferred: Vec<&str> = terms
        .body
        .as_array()
        .expect("terms")
        .iter()
        .filter(|t| t["preferred"] == true)
        .filter_map(|t| t["supplier"].as_str())
        .collect();
    assert_eq!(preferred, ["SUP-2"]);
    let removed = app
        .request(reqwest::Method::DELETE, "/api/v1/suppliers/SUP-1/parts/P-1", None, None)
        .await;
    assert_eq!(removed.status, 204);
    let again = app
        .request(reqwest::Method::DELETE, "/api/v1/suppliers/SUP-1/parts/P-1", None, None)
        .await;
    assert_eq!(again.status, 404);
}
