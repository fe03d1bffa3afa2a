use futures::future::join_all;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;

use crate::helpers::{Reply, TestApp};
use crate::on_both_backends;

on_both_backends!(
    thirty_two_clients_reserving_one_part_never_reserve_more_than_exists,
    after_a_concurrent_mix_of_operations_balances_equal_the_ledger_and_units_are_conserved,
    consume_and_release_racing_on_one_reservation_end_in_one_outcome_without_errors,
);

async fn thirty_two_clients_reserving_one_part_never_reserve_more_than_exists(app: TestApp) {
    app.seed_network().await;
    app.receive("N-01", "P-1", 20).await;
    let attempts = (0..32).map(|i| {
        let body = json!({ "repair_order": format!("RO-{i}"), "warehouse": "N-01", "lines": [{ "part_number": "P-1", "quantity": 1 + i % 2 }] });
        let app = &app;
        async move { app.post("/api/v1/reservations", &body).await }
    });
    let replies = join_all(attempts).await;
    let reserved: i64 = replies
        .iter()
        .filter(|r| r.status == 201)
        .map(|r| r.body["lines"][0]["quantity"].as_i64().unwrap_or(0))
        .sum();
    assert!(
        replies.iter().all(|r| r.status == 201 || r.status == 409),
        "{:?}",
        replies.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert!(
        replies.iter().any(|r| r.status == 409),
        "48 units asked of 20: some must be refused"
    );
    assert!(reserved <= 20, "reserved {reserved} of 20");
    assert!(
        reserved >= 19,
        "refusals only when stock is really short, reserved {reserved}"
    );
    let balance = app.balance("N-01", "P-1").await;
    assert_eq!(balance["reserved"].as_i64(), Some(reserved));
    assert_eq!(balance["available"].as_i64(), Some(20 - reserved));
    app.assert_ledger_agrees();
}

/// One random operation; returns (units received, units that left the network) on success.
async fn random_operation(app: &TestApp, seed: u64) -> (i64, i64) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let warehouses = ["N-RDC", "N-01", "E-RDC"];
    let parts = ["P-1", "P-2"];
    let mut received = 0;
    let mut left = 0;
    for step in 0..12 {
        let warehouse = warehouses[rng.random_range(0..3)];
        let part = parts[rng.random_range(0..2)];
        let quantity = rng.random_range(1..4i64);
        match rng.random_range(0..5) {
            0 => {
                let reply = post_retrying(
                    app,
                    "/api/v1/movements",
                    &json!({ "kind": "receipt", "warehouse": warehouse, "part_number": part, "quantity": quantity }),
                )
                .await;
                assert_eq!(reply.status, 201, "{}", reply.body);
                received += quantity;
            }
            1 => {
                let reply = post_retrying(
                    app,
                    "/api/v1/movements",
                    &json!({ "kind": "issue", "warehouse": warehouse, "part_number": part, "quantity": quantity }),
                )
                .await;
                assert!(matches!(reply.status, 201 | 409), "{}", reply.body);
                if reply.status == 201 {
                    left += quantity;
                }
            }
            2 | 3 => {
                let reply = post_retrying(
                        app,
                        "/api/v1/reservations",
                        &json!({ "repair_order": format!("RO-{seed}-{step}"), "warehouse": warehouse, "lines": [{ "part_number": part, "quantity": quantity }] }),
                    )
                    .await;
                assert!(matches!(reply.status, 201 | 409), "{}", reply.body);
                if reply.status == 201 {
                    let id = reply.body["id"].as_i64().unwrap_or_default();
                    let action = if rng.random_bool(0.5) { "consume" } else { "release" };
                    let done = post_retrying(app, &format!("/api/v1/reservations/{id}/{action}"), &json!({})).await;
                    assert_eq!(done.status, 200, "{}", done.body);
                    if action == "consume" {
                        left += quantity;
                    }
                }
            }
            _ => {
                let to = warehouses[(warehouses.iter().position(|w| *w == warehouse).unwrap_or(0) + 1) % 3];
                let created = post_retrying(
                    app,
                    "/api/v1/transfers",
                    &json!({ "from": warehouse, "to": to, "lines": [{ "part_number": part, "quantity": quantity }] }),
                )
                .await;
                assert_eq!(created.status, 201, "{}", created.body);
                let id = created.body["id"].as_i64().unwrap_or_default();
                let shipped = post_retrying(app, &format!("/api/v1/transfers/{id}/ship"), &json!({})).await;
                assert!(matches!(shipped.status, 200 | 409), "{}", shipped.body);
                if shipped.status == 200 {
                    let got = post_retrying(app, &format!("/api/v1/transfers/{id}/receive"), &json!({})).await;
                    assert_eq!(got.status, 200, "{}", got.body);
                }
            }
        }
    }
    (received, left)
}

/// PostgreSQL's deadlock detector may pick one of these concurrent transactions as its victim:
/// it is rolled back whole and answered 503 "retry", and retrying is what a client does then.
/// Anything else is returned as is, so a lost or doubled write still fails the test.
async fn post_retrying(app: &TestApp, path: &str, body: &serde_json::Value) -> Reply {
    for _ in 0..5 {
        let reply = app.post(path, body).await;
        if reply.status != 503 {
            return reply;
        }
    }
    app.post(path, body).await
}

async fn after_a_concurrent_mix_of_operations_balances_equal_the_ledger_and_units_are_conserved(app: TestApp) {
    app.seed_network().await;
    for w in ["N-RDC", "N-01", "E-RDC"] {
        for p in ["P-1", "P-2"] {
            app.receive(w, p, 5).await;
        }
    }
    let outcomes = join_all((0..32u64).map(|seed| random_operation(&app, seed))).await;
    let received: i64 = outcomes.iter().map(|o| o.0).sum::<i64>() + 30;
    let left: i64 = outcomes.iter().map(|o| o.1).sum();
    let stock = app.get("/api/v1/stock?limit=500&hide_empty=false").await;
    let rows = stock.body["items"].as_array().expect("rows");
    let on_hand: i64 = rows.iter().map(|r| r["on_hand"].as_i64().unwrap_or(0)).sum();
    for row in rows {
        assert_eq!(row["reserved"], 0, "every reservation was consumed or released: {row}");
        assert_eq!(
            row["available"], row["on_hand"],
            "nothing reserved, all of it available: {row}"
        );
        assert_eq!(row["in_transit_in"], 0, "every shipped transfer was received: {row}");
    }
    assert_eq!(on_hand, received - left, "units are neither created nor lost");
    app.assert_ledger_agrees();
}

/// A repair system that consumes while the expiry or a second client releases: both lock the
/// reservation before its lines (PostgreSQL deadlocked when consume took them the other way
/// round) and balance rows in part order, so exactly one wins and the other gets a 409.
async fn consume_and_release_racing_on_one_reservation_end_in_one_outcome_without_errors(app: TestApp) {
    app.seed_network().await;
    for part in ["P-1", "P-2", "P-3"] {
        app.receive("N-RDC", part, 40).await;
    }
    let mut ids = Vec::new();
    for i in 0..12 {
        // Lines in descending part order, so line order and part order disagree.
        let body = json!({ "repair_order": format!("RO-RACE-{i}"), "warehouse": "N-RDC", "lines": [
            { "part_number": "P-3", "quantity": 1 }, { "part_number": "P-2", "quantity": 1 },
            { "part_number": "P-1", "quantity": 1 }] });
        let reply = app.post("/api/v1/reservations", &body).await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        ids.push(reply.body["id"].as_i64().expect("id"));
    }
    let races = ids.iter().flat_map(|id| {
        ["consume", "release"].map(|action| {
            let app = &app;
            async move {
                let reply = app
                    .post(&format!("/api/v1/reservations/{id}/{action}"), &json!({}))
                    .await;
                (*id, action, reply)
            }
        })
    });
    let outcomes = join_all(races).await;
    let mut consumed = 0;
    for id in &ids {
        let mine: Vec<_> = outcomes.iter().filter(|(i, _, _)| i == id).collect();
        let won: Vec<_> = mine.iter().filter(|(_, _, r)| r.status == 200).collect();
        assert_eq!(
            won.len(),
            1,
            "exactly one of consume and release wins: {:?}",
            mine.iter()
                .map(|(_, a, r)| (a, r.status, r.body.to_string()))
                .collect::<Vec<_>>()
        );
        let lost = mine.iter().find(|(_, _, r)| r.status != 200).expect("the other one");
        assert_eq!(
            lost.2.status, 409,
            "the loser is told the state changed: {}",
            lost.2.body
        );
        if won[0].1 == "consume" {
            consumed += 1;
        }
    }
    for part in ["P-1", "P-2", "P-3"] {
        let balance = app.balance("N-RDC", part).await;
        assert_eq!(balance["reserved"], 0, "{balance}");
        assert_eq!(balance["on_hand"].as_i64(), Some(40 - consumed), "{balance}");
    }
    app.assert_ledger_agrees();
}
