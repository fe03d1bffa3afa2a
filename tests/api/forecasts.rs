use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{assert_one_of_four_instances_runs, TestApp};
use crate::on_both_backends;

on_both_backends!(
    a_run_forecasts_each_series_over_its_lead_time,
    a_superseded_parts_demand_counts_toward_its_successor,
    runs_check_their_input_and_scope_and_replay_by_key,
    the_scheduled_run_happens_once_across_instances,
);

const AS_OF: &str = "2025-06-30";

/// `days` of history ending on AS_OF with `qty` units every `every` days at (warehouse, part).
fn history(warehouse: &str, part: &str, days: i64, every: i64, qty: i64) -> String {
    let end = chrono::NaiveDate::from_ymd_opt(2025, 6, 30).expect("date");
    let mut csv = String::from("date,warehouse,part_number,qty\n");
    for back in (0..days).rev() {
        if back % every == 0 {
            let day = end - chrono::Duration::days(back);
            csv.push_str(&format!("{day},{warehouse},{part},{qty}\n"));
        }
    }
    csv
}

async fn forecasts(app: &TestApp, query: &str) -> Vec<Value> {
    let reply = app.get(&format!("/api/v1/forecasts?{query}")).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body["items"].as_array().cloned().expect("items")
}

async fn a_run_forecasts_each_series_over_its_lead_time(app: TestApp) {
    app.seed_network().await;
    let terms = json!({ "lead_time_days": 6, "moq": 1, "pack_size": 1, "unit_price": "10.00" });
    let reply = app
        .request(Method::PUT, "/api/v1/suppliers/SUP-1/parts/P-1", Some(&terms), None)
        .await;
    assert!(reply.status < 300, "{}", reply.body);
    app.import_demand(history("N-RDC", "P-1", 300, 5, 2)).await;
    app.import_demand(history("E-RDC", "P-2", 300, 1, 3)).await;

    let run = app.post("/api/v1/forecasts/run", &json!({ "as_of": AS_OF })).await;
    assert_eq!(run.status, 200, "{}", run.body);
    assert_eq!(run.body["status"], "succeeded");
    assert_eq!(run.body["series"], 2);

    let found = forecasts(&app, "").await;
    assert_eq!(found.len(), 2, "{found:?}");
    let (east, north) = (&found[0], &found[1]);
    assert_eq!(
        (east["part_number"].as_str(), north["part_number"].as_str()),
        (Some("P-2"), Some("P-1"))
    );
    assert_eq!(forecasts(&app, "part_number=P-1&warehouse=N-RDC").await.len(), 1);

    // 2 units every 5th day: 0.4 a day, intermittent (ADI 5, constant sizes).
    assert_eq!(north["demand_class"], "intermittent");
    let rate = north["daily_rate"].as_f64().expect("rate");
    assert!((0.3..=0.5).contains(&rate), "north rate {rate}");
    assert_eq!(
        (north["lead_time_days"].as_i64(), north["review_days"].as_i64()),
        (Some(6), Some(1))
    );
    let mean = north["lead_time_mean"].as_f64().expect("mean");
    assert!((mean - rate * 7.0).abs() < 1e-6, "mean {mean} is the rate over 7 days");
    assert_eq!(
        (north["history_days"].as_i64(), north["demand_days"].as_i64()),
        (Some(300), Some(60))
    );
    let q = &north["lead_time_quantiles"];
    let quantiles: Vec<i64> = ["p50", "p90", "p95", "p99"]
        .iter()
        .map(|p| q[p].as_i64().expect("q"))
        .collect();
    assert!(quantiles.windows(2).all(|w| w[0] <= w[1]), "{quantiles:?}");
    assert!(quantiles[3] as f64 >= mean, "p99 {quantiles:?} above the mean {mean}");

    // 3 units of P-2 every day: smooth, about 3 a day; no supplier terms, so the default lead time.
    assert_eq!(east["demand_class"], "smooth");
    let rate = east["daily_rate"].as_f64().expect("rate");
    assert!((rate - 3.0).abs() < 0.05, "east rate {rate}");
    assert_eq!(east["lead_time_days"], 14);
    let known = [
        "ses",
        "croston",
        "croston_sba",
        "croston_opt",
        "tsb",
        "adida",
        "imapa",
        "seasonal",
    ];
    for f in &found {
        assert!(known.contains(&f["method"].as_str().unwrap_or_default()), "{f}");
    }

    // A second run replaces, never duplicates.
    let again = app.post("/api/v1/forecasts/run", &json!({ "as_of": AS_OF })).await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(forecasts(&app, "").await.len(), 2);
    assert_eq!(forecasts(&app, "demand_class=smooth").await.len(), 1);
}

async fn a_superseded_parts_demand_counts_toward_its_successor(app: TestApp) {
    app.seed_network().await;
    let reply = app.patch("/api/v1/parts/P-2", &json!({ "superseded_by": "P-3" })).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    app.import_demand(history("N-01", "P-2", 100, 2, 1)).await;
    app.import_demand(history("N-01", "P-3", 100, 4, 1)).await;
    let run = app.post("/api/v1/forecasts/run", &json!({ "as_of": AS_OF })).await;
    assert_eq!(run.status, 200, "{}", run.body);
    let found = forecasts(&app, "warehouse=N-01").await;
    assert_eq!(found.len(), 1, "the old part has no forecast of its own: {found:?}");
    assert_eq!(found[0]["part_number"], "P-3");
    // Days 0, 2, 4, ... (P-2) include every day of P-3 (0, 4, 8, ...): 50 demand days, 75 units.
    assert_eq!(found[0]["demand_days"], 50);
    let rate = found[0]["daily_rate"].as_f64().expect("rate");
    assert!((0.55..=0.95).contains(&rate), "rate {rate} near 0.75");
}

async fn runs_check_their_input_and_scope_and_replay_by_key(app: TestApp) {
    app.seed_network().await;
    app.import_demand(history("N-RDC", "P-1", 60, 3, 1)).await;
    let bad = app
        .post("/api/v1/forecasts/run", &json!({ "as_of": "yesterday" }))
        .await;
    assert_eq!(
        (bad.status, bad.body["field"].as_str()),
        (400, Some("as_of")),
        "{}",
        bad.body
    );
    let unknown = app
        .post("/api/v1/forecasts/run", &json!({ "warehouse": "NOWHERE" }))
        .await;
    assert_eq!(
        (unknown.status, unknown.body["field"].as_str()),
        (400, Some("warehouse")),
        "{}",
        unknown.body
    );
    let extra = app
        .post("/api/v1/forecasts/run", &json!({ "wharehouse": "N-RDC" }))
        .await;
    assert_eq!(extra.status, 400, "{}", extra.body);
    assert!(forecasts(&app, "").await.is_empty(), "failed runs stored nothing");

    let scoped = app.key("north-buyer", "procurement", Some(&["N-01"])).await;
    let as_scoped = |body: Value| {
        let (app, scoped) = (&app, scoped.clone());
        async move {
            app.request_as(Some(&scoped), Method::POST, "/api/v1/forecasts/run", Some(&body), None)
                .await
        }
    };
    let elsewhere = as_scoped(json!({ "warehouse": "E-RDC" })).await;
    assert_eq!(elsewhere.status, 403, "{}", elsewhere.body);
    let own = as_scoped(json!({ "warehouse": "N-01", "as_of": AS_OF })).await;
    assert_eq!(own.status, 200, "{}", own.body);
    let everything = as_scoped(json!({})).await;
    assert_eq!(
        (everything.status, everything.body["field"].as_str()),
        (400, Some("warehouse"))
    );

    let body = json!({ "as_of": AS_OF });
    let first = app
        .request(Method::POST, "/api/v1/forecasts/run", Some(&body), None)
        .await;
    let send = || async {
        app.client
            .post(format!("{}/api/v1/forecasts/run", app.address))
            .bearer_auth(&app.admin_key)
            .header("Idempotency-Key", "run-1")
            .json(&body)
            .send()
            .await
            .expect("sent")
    };
    let keyed = send().await;
    assert_eq!(keyed.status().as_u16(), 200);
    let keyed: Value = keyed.json().await.expect("json");
    let retry = send().await;
    assert_eq!(
        retry.headers().get("Idempotent-Replayed").map(|v| v.as_bytes()),
        Some(&b"true"[..])
    );
    let retry: Value = retry.json().await.expect("json");
    assert_eq!(retry["id"], keyed["id"], "a retry returns the first run");
    assert_ne!(keyed["id"], first.body["id"]);
    let audit = app.get("/api/v1/audit?action=forecast.run").await;
    assert_eq!(audit.body["items"].as_array().map(Vec::len), Some(3), "{}", audit.body);
}

async fn the_scheduled_run_happens_once_across_instances(app: TestApp) {
    app.seed_network().await;
    app.import_demand(history("N-RDC", "P-1", 60, 3, 1)).await;
    let settings = spares::demand::forecasts::ForecastSettings::default();
    let every = std::time::Duration::from_secs(24 * 3600);
    assert_one_of_four_instances_runs(|instance| {
        spares::jobs::run_forecasts_if_due(&app.pool, &settings, every, instance)
            .expect("job runs")
            .is_some()
    });
    let later = spares::jobs::run_forecasts_if_due(&app.pool, &settings, every, "instance-9").expect("job runs");
    assert!(later.is_none(), "not due again within the interval");
    let soon = std::time::Duration::from_millis(1);
    std::thread::sleep(std::time::Duration::from_millis(5));
    let due = spares::jobs::run_forecasts_if_due(&app.pool, &settings, soon, "instance-9").expect("job runs");
    assert!(due.is_some(), "due again once the interval has passed");
}
