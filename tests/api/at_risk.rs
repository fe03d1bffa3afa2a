//! The at-risk list: pairs with a policy at or below their reorder point or projected to run out
//! inside their lead time, including pairs that have no stock row yet, sortable by days of
//! cover or value at risk, paged, within the key's warehouses.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::TestApp;
use crate::in_flight::manual_levels as manual;
use crate::on_both_backends;
use crate::replenishment::{plan_with_demand, terms};

on_both_backends!(
    a_pair_with_a_policy_but_no_stock_row_is_at_risk_with_its_cover_date_and_value,
    pairs_at_risk_sort_by_value_at_risk_or_days_of_cover_a_page_at_a_time,
    a_warehouse_key_sees_only_its_warehouses_pairs_at_risk_and_bad_filters_are_a_400,
);

async fn at_risk(app: &TestApp, query: &str) -> Value {
    let reply = app.get(&format!("/api/v1/at-risk?{query}")).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body
}

fn pairs(page: &Value) -> Vec<(String, String)> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|x| {
            (
                x["warehouse"].as_str().unwrap_or_default().to_owned(),
                x["part_number"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn pair(warehouse: &str, part: &str) -> (String, String) {
    (warehouse.to_owned(), part.to_owned())
}

async fn a_pair_with_a_policy_but_no_stock_row_is_at_risk_with_its_cover_date_and_value(app: TestApp) {
    app.seed_network().await;
    terms(&app, "P-1", 1, 1).await;
    // 2 a day at N-01 with a 6-day lead time; nothing was ever received there.
    plan_with_demand(&app).await;
    let stock = app.get("/api/v1/stock?warehouse=N-01&available_below=1").await;
    assert_eq!(stock.body["items"], json!([]), "the stock list has no row to show");

    let page = at_risk(&app, "warehouse=N-01").await;
    let items = page["items"].as_array().expect("items");
    let x = items
        .iter()
        .find(|x| x["part_number"] == "P-1")
        .unwrap_or_else(|| panic!("N-01/P-1 is at risk: {page}"));
    let today = chrono::Utc::now().date_naive().to_string();
    assert_eq!(
        (&x["has_stock_row"], &x["on_hand"], &x["in_flight"], &x["position"]),
        (&json!(false), &json!(0), &json!(0), &json!(0)),
        "{x}"
    );
    assert_eq!(x["reorder_point"], 14, "{x}");
    assert_eq!(
        (&x["at_or_below_reorder_point"], &x["stockout_inside_lead_time"]),
        (&json!(true), &json!(true))
    );
    assert_eq!(x["days_of_cover"], json!(0.0));
    assert_eq!(x["projected_stockout_date"], json!(today));
    // Short of the reorder point (14) by 14 units at 12.50.
    assert_eq!(
        (&x["units_short"], &x["value_at_risk"]),
        (&json!(14), &json!("175.00")),
        "{x}"
    );

    // Ten units received: above nothing, still below 14 and empty in 5 of the 6 lead-time days.
    app.receive("N-01", "P-1", 10).await;
    let page = at_risk(&app, "warehouse=N-01&part_number=P-1").await;
    let x = &page["items"][0];
    assert_eq!(
        (&x["has_stock_row"], &x["on_hand"]),
        (&json!(true), &json!(10)),
        "{page}"
    );
    assert_eq!(x["days_of_cover"], json!(5.0));
    assert_eq!((&x["units_short"], &x["value_at_risk"]), (&json!(4), &json!("50.00")));
    // Enough for the reorder point and the lead time: off the list.
    app.receive("N-01", "P-1", 10).await;
    assert_eq!(
        at_risk(&app, "warehouse=N-01&part_number=P-1").await["items"],
        json!([])
    );
}

/// N-01/P-1 short 4 without a stock row (50.00), E-RDC/P-3 short 2 (25.00), N-RDC/P-2 at its
/// reorder point (0.00); N-01/P-2 is above its reorder point.
async fn three_manual_pairs_at_risk(app: &TestApp) {
    app.seed_network().await;
    manual(app, "N-01", "P-1", 4, 10).await;
    manual(app, "E-RDC", "P-3", 3, 8).await;
    app.receive("E-RDC", "P-3", 1).await;
    manual(app, "N-RDC", "P-2", 1, 5).await;
    app.receive("N-RDC", "P-2", 1).await;
    manual(app, "N-01", "P-2", 2, 6).await;
    app.receive("N-01", "P-2", 10).await;
}

async fn pairs_at_risk_sort_by_value_at_risk_or_days_of_cover_a_page_at_a_time(app: TestApp) {
    three_manual_pairs_at_risk(&app).await;
    let first = at_risk(&app, "sort=value_at_risk&limit=2").await;
    assert_eq!(
        pairs(&first),
        vec![pair("N-01", "P-1"), pair("E-RDC", "P-3")],
        "{first}"
    );
    assert_eq!(
        first["items"][0]["value_at_risk"], "50.00",
        "money with two decimals: {first}"
    );
    let cursor = first["next_cursor"].as_str().expect("a second page");
    let second = at_risk(&app, &format!("sort=value_at_risk&limit=2&cursor={cursor}")).await;
    assert_eq!(pairs(&second), vec![pair("N-RDC", "P-2")], "{second}");
    assert_eq!(second["items"][0]["value_at_risk"], "0.00");
    assert!(second["next_cursor"].is_null(), "{second}");

    // A pair with forecast demand comes before pairs without (their cover is unknown).
    app.import_demand(crate::replenishment::history("N-RDC", "P-3", 120, 2))
        .await;
    let run = app.post("/api/v1/forecasts/run", &json!({})).await;
    assert_eq!(run.status, 200, "{}", run.body);
    crate::replenishment::replenish(&app).await;
    let by_cover = at_risk(&app, "sort=days_of_cover").await;
    let listed = pairs(&by_cover);
    assert_eq!(listed.first(), Some(&pair("N-RDC", "P-3")), "{by_cover}");
    let covers: Vec<&Value> = by_cover["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|x| &x["days_of_cover"])
        .collect();
    assert!(
        covers[1..].iter().all(|c| c.is_null()),
        "unknown cover last: {covers:?}"
    );
    for expected in [pair("N-01", "P-1"), pair("E-RDC", "P-3"), pair("N-RDC", "P-2")] {
        assert!(listed.contains(&expected), "{expected:?} in {listed:?}");
    }
}

async fn a_warehouse_key_sees_only_its_warehouses_pairs_at_risk_and_bad_filters_are_a_400(app: TestApp) {
    three_manual_pairs_at_risk(&app).await;
    let staff = app.key("n01-staff", "warehouse", Some(&["N-01"])).await;
    let reply = app
        .request_as(Some(&staff), Method::GET, "/api/v1/at-risk", None, None)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(pairs(&reply.body), vec![pair("N-01", "P-1")], "{}", reply.body);

    let repair = app.key("bench", "repair", None).await;
    let reply = app
        .request_as(Some(&repair), Method::GET, "/api/v1/at-risk", None, None)
        .await;
    assert_eq!(reply.status, 403, "{}", reply.body);

    for (query, field) in [
        ("warehouse=NOPE", "warehouse"),
        ("region=nowhere", "region"),
        ("part_number=NOPE", "part_number"),
        ("sort=colour", "sort"),
        ("limit=many", "limit"),
    ] {
        let reply = app.get(&format!("/api/v1/at-risk?{query}")).await;
        assert_eq!(
            (reply.status, reply.body["field"].as_str()),
            (400, Some(field)),
            "{query}: {}",
            reply.body
        );
    }
}
