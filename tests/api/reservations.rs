use serde_json::{json, Value};

use crate::helpers::TestApp;
use crate::on_both_backends;

on_both_backends!(
    a_reservation_takes_every_line_or_none_and_lists_where_short_parts_are,
    consuming_issues_the_stock_per_line_or_in_full,
    releasing_returns_the_stock_and_closes_the_reservation,
    expired_reservations_are_released_by_the_background_job,
    reservation_lines_are_validated_before_anything_is_reserved,
    every_reservation_answer_is_what_reading_it_back_shows,
    reservations_list_oldest_first_or_newest_first_and_the_cursor_follows,
);

fn reservation(warehouse: &str, lines: Value) -> Value {
    json!({ "repair_order": "RO-100", "warehouse": warehouse, "lines": lines })
}

async fn a_reservation_takes_every_line_or_none_and_lists_where_short_parts_are(app: TestApp) {
    app.seed_network().await;
    app.receive("N-01", "P-1", 5).await;
    app.receive("N-01", "P-2", 1).await;
    app.receive("N-RDC", "P-2", 4).await;
    app.receive("E-RDC", "P-2", 9).await;
    let reply = app
        .post(
            "/api/v1/reservations",
            &reservation(
                "N-01",
                json!([{ "part_number": "P-1", "quantity": 2 }, { "part_number": "P-2", "quantity": 3 }]),
            ),
        )
        .await;
    assert_eq!(reply.status, 409, "{}", reply.body);
    assert_eq!(reply.body["type"], "/problems/reservation-shortage");
    let lines = reply.body["lines"].as_array().expect("short lines");
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["part_number"], "P-2");
    assert_eq!(
        (lines[0]["available"].as_i64(), lines[0]["shortage"].as_i64()),
        (Some(1), Some(2))
    );
    let elsewhere: Vec<&str> = lines[0]["available_elsewhere"]
        .as_array()
        .expect("alternatives")
        .iter()
        .filter_map(|a| a["warehouse"].as_str())
        .collect();
    assert_eq!(elsewhere, ["N-RDC", "E-RDC"], "same region first, even with less stock");
    // Nothing was reserved, not even the line that could have been.
    assert_eq!(app.balance("N-01", "P-1").await["reserved"], 0);
    let reply = app
        .post(
            "/api/v1/reservations",
            &reservation(
                "N-01",
                json!([{ "part_number": "P-1", "quantity": 2 }, { "part_number": "P-2", "quantity": 1 }]),
            ),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.body["status"], "active");
    assert_eq!(app.balance("N-01", "P-1").await["reserved"], 2);
    assert_eq!(app.balance("N-01", "P-2").await["available"], 0);
    app.assert_ledger_agrees();
}

async fn consuming_issues_the_stock_per_line_or_in_full(app: TestApp) {
    app.seed_network().await;
    app.receive("N-01", "P-1", 5).await;
    app.receive("N-01", "P-2", 5).await;
    let created = app
        .post(
            "/api/v1/reservations",
            &reservation(
                "N-01",
                json!([{ "part_number": "P-1", "quantity": 3 }, { "part_number": "P-2", "quantity": 2 }]),
            ),
        )
        .await;
    let id = created.body["id"].as_i64().expect("id");
    let reply = app
        .post(
            &format!("/api/v1/reservations/{id}/consume"),
            &json!({ "lines": [{ "part_number": "P-1", "quantity": 4 }] }),
        )
        .await;
    assert_eq!(
        (reply.status, reply.body["field"].as_str()),
        (400, Some("lines[0].quantity"))
    );
    let reply = app
        .post(
            &format!("/api/v1/reservations/{id}/consume"),
            &json!({ "lines": [{ "part_number": "P-1", "quantity": 1 }] }),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["status"], "active");
    assert_eq!(reply.body["lines"][0]["remaining"], 2);
    let balance = app.balance("N-01", "P-1").await;
    assert_eq!(
        (balance["on_hand"].as_i64(), balance["reserved"].as_i64()),
        (Some(4), Some(2))
    );
    // No body: consume everything still reserved.
    let reply = app
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/reservations/{id}/consume"),
            None,
            None,
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["status"], "consumed");
    let balance = app.balance("N-01", "P-2").await;
    assert_eq!(
        (balance["on_hand"].as_i64(), balance["reserved"].as_i64()),
        (Some(3), Some(0))
    );
    let reply = app
        .post(&format!("/api/v1/reservations/{id}/release"), &json!({}))
        .await;
    assert_eq!(reply.status, 409);
    let consumed = app.get("/api/v1/movements?kind=consume").await;
    assert_eq!(consumed.body["items"].as_array().map(Vec::len), Some(3));
    app.assert_ledger_agrees();
}

async fn releasing_returns_the_stock_and_closes_the_reservation(app: TestApp) {
    app.seed_network().await;
    app.receive("E-RDC", "P-3", 2).await;
    let created = app
        .post(
            "/api/v1/reservations",
            &reservation("E-RDC", json!([{ "part_number": "P-3", "quantity": 2 }])),
        )
        .await;
    let id = created.body["id"].as_i64().expect("id");
    let reply = app
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/reservations/{id}/release"),
            None,
            None,
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["status"], "released");
    assert_eq!(reply.body["lines"][0]["released"], 2);
    assert_eq!(app.balance("E-RDC", "P-3").await["available"], 2);
    let reply = app
        .post(&format!("/api/v1/reservations/{id}/consume"), &json!({}))
        .await;
    assert_eq!(reply.status, 409);
    assert_eq!(app.get("/api/v1/reservations/999999").await.status, 404);
    assert_eq!(app.get("/api/v1/reservations/abc").await.status, 400);
    let listed = app
        .get("/api/v1/reservations?status=released&repair_order=RO-100")
        .await;
    assert_eq!(listed.body["items"].as_array().map(Vec::len), Some(1));
    app.assert_ledger_agrees();
}

async fn expired_reservations_are_released_by_the_background_job(app: TestApp) {
    app.seed_network().await;
    app.receive("N-RDC", "P-1", 4).await;
    let mut body = reservation("N-RDC", json!([{ "part_number": "P-1", "quantity": 3 }]));
    body["expires_in_minutes"] = json!(1);
    let created = app.post("/api/v1/reservations", &body).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let kept = app
        .post(
            "/api/v1/reservations",
            &reservation("N-RDC", json!([{ "part_number": "P-1", "quantity": 1 }])),
        )
        .await;
    assert_eq!(kept.status, 201);
    assert_eq!(
        spares::jobs::run_once(&app.pool).expect("job runs"),
        0,
        "nothing is due yet"
    );
    {
        use diesel::prelude::*;
        use spares::schema::reservations::dsl::*;
        let mut conn = app.pool.get().expect("conn");
        let past = chrono::Utc::now().naive_utc() - chrono::Duration::minutes(5);
        diesel::update(reservations.filter(id.eq(created.body["id"].as_i64().expect("id"))))
            .set(expires_at.eq(past))
            .execute(&mut conn)
            .expect("moved back in time");
    }
    assert_eq!(spares::jobs::run_once(&app.pool).expect("job runs"), 1);
    assert_eq!(
        spares::jobs::run_once(&app.pool).expect("job runs"),
        0,
        "released exactly once"
    );
    let expired = app.get(&format!("/api/v1/reservations/{}", created.body["id"])).await;
    assert_eq!(expired.body["status"], "expired");
    let balance = app.balance("N-RDC", "P-1").await;
    assert_eq!(
        (balance["reserved"].as_i64(), balance["available"].as_i64()),
        (Some(1), Some(3))
    );
    app.assert_ledger_agrees();
}

async fn reservation_lines_are_validated_before_anything_is_reserved(app: TestApp) {
    app.seed_network().await;
    app.receive("N-01", "P-1", 5).await;
    let cases = [
        (reservation("N-01", json!([])), "lines"),
        (
            reservation("N-01", json!([{ "part_number": "P-1", "quantity": 0 }])),
            "lines[0].quantity",
        ),
        (
            reservation("N-01", json!([{ "part_number": "P-1", "quantity": -1 }])),
            "lines[0].quantity",
        ),
        (
            reservation("N-01", json!([{ "part_number": "P-1", "quantity": 1.5 }])),
            "lines[0].quantity",
        ),
        (
            reservation(
                "N-01",
                json!([{ "part_number": "P-1", "quantity": 1 }, { "part_number": "P-1", "quantity": 1 }]),
            ),
            "lines[1].part_number",
        ),
        (
            reservation("N-01", json!([{ "part_number": "NOPE", "quantity": 1 }])),
            "lines[0].part_number",
        ),
        (
            reservation("NOWHERE", json!([{ "part_number": "P-1", "quantity": 1 }])),
            "warehouse",
        ),
        (
            json!({ "warehouse": "N-01", "lines": [{ "part_number": "P-1", "quantity": 1 }] }),
            "repair_order",
        ),
        (
            reservation("N-01", json!([{ "part_number": "P-1" }])),
            "lines[0].quantity",
        ),
    ];
    for (body, field) in cases {
        let reply = app.post("/api/v1/reservations", &body).await;
        assert_eq!(reply.status, 400, "{body}: {}", reply.body);
        assert_eq!(reply.content_type, "application/problem+json");
        assert_eq!(reply.body["field"], field, "{body}: {}", reply.body);
    }
    assert_eq!(app.balance("N-01", "P-1").await["reserved"], 0);
    assert_eq!(
        app.get("/api/v1/reservations").await.body["items"]
            .as_array()
            .map(Vec::len),
        Some(0)
    );
}

/// Reserve, consume and release answer from what they wrote, without reading it back: each
/// answer must be exactly what a GET shows afterwards (lines in the order sent, not part order).
async fn every_reservation_answer_is_what_reading_it_back_shows(app: TestApp) {
    app.seed_network().await;
    app.receive("N-01", "P-1", 10).await;
    app.receive("N-01", "P-3", 10).await;
    let lines = json!([{ "part_number": "P-3", "quantity": 2 }, { "part_number": "P-1", "quantity": 3 }]);
    let reserved = app
        .post("/api/v1/reservations", &reservation("N-01", lines.clone()))
        .await;
    assert_eq!(reserved.status, 201, "{}", reserved.body);
    let path = format!("/api/v1/reservations/{}", reserved.body["id"]);
    assert_eq!(app.get(&path).await.body, reserved.body);
    assert_eq!(reserved.body["lines"][0]["part_number"], "P-3");

    let partly = app
        .post(
            &format!("{path}/consume"),
            &json!({ "lines": [{ "part_number": "P-1", "quantity": 1 }] }),
        )
        .await;
    assert_eq!(partly.status, 200, "{}", partly.body);
    assert_eq!(
        (&partly.body["status"], &partly.body["lines"][1]["remaining"]),
        (&json!("active"), &json!(2))
    );
    assert_eq!(app.get(&path).await.body, partly.body);
    let fully = app.post(&format!("{path}/consume"), &json!({})).await;
    assert_eq!(fully.status, 200, "{}", fully.body);
    assert_eq!(fully.body["status"], "consumed");
    assert!(fully.body["closed_at"].is_string(), "{}", fully.body);
    assert_eq!(app.get(&path).await.body, fully.body);

    let second = app.post("/api/v1/reservations", &reservation("N-01", lines)).await;
    assert_eq!(second.status, 201, "{}", second.body);
    let path = format!("/api/v1/reservations/{}", second.body["id"]);
    let released = app.post(&format!("{path}/release"), &json!({})).await;
    assert_eq!(released.status, 200, "{}", released.body);
    assert_eq!(released.body["status"], "released");
    assert_eq!(released.body["lines"][0]["released"], 2);
    assert_eq!(app.get(&path).await.body, released.body);
    let balance = app.balance("N-01", "P-1").await;
    assert_eq!(
        (balance["on_hand"].as_i64(), balance["reserved"].as_i64()),
        (Some(7), Some(0))
    );
}

async fn reservations_list_oldest_first_or_newest_first_and_the_cursor_follows(app: TestApp) {
    app.seed_network().await;
    app.receive("N-01", "P-1", 5).await;
    for n in 1..=3 {
        let body = json!({ "repair_order": format!("RO-{n}"), "warehouse": "N-01", "lines": [{ "part_number": "P-1", "quantity": 1 }] });
        let reply = app.post("/api/v1/reservations", &body).await;
        assert_eq!(reply.status, 201, "{}", reply.body);
    }
    let orders = |reply: &crate::helpers::Reply| -> Vec<String> {
        assert_eq!(reply.status, 200, "{}", reply.body);
        let list = reply.body["items"].as_array().cloned().unwrap_or_default();
        list.iter()
            .filter_map(|r| r["repair_order"].as_str().map(str::to_owned))
            .collect()
    };
    let first = app.get("/api/v1/reservations?limit=2").await;
    assert_eq!(orders(&first), ["RO-1", "RO-2"], "oldest first by default");
    let newest = app.get("/api/v1/reservations?limit=2&sort=newest").await;
    assert_eq!(orders(&newest), ["RO-3", "RO-2"]);
    let cursor = newest.body["next_cursor"].as_str().expect("a second page");
    let rest = app
        .get(&format!("/api/v1/reservations?limit=2&sort=newest&cursor={cursor}"))
        .await;
    assert_eq!(orders(&rest), ["RO-1"]);
    assert!(rest.body["next_cursor"].is_null(), "{}", rest.body);
}
