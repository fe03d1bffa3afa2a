//! Bad input, table by table: every body field of every endpoint refused with a 400 problem
//! naming the field, unknown path entities with a 404, malformed ids and queries with a 400,
//! and none of the refused requests leaving a trace in the ledger, the balances or the catalog.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::TestApp;
use crate::on_both_backends;

on_both_backends!(
    bad_catalog_bodies_are_refused_naming_the_field_and_change_nothing,
    bad_movement_reservation_and_transfer_bodies_are_refused_naming_the_field_and_post_nothing,
    unknown_path_entities_are_404_and_malformed_ids_and_queries_are_400,
    posting_the_same_code_twice_is_a_409_duplicate_that_keeps_the_first,
    arrays_syntax_errors_and_foreign_movement_fields_are_refused_naming_the_field,
    a_body_over_the_size_limit_is_refused_naming_the_body_and_posts_nothing,
);

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
    let response = request.send().await.expect("request sent");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let text = response.text().await.expect("body read");
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

async fn bad_catalog_bodies_are_refused_naming_the_field_and_change_nothing(app: TestApp) {
    arrange(&app).await;
    let before = snapshot(&app).await;
    let mut table = cases(
        Method::POST,
        "/api/v1/regions",
        json!({ "code": "R-NEW", "name": "New region" }),
        &["code", "name"],
        true,
        vec![
            ("/code", long(65), "code"),
            ("/code", json!(""), "code"),
            ("/code", json!("has space"), "code"),
            ("/code", json!(42), "code"),
            ("/name", long(201), "name"),
            ("/name", json!("   "), "name"),
            ("/name", json!("bell\u{7}"), "name"),
        ],
    );
    table.extend(cases(
        Method::POST,
        "/api/v1/warehouses",
        json!({ "code": "W-NEW", "name": "New", "region": "north", "kind": "local", "active": true }),
        &["code", "name", "region", "kind"],
        true,
        vec![
            ("/code", long(65), "code"),
            ("/name", long(201), "name"),
            ("/region", json!("nowhere"), "region"),
            ("/kind", json!("giant"), "kind"),
        ],
    ));
    table.extend(cases(
        Method::PATCH,
        "/api/v1/warehouses/N-01",
        json!({ "name": "Renamed", "region": "east", "kind": "regional", "active": false }),
        &[],
        true,
        vec![
            ("/name", long(201), "name"),
            ("/name", json!(""), "name"),
            ("/region", json!("nowhere"), "region"),
            ("/kind", json!("giant"), "kind"),
        ],
    ));
    let part = json!({ "part_number": "P-NEW", "description": "New part", "unit_of_measure": "each",
        "unit_cost": "1.25", "criticality": "high", "superseded_by": "P-1", "active": true });
    table.extend(cases(
        Method::POST,
        "/api/v1/parts",
        part,
        &["part_number", "description", "unit_cost"],
        true,
        vec![
            ("/part_number", long(65), "part_number"),
            ("/description", long(501), "description"),
            ("/description", json!(""), "description"),
            ("/unit_of_measure", long(17), "unit_of_measure"),
            ("/unit_cost", json!("-0.01"), "unit_cost"),
            ("/unit_cost", json!(-1), "unit_cost"),
            ("/unit_cost", json!("abc"), "unit_cost"),
            ("/unit_cost", json!("1.1234567"), "unit_cost"),
            ("/unit_cost", json!("1000000000000.5"), "unit_cost"),
            ("/criticality", json!("meh"), "criticality"),
            ("/superseded_by", json!("NOPE"), "superseded_by"),
            ("/superseded_by", json!("P-NEW"), "superseded_by"),
        ],
    ));
    table.extend(cases(
        Method::PATCH,
        "/api/v1/parts/P-1",
        json!({ "description": "Renamed", "unit_of_measure": "box", "unit_cost": "2", "criticality": "low",
            "superseded_by": "P-2", "active": false }),
        &[],
        true,
        vec![
            ("/description", long(501), "description"),
            ("/unit_of_measure", json!(""), "unit_of_measure"),
            ("/unit_cost", json!("-5"), "unit_cost"),
            ("/superseded_by", json!("NOPE"), "superseded_by"),
            ("/superseded_by", json!("P-1"), "superseded_by"),
        ],
    ));
    table.extend(cases(
        Method::POST,
        "/api/v1/suppliers",
        json!({ "code": "S-NEW", "name": "New supplier", "active": true }),
        &["code", "name"],
        true,
        vec![
            ("/code", long(65), "code"),
            ("/code", json!(""), "code"),
            ("/name", long(201), "name"),
        ],
    ));
    table.extend(cases(
        Method::PATCH,
        "/api/v1/suppliers/SUP-1",
        json!({ "name": "Renamed", "active": false }),
        &[],
        true,
        vec![("/name", long(201), "name"), ("/name", json!(" "), "name")],
    ));
    table.extend(cases(
        Method::PUT,
        "/api/v1/suppliers/SUP-1/parts/P-1",
        json!({ "lead_time_days": 5, "moq": 10, "pack_size": 5, "unit_price": "8.75", "preferred": true }),
        &["lead_time_days", "unit_price"],
        true,
        vec![
            ("/lead_time_days", json!(-1), "lead_time_days"),
            ("/lead_time_days", json!(3651), "lead_time_days"),
            ("/lead_time_days", json!(1.5), "lead_time_days"),
            ("/moq", json!(0), "moq"),
            ("/moq", json!(-1), "moq"),
            ("/moq", json!("ten"), "moq"),
            ("/pack_size", json!(0), "pack_size"),
            ("/pack_size", json!(-1), "pack_size"),
            ("/unit_price", json!("-1"), "unit_price"),
            ("/unit_price", json!("cheap"), "unit_price"),
        ],
    ));
    let count = table.len();
    let wrong = refusals_that_differ(&app, table).await;
    assert!(
        wrong.is_empty(),
        "{} of {count} cases differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert_nothing_changed(&app, &before).await;
}

async fn bad_movement_reservation_and_transfer_bodies_are_refused_naming_the_field_and_post_nothing(app: TestApp) {
    let fixture = arrange(&app).await;
    let before = snapshot(&app).await;
    let base = json!({ "warehouse": "N-RDC", "part_number": "P-1", "quantity": 1, "note": "n" });
    let kinds = [
        (
            "receipt",
            json!({ "supplier": "SUP-1", "purchase_order": "PO-1", "lot": "LOT-1" }),
            vec![],
        ),
        ("issue", json!({ "repair_order": "RO-9" }), vec![]),
        (
            "adjustment",
            json!({ "quantity": -1, "reason_code": "count" }),
            vec!["reason_code"],
        ),
        (
            "return",
            json!({ "condition": "good", "repair_order": "RO-9" }),
            vec!["condition"],
        ),
        ("scrap", json!({ "source": "on_hand", "reason_code": "damage" }), vec![]),
    ];
    let mut table = Vec::new();
    for (kind, extra, also_required) in kinds {
        let mut valid = with(&base, "/kind", json!(kind));
        for (name, value) in extra.as_object().expect("fields") {
            valid = with(&valid, &format!("/{name}"), value.clone());
        }
        let mut required = vec!["kind", "warehouse", "part_number", "quantity"];
        required.extend(also_required);
        let mut bad = vec![
            ("/warehouse", json!("NOPE"), "warehouse"),
            ("/part_number", json!("NOPE"), "part_number"),
            ("/quantity", json!(0), "quantity"),
            ("/quantity", json!(1.5), "quantity"),
            ("/quantity", json!("1"), "quantity"),
            ("/quantity", json!(1_000_000_001), "quantity"),
            ("/note", long(501), "note"),
            ("/note", json!(""), "note"),
            ("/kind", json!("teleport"), "kind"),
            ("/kind", json!("transfer_ship"), "kind"),
        ];
        bad.extend(match kind {
            "receipt" => vec![
                ("/quantity", json!(-1), "quantity"),
                ("/supplier", json!("NOPE"), "supplier"),
                ("/purchase_order", long(65), "purchase_order"),
                ("/lot", long(65), "lot"),
            ],
            "issue" => vec![
                ("/quantity", json!(-1), "quantity"),
                ("/repair_order", long(65), "repair_order"),
            ],
            "adjustment" => vec![
                ("/quantity", json!(-1_000_000_001), "quantity"),
                ("/reason_code", json!("whim"), "reason_code"),
                ("/reason_code", long(33), "reason_code"),
            ],
            "return" => vec![
                ("/quantity", json!(-1), "quantity"),
                ("/condition", json!("broken"), "condition"),
                ("/repair_order", long(65), "repair_order"),
            ],
            _ => vec![
                ("/quantity", json!(-1), "quantity"),
                ("/source", json!("shelf"), "source"),
                ("/reason_code", long(33), "reason_code"),
            ],
        });
        table.extend(cases(Method::POST, "/api/v1/movements", valid, &required, true, bad));
    }
    let line = json!([{ "part_number": "P-2", "quantity": 1 }]);
    table.extend(cases(
        Method::POST,
        "/api/v1/reservations",
        json!({ "repair_order": "RO-NEW", "warehouse": "N-01", "lines": line.clone(), "expires_in_minutes": 60 }),
        &["repair_order", "warehouse", "lines"],
        true,
        vec![
            ("/repair_order", long(65), "repair_order"),
            ("/repair_order", json!(""), "repair_order"),
            ("/warehouse", json!("NOPE"), "warehouse"),
            ("/lines", json!([]), "lines"),
            (
                "/lines",
                json!(vec![json!({ "part_number": "P-2", "quantity": 1 }); 201]),
                "lines",
            ),
            ("/expires_in_minutes", json!(0), "expires_in_minutes"),
            ("/expires_in_minutes", json!(-5), "expires_in_minutes"),
            ("/expires_in_minutes", json!(525_601), "expires_in_minutes"),
        ],
    ));
    table.extend(cases(
        Method::POST,
        &format!("/api/v1/reservations/{}/consume", fixture.reservation),
        json!({ "lines": line }),
        &[],
        false,
        vec![
            ("/lines/0/quantity", json!(3), "lines[0].quantity"),
            ("/lines/0/part_number", json!("P-1"), "lines[0].part_number"),
        ],
    ));
    table.extend(cases(
        Method::POST,
        "/api/v1/transfers",
        json!({ "from": "N-RDC", "to": "E-RDC", "lines": [{ "part_number": "P-1", "quantity": 1 }], "note": "n" }),
        &["from", "to", "lines"],
        true,
        vec![
            ("/from", json!("NOPE"), "from"),
            ("/to", json!("NOPE"), "to"),
            ("/to", json!("N-RDC"), "to"),
            ("/note", long(501), "note"),
            ("/lines", json!([]), "lines"),
        ],
    ));
    table.extend(cases(
        Method::POST,
        &format!("/api/v1/transfers/{}/receive", fixture.transfer),
        json!({ "lines": [{ "part_number": "P-1", "quantity": 1 }], "close": false }),
        &[],
        false,
        vec![
            ("/lines/0/quantity", json!(3), "lines[0].quantity"),
            ("/lines/0/part_number", json!("P-2"), "lines[0].part_number"),
        ],
    ));
    let count = table.len();
    let wrong = refusals_that_differ(&app, table).await;
    assert!(
        wrong.is_empty(),
        "{} of {count} cases differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert_nothing_changed(&app, &before).await;
}

async fn unknown_path_entities_are_404_and_malformed_ids_and_queries_are_400(app: TestApp) {
    arrange(&app).await;
    let before = snapshot(&app).await;
    let terms = json!({ "lead_time_days": 5, "unit_price": "8.75" });
    let lines = json!({ "lines": [{ "part_number": "P-2", "quantity": 1 }] });
    const GET: Method = Method::GET;
    const POST: Method = Method::POST;
    const NONE: Body = Body::Empty;
    // (method, path, body, status, field the problem names, if any)
    let table: Vec<(Method, &str, Body, u16, Option<&str>)> = vec![
        (GET, "/api/v1/warehouses/NOPE", NONE, 404, None),
        (
            Method::PATCH,
            "/api/v1/warehouses/NOPE",
            Body::Json(json!({ "name": "x" })),
            404,
            None,
        ),
        (GET, "/api/v1/parts/NOPE", NONE, 404, None),
        (
            Method::PATCH,
            "/api/v1/parts/NOPE",
            Body::Json(json!({ "description": "x" })),
            404,
            None,
        ),
        (GET, "/api/v1/parts/NOPE/availability", NONE, 404, None),
        (GET, "/api/v1/parts/NOPE/suppliers", NONE, 404, None),
        (GET, "/api/v1/suppliers/NOPE", NONE, 404, None),
        (
            Method::PATCH,
            "/api/v1/suppliers/NOPE",
            Body::Json(json!({ "name": "x" })),
            404,
            None,
        ),
        (GET, "/api/v1/suppliers/NOPE/parts", NONE, 404, None),
        (
            Method::PUT,
            "/api/v1/suppliers/NOPE/parts/P-1",
            Body::Json(terms.clone()),
            404,
            None,
        ),
        (
            Method::PUT,
            "/api/v1/suppliers/SUP-1/parts/NOPE",
            Body::Json(terms),
            404,
            None,
        ),
        (Method::DELETE, "/api/v1/suppliers/SUP-1/parts/P-1", NONE, 404, None),
        (Method::DELETE, "/api/v1/suppliers/NOPE/parts/P-1", NONE, 404, None),
        (GET, "/api/v1/movements/999999", NONE, 404, None),
        (GET, "/api/v1/reservations/999999", NONE, 404, None),
        (POST, "/api/v1/reservations/999999/consume", NONE, 404, None),
        (
            POST,
            "/api/v1/reservations/999999/consume",
            Body::Json(lines),
            404,
            None,
        ),
        (POST, "/api/v1/reservations/999999/release", NONE, 404, None),
        (GET, "/api/v1/transfers/999999", NONE, 404, None),
        (POST, "/api/v1/transfers/999999/ship", NONE, 404, None),
        (POST, "/api/v1/transfers/999999/receive", NONE, 404, None),
        (POST, "/api/v1/transfers/999999/cancel", NONE, 404, None),
        (GET, "/api/v1/movements/abc", NONE, 400, Some("path")),
        (GET, "/api/v1/reservations/abc", NONE, 400, Some("path")),
        (
            GET,
            "/api/v1/reservations/99999999999999999999",
            NONE,
            400,
            Some("path"),
        ),
        (POST, "/api/v1/reservations/abc/consume", NONE, 400, Some("path")),
        (POST, "/api/v1/reservations/1.5/release", NONE, 400, Some("path")),
        (GET, "/api/v1/transfers/abc", NONE, 400, Some("path")),
        (POST, "/api/v1/transfers/abc/ship", NONE, 400, Some("path")),
        (POST, "/api/v1/transfers/-x/receive", NONE, 400, Some("path")),
        (POST, "/api/v1/transfers/abc/cancel", NONE, 400, Some("path")),
        (GET, "/api/v1/movements?cursor=garbage", NONE, 400, Some("cursor")),
        (GET, "/api/v1/reservations?cursor=garbage", NONE, 400, Some("cursor")),
        (GET, "/api/v1/transfers?cursor=garbage", NONE, 400, Some("cursor")),
        (GET, "/api/v1/movements?kind=teleport", NONE, 400, Some("kind")),
        (GET, "/api/v1/movements?from=yesterday", NONE, 400, Some("query")),
        (GET, "/api/v1/reservations?status=asleep", NONE, 400, Some("query")),
        (GET, "/api/v1/stock?hide_empty=maybe", NONE, 400, Some("query")),
        (GET, "/api/v1/warehouses?kind=giant", NONE, 400, Some("query")),
    ];
    let mut wrong = Vec::new();
    let lists = [
        "movements",
        "reservations",
        "transfers",
        "stock",
        "warehouses",
        "parts",
        "suppliers",
    ];
    let limits = [("0", "limit"), ("501", "limit"), ("-1", "limit"), ("abc", "query")];
    let paged: Vec<(String, Option<&str>)> = lists
        .iter()
        .flat_map(|list| limits.map(|(limit, field)| (format!("/api/v1/{list}?limit={limit}"), Some(field))))
        .collect();
    let paged = paged
        .iter()
        .map(|(path, field)| (GET, path.as_str(), NONE, 400, *field));
    let count = table.len() + lists.len() * limits.len();
    for (method, path, body, status, field) in table.into_iter().chain(paged) {
        let answer = send(&app, method.clone(), path, &body).await;
        let ok = answer.status == status
            && answer.content_type == PROBLEM_JSON
            && answer.body["status"] == status
            && field.is_none_or(|f| answer.body["field"] == f);
        if !ok {
            wrong.push(format!(
                "{method} {path}: expected {status} {field:?}, got {} [{}] {}",
                answer.status, answer.content_type, answer.text
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {count} cases differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert_nothing_changed(&app, &before).await;
}

async fn posting_the_same_code_twice_is_a_409_duplicate_that_keeps_the_first(app: TestApp) {
    app.seed_network().await;
    let first = json!({ "code": "W-DUP", "name": "First", "region": "north", "kind": "local" });
    let created = app.post("/api/v1/warehouses", &first).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let table = [
        (
            "/api/v1/warehouses",
            json!({ "code": "W-DUP", "name": "Second", "region": "east", "kind": "regional" }),
        ),
        (
            "/api/v1/warehouses",
            json!({ "code": " W-DUP ", "name": "Padded", "region": "east", "kind": "local" }),
        ),
        ("/api/v1/regions", json!({ "code": "north", "name": "Again" })),
        (
            "/api/v1/parts",
            json!({ "part_number": "P-1", "description": "Again", "unit_cost": "1" }),
        ),
        ("/api/v1/suppliers", json!({ "code": "SUP-1", "name": "Again" })),
    ];
    for (path, body) in table {
        let reply = app.post(path, &body).await;
        assert_eq!(reply.status, 409, "{path} {body}: {}", reply.body);
        assert_eq!(reply.content_type, PROBLEM_JSON, "{path} {body}");
        assert_eq!(
            reply.body["type"], "/problems/duplicate",
            "{path} {body}: {}",
            reply.body
        );
    }
    let kept = app.get("/api/v1/warehouses/W-DUP").await;
    assert_eq!(
        (kept.body["name"].as_str(), kept.body["region"].as_str()),
        (Some("First"), Some("north"))
    );
    let listed = app.get("/api/v1/warehouses?limit=500").await;
    assert_eq!(listed.body["items"].as_array().map(Vec::len), Some(4));
    assert_eq!(app.get("/api/v1/parts/P-1").await.body["description"], "part P-1");
    assert_eq!(app.get("/api/v1/suppliers/SUP-1").await.body["name"], "Supplier one");
    assert_eq!(app.ledger_len().await, 0);
}

/// Positional arrays in place of objects, JSON syntax errors and fields that do not apply to a
/// movement's kind are refused naming the right field (bugs found by this suite, now fixed).
async fn arrays_syntax_errors_and_foreign_movement_fields_are_refused_naming_the_field(app: TestApp) {
    arrange(&app).await;
    let before = snapshot(&app).await;
    let issue = |name: &str, value: Value| {
        let body = json!({ "kind": "issue", "warehouse": "N-RDC", "part_number": "P-1", "quantity": 1 });
        Body::Json(with(&body, &format!("/{name}"), value))
    };
    let receipt = json!({ "kind": "receipt", "warehouse": "N-RDC", "part_number": "P-1", "quantity": 1 });
    let table: Vec<(&str, Body, &str)> = vec![
        // serde would take a JSON array for the object (its positional form).
        ("/api/v1/regions", Body::Json(json!(["R-NEW", "New region"])), "body"),
        (
            "/api/v1/reservations",
            Body::Json(json!({ "repair_order": "RO-NEW", "warehouse": "N-01", "lines": [["P-2", 1]] })),
            "lines[0]",
        ),
        // JSON syntax errors named "?" (at a key) or after the member they occur in ("name").
        ("/api/v1/regions", Body::Raw("{".into()), "body"),
        ("/api/v1/regions", Body::Raw("{'code': 'R-NEW'}".into()), "body"),
        (
            "/api/v1/regions",
            Body::Raw(r#"{"code": "R-NEW", "name": "New"#.into()),
            "body",
        ),
        // Fields that do not apply to the movement's kind must not be dropped silently.
        ("/api/v1/movements", issue("supplier", json!("NOPE")), "supplier"),
        ("/api/v1/movements", issue("purchase_order", long(65)), "purchase_order"),
        ("/api/v1/movements", issue("condition", json!("defective")), "condition"),
        (
            "/api/v1/movements",
            Body::Json(with(&receipt, "/repair_order", long(65))),
            "repair_order",
        ),
    ];
    let table = table
        .into_iter()
        .map(|(path, body, field)| (Method::POST, path.to_owned(), body, field.to_owned()))
        .collect();
    let wrong = refusals_that_differ(&app, table).await;
    assert!(
        wrong.is_empty(),
        "{} known gaps remain:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert_nothing_changed(&app, &before).await;
}

async fn a_body_over_the_size_limit_is_refused_naming_the_body_and_posts_nothing(app: TestApp) {
    app.seed_network().await;
    let padding = "x".repeat(300 * 1024);
    let body = json!({ "kind": "receipt", "warehouse": "N-01", "part_number": "P-1", "quantity": 1, "note": padding });
    let reply = app.post("/api/v1/movements", &body).await;
    assert_eq!(
        (reply.status, reply.content_type.as_str()),
        (400, PROBLEM_JSON),
        "{}",
        reply.body
    );
    assert_eq!(reply.body["field"], "body", "{}", reply.body);
    assert!(
        reply.body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("larger than 256 KiB")),
        "{}",
        reply.body
    );
    assert_eq!(app.ledger_len().await, 0);
}
