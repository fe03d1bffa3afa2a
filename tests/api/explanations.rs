//! Explanations a buyer can act on: every proposal says in a sentence what set it (the binding
//! constraint) with the inputs behind it; an edit recomputes all of it for the new quantity or
//! supplier, and a preview shows the recomputed figures without changing anything.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::TestApp;
use crate::replenishment::{plan_with_demand, proposals, replenish, terms};
use crate::{on_both_backends, on_both_backends_with};

on_both_backends!(
    a_run_explains_a_purchase_with_its_binding_constraint_inputs_and_a_sentence,
    a_quantity_raised_by_the_suppliers_minimum_order_says_so,
    an_edit_recomputes_the_explanation_for_the_new_quantity_and_the_new_suppliers_lead_time,
    a_preview_shows_the_recomputed_explanation_and_changes_nothing,
    an_urgent_run_after_a_refusal_names_the_refusal_as_what_set_the_proposal,
);

on_both_backends_with!(
    a_tighter_class_target_is_named_as_the_binding_constraint => |s| {
        s.replenishment.stockout_target = 0.5;
        s.replenishment.class_targets.insert("critical".to_owned(), 0.0001);
    },
);

async fn the_purchase(app: &TestApp) -> Value {
    let open = proposals(app, "status=open&kind=purchase&part_number=P-1").await;
    assert_eq!(open.len(), 1, "one open purchase: {open:?}");
    open[0].clone()
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("a number: {v}"))
}

fn money(v: &Value) -> f64 {
    v.as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("a decimal string: {v}"))
}

async fn a_run_explains_a_purchase_with_its_binding_constraint_inputs_and_a_sentence(app: TestApp) {
    app.seed_network().await;
    terms(&app, "P-1", 1, 1).await;
    app.receive("N-01", "P-1", 3).await;
    let run = plan_with_demand(&app).await;
    let p = the_purchase(&app).await;
    let x = &p["explanation"];
    assert_eq!(p["binding"], "network_target", "{p}");
    assert_eq!(x["binding"], p["binding"]);
    assert_eq!(
        (x["on_hand"].as_i64(), x["in_flight"].as_i64()),
        (Some(3), Some(0)),
        "{x}"
    );
    assert_eq!(f(&x["forecast_per_day"]), 2.0);
    assert_eq!(f(&x["forecast_over_lead_time"]), 2.0 * f(&x["lead_time_days"]));
    assert_eq!(f(&x["days_of_cover"]), 1.5, "3 units at 2 a day");
    let quantity = p["quantity"].as_i64().expect("quantity");
    assert_eq!(f(&x["days_of_cover_with"]), (3 + quantity) as f64 / 2.0);
    assert!(f(&x["fill_rate_with"]) > f(&x["fill_rate_without"]), "{x}");
    // Three units last one whole day: the stock-out is projected for the day after the run.
    let run_day: chrono::NaiveDate = run["started_at"].as_str().expect("started_at")[..10]
        .parse()
        .expect("date");
    assert_eq!(
        x["projected_stockout_date"],
        json!((run_day + chrono::Duration::days(1)).to_string()),
        "{x}"
    );
    let sentence = x["sentence"].as_str().expect("sentence");
    for part in [
        format!("Buy {quantity} "),
        "3 on hand".to_owned(),
        "network stock-out target".to_owned(),
    ] {
        assert!(sentence.contains(&part), "{part:?} in {sentence:?}");
    }
}

async fn a_quantity_raised_by_the_suppliers_minimum_order_says_so(app: TestApp) {
    app.seed_network().await;
    terms(&app, "P-1", 200, 1).await;
    plan_with_demand(&app).await;
    let p = the_purchase(&app).await;
    assert!(p["quantity"].as_i64().is_some_and(|q| q >= 200), "{p}");
    assert_eq!(
        (p["binding"].as_str(), p["explanation"]["binding"].as_str()),
        (Some("moq_pack"), Some("moq_pack"))
    );
    let sentence = p["explanation"]["sentence"].as_str().expect("sentence");
    assert!(sentence.contains("minimum order of 200"), "{sentence}");
}

async fn second_supplier(app: &TestApp, lead_days: i64) {
    let reply = app
        .post("/api/v1/suppliers", &json!({ "code": "SUP-2", "name": "Supplier two" }))
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let body = json!({ "lead_time_days": lead_days, "moq": 1, "pack_size": 1, "unit_price": "9.00" });
    let reply = app
        .request(Method::PUT, "/api/v1/suppliers/SUP-2/parts/P-1", Some(&body), None)
        .await;
    assert!(reply.status < 300, "{}", reply.body);
}

async fn an_edit_recomputes_the_explanation_for_the_new_quantity_and_the_new_suppliers_lead_time(app: TestApp) {
    app.seed_network().await;
    terms(&app, "P-1", 1, 1).await;
    second_supplier(&app, 20).await;
    plan_with_demand(&app).await;
    let p = the_purchase(&app).await;
    let id = p["id"].as_i64().expect("id");
    let path = format!("/api/v1/proposals/{id}");

    let edited = app.patch(&path, &json!({ "quantity": 4 })).await;
    assert_eq!(edited.status, 200, "{}", edited.body);
    let x = &edited.body["explanation"];
    assert_eq!(f(&x["days_of_cover_with"]), 2.0, "4 units at 2 a day: {x}");
    assert!(
        f(&x["fill_rate_with"]) < f(&p["explanation"]["fill_rate_with"]),
        "fewer units, a lower fill rate: {x}"
    );
    assert!(x["sentence"].as_str().is_some_and(|s| s.contains("Buy 4 ")), "{x}");

    let moved = app.patch(&path, &json!({ "supplier": "SUP-2" })).await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    assert_eq!(
        (moved.body["supplier"].as_str(), money(&moved.body["unit_price"])),
        (Some("SUP-2"), 9.0)
    );
    assert_eq!(moved.body["explanation"]["arrives_in_days"], 20, "{}", moved.body);
    assert_eq!(moved.body["quantity"], 4, "the edited quantity stays");
    let stored = app.get(&path).await;
    assert_eq!(
        stored.body["explanation"], moved.body["explanation"],
        "stored as answered"
    );
}

async fn a_preview_shows_the_recomputed_explanation_and_changes_nothing(app: TestApp) {
    app.seed_network().await;
    terms(&app, "P-1", 10, 5).await;
    second_supplier(&app, 20).await;
    plan_with_demand(&app).await;
    let before = the_purchase(&app).await;
    let id = before["id"].as_i64().expect("id");
    let preview_path = format!("/api/v1/proposals/{id}/preview");

    let preview = app
        .post(&preview_path, &json!({ "quantity": 3, "supplier": "SUP-2" }))
        .await;
    assert_eq!(preview.status, 200, "{}", preview.body);
    assert_eq!(
        (preview.body["quantity"].as_i64(), preview.body["supplier"].as_str()),
        (Some(3), Some("SUP-2"))
    );
    assert_eq!(money(&preview.body["value"]), 27.0, "{}", preview.body);
    assert_eq!(preview.body["explanation"]["arrives_in_days"], 20);
    assert_eq!(f(&preview.body["explanation"]["days_of_cover_with"]), 1.5);

    let refused = app.post(&preview_path, &json!({ "quantity": 3 })).await;
    assert_eq!(
        (refused.status, refused.body["field"].as_str()),
        (400, Some("quantity")),
        "below SUP-1's minimum order: {}",
        refused.body
    );
    let forced = app
        .post(&preview_path, &json!({ "quantity": 3, "override": true }))
        .await;
    assert_eq!(forced.status, 200, "{}", forced.body);

    let after = app.get(&format!("/api/v1/proposals/{id}")).await.body;
    assert_eq!(after, before, "a preview changes nothing");
}

async fn an_urgent_run_after_a_refusal_names_the_refusal_as_what_set_the_proposal(app: TestApp) {
    app.seed_network().await;
    terms(&app, "P-1", 1, 1).await;
    plan_with_demand(&app).await;
    let settings = spares::replenishment::ReplenishmentSettings::default();
    let mut conn = app.pool.get().expect("conn");
    let urgent = spares::replenishment::planning::UrgentRuns::new(&mut conn).expect("catalog");
    let run = urgent.run(&mut conn, &settings, "P-1").expect("urgent run");
    assert_eq!(run.trigger, "urgent");
    drop(conn);
    let p = the_purchase(&app).await;
    assert_eq!(p["binding"], "urgent_refusal", "{p}");
    assert!(
        p["explanation"]["sentence"]
            .as_str()
            .is_some_and(|s| s.contains("refused reservation")),
        "{p}"
    );
    // The next ordinary run plans the need again on the targets.
    replenish(&app).await;
    assert_eq!(the_purchase(&app).await["binding"], "network_target");
}

async fn a_tighter_class_target_is_named_as_the_binding_constraint(app: TestApp) {
    app.seed_network().await;
    let reply = app
        .request(
            Method::PATCH,
            "/api/v1/parts/P-1",
            Some(&json!({ "criticality": "critical" })),
            None,
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    terms(&app, "P-1", 1, 1).await;
    plan_with_demand(&app).await;
    let p = the_purchase(&app).await;
    assert_eq!(p["binding"], "class_target", "{p}");
    assert!(
        p["explanation"]["sentence"]
            .as_str()
            .is_some_and(|s| s.contains("criticality class")),
        "{p}"
    );
}
