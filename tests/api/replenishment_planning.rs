//! Replenishment planning: tighter targets per region and per criticality class, and the
//! stock of superseded parts in their successor's position.

use std::collections::BTreeMap;

use serde_json::json;
use spares::replenishment::{model::RunRequest, planning, ReplenishmentSettings};

use crate::helpers::TestApp;
use crate::on_both_backends;
use crate::replenishment::{history, proposals, replenish, terms};

on_both_backends!(
    a_tighter_region_target_raises_that_regions_reorder_points_only,
    a_tighter_class_target_raises_that_classes_reorder_points_only,
    stock_of_a_superseded_part_is_used_before_its_successor_is_bought,
    a_part_superseded_after_it_was_planned_is_no_longer_bought,
);

/// Reorder point per (warehouse, part).
async fn reorder_points(app: &TestApp) -> BTreeMap<(String, String), i64> {
    let reply = app.get("/api/v1/policies?limit=500").await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| {
            let key = (
                p["warehouse"].as_str().expect("warehouse").to_owned(),
                p["part_number"].as_str().expect("part").to_owned(),
            );
            (key, p["reorder_point"].as_i64().expect("s"))
        })
        .collect()
}

/// The same demand (2 a day for 120 days) at each pair, forecast, then a run with the default
/// settings (through the API) and one with `tighter` (on the same data); the reorder points of
/// both.
async fn default_and_tighter(
    app: &TestApp,
    pairs: &[(&str, &str)],
    tighter: ReplenishmentSettings,
) -> (BTreeMap<(String, String), i64>, BTreeMap<(String, String), i64>) {
    for (warehouse, part) in pairs {
        terms(app, part, 1, 1).await;
        app.import_demand(history(warehouse, part, 120, 2)).await;
    }
    let run = app.post("/api/v1/forecasts/run", &json!({})).await;
    assert_eq!(run.status, 200, "{}", run.body);
    replenish(app).await;
    let default = reorder_points(app).await;
    let actor = spares::stock::ledger::Actor {
        name: "test".to_owned(),
        request_id: None,
    };
    {
        let mut conn = app.pool.get().expect("connection");
        let run = planning::run(&mut conn, &tighter, &RunRequest::default(), "manual", &actor).expect("run");
        assert_eq!(run.status, "succeeded");
    }
    (default, reorder_points(app).await)
}

/// Runs [`default_and_tighter`] on two pairs with the same demand and checks that the tighter
/// settings raise the first pair's reorder point and do not raise the second's.
async fn only_the_first_is_raised(
    app: &TestApp,
    raised: (&str, &str),
    other: (&str, &str),
    tighter: ReplenishmentSettings,
) {
    let (default, tight) = default_and_tighter(app, &[raised, other], tighter).await;
    let key = |(w, p): (&str, &str)| (w.to_owned(), p.to_owned());
    let (raised, other) = (key(raised), key(other));
    assert_eq!(
        default[&raised], default[&other],
        "the same demand gets the same level: {default:?}"
    );
    assert!(
        tight[&raised] > default[&raised],
        "{raised:?}: {default:?} -> {tight:?}"
    );
    assert!(tight[&other] <= default[&other], "{other:?}: {default:?} -> {tight:?}");
}

async fn a_tighter_region_target_raises_that_regions_reorder_points_only(app: TestApp) {
    app.seed_network().await;
    let mut tighter = ReplenishmentSettings::default();
    tighter.region_targets.insert("north".to_owned(), 0.001);
    only_the_first_is_raised(&app, ("N-01", "P-1"), ("E-RDC", "P-1"), tighter).await;
}

async fn a_tighter_class_target_raises_that_classes_reorder_points_only(app: TestApp) {
    app.seed_network().await;
    let high = app.patch("/api/v1/parts/P-1", &json!({ "criticality": "high" })).await;
    assert_eq!(high.status, 200, "{}", high.body);
    let mut tighter = ReplenishmentSettings::default();
    tighter.class_targets.insert("high".to_owned(), 0.001);
    only_the_first_is_raised(&app, ("N-01", "P-1"), ("N-01", "P-2"), tighter).await;
}

async fn stock_of_a_superseded_part_is_used_before_its_successor_is_bought(app: TestApp) {
    // P-2 replaces P-1; the history is recorded under the old number. Both have terms, so
    // buying the old part would show.
    app.seed_network().await;
    let replaced = app.patch("/api/v1/parts/P-1", &json!({ "superseded_by": "P-2" })).await;
    assert_eq!(replaced.status, 200, "{}", replaced.body);
    terms(&app, "P-1", 1, 1).await;
    terms(&app, "P-2", 1, 1).await;
    app.import_demand(history("N-01", "P-1", 120, 2)).await;
    let run = app.post("/api/v1/forecasts/run", &json!({})).await;
    assert_eq!(run.status, 200, "{}", run.body);

    // Without old stock, the successor is bought.
    replenish(&app).await;
    let open = proposals(&app, "status=open").await;
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(
        (open[0]["part_number"].as_str(), open[0]["kind"].as_str()),
        (Some("P-2"), Some("purchase"))
    );
    assert_eq!(open[0]["explanation"]["predecessor_stock"], 0);
    let s = open[0]["explanation"]["reorder_point"].as_i64().expect("s");
    assert!(s >= 2, "demand of 2 a day needs stock: s = {s}");

    // Some old stock counts in the position, and the purchase shrinks by it.
    let some = s / 2;
    app.receive("N-01", "P-1", some).await;
    replenish(&app).await;
    let open2 = proposals(&app, "status=open").await;
    assert_eq!(open2.len(), 1, "{open2:?}");
    assert_eq!(open2[0]["part_number"], "P-2");
    assert_eq!(open2[0]["explanation"]["predecessor_stock"], some);
    assert_eq!(open2[0]["explanation"]["position"], some);
    assert!(
        open2[0]["quantity"].as_i64() < open[0]["quantity"].as_i64(),
        "{open2:?}"
    );
    assert_eq!(open2[0]["id"], open[0]["id"], "the same proposal, revised");
    assert_eq!(open2[0]["revision"], 2);

    // Enough old stock: nothing is bought, neither the successor nor the old part.
    app.receive("N-01", "P-1", 500).await;
    replenish(&app).await;
    let open3 = proposals(&app, "status=open").await;
    assert!(open3.is_empty(), "{open3:?}");
    let earlier = app.get(&format!("/api/v1/proposals/{}", open2[0]["id"])).await.body;
    assert_eq!(earlier["status"], "withdrawn");
    let reason = earlier["reason"].as_str().expect("a reason");
    assert!(reason.starts_with("no longer needed: the position"), "{reason}");
}

async fn a_part_superseded_after_it_was_planned_is_no_longer_bought(app: TestApp) {
    // P-1 is forecast and planned (a policy and an open purchase), then replaced by P-2: its
    // stored forecast and policy are stale and must not buy the old part again.
    app.seed_network().await;
    terms(&app, "P-1", 1, 1).await;
    terms(&app, "P-2", 1, 1).await;
    app.import_demand(history("N-01", "P-1", 120, 2)).await;
    assert_eq!(app.post("/api/v1/forecasts/run", &json!({})).await.status, 200);
    replenish(&app).await;
    let before = proposals(&app, "status=open").await;
    assert_eq!(before.len(), 1, "{before:?}");
    assert_eq!(before[0]["part_number"], "P-1");

    let replaced = app.patch("/api/v1/parts/P-1", &json!({ "superseded_by": "P-2" })).await;
    assert_eq!(replaced.status, 200, "{}", replaced.body);
    assert_eq!(app.post("/api/v1/forecasts/run", &json!({})).await.status, 200);
    replenish(&app).await;
    let open = proposals(&app, "status=open").await;
    let parts: Vec<&str> = open.iter().filter_map(|p| p["part_number"].as_str()).collect();
    assert_eq!(parts, ["P-2"], "{open:?}");
    let earlier = app.get(&format!("/api/v1/proposals/{}", before[0]["id"])).await.body;
    assert_eq!(earlier["status"], "withdrawn");
    assert_eq!(
        earlier["reason"],
        "P-1 is replaced by P-2: its demand is planned on the successor"
    );
}
