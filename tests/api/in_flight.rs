//! Positions count everything in flight: no run proposes what an earlier approval covers,
//! whatever state its transfer or purchase order is in, and a cancelled or short-closed
//! document makes the need visible again.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::TestApp;
use crate::on_both_backends;
use crate::replenishment::{plan_with_demand, proposals, replenish, terms};

on_both_backends!(
    an_approved_transfer_is_not_proposed_again_in_any_state_until_it_is_cancelled,
    an_approved_purchase_is_not_proposed_again_in_any_state_of_its_order,
);

/// A manual min/max of `min`/`max` for (warehouse, part): with no stock, a run buys `max`.
pub(crate) async fn manual_levels(app: &TestApp, warehouse: &str, part: &str, min: i64, max: i64) {
    let reply = app
        .request(
            Method::PUT,
            &format!("/api/v1/policies/{warehouse}/{part}"),
            Some(&json!({ "min": min, "max": max })),
            None,
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
}

/// A receipt of `quantity` quoting purchase order `order`.
pub(crate) async fn receipt(
    app: &TestApp,
    warehouse: &str,
    part: &str,
    quantity: i64,
    order: &str,
) -> crate::helpers::Reply {
    let body = json!({ "kind": "receipt", "warehouse": warehouse, "part_number": part, "quantity": quantity, "purchase_order": order });
    app.post("/api/v1/movements", &body).await
}

/// Approves the one open proposal; returns the approval's body.
async fn approve_the_open_one(app: &TestApp) -> Value {
    let open = proposals(app, "status=open").await;
    assert_eq!(open.len(), 1, "{open:?}");
    let approved = app
        .post(&format!("/api/v1/proposals/{}/approve", open[0]["id"]), &json!({}))
        .await;
    assert_eq!(approved.status, 200, "{}", approved.body);
    approved.body
}

/// A run proposes nothing: the need is covered by what is in flight.
async fn nothing_proposed(app: &TestApp, state: &str) {
    let run = replenish(app).await;
    let open = proposals(app, "status=open").await;
    assert!(
        open.is_empty(),
        "with the document {state}, run {} proposed {open:?}",
        run["id"]
    );
}

async fn an_approved_transfer_is_not_proposed_again_in_any_state_until_it_is_cancelled(app: TestApp) {
    app.seed_network().await;
    terms(&app, "P-1", 1, 1).await;
    app.receive("N-RDC", "P-1", 500).await;
    plan_with_demand(&app).await;
    let approved = approve_the_open_one(&app).await;
    let transfer = approved["transfers"][0].as_i64().expect("a transfer");
    let quantity = approved["approved"][0]["quantity"].as_i64().expect("quantity");
    nothing_proposed(&app, "created").await;

    let cancelled = app
        .post(&format!("/api/v1/transfers/{transfer}/cancel"), &json!({}))
        .await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.body);
    replenish(&app).await;
    let again = proposals(&app, "status=open").await;
    assert_eq!(again.len(), 1, "cancelled: the need shows again {again:?}");
    assert_eq!(
        (again[0]["kind"].as_str(), again[0]["quantity"].as_i64()),
        (Some("transfer"), Some(quantity))
    );

    let transfer = approve_the_open_one(&app).await["transfers"][0]
        .as_i64()
        .expect("a transfer");
    nothing_proposed(&app, "created again").await;
    let shipped = app
        .post(&format!("/api/v1/transfers/{transfer}/ship"), &json!({}))
        .await;
    assert_eq!(shipped.status, 200, "{}", shipped.body);
    nothing_proposed(&app, "shipped").await;
    let part = json!({ "lines": [{ "part_number": "P-1", "quantity": 1 }] });
    let partly = app.post(&format!("/api/v1/transfers/{transfer}/receive"), &part).await;
    assert_eq!(partly.body["status"], "partially_received", "{}", partly.body);
    nothing_proposed(&app, "partially received").await;
    let rest = app
        .post(&format!("/api/v1/transfers/{transfer}/receive"), &json!({}))
        .await;
    assert_eq!(rest.body["status"], "received", "{}", rest.body);
    nothing_proposed(&app, "received").await;
    assert_eq!(app.balance("N-01", "P-1").await["on_hand"], quantity);
    app.assert_ledger_agrees();
}

async fn an_approved_purchase_is_not_proposed_again_in_any_state_of_its_order(app: TestApp) {
    app.seed_network().await;
    terms(&app, "P-1", 1, 1).await;
    manual_levels(&app, "N-01", "P-1", 5, 10).await;
    replenish(&app).await;
    let first = approve_the_open_one(&app).await["purchase_orders"][0]
        .as_i64()
        .expect("an order");
    let number = |order: &Value| order["number"].as_str().expect("number").to_owned();
    let order = app.get(&format!("/api/v1/purchase-orders/{first}")).await.body;
    nothing_proposed(&app, "open").await;
    assert_eq!(receipt(&app, "N-01", "P-1", 4, &number(&order)).await.status, 201);
    nothing_proposed(&app, "partially received").await;

    // Short-closed: 4 on hand, nothing on order, at or below min 5: buy up to max 10.
    let closed = app
        .post(&format!("/api/v1/purchase-orders/{first}/lines/P-1/close"), &json!({}))
        .await;
    assert_eq!(closed.body["status"], "closed", "{}", closed.body);
    replenish(&app).await;
    let open = proposals(&app, "status=open").await;
    assert_eq!(open[0]["quantity"], 6, "{open:?}");
    assert_eq!(open[0]["explanation"]["stock"]["on_hand"], 4);

    let second = approve_the_open_one(&app).await["purchase_orders"][0]
        .as_i64()
        .expect("an order");
    nothing_proposed(&app, "open again").await;
    let cancelled = app
        .post(&format!("/api/v1/purchase-orders/{second}/cancel"), &json!({}))
        .await;
    assert_eq!(cancelled.body["status"], "cancelled", "{}", cancelled.body);
    replenish(&app).await;
    assert_eq!(
        proposals(&app, "status=open").await[0]["quantity"],
        6,
        "cancelled: needed again"
    );

    let third = approve_the_open_one(&app).await["purchase_orders"][0]
        .as_i64()
        .expect("an order");
    let order = app.get(&format!("/api/v1/purchase-orders/{third}")).await.body;
    assert_eq!(receipt(&app, "N-01", "P-1", 6, &number(&order)).await.status, 201);
    nothing_proposed(&app, "received").await;
    let balance = app.balance("N-01", "P-1").await;
    assert_eq!(
        (balance["on_hand"].as_i64(), balance["on_order"].as_i64()),
        (Some(10), Some(0))
    );
    app.assert_ledger_agrees();
}
