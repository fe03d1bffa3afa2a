//! Access control: every route's allowed and denied roles, warehouse scoping, key lifecycle and
//! the audit trail.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::TestApp;
use crate::on_both_backends;

mod body_limit;
mod lifecycle;
mod scope;

on_both_backends!(
    every_route_allows_exactly_its_roles_and_asks_for_a_key,
    a_caller_without_the_right_gets_403_whatever_the_body_or_query,
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
// One table, route by route, read side by side with the routes: split, it would hide a missing
// route instead of showing it.
#[allow(clippy::too_many_lines)]
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
        (Method::GET, r("/api/v1/replenishment/runs"), None, REPLENISHMENT_READ),
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
            r("/api/v1/proposals/999/preview"),
            Some(json!({ "quantity": 2 })),
            REPLENISHMENT_READ,
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
        (Method::GET, r("/api/v1/at-risk"), None, STOCK_READ),
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

/// The key check is answered before the body or the query is read: a key without the right
/// gets 403 (and no key 401) even when the body is not JSON at all or a query parameter does
/// not parse, on every route of the matrix.
async fn a_caller_without_the_right_gets_403_whatever_the_body_or_query(app: TestApp) {
    app.seed_network().await;
    let mut keys = Vec::new();
    for role in ROLES {
        keys.push((role, app.key(&format!("{role}-key"), role, None).await));
    }
    let mut wrong = Vec::new();
    let mut checked = 0;
    for (method, path, _, allowed) in matrix(1, 1, 1) {
        if method == Method::GET || method == Method::DELETE {
            continue;
        }
        let broken =
            |request: reqwest::RequestBuilder| request.header("content-type", "application/json").body("{not json");
        for (role, secret) in keys.iter().filter(|(role, _)| !allowed.contains(role)) {
            let request = app.client.request(method.clone(), format!("{}{path}", app.address));
            let status = broken(request.bearer_auth(secret))
                .send()
                .await
                .expect("sent")
                .status()
                .as_u16();
            checked += 1;
            if status != 403 {
                wrong.push(format!("{method} {path} as {role}: {status}"));
            }
        }
        let anonymous = broken(app.client.request(method.clone(), format!("{}{path}", app.address)));
        let status = anonymous.send().await.expect("sent").status().as_u16();
        if status != 401 {
            wrong.push(format!("{method} {path} without a key: {status}"));
        }
    }
    assert!(checked > 100, "the matrix has denied roles to try: {checked}");
    assert!(
        wrong.is_empty(),
        "{} refusals came before the key check:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
