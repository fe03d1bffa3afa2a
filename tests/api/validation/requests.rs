//! Bad paths, queries and body shapes: unknown entities are 404, malformed ids and queries 400,
//! duplicates 409, arrays, syntax errors, foreign fields and oversize bodies refused naming the
//! field.

use super::*;
use crate::on_both_backends;

on_both_backends!(
    unknown_path_entities_are_404_and_malformed_ids_and_queries_are_400,
    posting_the_same_code_twice_is_a_409_duplicate_that_keeps_the_first,
    arrays_syntax_errors_and_foreign_movement_fields_are_refused_naming_the_field,
    a_body_over_the_size_limit_is_refused_naming_the_body_and_posts_nothing,
);

async fn unknown_path_entities_are_404_and_malformed_ids_and_queries_are_400(app: TestApp) {
    arrange(&app).await;
    let before = snapshot(&app).await;
    let mut table = unknown_entity_cases();
    table.extend(malformed_request_cases());
    let count = table.len();
    let mut wrong = Vec::new();
    for (method, path, body, status, field) in table {
        let answer = send(&app, method.clone(), &path, &body).await;
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

/// (method, path, body, status, field the problem names, if any)
type PathCase = (Method, String, Body, u16, Option<&'static str>);

const GET: Method = Method::GET;
const POST: Method = Method::POST;
const NONE: Body = Body::Empty;

fn owned(table: Vec<(Method, &str, Body, u16, Option<&'static str>)>) -> Vec<PathCase> {
    table
        .into_iter()
        .map(|(method, path, body, status, field)| (method, path.to_owned(), body, status, field))
        .collect()
}

/// Entities named in the path that do not exist: 404.
fn unknown_entity_cases() -> Vec<PathCase> {
    let terms = json!({ "lead_time_days": 5, "unit_price": "8.75" });
    let lines = json!({ "lines": [{ "part_number": "P-2", "quantity": 1 }] });
    owned(vec![
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
    ])
}

/// Malformed ids, cursors, filters and page sizes: 400 naming what is wrong.
fn malformed_request_cases() -> Vec<PathCase> {
    let mut table = owned(vec![
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
        (GET, "/api/v1/movements?from=yesterday", NONE, 400, Some("from")),
        (GET, "/api/v1/reservations?status=asleep", NONE, 400, Some("status")),
        (GET, "/api/v1/stock?hide_empty=maybe", NONE, 400, Some("hide_empty")),
        (GET, "/api/v1/warehouses?kind=giant", NONE, 400, Some("kind")),
    ]);
    let lists = [
        "movements",
        "reservations",
        "transfers",
        "stock",
        "warehouses",
        "parts",
        "suppliers",
    ];
    let limits = [("0", "limit"), ("501", "limit"), ("-1", "limit"), ("abc", "limit")];
    for list in lists {
        for (limit, field) in limits {
            table.push((GET, format!("/api/v1/{list}?limit={limit}"), NONE, 400, Some(field)));
        }
    }
    table
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
        (413, PROBLEM_JSON),
        "{}",
        reply.body
    );
    assert_eq!(reply.body["type"], "/problems/payload-too-large", "{}", reply.body);
    assert!(
        reply.body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("larger than 256 KiB")),
        "{}",
        reply.body
    );
    assert_eq!(app.ledger_len().await, 0);
}
