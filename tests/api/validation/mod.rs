//! Bad input, table by table: every body field of every endpoint refused with a 400 problem
//! naming the field, unknown path entities with a 404, malformed ids and queries with a 400,
//! and none of the refused requests leaving a trace in the ledger, the balances or the catalog.
//!
//! This module holds the shared harness (cases, sending, the snapshot that proves nothing
//! changed); `bodies` and `requests` hold the tests.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{read, Raw, TestApp};

mod bodies;
mod requests;

const PROBLEM_JSON: &str = "application/problem+json";
/// Movements `arrange` posts on purpose: two receipts, a reservation, a shipped transfer (2).
const MOVEMENTS_ON_PURPOSE: usize = 5;

/// What a request sends: JSON, raw text (malformed on purpose), or no body at all.
#[derive(Clone)]
enum Body {
    Json(Value),
    Raw(String),
    Empty,
}

/// A bad request and the field its 400 problem must name.
type Case = (Method, String, Body, String);

struct Answer {
    status: u16,
    content_type: String,
    body: Value,
    text: String,
}

async fn send(app: &TestApp, method: Method, path: &str, body: &Body) -> Answer {
    let mut request = app
        .client
        .request(method, format!("{}{path}", app.address))
        .bearer_auth(&app.admin_key);
    request = match body {
        Body::Json(value) => request
            .header("content-type", "application/json")
            .body(value.to_string()),
        Body::Raw(text) => request.header("content-type", "application/json").body(text.clone()),
        Body::Empty => request,
    };
    let Raw {
        status,
        content_type,
        text,
    } = read(request.send().await.expect("request sent")).await;
    Answer {
        status,
        content_type,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
        text,
    }
}

/// A copy of `valid` with the value at `pointer` (`/lines/0/quantity`) replaced or added.
fn with(valid: &Value, pointer: &str, value: Value) -> Value {
    let mut body = valid.clone();
    let (parent, key) = pointer.rsplit_once('/').expect("a JSON pointer");
    match body.pointer_mut(parent).expect("the parent exists") {
        Value::Object(map) => {
            map.insert(key.to_owned(), value);
        }
        Value::Array(items) => items[key.parse::<usize>().expect("an index")] = value,
        other => panic!("cannot set {pointer} inside {other}"),
    }
    body
}

/// A copy of `valid` without the member at `pointer`.
fn without(valid: &Value, pointer: &str) -> Value {
    let mut body = valid.clone();
    let (parent, key) = pointer.rsplit_once('/').expect("a JSON pointer");
    body.pointer_mut(parent)
        .and_then(Value::as_object_mut)
        .expect("an object")
        .remove(key);
    body
}

/// One endpoint's cases: the standard ones derived from a body it would accept (each required
/// field missing, each field of the wrong JSON type, an unknown field, a non-object body,
/// malformed JSON, trailing garbage, no body where one is required, and the same for the
/// first of `lines`), then `bad`: single-field values it must refuse, with the field named.
fn cases(
    method: Method,
    path: &str,
    valid: Value,
    required: &[&str],
    body_required: bool,
    bad: Vec<(&str, Value, &str)>,
) -> Vec<Case> {
    let mut out: Vec<(Body, String)> = Vec::new();
    for name in required {
        out.push((Body::Json(without(&valid, &format!("/{name}"))), name.to_string()));
    }
    for (name, value) in valid.as_object().expect("an object body") {
        let wrong = if value.is_boolean() { json!("yes") } else { json!(true) };
        out.push((Body::Json(with(&valid, &format!("/{name}"), wrong)), name.clone()));
    }
    out.push((Body::Json(with(&valid, "/colour", json!("red"))), "colour".into()));
    out.push((Body::Json(json!("a string")), "body".into()));
    out.push((Body::Json(json!(42)), "body".into()));
    out.push((Body::Raw("not json".into()), "body".into()));
    out.push((Body::Raw(format!("{valid} trailing")), "body".into()));
    if body_required {
        out.push((Body::Empty, "body".into()));
        out.push((Body::Json(Value::Null), "body".into()));
    }
    if let Some(line) = valid.pointer("/lines/0").cloned() {
        let l0 = "lines[0]";
        out.extend(
            [
                (without(&valid, "/lines/0/quantity"), format!("{l0}.quantity")),
                (without(&valid, "/lines/0/part_number"), format!("{l0}.part_number")),
                (
                    with(&valid, "/lines/0/quantity", json!("two")),
                    format!("{l0}.quantity"),
                ),
                (with(&valid, "/lines/0/quantity", json!(1.5)), format!("{l0}.quantity")),
                (with(&valid, "/lines/0/quantity", json!(0)), format!("{l0}.quantity")),
                (with(&valid, "/lines/0/quantity", json!(-1)), format!("{l0}.quantity")),
                (
                    with(&valid, "/lines/0/quantity", json!(1_000_000_001)),
                    format!("{l0}.quantity"),
                ),
                (
                    with(&valid, "/lines/0/part_number", json!(7)),
                    format!("{l0}.part_number"),
                ),
                (
                    with(&valid, "/lines/0/part_number", json!("NOPE")),
                    format!("{l0}.part_number"),
                ),
                (
                    with(&valid, "/lines/0/part_number", json!("")),
                    format!("{l0}.part_number"),
                ),
                (with(&valid, "/lines/0/colour", json!("red")), format!("{l0}.colour")),
                (with(&valid, "/lines/0", json!("P-1")), l0.to_owned()),
                (
                    with(&valid, "/lines", json!([line.clone(), line])),
                    "lines[1].part_number".into(),
                ),
            ]
            .map(|(body, field)| (Body::Json(body), field)),
        );
    }
    for (pointer, value, field) in bad {
        out.push((Body::Json(with(&valid, pointer, value)), field.to_owned()));
    }
    out.into_iter()
        .map(|(body, field)| (method.clone(), path.to_owned(), body, field))
        .collect()
}

/// Sends every case; returns a line per case whose answer is not a 400 problem naming its field.
/// Sends every case and fails, listing them, unless each is refused with a 400 naming its
/// field; then checks that nothing changed since `before`.
async fn assert_all_refused(app: &TestApp, table: Vec<Case>, before: &[(&'static str, Value)]) {
    let count = table.len();
    let wrong = refusals_that_differ(app, table).await;
    assert!(
        wrong.is_empty(),
        "{} of {count} cases differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert_nothing_changed(app, before).await;
}

async fn refusals_that_differ(app: &TestApp, cases: Vec<Case>) -> Vec<String> {
    let mut wrong = Vec::new();
    for (method, path, body, field) in cases {
        let answer = send(app, method.clone(), &path, &body).await;
        let refused = answer.status == 400
            && answer.content_type == PROBLEM_JSON
            && answer.body["type"] == "/problems/validation-error"
            && answer.body["status"] == 400
            && answer.body["field"] == field.as_str();
        if !refused {
            let sent = match &body {
                Body::Json(value) => value.to_string(),
                Body::Raw(text) => text.clone(),
                Body::Empty => "(no body)".to_owned(),
            };
            wrong.push(format!(
                "{method} {path} {sent}\n  expected 400 field {field:?}, got {} [{}] {}",
                answer.status, answer.content_type, answer.text
            ));
        }
    }
    wrong
}

/// Ids of what `arrange` made on purpose.
struct Fixture {
    reservation: i64,
    transfer: i64,
}

/// The seeded network plus a reservation at N-01 (2 of P-2) and a shipped transfer
/// N-RDC -> N-01 (2 of P-1), so consume and receive have something to refuse against.
async fn arrange(app: &TestApp) -> Fixture {
    app.seed_network().await;
    app.receive("N-RDC", "P-1", 5).await;
    app.receive("N-01", "P-2", 4).await;
    let reservation = app
        .post(
            "/api/v1/reservations",
            &json!({ "repair_order": "RO-1", "warehouse": "N-01", "lines": [{ "part_number": "P-2", "quantity": 2 }] }),
        )
        .await;
    assert_eq!(reservation.status, 201, "{}", reservation.body);
    let transfer = app
        .post(
            "/api/v1/transfers",
            &json!({ "from": "N-RDC", "to": "N-01", "lines": [{ "part_number": "P-1", "quantity": 2 }] }),
        )
        .await;
    assert_eq!(transfer.status, 201, "{}", transfer.body);
    let id = transfer.body["id"].as_i64().expect("transfer id");
    let shipped = app.post(&format!("/api/v1/transfers/{id}/ship"), &json!({})).await;
    assert_eq!(shipped.status, 200, "{}", shipped.body);
    assert_eq!(app.ledger_len().await, MOVEMENTS_ON_PURPOSE);
    Fixture {
        reservation: reservation.body["id"].as_i64().expect("reservation id"),
        transfer: id,
    }
}

/// Everything a refused request could have touched, as the API shows it.
async fn snapshot(app: &TestApp) -> Vec<(&'static str, Value)> {
    let mut state = Vec::new();
    for path in [
        "/api/v1/movements?limit=500",
        "/api/v1/stock?hide_empty=false&limit=500",
        "/api/v1/regions",
        "/api/v1/warehouses?limit=500",
        "/api/v1/parts?limit=500",
        "/api/v1/suppliers?limit=500",
        "/api/v1/suppliers/SUP-1/parts",
        "/api/v1/reservations?limit=500",
        "/api/v1/transfers?limit=500",
    ] {
        let reply = app.get(path).await;
        assert_eq!(reply.status, 200, "{path}: {}", reply.body);
        state.push((path, reply.body));
    }
    state
}

/// The ledger holds only what `arrange` posted, every listed state is as it was, and none of
/// the codes the valid bodies would have created exists.
async fn assert_nothing_changed(app: &TestApp, before: &[(&'static str, Value)]) {
    assert_eq!(
        app.ledger_len().await,
        MOVEMENTS_ON_PURPOSE,
        "only the movements made on purpose"
    );
    assert_eq!(app.balance("N-01", "P-2").await["reserved"], 2);
    assert_eq!(app.balance("N-01", "P-1").await["in_transit_in"], 2);
    assert_eq!(app.balance("N-RDC", "P-1").await["on_hand"], 3);
    let after = snapshot(app).await;
    for ((path, was), (_, now)) in before.iter().zip(&after) {
        assert_eq!(was, now, "{path} changed");
    }
    for path in [
        "/api/v1/warehouses/W-NEW",
        "/api/v1/parts/P-NEW",
        "/api/v1/suppliers/S-NEW",
    ] {
        assert_eq!(app.get(path).await.status, 404, "{path} must not exist");
    }
    app.assert_ledger_agrees();
}

fn long(n: usize) -> Value {
    json!("x".repeat(n))
}
