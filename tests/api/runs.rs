//! Listing replenishment runs: newest first, a page at a time, filtered by trigger and status,
//! each with its scope as a JSON object.

use serde_json::json;

use crate::helpers::TestApp;
use crate::on_both_backends;
use crate::replenishment::{replenish, terms};

on_both_backends!(
    runs_are_listed_newest_first_a_page_at_a_time_with_their_scope_as_an_object,
    an_unknown_trigger_or_status_filter_is_a_400_naming_it,
);

async fn runs_are_listed_newest_first_a_page_at_a_time_with_their_scope_as_an_object(app: TestApp) {
    app.seed_network().await;
    terms(&app, "P-1", 1, 1).await;
    let first = replenish(&app).await;
    let one_part = app
        .post("/api/v1/replenishment/runs", &json!({ "part_number": "P-1" }))
        .await;
    assert_eq!(one_part.status, 200, "{}", one_part.body);
    let third = replenish(&app).await;
    assert_eq!(one_part.body["scope"], json!({ "part_number": "P-1", "replan": null }));

    let page = app.get("/api/v1/replenishment/runs?limit=2").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let ids: Vec<_> = page.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|r| r["id"].clone())
        .collect();
    assert_eq!(ids, vec![third["id"].clone(), one_part.body["id"].clone()]);
    assert_eq!(page.body["items"][1]["scope"]["part_number"], "P-1");
    let cursor = page.body["next_cursor"].as_str().expect("a next page");
    let rest = app
        .get(&format!("/api/v1/replenishment/runs?limit=2&cursor={cursor}"))
        .await;
    assert_eq!(rest.status, 200, "{}", rest.body);
    assert_eq!(rest.body["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(rest.body["items"][0]["id"], first["id"]);

    let manual = app
        .get("/api/v1/replenishment/runs?trigger=manual&status=succeeded")
        .await;
    assert_eq!(
        manual.body["items"].as_array().map(Vec::len),
        Some(3),
        "{}",
        manual.body
    );
    let urgent = app.get("/api/v1/replenishment/runs?trigger=urgent").await;
    assert_eq!(urgent.body["items"], json!([]));
}

async fn an_unknown_trigger_or_status_filter_is_a_400_naming_it(app: TestApp) {
    for (query, field) in [("trigger=nightly", "trigger"), ("status=done", "status")] {
        let reply = app.get(&format!("/api/v1/replenishment/runs?{query}")).await;
        assert_eq!(
            (reply.status, reply.body["field"].as_str()),
            (400, Some(field)),
            "{}",
            reply.body
        );
    }
}
