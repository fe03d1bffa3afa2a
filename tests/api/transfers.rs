use serde_json::json;

use crate::helpers::TestApp;
use crate::on_both_backends;

on_both_backends!(
    a_transfer_moves_stock_through_transit_and_records_a_short_receipt,
    a_transfer_can_be_cancelled_only_before_it_ships,
    shipping_without_enough_stock_changes_nothing,
);

async fn create_transfer(app: &TestApp, lines: serde_json::Value) -> i64 {
    let reply = app
        .post(
            "/api/v1/transfers",
            &json!({ "from": "N-RDC", "to": "E-RDC", "lines": lines }),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.body["status"], "created");
    reply.body["id"].as_i64().expect("id")
}

async fn a_transfer_moves_stock_through_transit_and_records_a_short_receipt(app: TestApp) {
    app.seed_network().await;
    app.receive("N-RDC", "P-1", 10).await;
    app.receive("N-RDC", "P-2", 10).await;
    let id = create_transfer(
        &app,
        json!([{ "part_number": "P-1", "quantity": 6 }, { "part_number": "P-2", "quantity": 4 }]),
    )
    .await;
    assert_eq!(
        app.balance("N-RDC", "P-1").await["on_hand"],
        10,
        "creation moves nothing"
    );
    let shipped = app.post(&format!("/api/v1/transfers/{id}/ship"), &json!({})).await;
    assert_eq!(shipped.status, 200, "{}", shipped.body);
    assert_eq!(shipped.body["status"], "shipped");
    assert_eq!(app.balance("N-RDC", "P-1").await["on_hand"], 4);
    assert_eq!(app.balance("E-RDC", "P-1").await["in_transit_in"], 6);
    let again = app.post(&format!("/api/v1/transfers/{id}/ship"), &json!({})).await;
    assert_eq!(again.status, 409);
    let partial = app
        .post(
            &format!("/api/v1/transfers/{id}/receive"),
            &json!({ "lines": [{ "part_number": "P-1", "quantity": 4 }] }),
        )
        .await;
    assert_eq!(partial.status, 200, "{}", partial.body);
    assert_eq!(partial.body["status"], "partially_received");
    let too_many = app
        .post(
            &format!("/api/v1/transfers/{id}/receive"),
            &json!({ "lines": [{ "part_number": "P-1", "quantity": 3 }] }),
        )
        .await;
    assert_eq!(
        (too_many.status, too_many.body["field"].as_str()),
        (400, Some("lines[0].quantity"))
    );
    let closed = app
        .post(
            &format!("/api/v1/transfers/{id}/receive"),
            &json!({ "lines": [{ "part_number": "P-2", "quantity": 4 }, { "part_number": "P-1", "quantity": 1 }], "close": true }),
        )
        .await;
    assert_eq!(closed.status, 200, "{}", closed.body);
    assert_eq!(closed.body["status"], "received");
    let p1 = closed.body["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .find(|l| l["part_number"] == "P-1")
        .cloned()
        .expect("P-1");
    assert_eq!(
        (p1["received"].as_i64(), p1["discrepancy"].as_i64()),
        (Some(5), Some(1))
    );
    let at_destination = app.balance("E-RDC", "P-1").await;
    assert_eq!(
        (
            at_destination["on_hand"].as_i64(),
            at_destination["in_transit_in"].as_i64()
        ),
        (Some(5), Some(0))
    );
    let discrepancy = app.get("/api/v1/movements?kind=transfer_discrepancy").await;
    assert_eq!(discrepancy.body["items"][0]["quantity"], 1);
    app.assert_ledger_agrees();
}

async fn a_transfer_can_be_cancelled_only_before_it_ships(app: TestApp) {
    app.seed_network().await;
    app.receive("N-RDC", "P-1", 3).await;
    let id = create_transfer(&app, json!([{ "part_number": "P-1", "quantity": 1 }])).await;
    let cancelled = app.post(&format!("/api/v1/transfers/{id}/cancel"), &json!({})).await;
    assert_eq!(
        (cancelled.status, cancelled.body["status"].as_str()),
        (200, Some("cancelled"))
    );
    assert_eq!(
        app.post(&format!("/api/v1/transfers/{id}/ship"), &json!({}))
            .await
            .status,
        409
    );
    let id = create_transfer(&app, json!([{ "part_number": "P-1", "quantity": 1 }])).await;
    assert_eq!(
        app.post(&format!("/api/v1/transfers/{id}/ship"), &json!({}))
            .await
            .status,
        200
    );
    assert_eq!(
        app.post(&format!("/api/v1/transfers/{id}/cancel"), &json!({}))
            .await
            .status,
        409
    );
    let received = app
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/transfers/{id}/receive"),
            None,
            None,
        )
        .await;
    assert_eq!(
        (received.status, received.body["status"].as_str()),
        (200, Some("received"))
    );
    let listed = app.get("/api/v1/transfers?status=received&from=N-RDC").await;
    assert_eq!(listed.body["items"].as_array().map(Vec::len), Some(1));
    let same = app
        .post(
            "/api/v1/transfers",
            &json!({ "from": "N-RDC", "to": "N-RDC", "lines": [{ "part_number": "P-1", "quantity": 1 }] }),
        )
        .await;
    assert_eq!((same.status, same.body["field"].as_str()), (400, Some("to")));
    assert_eq!(app.get("/api/v1/transfers/424242").await.status, 404);
    app.assert_ledger_agrees();
}

async fn shipping_without_enough_stock_changes_nothing(app: TestApp) {
    app.seed_network().await;
    app.receive("N-RDC", "P-1", 5).await;
    app.receive("N-RDC", "P-2", 1).await;
    let id = create_transfer(
        &app,
        json!([{ "part_number": "P-1", "quantity": 5 }, { "part_number": "P-2", "quantity": 2 }]),
    )
    .await;
    let reply = app.post(&format!("/api/v1/transfers/{id}/ship"), &json!({})).await;
    assert_eq!(reply.status, 409, "{}", reply.body);
    assert_eq!(reply.body["part_number"], "P-2");
    assert_eq!(reply.body["available"], 1);
    assert_eq!(app.balance("N-RDC", "P-1").await["on_hand"], 5);
    assert_eq!(app.balance("E-RDC", "P-1").await["in_transit_in"], 0);
    assert_eq!(
        app.get(&format!("/api/v1/transfers/{id}")).await.body["status"],
        "created"
    );
    app.assert_ledger_agrees();
}
