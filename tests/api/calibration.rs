//! Calibration of the internal target by backtesting: a network whose demand shifted up in the
//! replayed window gets a tighter internal target (and higher levels than the raw target
//! gives); a stable Poisson network stays close to the configured target.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};
use spares::replenishment::{model::RunRequest, planning, ReplenishmentSettings};
use spares::stock::ledger::Actor;
use spares_core::replenishment::bound;

use crate::helpers::TestApp;
use crate::on_both_backends;

on_both_backends!(
    demand_that_shifted_up_in_the_window_tightens_the_internal_target_and_raises_the_levels,
    stable_poisson_demand_keeps_the_internal_target_close_to_the_configured_one,
);

const WAREHOUSES: [&str; 3] = ["N-RDC", "N-01", "E-RDC"];
const PARTS: usize = 8;
const DAYS: i64 = 270;

/// Knuth's Poisson sampler (small means).
fn poisson(rng: &mut impl Rng, mean: f64) -> u32 {
    let limit = (-mean).exp();
    let (mut k, mut p) = (0, rng.random::<f64>());
    while p > limit {
        k += 1;
        p *= rng.random::<f64>();
    }
    k
}

/// `DAYS` of history ending yesterday: on day t each pair gets Poisson(`lines_per_day(t)`)
/// repair lines of one unit.
fn history(lines_per_day: impl Fn(i64) -> f64) -> String {
    let end = chrono::Utc::now().date_naive() - chrono::Duration::days(1);
    // Seeded, so every run imports the same history; the assertions hold for other seeds too.
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut csv = String::from("date,warehouse,part_number,qty,repair_order\n");
    let mut order = 0;
    for t in 0..DAYS {
        let day = end - chrono::Duration::days(DAYS - 1 - t);
        for w in WAREHOUSES {
            for p in 1..=PARTS {
                for _ in 0..poisson(&mut rng, lines_per_day(t)) {
                    order += 1;
                    csv.push_str(&format!("{day},{w},P-{p},1,RO-{order}\n"));
                }
            }
        }
    }
    csv
}

/// The test network with parts P-1..P-8 (6-day lead time), the history imported and forecast.
async fn network_with(app: &TestApp, csv: String) {
    app.seed_network().await;
    for p in 4..=PARTS {
        let body = json!({ "part_number": format!("P-{p}"), "description": "part", "unit_cost": "12.50" });
        let reply = app.post("/api/v1/parts", &body).await;
        assert_eq!(reply.status, 201, "{}", reply.body);
    }
    for p in 1..=PARTS {
        let body = json!({ "lead_time_days": 6, "moq": 1, "pack_size": 1, "unit_price": "10.00" });
        let reply = app
            .request(
                reqwest::Method::PUT,
                &format!("/api/v1/suppliers/SUP-1/parts/P-{p}"),
                Some(&body),
                None,
            )
            .await;
        assert!(reply.status < 300, "{}", reply.body);
    }
    app.import_demand(csv).await;
    let run = app.post("/api/v1/forecasts/run", &json!({})).await;
    assert_eq!(run.status, 200, "{}", run.body);
}

async fn calibrated_run(app: &TestApp) -> Value {
    let run = app.post("/api/v1/replenishment/runs", &json!({})).await;
    assert_eq!(run.status, 200, "{}", run.body);
    assert_eq!(run.body["status"], "succeeded", "{}", run.body);
    let calibration = &run.body["calibration"];
    assert!(calibration["fallback"].is_null(), "{calibration}");
    let yesterday = chrono::Utc::now().date_naive() - chrono::Duration::days(1);
    assert_eq!(calibration["window_to"], yesterday.to_string(), "{calibration}");
    assert_eq!(calibration["pairs_replayed"], (WAREHOUSES.len() * PARTS) as i64);
    assert!(calibration["lines_replayed"].as_i64() > Some(1_000), "{calibration}");
    assert!(!calibration["trials"].as_array().expect("trials").is_empty());
    run.body
}

/// Sum of S over all policies.
async fn total_order_up_to(app: &TestApp) -> i64 {
    let reply = app.get("/api/v1/policies?limit=500").await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let items = reply.body["items"].as_array().cloned().expect("items");
    assert_eq!(items.len(), WAREHOUSES.len() * PARTS);
    items.iter().filter_map(|p| p["order_up_to"].as_i64()).sum()
}

/// A run with calibration off, straight through the library (a setting, not a request field).
fn uncalibrated_run(app: &TestApp) {
    let mut settings = ReplenishmentSettings::default();
    settings.calibration.enabled = false;
    let actor = Actor {
        name: "test".into(),
        request_id: None,
    };
    let mut conn = app.pool.get().expect("connection");
    let run = planning::run(&mut conn, &settings, &RunRequest::default(), "manual", &actor).expect("run");
    assert!(run.calibration.is_none());
    assert_eq!(run.internal_target, Some(0.01));
}

async fn demand_that_shifted_up_in_the_window_tightens_the_internal_target_and_raises_the_levels(app: TestApp) {
    // Five times the demand from 70 days before the end: inside the 90-day window, after the
    // first origin's models were made. (Three times was within the noise of 24 pairs: over
    // seeds 1-4 and 7 of the generator the internal target landed between 0.0053 and 0.0092;
    // five times gave 0.0008-0.0034 over seeds 1-4, the stable network 0.01 on each.)
    network_with(&app, history(|t| if t < DAYS - 70 { 0.4 } else { 2.0 })).await;
    let run = calibrated_run(&app).await;
    let calibration = &run["calibration"];
    let internal = calibration["internal_target"].as_f64().expect("internal");
    assert!(internal < 0.0085, "tighter than 0.85 x the 1 % target: {calibration}");
    let planned = run["internal_target"].as_f64().expect("the run's internal target");
    assert!((planned - internal).abs() < 1e-12, "{planned} vs {internal}");
    let trials = calibration["trials"].as_array().expect("trials");
    let loosest = trials
        .iter()
        .max_by(|a, b| {
            a["internal_target"]
                .as_f64()
                .partial_cmp(&b["internal_target"].as_f64())
                .expect("rates")
        })
        .expect("a trial");
    assert!(
        loosest["stockout_rate"].as_f64() > Some(0.0085),
        "levels at the loosest internal target tried replay too many stock-outs: {calibration}"
    );
    let calibrated = total_order_up_to(&app).await;

    uncalibrated_run(&app);
    let raw = total_order_up_to(&app).await;
    assert!(calibrated > raw, "calibrated S total {calibrated} vs raw {raw}");

    // Within the recalibration interval the next run reuses the calibration.
    let again = app.post("/api/v1/replenishment/runs", &json!({})).await;
    assert_eq!(again.body["calibration"]["id"], calibration["id"], "{}", again.body);
}

async fn stable_poisson_demand_keeps_the_internal_target_close_to_the_configured_one(app: TestApp) {
    network_with(&app, history(|_| 1.0)).await;
    let run = calibrated_run(&app).await;
    let calibration = &run["calibration"];
    let internal = calibration["internal_target"].as_f64().expect("internal");
    // The model is, if anything, cautious on Poisson demand: the raw target replays well under
    // it, so the calibration keeps it (never looser than the configured one).
    assert!((0.005..=0.01).contains(&internal), "{calibration}");
    // The replay had to land under the Wilson bound's goal for the lines it saw, not 0.85 x.
    let lines = calibration["lines_replayed"].as_u64().expect("lines");
    let goal = bound::allowed_rate(0.01, lines, bound::z_of(bound::CONFIDENCE));
    let margin = calibration["margin"].as_f64().expect("margin");
    assert!(
        (margin * 0.01 - goal).abs() < 1e-12,
        "{margin} vs goal {goal}: {calibration}"
    );
    assert!(goal > 0.0 && goal < 0.01);
    assert_eq!(calibration["at_limit"], false, "{calibration}");

    let stored = app.get(&format!("/api/v1/replenishment/runs/{}", run["id"])).await;
    assert_eq!(stored.status, 200, "{}", stored.body);
    assert_eq!(stored.body["calibration"], *calibration);
    assert_eq!(stored.body["internal_target"], run["internal_target"]);
    assert_eq!(app.get("/api/v1/replenishment/runs/999").await.status, 404);
}
