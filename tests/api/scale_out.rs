//! Scale-out: two service processes on one database, no load balancer, clients alternating.
//! The invariants of one instance must hold across both: no oversell, ledger = balances,
//! idempotency keys honoured whichever instance sees the retry, and background work (here the
//! reservation expiry and the webhook delivery, run every second by both) done once.

use serde_json::{json, Value};

use crate::helpers::TestApp;
use crate::on_both_backends;
use crate::process::{start_with, Service};
use crate::replenishment::{header, receiver, Seen};

on_both_backends!(two_instances_on_one_database_behave_as_one);

async fn post(app: &TestApp, service: &Service, path: &str, body: &Value, key: Option<&str>) -> (u16, Value, bool) {
    let mut request = app
        .client
        .post(format!("{}{path}", service.address))
        .bearer_auth(&app.admin_key)
        .json(body);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    let reply = request.send().await.expect("the instance answers");
    let status = reply.status().as_u16();
    let replayed = reply.headers().contains_key("Idempotent-Replayed");
    (status, reply.json().await.unwrap_or_default(), replayed)
}

async fn two_instances_on_one_database_behave_as_one(app: TestApp) {
    app.seed_network().await;
    app.receive("N-01", "P-1", 20).await;
    app.receive("N-RDC", "P-2", 5).await;
    // Every refusal below is a `reservation.refused` event; both instances deliver every second.
    let (hook, seen) = receiver(Vec::new());
    let endpoint = app
        .post(
            "/api/v1/webhooks",
            &json!({ "url": hook, "events": ["reservation.refused"], "secret": "scale-out-secret-0123456789" }),
        )
        .await;
    assert_eq!(endpoint.status, 201, "{}", endpoint.body);
    let flags = ["--expiry-interval-secs", "1", "--webhook-interval-secs", "1"];
    let instances = [start_with(&app, &flags).await, start_with(&app, &flags).await];
    forty_clients_reserve_twenty_units_without_oversell(&app, &instances).await;
    a_retry_on_the_other_instance_replays_the_first_answer(&app, &instances).await;
    a_due_reservation_is_released_by_one_instance_only(&app, &instances).await;
    each_refusal_event_is_delivered_once(&seen).await;
    app.assert_ledger_agrees();
    drop(instances);
}

/// 40 clients, alternating instances, each reserving 1 of the 20 units at once.
async fn forty_clients_reserve_twenty_units_without_oversell(app: &TestApp, instances: &[Service; 2]) {
    let attempts = (0..40).map(|i| {
        let service = &instances[i % 2];
        async move {
            let body = json!({ "repair_order": format!("RO-{i}"), "warehouse": "N-01",
                               "lines": [{ "part_number": "P-1", "quantity": 1 }] });
            post(app, service, "/api/v1/reservations", &body, None).await.0
        }
    });
    let statuses = futures::future::join_all(attempts).await;
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 20, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 20, "{statuses:?}");
    let balance = app.balance("N-01", "P-1").await;
    assert_eq!(
        (balance["reserved"].as_i64(), balance["available"].as_i64()),
        (Some(20), Some(0))
    );
}

async fn a_retry_on_the_other_instance_replays_the_first_answer(app: &TestApp, instances: &[Service; 2]) {
    let receipt = json!({ "kind": "receipt", "warehouse": "N-RDC", "part_number": "P-2", "quantity": 3 });
    let (first, created, _) = post(app, &instances[0], "/api/v1/movements", &receipt, Some("scale-1")).await;
    let (again, replay, replayed) = post(app, &instances[1], "/api/v1/movements", &receipt, Some("scale-1")).await;
    assert_eq!((first, again, replayed), (201, 201, true));
    assert_eq!(created["id"], replay["id"]);
    let other = json!({ "kind": "receipt", "warehouse": "N-RDC", "part_number": "P-2", "quantity": 4 });
    let (misuse, _, _) = post(app, &instances[1], "/api/v1/movements", &other, Some("scale-1")).await;
    assert_eq!(misuse, 422, "the same key with another body, on another instance");
    assert_eq!(app.balance("N-RDC", "P-2").await["on_hand"], 8);
}

/// Both instances run the expiry job every second: a due reservation is released once.
async fn a_due_reservation_is_released_by_one_instance_only(app: &TestApp, instances: &[Service; 2]) {
    let body = json!({ "repair_order": "RO-EXP", "warehouse": "N-RDC", "expires_in_minutes": 1,
                       "lines": [{ "part_number": "P-2", "quantity": 2 }] });
    let (status, reservation, _) = post(app, &instances[0], "/api/v1/reservations", &body, None).await;
    assert_eq!(status, 201, "{reservation}");
    let id = reservation["id"].as_i64().expect("id");
    {
        use diesel::prelude::*;
        use spares::schema::reservations::dsl as r;
        let mut conn = app.pool.get().expect("conn");
        let past = chrono::Utc::now().naive_utc() - chrono::Duration::minutes(5);
        diesel::update(r::reservations.filter(r::id.eq(id)))
            .set(r::expires_at.eq(past))
            .execute(&mut conn)
            .expect("moved back in time");
    }
    let mut status = Value::Null;
    for _ in 0..100 {
        status = app.get(&format!("/api/v1/reservations/{id}")).await.body["status"].clone();
        if status == "expired" {
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(status, "expired");
    actix_web::rt::time::sleep(std::time::Duration::from_millis(2_500)).await;
    let releases = app
        .get("/api/v1/movements?kind=release&warehouse=N-RDC&limit=500")
        .await;
    assert_eq!(
        releases.body["items"].as_array().map(Vec::len),
        Some(1),
        "released by one instance only: {}",
        releases.body
    );
    let balance = app.balance("N-RDC", "P-2").await;
    assert_eq!(
        (balance["reserved"].as_i64(), balance["available"].as_i64()),
        (Some(0), Some(8))
    );
}

/// The 20 refusals' events, each delivered once although both instances deliver.
async fn each_refusal_event_is_delivered_once(seen: &Seen) {
    for _ in 0..100 {
        if seen.lock().expect("lock").len() >= 20 {
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    actix_web::rt::time::sleep(std::time::Duration::from_millis(2_500)).await;
    let ids: Vec<String> = seen
        .lock()
        .expect("lock")
        .iter()
        .filter_map(|(head, _)| header(head, "X-Spares-Event-Id"))
        .collect();
    let distinct: std::collections::HashSet<&String> = ids.iter().collect();
    assert_eq!((ids.len(), distinct.len()), (20, 20), "each event once: {ids:?}");
}
