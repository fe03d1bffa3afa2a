//! Stable proposals: a run revises the open proposal of the same need in place, keeps a
//! planner's edit (locked) with the engine's figure beside it, and withdraws what is no longer
//! needed with the reason.

use serde_json::{json, Value};

use crate::helpers::TestApp;
use crate::on_both_backends;
use crate::replenishment::{plan_with_demand, proposals, replenish, terms};

on_both_backends!(
    a_later_run_revises_the_open_proposal_in_place_and_says_what_changed,
    an_edited_proposal_is_kept_by_later_runs_with_the_engine_figure_beside_it,
    a_proposal_no_longer_needed_is_withdrawn_with_the_reason,
    a_locked_proposal_no_longer_needed_shows_an_engine_figure_of_nothing,
    an_edit_below_the_moq_or_off_the_pack_is_refused_unless_overridden_and_the_override_is_audited,
);

async fn the_purchase(app: &TestApp) -> Value {
    let open = proposals(app, "status=open&kind=purchase&part_number=P-1").await;
    assert_eq!(open.len(), 1, "one open purchase: {open:?}");
    open[0].clone()
}

async fn proposal(app: &TestApp, id: i64) -> Value {
    let reply = app.get(&format!("/api/v1/proposals/{id}")).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body
}

async fn a_later_run_revises_the_open_proposal_in_place_and_says_what_changed(app: TestApp) {
    app.seed_network().await;
    terms(&app, "P-1", 1, 1).await;
    plan_with_demand(&app).await;
    let first = the_purchase(&app).await;
    let id = first["id"].as_i64().expect("id");
    let quantity = first["quantity"].as_i64().expect("quantity");
    assert_eq!(
        (first["revision"].as_i64(), first["locked"].as_bool()),
        (Some(1), Some(false))
    );
    assert_eq!(first["changes"], json!([]));

    // Nothing moved: the same proposal, no new revision.
    let run = replenish(&app).await;
    let same = proposal(&app, id).await;
    assert_eq!(
        (same["status"].as_str(), same["revision"].as_i64()),
        (Some("open"), Some(1))
    );
    assert_eq!(same["revised_run_id"], run["id"]);
    assert_eq!(proposals(&app, "status=open").await.len(), 1, "never duplicated");

    // Two units arrive (still below the reorder point): the quantity drops by two, same id.
    app.receive("N-01", "P-1", 2).await;
    let run = replenish(&app).await;
    let revised = proposal(&app, id).await;
    assert_eq!(revised["status"], "open");
    assert_eq!(revised["revision"], 2, "{revised}");
    assert_eq!(revised["quantity"], quantity - 2);
    assert_eq!(revised["explanation"]["position"], 2);
    assert_eq!(
        revised["changes"],
        json!([{ "field": "quantity", "from": quantity.to_string(), "to": (quantity - 2).to_string() }])
    );
    assert_eq!(revised["revised_run_id"], run["id"]);
    assert_eq!(revised["run_id"], first["run_id"], "the run that made it stays");
}

async fn an_edited_proposal_is_kept_by_later_runs_with_the_engine_figure_beside_it(app: TestApp) {
    app.seed_network().await;
    terms(&app, "P-1", 1, 1).await;
    plan_with_demand(&app).await;
    let first = the_purchase(&app).await;
    let id = first["id"].as_i64().expect("id");
    let quantity = first["quantity"].as_i64().expect("quantity");

    let edited = app
        .patch(&format!("/api/v1/proposals/{id}"), &json!({ "quantity": 1 }))
        .await;
    assert_eq!(edited.status, 200, "{}", edited.body);
    assert_eq!(
        (edited.body["quantity"].as_i64(), edited.body["locked"].as_bool()),
        (Some(1), Some(true))
    );
    assert_eq!(edited.body["engine"]["quantity"], quantity, "the figure it replaced");

    app.receive("N-01", "P-1", 2).await;
    let run = replenish(&app).await;
    let kept = proposal(&app, id).await;
    assert_eq!(
        (kept["quantity"].as_i64(), kept["locked"].as_bool()),
        (Some(1), Some(true)),
        "{kept}"
    );
    assert_eq!(kept["engine"]["quantity"], quantity - 2, "what the engine proposes now");
    assert_eq!(kept["engine"]["run_id"], run["id"]);
    assert_eq!(kept["revision"], 1, "the planner's figures were not revised");

    let accepted = app
        .post(&format!("/api/v1/proposals/{id}/accept-engine"), &json!({}))
        .await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    assert_eq!(
        (accepted.body["quantity"].as_i64(), accepted.body["locked"].as_bool()),
        (Some(quantity - 2), Some(false))
    );
    assert_eq!(accepted.body["engine"], Value::Null);
    assert_eq!(accepted.body["revision"], 2);
    let again = app
        .post(&format!("/api/v1/proposals/{id}/accept-engine"), &json!({}))
        .await;
    assert_eq!(again.status, 409, "not locked any more: {}", again.body);

    // Edit, then unlock: the next run brings it back to the engine's figure.
    let edited = app
        .patch(&format!("/api/v1/proposals/{id}"), &json!({ "quantity": 3 }))
        .await;
    assert_eq!(edited.body["locked"], true, "{}", edited.body);
    let unlocked = app.post(&format!("/api/v1/proposals/{id}/unlock"), &json!({})).await;
    assert_eq!(unlocked.status, 200, "{}", unlocked.body);
    assert_eq!(
        (unlocked.body["quantity"].as_i64(), unlocked.body["locked"].as_bool()),
        (Some(3), Some(false))
    );
    replenish(&app).await;
    assert_eq!(proposal(&app, id).await["quantity"], quantity - 2);
}

async fn a_proposal_no_longer_needed_is_withdrawn_with_the_reason(app: TestApp) {
    app.seed_network().await;
    terms(&app, "P-1", 1, 1).await;
    plan_with_demand(&app).await;
    let first = the_purchase(&app).await;
    let id = first["id"].as_i64().expect("id");
    let s = first["explanation"]["reorder_point"].as_i64().expect("s");

    app.receive("N-01", "P-1", 500).await;
    replenish(&app).await;
    let gone = proposal(&app, id).await;
    assert_eq!(gone["status"], "withdrawn", "{gone}");
    assert_eq!(
        gone["reason"].as_str(),
        Some(format!("no longer needed: the position 500 is above the reorder point {s}").as_str())
    );
    assert!(proposals(&app, "status=open").await.is_empty());
    let decided = app.post(&format!("/api/v1/proposals/{id}/approve"), &json!({})).await;
    assert_eq!(
        decided.status, 409,
        "a withdrawn proposal cannot be approved: {}",
        decided.body
    );
    let listed = proposals(&app, "status=withdrawn").await;
    assert_eq!(listed.len(), 1, "{listed:?}");
}

async fn a_locked_proposal_no_longer_needed_shows_an_engine_figure_of_nothing(app: TestApp) {
    app.seed_network().await;
    terms(&app, "P-1", 1, 1).await;
    plan_with_demand(&app).await;
    let id = the_purchase(&app).await["id"].as_i64().expect("id");
    let edited = app
        .patch(&format!("/api/v1/proposals/{id}"), &json!({ "quantity": 4 }))
        .await;
    assert_eq!(edited.status, 200, "{}", edited.body);

    app.receive("N-01", "P-1", 500).await;
    replenish(&app).await;
    let kept = proposal(&app, id).await;
    assert_eq!(
        (kept["status"].as_str(), kept["quantity"].as_i64()),
        (Some("open"), Some(4)),
        "{kept}"
    );
    assert_eq!(kept["engine"]["quantity"], 0);
    let reason = kept["engine"]["reason"].as_str().expect("why the engine sees no need");
    assert!(reason.contains("above the reorder point"), "{reason}");

    let accepted = app
        .post(&format!("/api/v1/proposals/{id}/accept-engine"), &json!({}))
        .await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    assert_eq!(accepted.body["status"], "withdrawn");
    assert!(accepted.body["reason"]
        .as_str()
        .is_some_and(|r| r.contains("above the reorder point")));
}

async fn an_edit_below_the_moq_or_off_the_pack_is_refused_unless_overridden_and_the_override_is_audited(app: TestApp) {
    app.seed_network().await;
    terms(&app, "P-1", 10, 6).await;
    plan_with_demand(&app).await;
    let first = the_purchase(&app).await;
    let id = first["id"].as_i64().expect("id");
    let path = format!("/api/v1/proposals/{id}");
    let below = app.patch(&path, &json!({ "quantity": 6 })).await;
    assert_eq!(
        (below.status, below.body["field"].as_str()),
        (400, Some("quantity")),
        "{}",
        below.body
    );
    assert!(
        below.body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("minimum order of 10")),
        "{}",
        below.body
    );
    let off_pack = app.patch(&path, &json!({ "quantity": 13 })).await;
    assert_eq!(
        (off_pack.status, off_pack.body["field"].as_str()),
        (400, Some("quantity")),
        "{}",
        off_pack.body
    );
    assert_eq!(
        proposal(&app, id).await["quantity"],
        first["quantity"],
        "refusals change nothing"
    );
    assert_eq!(
        app.patch(&path, &json!({ "quantity": 18 })).await.status,
        200,
        "whole packs above the MOQ"
    );

    let forced = app.patch(&path, &json!({ "quantity": 4, "override": true })).await;
    assert_eq!(
        (forced.status, forced.body["quantity"].as_i64()),
        (200, Some(4)),
        "{}",
        forced.body
    );
    let audit = app
        .get(&format!("/api/v1/audit?entity_type=proposal&entity_id={id}"))
        .await;
    let actions: Vec<&str> = audit.body["items"]
        .as_array()
        .map(|items| items.iter().filter_map(|e| e["action"].as_str()).collect())
        .unwrap_or_default();
    assert!(actions.contains(&"proposal.edit_override"), "{}", audit.body);
}
