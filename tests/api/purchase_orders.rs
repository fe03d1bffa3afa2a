//! Purchase-order lifecycle: receipts checked against the order (unknown order, other
//! warehouse, part not on it, over-receipt beyond the tolerance), cancel, short-close, amend,
//! and lookup by number.

use serde_json::{json, Value};

use crate::helpers::TestApp;
use crate::in_flight::{manual_levels, receipt};
use crate::replenishment::{proposals, replenish, terms_at};
use crate::{on_both_backends, on_both_backends_with};

on_both_backends!(
    a_receipt_naming_an_unknown_purchase_order_is_refused_naming_the_field_and_books_nothing,
    a_receipt_at_another_warehouse_or_of_a_part_not_on_the_order_is_refused_naming_the_field,
    a_receipt_beyond_what_is_outstanding_is_a_409_naming_the_outstanding_quantity,
    a_cancelled_order_comes_off_on_order_and_the_next_run_proposes_again,
    short_closing_a_line_closes_its_rest_and_the_order,
    amending_a_line_moves_on_order_and_sets_its_expected_date,
    an_order_is_found_by_its_number_as_well_as_by_its_id,
);
on_both_backends_with!(
    a_receipt_within_the_over_receipt_tolerance_is_booked_and_beyond_it_refused => |s| {
        s.replenishment.over_receipt_pct = rust_decimal::Decimal::from(10);
    },
);

/// An approved purchase of 10 x P-1 into N-01: the purchase order.
async fn order_of_ten(app: &TestApp) -> Value {
    app.seed_network().await;
    approved_order(app, "10.00").await
}

/// The approved purchase of the one open proposal, 10 x P-1 into N-01 (empty) at `price` a
/// unit: the purchase order.
pub(crate) async fn approved_order(app: &TestApp, price: &str) -> Value {
    terms_at(app, "P-1", 1, 1, price).await;
    manual_levels(app, "N-01", "P-1", 5, 10).await;
    replenish(app).await;
    let open = proposals(app, "status=open&kind=purchase").await;
    assert_eq!((open.len(), open[0]["quantity"].as_i64()), (1, Some(10)), "{open:?}");
    let approved = app
        .post(&format!("/api/v1/proposals/{}/approve", open[0]["id"]), &json!({}))
        .await;
    assert_eq!(approved.status, 200, "{}", approved.body);
    let id = approved.body["purchase_orders"][0].as_i64().expect("an order");
    app.get(&format!("/api/v1/purchase-orders/{id}")).await.body
}

async fn a_receipt_naming_an_unknown_purchase_order_is_refused_naming_the_field_and_books_nothing(app: TestApp) {
    let order = order_of_ten(&app).await;
    let number = order["number"].as_str().expect("number");
    let before = app.ledger_len().await;
    let mistyped = format!("{}X", &number[..number.len() - 1]);
    let reply = receipt(&app, "N-01", "P-1", 4, &mistyped).await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert_eq!(reply.body["field"], "purchase_order");
    assert!(
        reply.body["detail"].as_str().is_some_and(|d| d.contains(&mistyped)),
        "{}",
        reply.body
    );
    let balance = app.balance("N-01", "P-1").await;
    assert_eq!(
        (balance["on_hand"].as_i64(), balance["on_order"].as_i64()),
        (Some(0), Some(10))
    );
    assert_eq!(app.ledger_len().await, before, "nothing was booked");
}

async fn a_receipt_at_another_warehouse_or_of_a_part_not_on_the_order_is_refused_naming_the_field(app: TestApp) {
    let order = order_of_ten(&app).await;
    let number = order["number"].as_str().expect("number");
    let elsewhere = receipt(&app, "N-RDC", "P-1", 4, number).await;
    assert_eq!(
        (elsewhere.status, elsewhere.body["field"].as_str()),
        (400, Some("purchase_order")),
        "{}",
        elsewhere.body
    );
    let other_part = receipt(&app, "N-01", "P-2", 4, number).await;
    assert_eq!(
        (other_part.status, other_part.body["field"].as_str()),
        (400, Some("part_number")),
        "{}",
        other_part.body
    );
    assert_eq!(app.balance("N-RDC", "P-1").await["on_hand"], 0);
    assert_eq!(app.balance("N-01", "P-2").await["on_hand"], 0);
    app.assert_ledger_agrees();
}

async fn a_receipt_beyond_what_is_outstanding_is_a_409_naming_the_outstanding_quantity(app: TestApp) {
    let order = order_of_ten(&app).await;
    let number = order["number"].as_str().expect("number");
    assert_eq!(receipt(&app, "N-01", "P-1", 4, number).await.status, 201);
    let over = receipt(&app, "N-01", "P-1", 7, number).await;
    assert_eq!(over.status, 409, "{}", over.body);
    assert_eq!(over.body["type"], "/problems/over-receipt");
    assert_eq!(
        (over.body["field"].as_str(), over.body["outstanding"].as_i64()),
        (Some("quantity"), Some(6))
    );
    assert_eq!(over.body["tolerance"], 0);
    assert_eq!(
        app.balance("N-01", "P-1").await["on_hand"],
        4,
        "nothing of it was booked"
    );

    assert_eq!(receipt(&app, "N-01", "P-1", 6, number).await.status, 201);
    let done = app.get(&format!("/api/v1/purchase-orders/{}", order["id"])).await.body;
    assert_eq!(
        (done["status"].as_str(), done["lines"][0]["outstanding"].as_i64()),
        (Some("received"), Some(0))
    );
    let more = receipt(&app, "N-01", "P-1", 1, number).await;
    assert_eq!(
        (more.status, more.body["outstanding"].as_i64()),
        (409, Some(0)),
        "{}",
        more.body
    );
    let balance = app.balance("N-01", "P-1").await;
    assert_eq!(
        (balance["on_hand"].as_i64(), balance["on_order"].as_i64()),
        (Some(10), Some(0))
    );
    app.assert_ledger_agrees();
}

async fn a_receipt_within_the_over_receipt_tolerance_is_booked_and_beyond_it_refused(app: TestApp) {
    let order = order_of_ten(&app).await;
    assert_eq!(order["over_receipt_pct"], "10");
    let number = order["number"].as_str().expect("number");
    let over = receipt(&app, "N-01", "P-1", 12, number).await;
    assert_eq!(
        (over.status, over.body["tolerance"].as_i64()),
        (409, Some(1)),
        "{}",
        over.body
    );
    assert_eq!(over.body["outstanding"], 10);
    let within = receipt(&app, "N-01", "P-1", 11, number).await;
    assert_eq!(within.status, 201, "{}", within.body);
    assert_eq!(
        within.body["delta"]["on_order"], -10,
        "only the ordered units come off on_order"
    );
    let balance = app.balance("N-01", "P-1").await;
    assert_eq!(
        (balance["on_hand"].as_i64(), balance["on_order"].as_i64()),
        (Some(11), Some(0))
    );
    let done = app.get(&format!("/api/v1/purchase-orders/{}", order["id"])).await.body;
    assert_eq!(
        (done["status"].as_str(), done["lines"][0]["received"].as_i64()),
        (Some("received"), Some(11))
    );
    app.assert_ledger_agrees();
}

async fn a_cancelled_order_comes_off_on_order_and_the_next_run_proposes_again(app: TestApp) {
    let order = order_of_ten(&app).await;
    replenish(&app).await;
    assert!(
        proposals(&app, "status=open").await.is_empty(),
        "the order covers the need"
    );

    let cancelled = app
        .post(&format!("/api/v1/purchase-orders/{}/cancel", order["id"]), &json!({}))
        .await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.body);
    assert_eq!(cancelled.body["status"], "cancelled");
    assert_eq!(
        (
            cancelled.body["lines"][0]["closed"].as_i64(),
            cancelled.body["lines"][0]["outstanding"].as_i64()
        ),
        (Some(10), Some(0))
    );
    assert_eq!(app.balance("N-01", "P-1").await["on_order"], 0);
    let late = receipt(&app, "N-01", "P-1", 1, order["number"].as_str().expect("number")).await;
    assert_eq!(
        (late.status, late.body["outstanding"].as_i64()),
        (409, Some(0)),
        "{}",
        late.body
    );
    let again = app
        .post(&format!("/api/v1/purchase-orders/{}/cancel", order["id"]), &json!({}))
        .await;
    assert_eq!(again.status, 409, "{}", again.body);

    replenish(&app).await;
    let open = proposals(&app, "status=open&kind=purchase").await;
    assert_eq!((open.len(), open[0]["quantity"].as_i64()), (1, Some(10)), "{open:?}");
    app.assert_ledger_agrees();
}

async fn short_closing_a_line_closes_its_rest_and_the_order(app: TestApp) {
    let order = order_of_ten(&app).await;
    assert_eq!(
        receipt(&app, "N-01", "P-1", 4, order["number"].as_str().expect("number"))
            .await
            .status,
        201
    );
    let path = format!("/api/v1/purchase-orders/{}/lines/P-1/close", order["id"]);
    let closed = app.post(&path, &json!({})).await;
    assert_eq!(closed.status, 200, "{}", closed.body);
    assert_eq!(closed.body["status"], "closed");
    let line = &closed.body["lines"][0];
    assert_eq!(
        (
            line["received"].as_i64(),
            line["closed"].as_i64(),
            line["outstanding"].as_i64()
        ),
        (Some(4), Some(6), Some(0))
    );
    assert_eq!(app.balance("N-01", "P-1").await["on_order"], 0);
    let unknown = app
        .post(
            &format!("/api/v1/purchase-orders/{}/lines/P-2/close", order["id"]),
            &json!({}),
        )
        .await;
    assert_eq!(
        (unknown.status, unknown.body["field"].as_str()),
        (409, None),
        "a closed order: {}",
        unknown.body
    );
    app.assert_ledger_agrees();
}

async fn amending_a_line_moves_on_order_and_sets_its_expected_date(app: TestApp) {
    let order = order_of_ten(&app).await;
    let path = format!("/api/v1/purchase-orders/{}/lines/P-1", order["id"]);
    let amended = app
        .patch(&path, &json!({ "quantity": 14, "expected_date": "2030-01-31" }))
        .await;
    assert_eq!(amended.status, 200, "{}", amended.body);
    let line = &amended.body["lines"][0];
    assert_eq!(
        (line["quantity"].as_i64(), line["outstanding"].as_i64()),
        (Some(14), Some(14))
    );
    assert_eq!(line["expected_at"], "2030-01-31T00:00:00Z");
    assert_eq!(amended.body["expected_at"], "2030-01-31T00:00:00Z");
    assert_eq!(app.balance("N-01", "P-1").await["on_order"], 14);

    assert_eq!(
        receipt(&app, "N-01", "P-1", 5, order["number"].as_str().expect("number"))
            .await
            .status,
        201
    );
    let below = app.patch(&path, &json!({ "quantity": 4 })).await;
    assert_eq!(
        (below.status, below.body["field"].as_str()),
        (400, Some("quantity")),
        "{}",
        below.body
    );
    let down = app.patch(&path, &json!({ "quantity": 8 })).await;
    assert_eq!(down.status, 200, "{}", down.body);
    assert_eq!(app.balance("N-01", "P-1").await["on_order"], 3);
    let other = app
        .patch(
            &format!("/api/v1/purchase-orders/{}/lines/P-2", order["id"]),
            &json!({ "quantity": 3 }),
        )
        .await;
    assert_eq!(
        (other.status, other.body["field"].as_str()),
        (400, Some("part_number")),
        "{}",
        other.body
    );
    let nothing = app.patch(&path, &json!({})).await;
    assert_eq!(nothing.status, 400, "{}", nothing.body);
    let bad_date = app.patch(&path, &json!({ "expected_date": "31/01/2030" })).await;
    assert_eq!(
        (bad_date.status, bad_date.body["field"].as_str()),
        (400, Some("expected_date")),
        "{}",
        bad_date.body
    );
    app.assert_ledger_agrees();
}

async fn an_order_is_found_by_its_number_as_well_as_by_its_id(app: TestApp) {
    let order = order_of_ten(&app).await;
    let number = order["number"].as_str().expect("number");
    let by_number = app.get(&format!("/api/v1/purchase-orders/{number}")).await;
    assert_eq!(by_number.status, 200, "{}", by_number.body);
    assert_eq!(by_number.body["id"], order["id"]);
    let listed = app.get(&format!("/api/v1/purchase-orders?number={number}")).await;
    assert_eq!(
        listed.body["items"].as_array().map(Vec::len),
        Some(1),
        "{}",
        listed.body
    );
    let missing = app.get("/api/v1/purchase-orders/PO-NOPE").await;
    assert_eq!(missing.status, 404, "{}", missing.body);
    let cancelled = app
        .post(&format!("/api/v1/purchase-orders/{number}/cancel"), &json!({}))
        .await;
    assert_eq!(
        (cancelled.status, cancelled.body["status"].as_str()),
        (200, Some("cancelled"))
    );
    let bad = app.get("/api/v1/purchase-orders?status=lost").await;
    assert_eq!(
        bad.status, 400,
        "an unknown status is refused, not an empty page: {}",
        bad.body
    );
}
