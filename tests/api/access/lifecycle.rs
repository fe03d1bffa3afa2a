//! A key's lifecycle and what it leaves: revoked, expired and unknown keys are refused at once,
//! and every mutation kind writes one audit row in its own transaction.

use super::*;
use crate::on_both_backends;

on_both_backends!(
    revoked_expired_and_unknown_keys_get_401_at_once,
    every_mutation_kind_leaves_one_audit_row_in_its_transaction,
);

async fn revoked_expired_and_unknown_keys_get_401_at_once(app: TestApp) {
    app.seed_network().await;
    a_revoked_key_is_refused(&app).await;
    an_expired_key_is_refused(&app).await;
    own_unknown_and_malformed_keys(&app).await;
    for open in ["/health", "/ready", "/openapi.json", "/metrics"] {
        assert_eq!(
            app.request_as(None, Method::GET, open, None, None).await.status,
            200,
            "{open} stays open"
        );
    }
}

async fn a_revoked_key_is_refused(app: &TestApp) {
    let created = app
        .post("/api/v1/keys", &json!({ "name": "temp", "role": "viewer" }))
        .await;
    let (id, secret) = (
        created.body["id"].as_i64().expect("id"),
        created.body["secret"].as_str().expect("secret").to_owned(),
    );
    let listed = app.get("/api/v1/keys").await;
    assert!(!listed.body.to_string().contains(&secret), "lists never show secrets");
    assert_eq!(
        app.request_as(Some(&secret), Method::GET, "/api/v1/parts", None, None)
            .await
            .status,
        200
    );
    assert_eq!(
        app.post(&format!("/api/v1/keys/{id}/revoke"), &json!({})).await.status,
        200
    );
    let revoked = app
        .request_as(Some(&secret), Method::GET, "/api/v1/parts", None, None)
        .await;
    assert_eq!(
        (revoked.status, revoked.content_type.as_str()),
        (401, "application/problem+json")
    );
}

/// A key whose expiry has passed is refused; a key cannot be created already expired.
async fn an_expired_key_is_refused(app: &TestApp) {
    let other = app
        .post("/api/v1/keys", &json!({ "name": "short-lived", "role": "viewer" }))
        .await;
    let (other_id, other_secret) = (
        other.body["id"].as_i64().expect("id"),
        other.body["secret"].as_str().expect("secret").to_owned(),
    );
    let past = (chrono::Utc::now() - chrono::Duration::seconds(1)).to_rfc3339();
    let expired = app
        .patch(&format!("/api/v1/keys/{other_id}"), &json!({ "expires_at": past }))
        .await;
    assert_eq!(expired.status, 200, "{}", expired.body);
    assert_eq!(
        app.request_as(Some(&other_secret), Method::GET, "/api/v1/parts", None, None)
            .await
            .status,
        401
    );
    let future = app
        .post(
            "/api/v1/keys",
            &json!({ "name": "x", "role": "viewer", "expires_at": past }),
        )
        .await;
    assert_eq!(
        (future.status, future.body["field"].as_str()),
        (400, Some("expires_at"))
    );
}

/// A key cannot revoke itself; an unknown key and a non-Bearer header are 401.
async fn own_unknown_and_malformed_keys(app: &TestApp) {
    let keys = app.get("/api/v1/keys").await;
    let own = keys
        .body
        .as_array()
        .expect("keys")
        .iter()
        .find(|k| k["name"] == "test-admin")
        .expect("own key")["id"]
        .clone();
    let own_revoke = app.post(&format!("/api/v1/keys/{own}/revoke"), &json!({})).await;
    assert_eq!(own_revoke.status, 409, "no self-revocation");
    assert_eq!(app.get("/api/v1/parts").await.status, 200);
    let unknown = app
        .request_as(Some("spk_0000"), Method::GET, "/api/v1/parts", None, None)
        .await;
    assert_eq!(unknown.status, 401);
    let raw = app
        .client
        .get(format!("{}/api/v1/parts", app.address))
        .header("Authorization", "Basic abc")
        .send()
        .await
        .expect("sent");
    assert_eq!(raw.status().as_u16(), 401);
    assert_eq!(
        raw.headers().get("www-authenticate").and_then(|v| v.to_str().ok()),
        Some("Bearer")
    );
}

async fn every_mutation_kind_leaves_one_audit_row_in_its_transaction(app: TestApp) {
    app.seed_network().await;
    app.receive("N-RDC", "P-1", 10).await;
    let (r1, secret) = mutate_every_kind(&app).await;
    let audit = app.get("/api/v1/audit?limit=500").await;
    assert_eq!(audit.status, 200);
    let entries = audit.body["items"].as_array().expect("items");
    assert_one_row_per_mutation(entries);
    assert_rows_say_who_what_and_how(entries);
    assert!(
        !audit.body.to_string().contains(&secret),
        "the audit trail never holds a key's secret"
    );
    let filtered = app
        .get(&format!("/api/v1/audit?entity_type=reservation&entity_id={r1}"))
        .await;
    assert_eq!(filtered.body["items"].as_array().map(Vec::len), Some(2));
    {
        use diesel::prelude::*;
        let mut conn = app.pool.get().expect("conn");
        let tampered = diesel::sql_query("UPDATE audit_log SET actor = 'someone else'").execute(&mut conn);
        assert!(tampered.is_err(), "the audit table is append-only");
        let deleted = diesel::sql_query("DELETE FROM movements").execute(&mut conn);
        assert!(deleted.is_err(), "the ledger is append-only");
    }
}

/// One mutation of every kind, and one refused; returns the consumed reservation's id and the
/// secret of the key created.
async fn mutate_every_kind(app: &TestApp) -> (Value, String) {
    app.patch("/api/v1/warehouses/N-01", &json!({ "name": "Tianjin" }))
        .await;
    app.patch("/api/v1/parts/P-2", &json!({ "unit_cost": "3.5" })).await;
    app.patch("/api/v1/suppliers/SUP-1", &json!({ "name": "Renamed" }))
        .await;
    let put = json!({ "lead_time_days": 5, "unit_price": "4" });
    app.request(Method::PUT, "/api/v1/suppliers/SUP-1/parts/P-1", Some(&put), None)
        .await;
    app.request(Method::DELETE, "/api/v1/suppliers/SUP-1/parts/P-1", None, None)
        .await;
    let lines = json!([{ "part_number": "P-1", "quantity": 1 }]);
    let t1 = app
        .post(
            "/api/v1/transfers",
            &json!({ "from": "N-RDC", "to": "E-RDC", "lines": lines }),
        )
        .await
        .body["id"]
        .clone();
    app.post(&format!("/api/v1/transfers/{t1}/ship"), &json!({})).await;
    app.post(&format!("/api/v1/transfers/{t1}/receive"), &json!({})).await;
    let t2 = app
        .post(
            "/api/v1/transfers",
            &json!({ "from": "N-RDC", "to": "E-RDC", "lines": lines }),
        )
        .await
        .body["id"]
        .clone();
    app.post(&format!("/api/v1/transfers/{t2}/cancel"), &json!({})).await;
    let reserve = json!({ "repair_order": "RO-A", "warehouse": "N-RDC", "lines": lines });
    let r1 = app
        .post_with_key("/api/v1/reservations", &reserve, "audit-key-1")
        .await
        .body["id"]
        .clone();
    app.post(&format!("/api/v1/reservations/{r1}/consume"), &json!({}))
        .await;
    let r2 = app.post("/api/v1/reservations", &reserve).await.body["id"].clone();
    app.post(&format!("/api/v1/reservations/{r2}/release"), &json!({}))
        .await;
    let key = app
        .post("/api/v1/keys", &json!({ "name": "audited", "role": "viewer" }))
        .await;
    let key_id = key.body["id"].clone();
    let secret = key.body["secret"].as_str().expect("secret").to_owned();
    app.patch(&format!("/api/v1/keys/{key_id}"), &json!({ "expires_at": null }))
        .await;
    app.post(&format!("/api/v1/keys/{key_id}/revoke"), &json!({})).await;
    // A refused mutation leaves no audit row: its transaction rolled back.
    let refused = app
        .post(
            "/api/v1/movements",
            &json!({ "kind": "issue", "warehouse": "E-RDC", "part_number": "P-3", "quantity": 9 }),
        )
        .await;
    assert_eq!(refused.status, 409);
    (r1, secret)
}

fn assert_one_row_per_mutation(entries: &[Value]) {
    let count = |action: &str| entries.iter().filter(|e| e["action"] == action).count();
    for (action, expected) in [
        ("region.create", 2),
        ("warehouse.create", 3),
        ("warehouse.update", 1),
        ("part.create", 3),
        ("part.update", 1),
        ("supplier.create", 1),
        ("supplier.update", 1),
        ("supplier_terms.put", 1),
        ("supplier_terms.delete", 1),
        ("movement.create", 1),
        ("transfer.create", 2),
        ("transfer.ship", 1),
        ("transfer.receive", 1),
        ("transfer.cancel", 1),
        ("reservation.create", 2),
        ("reservation.consume", 1),
        ("reservation.release", 1),
        ("key.create", 1),
        ("key.update", 1),
        ("key.revoke", 1),
    ] {
        assert_eq!(
            count(action),
            expected,
            "{action}: {audit:?}",
            audit = entries.iter().map(|e| &e["action"]).collect::<Vec<_>>()
        );
    }
    assert_eq!(
        entries.len(),
        27,
        "nothing else was audited, the refused issue included"
    );
}

fn assert_rows_say_who_what_and_how(entries: &[Value]) {
    let update = entries
        .iter()
        .find(|e| e["action"] == "warehouse.update")
        .expect("update row");
    assert_eq!(update["before"]["name"], "N-01 warehouse");
    assert_eq!(update["after"]["name"], "Tianjin");
    assert_eq!(update["actor"], "test-admin");
    assert!(update["key_id"].is_i64() && update["request_id"].is_string());
    assert_eq!(update["route"], "/api/v1/warehouses/{code}");
    let reserved = entries
        .iter()
        .find(|e| e["action"] == "reservation.create")
        .expect("reservation row");
    assert_eq!(reserved["idempotency_key"], "audit-key-1");
}
