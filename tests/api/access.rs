//! Access control: every route's allowed and denied roles, warehouse scoping, key lifecycle and
//! the audit trail.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::TestApp;
use crate::on_both_backends;

on_both_backends!(
    every_route_allows_exactly_its_roles_and_asks_for_a_key,
    a_key_limited_to_warehouses_sees_and_acts_only_there,
    revoked_expired_and_unknown_keys_get_401_at_once,
    every_mutation_kind_leaves_one_audit_row_in_its_transaction,
);

const ROLES: [&str; 5] = ["admin", "warehouse", "repair", "procurement", "viewer"];
const ALL: &[&str] = &ROLES;
const ADMIN: &[&str] = &["admin"];
const SUPPLIER_READ: &[&str] = &["admin", "procurement", "viewer"];
const SUPPLIER_WRITE: &[&str] = &["admin", "procurement"];
const STOCK_READ: &[&str] = &["admin", "warehouse", "procurement", "viewer"];
const STOCK_WRITE: &[&str] = &["admin", "warehouse"];
const RESERVATION_READ: &[&str] = &["admin", "repair", "viewer"];
const RESERVATION_WRITE: &[&str] = &["admin", "repair"];
const FORECAST_READ: &[&str] = &["admin", "procurement", "viewer"];
const FORECAST_WRITE: &[&str] = &["admin", "procurement"];
const REPLENISHMENT_READ: &[&str] = &["admin", "procurement", "viewer"];
const REPLENISHMENT_WRITE: &[&str] = &["admin", "procurement"];

/// The access model, written out independently of the code that enforces it.
fn matrix(
    reservation: i64,
    transfer: i64,
    spare_key: i64,
) -> Vec<(Method, String, Option<Value>, &'static [&'static str])> {
    let r = |p: &str| {
        p.replace("{r}", &reservation.to_string())
            .replace("{t}", &transfer.to_string())
            .replace("{k}", &spare_key.to_string())
    };
    let lines = json!([{ "part_number": "P-1", "quantity": 1 }]);
    vec![
        (Method::GET, r("/api/v1/regions"), None, ALL),
        (
            Method::POST,
            r("/api/v1/regions"),
            Some(json!({ "code": "west", "name": "West" })),
            ADMIN,
        ),
        (Method::GET, r("/api/v1/warehouses"), None, ALL),
        (
            Method::POST,
            r("/api/v1/warehouses"),
            Some(json!({ "code": "W-9", "name": "W", "region": "north", "kind": "local" })),
            ADMIN,
        ),
        (Method::GET, r("/api/v1/warehouses/N-RDC"), None, ALL),
        (
            Method::PATCH,
            r("/api/v1/warehouses/N-RDC"),
            Some(json!({ "name": "Renamed" })),
            ADMIN,
        ),
        (Method::GET, r("/api/v1/parts"), None, ALL),
        (
            Method::POST,
            r("/api/v1/parts"),
            Some(json!({ "part_number": "P-9", "description": "x", "unit_cost": "1" })),
            ADMIN,
        ),
        (Method::GET, r("/api/v1/parts/P-1"), None, ALL),
        (
            Method::PATCH,
            r("/api/v1/parts/P-1"),
            Some(json!({ "description": "y" })),
            ADMIN,
        ),
        (Method::GET, r("/api/v1/parts/P-1/suppliers"), None, SUPPLIER_READ),
        (Method::GET, r("/api/v1/parts/P-1/availability"), None, ALL),
        (Method::GET, r("/api/v1/suppliers"), None, SUPPLIER_READ),
        (
            Method::POST,
            r("/api/v1/suppliers"),
            Some(json!({ "code": "SUP-9", "name": "S" })),
            SUPPLIER_WRITE,
        ),
        (Method::GET, r("/api/v1/suppliers/SUP-1"), None, SUPPLIER_READ),
        (
            Method::PATCH,
            r("/api/v1/suppliers/SUP-1"),
            Some(json!({ "name": "S1" })),
            SUPPLIER_WRITE,
        ),
        (Method::GET, r("/api/v1/suppliers/SUP-1/parts"), None, SUPPLIER_READ),
        (
            Method::PUT,
            r("/api/v1/suppliers/SUP-1/parts/P-1"),
            Some(json!({ "lead_time_days": 3, "unit_price": "2" })),
            SUPPLIER_WRITE,
        ),
        (
            Method::DELETE,
            r("/api/v1/suppliers/SUP-1/parts/P-3"),
            None,
            SUPPLIER_WRITE,
        ),
        (Method::GET, r("/api/v1/movements"), None, STOCK_READ),
        (
            Method::POST,
            r("/api/v1/movements"),
            Some(json!({ "kind": "receipt", "warehouse": "N-RDC", "part_number": "P-1", "quantity": 1 })),
            STOCK_WRITE,
        ),
        (Method::GET, r("/api/v1/movements/1"), None, STOCK_READ),
        (Method::GET, r("/api/v1/stock"), None, STOCK_READ),
        (Method::GET, r("/api/v1/transfers"), None, STOCK_READ),
        (
            Method::POST,
            r("/api/v1/transfers"),
            Some(json!({ "from": "N-RDC", "to": "E-RDC", "lines": lines })),
            STOCK_WRITE,
        ),
        (Method::GET, r("/api/v1/transfers/{t}"), None, STOCK_READ),
        (Method::POST, r("/api/v1/transfers/{t}/ship"), None, STOCK_WRITE),
        (Method::POST, r("/api/v1/transfers/{t}/receive"), None, STOCK_WRITE),
        (Method::POST, r("/api/v1/transfers/{t}/cancel"), None, STOCK_WRITE),
        (Method::GET, r("/api/v1/reservations"), None, RESERVATION_READ),
        (
            Method::POST,
            r("/api/v1/reservations"),
            Some(json!({ "repair_order": "RO-M", "warehouse": "N-RDC", "lines": lines })),
            RESERVATION_WRITE,
        ),
        (Method::GET, r("/api/v1/reservations/{r}"), None, RESERVATION_READ),
        (
            Method::POST,
            r("/api/v1/reservations/{r}/consume"),
            Some(json!({ "lines": lines })),
            RESERVATION_WRITE,
        ),
        (
            Method::POST,
            r("/api/v1/reservations/{r}/release"),
            None,
            RESERVATION_WRITE,
        ),
        (Method::GET, r("/api/v1/keys"), None, ADMIN),
        (
            Method::POST,
            r("/api/v1/keys"),
            Some(json!({ "name": "k", "role": "viewer" })),
            ADMIN,
        ),
        (
            Method::PATCH,
            r("/api/v1/keys/{k}"),
            Some(json!({ "expires_at": null })),
            ADMIN,
        ),
        (Method::POST, r("/api/v1/keys/{k}/revoke"), None, ADMIN),
        (
            Method::GET,
            r("/api/v1/demand-history?warehouse=N-RDC&part_number=P-1"),
            None,
            FORECAST_READ,
        ),
        (Method::POST, r("/api/v1/demand-history"), None, FORECAST_WRITE),
        (Method::GET, r("/api/v1/forecasts"), None, FORECAST_READ),
        (Method::POST, r("/api/v1/forecasts/run"), None, FORECAST_WRITE),
        (Method::GET, r("/api/v1/audit"), None, ADMIN),
        (Method::POST, r("/api/v1/replenishment/runs"), None, REPLENISHMENT_WRITE),
        (
            Method::GET,
            r("/api/v1/replenishment/runs/999"),
            None,
            REPLENISHMENT_READ,
        ),
        (Method::GET, r("/api/v1/policies"), None, REPLENISHMENT_READ),
        (
            Method::PUT,
            r("/api/v1/policies/N-RDC/P-1"),
            Some(json!({ "min": 1, "max": 4 })),
            REPLENISHMENT_WRITE,
        ),
        (
            Method::DELETE,
            r("/api/v1/policies/N-RDC/P-1"),
            None,
            REPLENISHMENT_WRITE,
        ),
        (Method::GET, r("/api/v1/proposals"), None, REPLENISHMENT_READ),
        (Method::GET, r("/api/v1/proposals/999"), None, REPLENISHMENT_READ),
        (
            Method::PATCH,
            r("/api/v1/proposals/999"),
            Some(json!({ "quantity": 2 })),
            REPLENISHMENT_WRITE,
        ),
        (
            Method::POST,
            r("/api/v1/proposals/999/approve"),
            None,
            REPLENISHMENT_WRITE,
        ),
        (
            Method::POST,
            r("/api/v1/proposals/999/reject"),
            Some(json!({ "reason": "no" })),
            REPLENISHMENT_WRITE,
        ),
        (
            Method::POST,
            r("/api/v1/proposals/approve"),
            Some(json!({ "ids": [999] })),
            REPLENISHMENT_WRITE,
        ),
        (
            Method::POST,
            r("/api/v1/proposals/999/accept-engine"),
            None,
            REPLENISHMENT_WRITE,
        ),
        (
            Method::POST,
            r("/api/v1/proposals/999/unlock"),
            None,
            REPLENISHMENT_WRITE,
        ),
        (Method::GET, r("/api/v1/purchase-orders"), None, REPLENISHMENT_READ),
        (Method::GET, r("/api/v1/purchase-orders/999"), None, REPLENISHMENT_READ),
        (
            Method::POST,
            r("/api/v1/purchase-orders/999/cancel"),
            None,
            REPLENISHMENT_WRITE,
        ),
        (
            Method::POST,
            r("/api/v1/purchase-orders/999/lines/P-1/close"),
            None,
            REPLENISHMENT_WRITE,
        ),
        (
            Method::PATCH,
            r("/api/v1/purchase-orders/999/lines/P-1"),
            Some(json!({ "quantity": 2 })),
            REPLENISHMENT_WRITE,
        ),
        (Method::GET, r("/api/v1/kpis"), None, REPLENISHMENT_READ),
        (Method::GET, r("/api/v1/webhooks"), None, ADMIN),
        (
            Method::POST,
            r("/api/v1/webhooks"),
            Some(json!({ "url": "http://127.0.0.1:9/hook" })),
            ADMIN,
        ),
        (Method::DELETE, r("/api/v1/webhooks/999"), None, ADMIN),
    ]
}

async fn every_route_allows_exactly_its_roles_and_asks_for_a_key(app: TestApp) {
    app.seed_network().await;
    app.receive("N-RDC", "P-1", 100).await;
    let reservation = app
        .post("/api/v1/reservations", &json!({ "repair_order": "RO-1", "warehouse": "N-RDC", "lines": [{ "part_number": "P-1", "quantity": 50 }] }))
        .await;
    let transfer = app
        .post(
            "/api/v1/transfers",
            &json!({ "from": "N-RDC", "to": "E-RDC", "lines": [{ "part_number": "P-1", "quantity": 1 }] }),
        )
        .await;
    let spare = app
        .post("/api/v1/keys", &json!({ "name": "spare", "role": "viewer" }))
        .await;
    let ids = [&reservation, &transfer, &spare].map(|r| r.body["id"].as_i64().expect("id"));
    let mut keys = Vec::new();
    for role in ROLES {
        keys.push((role, app.key(&format!("{role}-key"), role, None).await));
    }
    let routes = matrix(ids[0], ids[1], ids[2]);

    // The matrix must name every operation the API documents under /api/v1.
    let document = app.get("/openapi.json").await.body;
    let mut documented = 0;
    for (path, item) in document["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("operations").keys() {
            if path.starts_with("/api/v1") {
                documented += 1;
                let covered = routes
                    .iter()
                    .any(|(m, p, _, _)| m.as_str().eq_ignore_ascii_case(method) && same_shape(p, path));
                assert!(
                    covered,
                    "{method} {path} is documented but missing from the access matrix"
                );
            }
        }
    }
    assert_eq!(
        documented,
        routes.len(),
        "the matrix lists routes the API does not document"
    );

    let mut wrong = Vec::new();
    for (method, path, body, allowed) in &routes {
        let anonymous = app.request_as(None, method.clone(), path, body.as_ref(), None).await;
        if anonymous.status != 401 || anonymous.content_type != "application/problem+json" {
            wrong.push(format!("{method} {path} without a key: {}", anonymous.status));
        }
        for (role, secret) in &keys {
            let reply = app
                .request_as(Some(secret), method.clone(), path, body.as_ref(), None)
                .await;
            let permitted = allowed.contains(role);
            let ok = if permitted {
                !matches!(reply.status, 401 | 403)
            } else {
                reply.status == 403
            };
            if !ok {
                wrong.push(format!(
                    "{method} {path} as {role}: {} (allowed: {permitted}) {}",
                    reply.status, reply.body
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{} access errors:\n{}", wrong.len(), wrong.join("\n"));
}

/// Whether a concrete path matches a documented template (`{id}` matches any segment).
fn same_shape(concrete: &str, template: &str) -> bool {
    let concrete = concrete.split('?').next().unwrap_or(concrete);
    let (a, b): (Vec<&str>, Vec<&str>) = (concrete.split('/').collect(), template.split('/').collect());
    a.len() == b.len() && a.iter().zip(&b).all(|(x, y)| x == y || y.starts_with('{'))
}

async fn a_key_limited_to_warehouses_sees_and_acts_only_there(app: TestApp) {
    app.seed_network().await;
    for w in ["N-RDC", "N-01", "E-RDC"] {
        app.receive(w, "P-1", 5).await;
    }
    let clerk = app.key("n01-clerk", "warehouse", Some(&["N-01"])).await;
    let as_clerk = |method: Method, path: &'static str, body: Option<Value>| {
        let app = &app;
        let clerk = clerk.clone();
        async move { app.request_as(Some(&clerk), method, path, body.as_ref(), None).await }
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
    // A transfer out of another warehouse cannot be shipped by this key, but can be received here.
    let transfer = app
        .post(
            "/api/v1/transfers",
            &json!({ "from": "N-RDC", "to": "N-01", "lines": [{ "part_number": "P-1", "quantity": 2 }] }),
        )
        .await;
    let id = transfer.body["id"].as_i64().expect("id");
    let ship = app
        .request_as(
            Some(&clerk),
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
            Some(&clerk),
            Method::POST,
            &format!("/api/v1/transfers/{id}/receive"),
            None,
            None,
        )
        .await;
    assert_eq!(received.status, 200, "{}", received.body);
    // A repair key limited to N-01 sees alternatives only among its own warehouses.
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
    assert_eq!(reply.body["lines"][0]["available_elsewhere"], json!([]));
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
    app.assert_ledger_agrees();
}

async fn revoked_expired_and_unknown_keys_get_401_at_once(app: TestApp) {
    app.seed_network().await;
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
    for open in ["/health", "/ready", "/openapi.json", "/metrics"] {
        assert_eq!(
            app.request_as(None, Method::GET, open, None, None).await.status,
            200,
            "{open} stays open"
        );
    }
}

async fn every_mutation_kind_leaves_one_audit_row_in_its_transaction(app: TestApp) {
    app.seed_network().await;
    app.receive("N-RDC", "P-1", 10).await;
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

    let audit = app.get("/api/v1/audit?limit=500").await;
    assert_eq!(audit.status, 200);
    let entries = audit.body["items"].as_array().expect("items");
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
