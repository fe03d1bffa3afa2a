//! Replenishment: runs, proposals and their workflow, purchase orders through the ledger,
//! manual overrides, webhooks, KPIs and the scheduled run's lease.

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::TestApp;
use crate::on_both_backends;

mod outputs;
mod scale;

on_both_backends!(
    a_run_proposes_a_purchase_in_packs_and_approval_places_an_order_that_receipts_draw_down,
    excess_in_the_same_region_is_transferred_instead_of_bought_and_a_new_run_revises_it_in_place,
    a_manual_min_max_overrides_the_computed_levels,
);

/// `days` of daily demand of `qty` at (warehouse, part), ending yesterday.
pub(crate) fn history(warehouse: &str, part: &str, days: i64, qty: i64) -> String {
    let end = chrono::Utc::now().date_naive() - chrono::Duration::days(1);
    let mut csv = String::from("date,warehouse,part_number,qty\n");
    for back in (0..days).rev() {
        let day = end - chrono::Duration::days(back);
        csv.push_str(&format!("{day},{warehouse},{part},{qty}\n"));
    }
    csv
}

/// SUP-1 supplies `part` in 6 days at 10.00, with this MOQ and pack size.
pub(crate) async fn terms(app: &TestApp, part: &str, moq: i64, pack: i64) {
    terms_at(app, part, moq, pack, "10.00").await;
}

/// SUP-1 supplies `part` in 6 days at `price`, with this MOQ and pack size.
pub(crate) async fn terms_at(app: &TestApp, part: &str, moq: i64, pack: i64, price: &str) {
    let body = json!({ "lead_time_days": 6, "moq": moq, "pack_size": pack, "unit_price": price });
    let reply = app
        .request(
            Method::PUT,
            &format!("/api/v1/suppliers/SUP-1/parts/{part}"),
            Some(&body),
            None,
        )
        .await;
    assert!(reply.status < 300, "{}", reply.body);
}

/// Demand of 2 a day at N-01 for P-1, forecast, then a replenishment run.
pub(crate) async fn plan_with_demand(app: &TestApp) -> Value {
    app.import_demand(history("N-01", "P-1", 120, 2)).await;
    let run = app.post("/api/v1/forecasts/run", &json!({})).await;
    assert_eq!(run.status, 200, "{}", run.body);
    replenish(app).await
}

pub(crate) async fn replenish(app: &TestApp) -> Value {
    let run = app.post("/api/v1/replenishment/runs", &json!({})).await;
    assert_eq!(run.status, 200, "{}", run.body);
    assert_eq!(run.body["status"], "succeeded", "{}", run.body);
    run.body
}

pub(crate) async fn proposals(app: &TestApp, query: &str) -> Vec<Value> {
    let reply = app.get(&format!("/api/v1/proposals?{query}")).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body["items"].as_array().cloned().expect("items")
}

async fn a_run_proposes_a_purchase_in_packs_and_approval_places_an_order_that_receipts_draw_down(app: TestApp) {
    app.seed_network().await;
    terms(&app, "P-1", 10, 6).await;
    let run = plan_with_demand(&app).await;
    assert_eq!(run["purchases"], 1, "{run}");
    let policy = app.get("/api/v1/policies?warehouse=N-01&part_number=P-1").await;
    let policy = &policy.body["items"][0];
    // Demand is exactly 2 a day: the reorder point covers the 6 days of lead time and the
    // 1-day review period, with nothing to buffer against.
    assert_eq!(policy["reorder_point"], 2 * (6 + 1), "{policy}");
    assert!(policy["order_up_to"].as_i64() > policy["reorder_point"].as_i64());

    let open = proposals(&app, "status=open&kind=purchase").await;
    assert_eq!(open.len(), 1, "{open:?}");
    let p = &open[0];
    let qty = p["quantity"].as_i64().expect("quantity");
    assert!(qty >= 10 && qty % 6 == 0, "MOQ 10 and packs of 6: {qty}");
    assert_eq!(p["supplier"], "SUP-1");
    assert_eq!(p["warehouse"], "N-01");
    assert_eq!(p["explanation"]["position"], 0);
    assert!(p["explanation"]["fill_rate_with"].as_f64() > p["explanation"]["fill_rate_without"].as_f64());
    // Money is shown with two decimals.
    assert_eq!(p["value"], format!("{}.00", qty * 10));

    let approved = app
        .post(&format!("/api/v1/proposals/{}/approve", p["id"]), &json!({}))
        .await;
    assert_eq!(approved.status, 200, "{}", approved.body);
    let order_id = approved.body["purchase_orders"][0].as_i64().expect("order");
    let order = app.get(&format!("/api/v1/purchase-orders/{order_id}")).await.body;
    assert_eq!(order["lines"][0]["quantity"], qty);
    assert_eq!(app.balance("N-01", "P-1").await["on_order"], qty);

    let receipt = json!({ "kind": "receipt", "warehouse": "N-01", "part_number": "P-1", "quantity": 4, "purchase_order": order["number"] });
    let reply = app.post("/api/v1/movements", &receipt).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let balance = app.balance("N-01", "P-1").await;
    assert_eq!(balance["on_order"], qty - 4);
    assert_eq!(balance["on_hand"], 4);
    let order = app.get(&format!("/api/v1/purchase-orders/{order_id}")).await.body;
    assert_eq!(order["status"], "partially_received");
    assert_eq!(order["lines"][0]["outstanding"], qty - 4);
    app.assert_ledger_agrees();
}

async fn excess_in_the_same_region_is_transferred_instead_of_bought_and_a_new_run_revises_it_in_place(app: TestApp) {
    app.seed_network().await;
    terms(&app, "P-1", 1, 1).await;
    app.receive("N-RDC", "P-1", 500).await;
    app.receive("E-RDC", "P-1", 500).await;
    let run = plan_with_demand(&app).await;
    assert_eq!(run["purchases"], 0, "{run}");
    let first = proposals(&app, "status=open").await;
    assert_eq!(first.len(), 1, "{first:?}");
    assert_eq!(first[0]["kind"], "transfer");
    assert_eq!(first[0]["from_warehouse"], "N-RDC", "same region first");
    assert_eq!(first[0]["warehouse"], "N-01");

    replenish(&app).await;
    let kept = app.get(&format!("/api/v1/proposals/{}", first[0]["id"])).await.body;
    assert_eq!(
        (kept["status"].as_str(), kept["revision"].as_i64()),
        (Some("open"), Some(1))
    );
    let open = proposals(&app, "status=open").await;
    assert_eq!(open.len(), 1, "a second run revises, never duplicates");
    assert_eq!(open[0]["id"], first[0]["id"], "the same proposal");

    let id = open[0]["id"].as_i64().expect("id");
    let edited = app
        .patch(&format!("/api/v1/proposals/{id}"), &json!({ "quantity": 7 }))
        .await;
    assert_eq!(edited.status, 200, "{}", edited.body);
    assert_eq!(edited.body["quantity"], 7);
    let bad = app
        .patch(&format!("/api/v1/proposals/{id}"), &json!({ "quantity": 0 }))
        .await;
    assert_eq!((bad.status, bad.body["field"].as_str()), (400, Some("quantity")));
    let approved = app.post("/api/v1/proposals/approve", &json!({ "ids": [id] })).await;
    assert_eq!(approved.status, 200, "{}", approved.body);
    let transfer = approved.body["transfers"][0].as_i64().expect("transfer");
    let doc = app.get(&format!("/api/v1/transfers/{transfer}")).await.body;
    assert_eq!(
        (doc["from"].as_str(), doc["to"].as_str()),
        (Some("N-RDC"), Some("N-01"))
    );
    assert_eq!(doc["lines"][0]["quantity"], 7);
    let again = app
        .post(&format!("/api/v1/proposals/{id}/reject"), &json!({ "reason": "late" }))
        .await;
    assert_eq!(again.status, 409, "a decided proposal stays decided");

    replenish(&app).await;
    let next = proposals(&app, "status=open").await;
    let id = next[0]["id"].as_i64().expect("id");
    let rejected = app
        .post(
            &format!("/api/v1/proposals/{id}/reject"),
            &json!({ "reason": "counting first" }),
        )
        .await;
    assert_eq!(rejected.status, 200, "{}", rejected.body);
    assert_eq!(
        (rejected.body["status"].as_str(), rejected.body["reason"].as_str()),
        (Some("rejected"), Some("counting first"))
    );
    app.assert_ledger_agrees();
}

async fn a_manual_min_max_overrides_the_computed_levels(app: TestApp) {
    app.seed_network().await;
    terms(&app, "P-2", 1, 4).await;
    let set = app
        .request(
            Method::PUT,
            "/api/v1/policies/N-01/P-2",
            Some(&json!({ "min": 5, "max": 18 })),
            None,
        )
        .await;
    assert_eq!(set.status, 200, "{}", set.body);
    assert_eq!(
        (set.body["manual"].as_bool(), set.body["reorder_point"].as_i64()),
        (Some(true), Some(5))
    );
    let bad = app
        .request(
            Method::PUT,
            "/api/v1/policies/N-01/P-2",
            Some(&json!({ "min": 5, "max": 2 })),
            None,
        )
        .await;
    assert_eq!((bad.status, bad.body["field"].as_str()), (400, Some("max")));
    app.receive("N-01", "P-2", 3).await;
    replenish(&app).await;
    let open = proposals(&app, "part_number=P-2").await;
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0]["quantity"], 16, "up to 18 from 3 is 15, in packs of 4");
    assert_eq!(open[0]["explanation"]["manual_override"], true);
    let cleared = app
        .request(Method::DELETE, "/api/v1/policies/N-01/P-2", None, None)
        .await;
    assert_eq!((cleared.status, cleared.body["manual"].as_bool()), (200, Some(false)));
    let again = app
        .request(Method::DELETE, "/api/v1/policies/N-01/P-2", None, None)
        .await;
    assert_eq!(again.status, 404);
}

/// A receiver on 127.0.0.1 that answers each request with the next status (then 200).
/// Requests a receiver saw: (head, body).
pub(crate) type Seen = Arc<Mutex<Vec<(String, String)>>>;

pub(crate) fn receiver(statuses: Vec<u16>) -> (String, Seen) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        let mut statuses = statuses.into_iter();
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut data = Vec::new();
            let mut buf = [0u8; 4096];
            let (head, body) = loop {
                let n = stream.read(&mut buf).unwrap_or(0);
                if n == 0 {
                    break (String::new(), String::new());
                }
                data.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&data).to_string();
                if let Some((head, body)) = text.split_once("\r\n\r\n") {
                    let length = head
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().to_owned())
                        })
                        .and_then(|v| v.parse::<usize>().ok())
                        .unwrap_or(0);
                    if body.len() >= length {
                        break (head.to_owned(), body.to_owned());
                    }
                }
            };
            log.lock().expect("lock").push((head, body));
            let status = statuses.next().unwrap_or(200);
            let reply = format!("HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
            let _ = stream.write_all(reply.as_bytes());
        }
    });
    (url, seen)
}

pub(crate) fn header(head: &str, name: &str) -> Option<String> {
    head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
    })
}
