//! Replenishment proposals: value filters applied before paging, and the auto-approval rules
//! (purchases below a value, transfers inside a region).

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::TestApp;
use crate::replenishment::{history, plan_with_demand, proposals, terms, terms_at};
use crate::{on_both_backends, on_both_backends_with};

on_both_backends!(value_filters_fill_every_page_and_reach_every_match);
on_both_backends_with!(
    purchases_below_the_limit_are_approved_at_once_and_dearer_ones_stay_open => |s| {
        s.replenishment.auto_approve_below = Some(rust_decimal::Decimal::from(1_000));
    },
    transfers_inside_a_region_are_approved_at_once_and_across_regions_stay_open => |s| {
        s.replenishment.auto_approve_regional_transfers = true;
    },
);

/// Follows `next_cursor` from the first page; returns each page's proposal ids.
async fn pages(app: &TestApp, query: &str) -> Vec<Vec<i64>> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/proposals?{query}&cursor={c}"),
            None => format!("/api/v1/proposals?{query}"),
        };
        let reply = app.get(&path).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let items = reply.body["items"].as_array().cloned().expect("items");
        out.push(items.iter().map(|p| p["id"].as_i64().expect("id")).collect());
        match reply.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return out,
        }
        assert!(out.len() < 50, "paging does not end");
    }
}

async fn value_filters_fill_every_page_and_reach_every_match(app: TestApp) {
    // Nine purchase proposals from manual min/max levels (no stock anywhere), then every third
    // one made dear: 100 x 10.00 = 1000, the others 1 x 10.00 = 10.
    app.seed_network().await;
    for part in ["P-1", "P-2", "P-3"] {
        terms(&app, part, 1, 1).await;
        for warehouse in ["N-RDC", "N-01", "E-RDC"] {
            let set = app
                .request(
                    Method::PUT,
                    &format!("/api/v1/policies/{warehouse}/{part}"),
                    Some(&json!({ "min": 5, "max": 10 })),
                    None,
                )
                .await;
            assert_eq!(set.status, 200, "{}", set.body);
        }
    }
    let run = app.post("/api/v1/replenishment/runs", &json!({})).await;
    assert_eq!(run.body["purchases"], 9, "{}", run.body);
    let all = proposals(&app, "status=open&limit=500").await;
    let mut dear = Vec::new();
    let mut cheap = Vec::new();
    for (i, p) in all.iter().enumerate() {
        let id = p["id"].as_i64().expect("id");
        let quantity = if i % 3 == 2 { 100 } else { 1 };
        let edited = app
            .patch(&format!("/api/v1/proposals/{id}"), &json!({ "quantity": quantity }))
            .await;
        assert_eq!(edited.status, 200, "{}", edited.body);
        if quantity == 100 {
            dear.push(id);
        } else {
            cheap.push(id);
        }
    }

    let found = pages(&app, "min_value=500&limit=2").await;
    assert_eq!(
        found,
        vec![dear[..2].to_vec(), dear[2..].to_vec()],
        "the first page is full although the first matches are spread over nine rows"
    );
    let found = pages(&app, "max_value=10.00&limit=4").await;
    assert_eq!(found, vec![cheap[..4].to_vec(), cheap[4..].to_vec()]);
    let found = pages(&app, "min_value=1000&max_value=1000&status=open&limit=500").await;
    assert_eq!(found, vec![dear.clone()], "both bounds are inclusive");
    let found = pages(&app, "min_value=10.01&max_value=999.99").await;
    assert_eq!(found, vec![Vec::<i64>::new()]);

    let bad = app.get("/api/v1/proposals?min_value=1.005").await;
    assert_eq!((bad.status, bad.body["field"].as_str()), (400, Some("min_value")));
    let bad = app.get("/api/v1/proposals?min_value=100&max_value=50").await;
    assert_eq!((bad.status, bad.body["field"].as_str()), (400, Some("max_value")));
}

async fn purchases_below_the_limit_are_approved_at_once_and_dearer_ones_stay_open(app: TestApp) {
    // The same demand for two parts; P-1 at 0.01 a unit stays far below the limit of 1000,
    // P-2 at 5000.00 is above it with any quantity.
    app.seed_network().await;
    terms_at(&app, "P-1", 1, 1, "0.01").await;
    terms_at(&app, "P-2", 1, 1, "5000.00").await;
    app.import_demand(history("N-01", "P-2", 120, 2)).await;
    let run = plan_with_demand(&app).await;
    assert_eq!(run["purchases"], 2, "{run}");

    let cheap = proposals(&app, "kind=purchase&part_number=P-1").await;
    assert_eq!(cheap.len(), 1, "{cheap:?}");
    assert_eq!(
        (cheap[0]["status"].as_str(), cheap[0]["auto_approved"].as_bool()),
        (Some("approved"), Some(true))
    );
    assert!(cheap[0]["purchase_order_id"].as_i64().is_some(), "{}", cheap[0]);
    let qty = cheap[0]["quantity"].as_i64();
    assert_eq!(app.balance("N-01", "P-1").await["on_order"].as_i64(), qty);

    let dear = proposals(&app, "kind=purchase&part_number=P-2").await;
    assert_eq!(dear.len(), 1, "{dear:?}");
    assert_eq!(
        (dear[0]["status"].as_str(), dear[0]["auto_approved"].as_bool()),
        (Some("open"), Some(false))
    );
    assert_eq!(dear[0]["purchase_order_id"], Value::Null);
    assert_eq!(app.balance("N-01", "P-2").await["on_order"], 0);
    app.assert_ledger_agrees();
}

async fn transfers_inside_a_region_are_approved_at_once_and_across_regions_stay_open(app: TestApp) {
    // N-RDC (north) holds both parts; P-1 is needed at N-01 (north), P-2 at E-RDC (east).
    app.seed_network().await;
    for part in ["P-1", "P-2"] {
        terms(&app, part, 1, 1).await;
        app.receive("N-RDC", part, 500).await;
    }
    app.import_demand(history("E-RDC", "P-2", 120, 2)).await;
    let run = plan_with_demand(&app).await;
    assert_eq!(
        (run["transfers"].as_i64(), run["purchases"].as_i64()),
        (Some(2), Some(0)),
        "{run}"
    );

    let inside = proposals(&app, "kind=transfer&part_number=P-1").await;
    assert_eq!(inside.len(), 1, "{inside:?}");
    let p = &inside[0];
    assert_eq!(
        (p["from_warehouse"].as_str(), p["warehouse"].as_str()),
        (Some("N-RDC"), Some("N-01"))
    );
    assert_eq!(
        (p["status"].as_str(), p["auto_approved"].as_bool()),
        (Some("approved"), Some(true))
    );
    let transfer = p["transfer_id"].as_i64().expect("a transfer document");
    let doc = app.get(&format!("/api/v1/transfers/{transfer}")).await.body;
    assert_eq!(
        (doc["from"].as_str(), doc["to"].as_str()),
        (Some("N-RDC"), Some("N-01"))
    );
    assert_eq!(doc["lines"][0]["quantity"], p["quantity"]);

    let across = proposals(&app, "kind=transfer&part_number=P-2").await;
    assert_eq!(across.len(), 1, "{across:?}");
    let p = &across[0];
    assert_eq!(
        (p["from_warehouse"].as_str(), p["warehouse"].as_str()),
        (Some("N-RDC"), Some("E-RDC"))
    );
    assert_eq!(
        (p["status"].as_str(), p["auto_approved"].as_bool(), &p["transfer_id"]),
        (Some("open"), Some(false), &Value::Null)
    );
    app.assert_ledger_agrees();
}
