use serde_json::json;

use crate::helpers::TestApp;
use crate::on_both_backends;

on_both_backends!(
    a_receipt_adds_to_on_hand_and_the_ledger,
    an_issue_beyond_available_gets_409_with_the_available_quantity_and_changes_nothing,
    issues_cannot_take_reserved_stock,
    an_adjustment_requires_a_known_reason_code,
    a_defective_return_is_never_available_and_can_be_scrapped,
    movements_are_listed_with_their_document_and_actor,
    a_movement_reads_back_the_same_from_its_response_the_ledger_and_the_audit_trail,
);

async fn a_receipt_adds_to_on_hand_and_the_ledger(app: TestApp) {
    app.seed_network().await;
    let reply = app
        .post(
            "/api/v1/movements",
            &json!({ "kind": "receipt", "warehouse": "N-RDC", "part_number": "P-1", "quantity": 7,
                     "supplier": "SUP-1", "lot": "L-1" }),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.body["delta"]["on_hand"], 7);
    assert_eq!(reply.body["supplier"], "SUP-1");
    assert_eq!(
        reply.body["document"],
        serde_json::Value::Null,
        "no purchase order quoted"
    );
    let balance = app.balance("N-RDC", "P-1").await;
    assert_eq!(balance["on_hand"], 7);
    assert_eq!(balance["available"], 7);
    app.assert_ledger_agrees();
}

async fn an_issue_beyond_available_gets_409_with_the_available_quantity_and_changes_nothing(app: TestApp) {
    app.seed_network().await;
    app.receive("N-RDC", "P-1", 3).await;
    let before = app.ledger_len().await;
    let reply = app
        .post(
            "/api/v1/movements",
            &json!({ "kind": "issue", "warehouse": "N-RDC", "part_number": "P-1", "quantity": 4 }),
        )
        .await;
    assert_eq!(reply.status, 409);
    assert_eq!(reply.content_type, "application/problem+json");
    assert_eq!(reply.body["available"], 3);
    assert_eq!(reply.body["type"], "/problems/insufficient-stock");
    assert_eq!(app.balance("N-RDC", "P-1").await["on_hand"], 3);
    assert_eq!(app.ledger_len().await, before);
    // A negative adjustment is held to the same rule.
    let reply = app
        .post(
            "/api/v1/movements",
            &json!({ "kind": "adjustment", "warehouse": "N-RDC", "part_number": "P-1", "quantity": -5, "reason_code": "count" }),
        )
        .await;
    assert_eq!(reply.status, 409);
    app.assert_ledger_agrees();
}

async fn issues_cannot_take_reserved_stock(app: TestApp) {
    app.seed_network().await;
    app.receive("N-01", "P-1", 5).await;
    let reply = app
        .post(
            "/api/v1/reservations",
            &json!({ "repair_order": "RO-1", "warehouse": "N-01", "lines": [{ "part_number": "P-1", "quantity": 4 }] }),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let reply = app
        .post(
            "/api/v1/movements",
            &json!({ "kind": "issue", "warehouse": "N-01", "part_number": "P-1", "quantity": 2 }),
        )
        .await;
    assert_eq!(reply.status, 409);
    assert_eq!(reply.body["available"], 1);
    let reply = app
        .post("/api/v1/movements", &json!({ "kind": "issue", "warehouse": "N-01", "part_number": "P-1", "quantity": 1, "repair_order": "RO-2" }))
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let balance = app.balance("N-01", "P-1").await;
    assert_eq!(
        (
            balance["on_hand"].as_i64(),
            balance["reserved"].as_i64(),
            balance["available"].as_i64()
        ),
        (Some(4), Some(4), Some(0))
    );
    app.assert_ledger_agrees();
}

async fn an_adjustment_requires_a_known_reason_code(app: TestApp) {
    app.seed_network().await;
    let base = json!({ "kind": "adjustment", "warehouse": "N-RDC", "part_number": "P-1", "quantity": 2 });
    let reply = app.post("/api/v1/movements", &base).await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.body["field"], "reason_code");
    let mut bad = base.clone();
    bad["reason_code"] = json!("because");
    assert_eq!(app.post("/api/v1/movements", &bad).await.status, 400);
    let mut zero = base.clone();
    zero["reason_code"] = json!("found");
    zero["quantity"] = json!(0);
    let reply = app.post("/api/v1/movements", &zero).await;
    assert_eq!((reply.status, reply.body["field"].as_str()), (400, Some("quantity")));
    let mut good = base.clone();
    good["reason_code"] = json!("found");
    let reply = app.post("/api/v1/movements", &good).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.body["reason_code"], "found");
    assert_eq!(app.balance("N-RDC", "P-1").await["on_hand"], 2);
}

async fn a_defective_return_is_never_available_and_can_be_scrapped(app: TestApp) {
    app.seed_network().await;
    let reply = app
        .post(
            "/api/v1/movements",
            &json!({ "kind": "return", "warehouse": "N-01", "part_number": "P-2", "quantity": 2, "condition": "defective", "repair_order": "RO-7" }),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let reply = app
        .post(
            "/api/v1/movements",
            &json!({ "kind": "return", "warehouse": "N-01", "part_number": "P-2", "quantity": 1, "condition": "good" }),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let balance = app.balance("N-01", "P-2").await;
    assert_eq!(
        (
            balance["on_hand"].as_i64(),
            balance["defective"].as_i64(),
            balance["available"].as_i64()
        ),
        (Some(1), Some(2), Some(1))
    );
    let reply = app
        .post("/api/v1/movements", &json!({ "kind": "scrap", "warehouse": "N-01", "part_number": "P-2", "quantity": 3, "source": "defective" }))
        .await;
    assert_eq!(reply.status, 409, "only 2 defective units exist");
    let reply = app
        .post("/api/v1/movements", &json!({ "kind": "scrap", "warehouse": "N-01", "part_number": "P-2", "quantity": 2, "source": "defective" }))
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(app.balance("N-01", "P-2").await["defective"], 0);
    let reply = app
        .post(
            "/api/v1/movements",
            &json!({ "kind": "return", "warehouse": "N-01", "part_number": "P-2", "quantity": 1 }),
        )
        .await;
    assert_eq!((reply.status, reply.body["field"].as_str()), (400, Some("condition")));
    app.assert_ledger_agrees();
}

async fn movements_are_listed_with_their_document_and_actor(app: TestApp) {
    app.seed_network().await;
    for q in 1..=3 {
        app.receive("E-RDC", "P-3", q).await;
    }
    let scanner = app.key("scanner-17", "warehouse", Some(&["E-RDC"])).await;
    let reply = app
        .request_as(
            Some(&scanner),
            reqwest::Method::POST,
            "/api/v1/movements",
            Some(&json!({ "kind": "issue", "warehouse": "E-RDC", "part_number": "P-3", "quantity": 2, "repair_order": "RO-42" })),
            None,
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let page = app.get("/api/v1/movements?warehouse=E-RDC&limit=2").await;
    assert_eq!(page.status, 200);
    assert_eq!(page.body["items"].as_array().map(Vec::len), Some(2));
    let cursor = page.body["next_cursor"].as_str().expect("a next page").to_owned();
    let rest = app
        .get(&format!("/api/v1/movements?warehouse=E-RDC&limit=2&cursor={cursor}"))
        .await;
    assert_eq!(rest.body["items"].as_array().map(Vec::len), Some(2));
    assert!(rest.body["next_cursor"].is_null());
    // Newest first by default: the issue, posted last, opens the first page.
    let issue = &page.body["items"][0];
    assert_eq!(issue["kind"], "issue");
    assert!(
        issue["actor"]
            .as_str()
            .unwrap_or_default()
            .starts_with("scanner-17 (key "),
        "{issue}"
    );
    assert_eq!(issue["document"]["reference"], "RO-42");
    assert!(issue["request_id"].is_string());
    let by_doc = app
        .get("/api/v1/movements?document_type=repair_order&document_ref=RO-42")
        .await;
    assert_eq!(by_doc.body["items"].as_array().map(Vec::len), Some(1));
}

/// On PostgreSQL a movement without an Idempotency-Key is posted by one statement outside a
/// transaction (its id reserved first), one with a key inside the idempotent transaction, and
/// one whose pair has no balance row yet falls back to the transactional path: all three must
/// answer what the ledger and the audit trail then hold.
async fn a_movement_reads_back_the_same_from_its_response_the_ledger_and_the_audit_trail(app: TestApp) {
    app.seed_network().await;
    let first = json!({ "kind": "receipt", "warehouse": "E-RDC", "part_number": "P-3", "quantity": 4,
                        "supplier": "SUP-1", "lot": "L-7", "note": "first receipt of the pair" });
    let issue = json!({ "kind": "issue", "warehouse": "E-RDC", "part_number": "P-3", "quantity": 1,
                        "repair_order": "RO-55" });
    let keyed = json!({ "kind": "scrap", "warehouse": "E-RDC", "part_number": "P-3", "quantity": 1,
                        "reason_code": "damage" });
    let replies = vec![
        app.post("/api/v1/movements", &first).await,
        app.post("/api/v1/movements", &issue).await,
        app.post_with_key("/api/v1/movements", &keyed, "scrap-1").await,
    ];
    let audit = app.get("/api/v1/audit?entity_type=movement&limit=100").await;
    assert_eq!(audit.status, 200, "{}", audit.body);
    let entries = audit.body["items"].as_array().expect("items");
    assert_eq!(entries.len(), 3, "one audit row per movement: {entries:?}");
    for reply in &replies {
        assert_eq!(reply.status, 201, "{}", reply.body);
        let id = reply.body["id"].as_i64().expect("id");
        let entity_id = id.to_string();
        let stored = app.get(&format!("/api/v1/movements/{id}")).await;
        assert_eq!(stored.status, 200);
        assert_eq!(stored.body, reply.body, "the ledger holds what the response said");
        let row = entries
            .iter()
            .find(|e| e["entity_id"] == entity_id.as_str())
            .expect("the movement's audit row");
        assert_eq!(row["action"], "movement.create");
        assert_eq!(row["after"], reply.body, "the audit trail holds what the response said");
        assert_eq!(row["actor"], "test-admin");
        assert_eq!(row["route"], "/api/v1/movements");
        assert_eq!(row["request_id"], reply.body["request_id"]);
    }
    assert_eq!(replies[0].body["supplier"], "SUP-1");
    assert_eq!(
        replies[1].body["document"],
        json!({ "type": "repair_order", "reference": "RO-55" })
    );
    let keyed_id = replies[2].body["id"].to_string();
    let keyed_row = entries
        .iter()
        .find(|e| e["entity_id"] == keyed_id.as_str())
        .expect("keyed row");
    assert_eq!(keyed_row["idempotency_key"], "scrap-1");
    let demand = app.get("/api/v1/demand-history?warehouse=E-RDC&part_number=P-3").await;
    assert_eq!(demand.status, 200, "{}", demand.body);
    assert_eq!(demand.body["total"], 1, "the issue counts as demand, the rest does not");
    let balance = app.balance("E-RDC", "P-3").await;
    assert_eq!(balance["on_hand"], 2);
    app.assert_ledger_agrees();
}
