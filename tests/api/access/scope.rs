//! Warehouse scope: a key limited to some warehouses sees and acts only there.

use super::*;
use crate::on_both_backends;

on_both_backends!(a_key_limited_to_warehouses_sees_and_acts_only_there,);

async fn a_key_limited_to_warehouses_sees_and_acts_only_there(app: TestApp) {
    app.seed_network().await;
    for w in ["N-RDC", "N-01", "E-RDC"] {
        app.receive(w, "P-1", 5).await;
    }
    let clerk = app.key("n01-clerk", "warehouse", Some(&["N-01"])).await;
    a_warehouse_key_sees_and_moves_stock_only_at_its_warehouse(&app, &clerk).await;
    a_warehouse_key_receives_but_does_not_ship_a_transfer_from_elsewhere(&app, &clerk).await;
    a_repair_key_reserves_only_in_its_warehouses_and_sees_alternatives_everywhere(&app).await;
    app.assert_ledger_agrees();
}

async fn a_warehouse_key_sees_and_moves_stock_only_at_its_warehouse(app: &TestApp, clerk: &str) {
    let as_clerk = |method: Method, path: &'static str, body: Option<Value>| async move {
        app.request_as(Some(clerk), method, path, body.as_ref(), None).await
    };
    let stock = as_clerk(Method::GET, "/api/v1/stock", None).await;
    let warehouses: Vec<&str> = stock.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|b| b["warehouse"].as_str())
        .collect();
    assert_eq!(warehouses, ["N-01"]);
    let listed = as_clerk(Method::GET, "/api/v1/warehouses", None).await;
    assert_eq!(listed.body["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        as_clerk(Method::GET, "/api/v1/warehouses/E-RDC", None).await.status,
        403
    );
    let elsewhere = json!({ "kind": "issue", "warehouse": "N-RDC", "part_number": "P-1", "quantity": 1 });
    let refused = as_clerk(Method::POST, "/api/v1/movements", Some(elsewhere)).await;
    assert_eq!(
        (refused.status, refused.content_type.as_str()),
        (403, "application/problem+json")
    );
    assert_eq!(
        app.balance("N-RDC", "P-1").await["on_hand"],
        5,
        "a refused request changes nothing"
    );
    let own = json!({ "kind": "issue", "warehouse": "N-01", "part_number": "P-1", "quantity": 1 });
    assert_eq!(as_clerk(Method::POST, "/api/v1/movements", Some(own)).await.status, 201);
    let ledger = as_clerk(Method::GET, "/api/v1/movements", None).await;
    assert!(ledger.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .all(|m| m["warehouse"] == "N-01"));
    let availability = as_clerk(Method::GET, "/api/v1/parts/P-1/availability", None).await;
    assert_eq!(availability.body["warehouses"].as_array().map(Vec::len), Some(1));
}

/// A transfer out of another warehouse cannot be shipped by this key, but can be received here.
async fn a_warehouse_key_receives_but_does_not_ship_a_transfer_from_elsewhere(app: &TestApp, clerk: &str) {
    let transfer = app
        .post(
            "/api/v1/transfers",
            &json!({ "from": "N-RDC", "to": "N-01", "lines": [{ "part_number": "P-1", "quantity": 2 }] }),
        )
        .await;
    let id = transfer.body["id"].as_i64().expect("id");
    let ship = app
        .request_as(
            Some(clerk),
            Method::POST,
            &format!("/api/v1/transfers/{id}/ship"),
            None,
            None,
        )
        .await;
    assert_eq!(ship.status, 403);
    assert_eq!(
        app.post(&format!("/api/v1/transfers/{id}/ship"), &json!({}))
            .await
            .status,
        200
    );
    let received = app
        .request_as(
            Some(clerk),
            Method::POST,
            &format!("/api/v1/transfers/{id}/receive"),
            None,
            None,
        )
        .await;
    assert_eq!(received.status, 200, "{}", received.body);
}

/// A repair key limited to N-01 reserves only there, but still learns where else the part is
/// (it may read availability).
async fn a_repair_key_reserves_only_in_its_warehouses_and_sees_alternatives_everywhere(app: &TestApp) {
    let dispatcher = app.key("n01-repair", "repair", Some(&["N-01"])).await;
    let short =
        json!({ "repair_order": "RO-9", "warehouse": "N-01", "lines": [{ "part_number": "P-1", "quantity": 50 }] });
    let reply = app
        .request_as(
            Some(&dispatcher),
            Method::POST,
            "/api/v1/reservations",
            Some(&short),
            None,
        )
        .await;
    assert_eq!(reply.status, 409);
    let elsewhere = &reply.body["lines"][0]["available_elsewhere"];
    assert_eq!(
        (elsewhere[0]["warehouse"].as_str(), elsewhere[0]["available"].as_i64()),
        (Some("N-RDC"), Some(3)),
        "{elsewhere}"
    );
    let outside =
        json!({ "repair_order": "RO-9", "warehouse": "E-RDC", "lines": [{ "part_number": "P-1", "quantity": 1 }] });
    let reply = app
        .request_as(
            Some(&dispatcher),
            Method::POST,
            "/api/v1/reservations",
            Some(&outside),
            None,
        )
        .await;
    assert_eq!(reply.status, 403);
}
