use futures::future::join_all;
use serde_json::json;

use crate::helpers::TestApp;
use crate::on_both_backends;

on_both_backends!(
    a_retry_with_the_same_key_returns_the_first_response_and_posts_once,
    the_same_key_with_another_body_gets_422_and_changes_nothing,
    concurrent_requests_with_one_key_post_exactly_once,
    a_refused_request_is_replayed_as_refused,
);

fn receipt(quantity: i64) -> serde_json::Value {
    json!({ "kind": "receipt", "warehouse": "N-RDC", "part_number": "P-1", "quantity": quantity })
}

async fn a_retry_with_the_same_key_returns_the_first_response_and_posts_once(app: TestApp) {
    app.seed_network().await;
    let first = app.post_with_key("/api/v1/movements", &receipt(5), "key-1").await;
    let second = app.post_with_key("/api/v1/movements", &receipt(5), "key-1").await;
    assert_eq!(first.status, 201);
    assert_eq!(second.status, 201);
    assert_eq!(first.body, second.body);
    assert_eq!(app.balance("N-RDC", "P-1").await["on_hand"], 5);
    assert_eq!(app.ledger_len().await, 1);
    let reservation =
        json!({ "repair_order": "RO-1", "warehouse": "N-RDC", "lines": [{ "part_number": "P-1", "quantity": 2 }] });
    let made = app.post_with_key("/api/v1/reservations", &reservation, "key-2").await;
    let again = app.post_with_key("/api/v1/reservations", &reservation, "key-2").await;
    assert_eq!(made.body, again.body);
    assert_eq!(app.balance("N-RDC", "P-1").await["reserved"], 2);
}

async fn the_same_key_with_another_body_gets_422_and_changes_nothing(app: TestApp) {
    app.seed_network().await;
    assert_eq!(
        app.post_with_key("/api/v1/movements", &receipt(5), "key-1")
            .await
            .status,
        201
    );
    let reply = app.post_with_key("/api/v1/movements", &receipt(6), "key-1").await;
    assert_eq!(reply.status, 422);
    assert_eq!(reply.content_type, "application/problem+json");
    assert_eq!(reply.body["type"], "/problems/idempotency-key-reused");
    let elsewhere = app
        .post_with_key(
            "/api/v1/parts",
            &json!({ "part_number": "P-9", "description": "x", "unit_cost": 1 }),
            "key-1",
        )
        .await;
    assert_eq!(
        elsewhere.status, 422,
        "a key belongs to one request, whatever the route"
    );
    assert_eq!(app.balance("N-RDC", "P-1").await["on_hand"], 5);
    assert_eq!(app.get("/api/v1/parts/P-9").await.status, 404);
}

async fn concurrent_requests_with_one_key_post_exactly_once(app: TestApp) {
    app.seed_network().await;
    let body = receipt(3);
    let replies = join_all((0..16).map(|_| app.post_with_key("/api/v1/movements", &body, "same-key"))).await;
    assert!(
        replies.iter().all(|r| r.status == 201),
        "{:?}",
        replies.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert!(replies.iter().all(|r| r.body == replies[0].body));
    assert_eq!(app.balance("N-RDC", "P-1").await["on_hand"], 3);
    assert_eq!(app.ledger_len().await, 1);
    app.assert_ledger_agrees();
}

async fn a_refused_request_is_replayed_as_refused(app: TestApp) {
    app.seed_network().await;
    let issue = json!({ "kind": "issue", "warehouse": "N-RDC", "part_number": "P-1", "quantity": 1 });
    assert_eq!(
        app.post_with_key("/api/v1/movements", &issue, "k-issue").await.status,
        409
    );
    app.receive("N-RDC", "P-1", 5).await;
    let replay = app.post_with_key("/api/v1/movements", &issue, "k-issue").await;
    assert_eq!(replay.status, 409, "the first response is returned, not a new attempt");
    assert_eq!(app.balance("N-RDC", "P-1").await["on_hand"], 5);
    let bad_key = app
        .client
        .post(format!("{}/api/v1/movements", app.address))
        .bearer_auth(&app.admin_key)
        .header("Idempotency-Key", "x".repeat(300))
        .json(&issue)
        .send()
        .await
        .expect("sent");
    assert_eq!(bad_key.status().as_u16(), 400);
}
