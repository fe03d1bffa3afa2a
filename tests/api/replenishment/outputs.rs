//! What runs and changes leave behind: signed webhook events (redelivered after a failure) and
//! KPIs that follow the ledger and the refusals.

use super::*;
use crate::on_both_backends;

on_both_backends!(
    events_are_written_with_the_change_signed_and_redelivered_after_a_failure,
    kpis_follow_the_ledger_and_the_refusals,
);

async fn events_are_written_with_the_change_signed_and_redelivered_after_a_failure(app: TestApp) {
    app.seed_network().await;
    let (url, seen) = receiver(vec![500]);
    let secret = "a-shared-secret-of-some-length";
    let endpoint = app
        .post(
            "/api/v1/webhooks",
            &json!({ "url": url, "events": ["reservation.refused"], "secret": secret }),
        )
        .await;
    assert_eq!(endpoint.status, 201, "{}", endpoint.body);
    let bad = app
        .post("/api/v1/webhooks", &json!({ "url": "ftp://x", "secret": secret }))
        .await;
    assert_eq!((bad.status, bad.body["field"].as_str()), (400, Some("url")));

    let refused = app
        .post(
            "/api/v1/reservations",
            &json!({ "repair_order": "RO-9", "warehouse": "N-01", "lines": [{ "part_number": "P-1", "quantity": 2 }] }),
        )
        .await;
    assert_eq!(refused.status, 409);
    let pending: i64 = {
        use diesel::prelude::*;
        let mut conn = app.pool.get().expect("conn");
        spares::schema::webhook_outbox::table
            .count()
            .get_result(&mut conn)
            .expect("count")
    };
    assert_eq!(
        pending, 1,
        "the event is in the outbox as soon as the refusal is recorded"
    );

    let client = reqwest::Client::new();
    let keys = crate::helpers::test_secret_keys();
    let now = spares::db::now();
    let first = spares::webhooks::delivery::deliver_due(&app.pool, &client, &keys, now)
        .await
        .expect("pass");
    assert_eq!((first.delivered, first.failed), (0, 1));
    let early = spares::webhooks::delivery::deliver_due(&app.pool, &client, &keys, now)
        .await
        .expect("pass");
    assert_eq!(early.delivered + early.failed, 0, "not retried before its backoff");
    let later = now + chrono::Duration::minutes(5);
    let second = spares::webhooks::delivery::deliver_due(&app.pool, &client, &keys, later)
        .await
        .expect("pass");
    assert_eq!((second.delivered, second.failed), (1, 0));

    let seen = seen.lock().expect("lock").clone();
    assert_eq!(seen.len(), 2);
    let ids: Vec<Option<String>> = seen.iter().map(|(h, _)| header(h, "x-spares-event-id")).collect();
    assert!(
        ids[0].is_some() && ids[0] == ids[1],
        "a retry carries the same event id"
    );
    for (head, body) in &seen {
        let expected = spares::webhooks::signing::signature(secret, body.as_bytes());
        assert_eq!(header(head, "x-spares-signature"), Some(expected));
        let event: Value = serde_json::from_str(body).expect("json");
        assert_eq!(event["type"], "reservation.refused");
        assert_eq!(event["data"]["lines"][0]["part_number"], "P-1");
    }
}

async fn kpis_follow_the_ledger_and_the_refusals(app: TestApp) {
    app.seed_network().await;
    app.receive("N-01", "P-1", 10).await;
    let issue = json!({ "kind": "issue", "warehouse": "N-01", "part_number": "P-1", "quantity": 2 });
    assert_eq!(app.post("/api/v1/movements", &issue).await.status, 201);
    let reserve = |q: i64| json!({ "repair_order": format!("RO-{q}"), "warehouse": "N-01", "lines": [{ "part_number": "P-1", "quantity": q }] });
    assert_eq!(app.post("/api/v1/reservations", &reserve(3)).await.status, 201);
    assert_eq!(app.post("/api/v1/reservations", &reserve(100)).await.status, 409);
    app.receive("E-RDC", "P-2", 4).await;

    let kpis = app.get("/api/v1/kpis?warehouse=N-01").await;
    assert_eq!(kpis.status, 200, "{}", kpis.body);
    let k = &kpis.body;
    assert_eq!(
        (k["demand_lines"].as_i64(), k["lines_filled"].as_i64()),
        (Some(3), Some(2))
    );
    assert!((k["stockout_rate"].as_f64().expect("rate") - 1.0 / 3.0).abs() < 1e-9);
    assert_eq!(
        (k["units_demanded"].as_i64(), k["units_filled"].as_i64()),
        (Some(105), Some(5))
    );
    assert_eq!(k["inventory_value"], "100.00", "8 on hand x 12.50");
    let network = app.get("/api/v1/kpis?region=east").await.body;
    assert_eq!(
        (network["demand_lines"].as_i64(), network["inventory_value"].as_str()),
        (Some(0), Some("50.00"))
    );
    let bad = app.get("/api/v1/kpis?from=2026-02-01&to=2026-01-01").await;
    assert_eq!((bad.status, bad.body["field"].as_str()), (400, Some("from")));
}
