//! `--forecast-history-days` bounds every read of demand history: the forecasts and the plan
//! built on them see the same days.

use serde_json::{json, Value};
use spares::config::Settings;
use spares::db::Backend;

use crate::helpers::{spawn_app_with, TestApp};
use crate::replenishment::terms;

const HISTORY_DAYS: i64 = 60;

fn window(settings: &mut Settings) {
    settings.forecast.history_days = HISTORY_DAYS;
    settings.replenishment.calibration.history_days = HISTORY_DAYS;
    settings.replenishment.calibration.enabled = false;
}

/// Two units a day in one line over the window; before it, every 7th day, ten units, as one
/// line (`lines_per_old_day` 1) or as ten.
fn demand(lines_per_old_day: i64) -> String {
    let end = chrono::Utc::now().date_naive() - chrono::Duration::days(1);
    let mut csv = String::from("date,warehouse,part_number,qty\n");
    for back in (HISTORY_DAYS + 10..400).rev().step_by(7) {
        let day = end - chrono::Duration::days(back);
        for _ in 0..lines_per_old_day {
            csv.push_str(&format!("{day},N-01,P-1,{}\n", 10 / lines_per_old_day));
        }
    }
    for back in (0..HISTORY_DAYS).rev() {
        let day = end - chrono::Duration::days(back);
        csv.push_str(&format!("{day},N-01,P-1,2\n"));
    }
    csv
}

/// The forecast and policy of (N-01, P-1) after a forecast and a replenishment run.
async fn planned(app: &TestApp, lines_per_old_day: i64) -> (Value, Value) {
    app.seed_network().await;
    terms(app, "P-1", 1, 1).await;
    app.import_demand(demand(lines_per_old_day)).await;
    let forecasts = app.post("/api/v1/forecasts/run", &json!({})).await;
    assert_eq!(forecasts.status, 200, "{}", forecasts.body);
    let run = app.post("/api/v1/replenishment/runs", &json!({})).await;
    assert_eq!(run.status, 200, "{}", run.body);
    let forecast = app.get("/api/v1/forecasts?warehouse=N-01&part_number=P-1").await;
    let policy = app.get("/api/v1/policies?warehouse=N-01&part_number=P-1").await;
    assert_eq!((forecast.status, policy.status), (200, 200));
    let rate = forecast.body["items"][0]["daily_rate"].clone();
    let policy = &policy.body["items"][0];
    (rate, json!([policy["reorder_point"], policy["order_up_to"]]))
}

/// Demand that differs only before the window (the same units in one line or in ten) must
/// give the same forecast and the same policy.
async fn plans_read_only_the_configured_history(backend: Backend) {
    let one_line = spawn_app_with(backend, window).await;
    let ten_lines = spawn_app_with(backend, window).await;
    let (rate_one, policy_one) = planned(&one_line, 1).await;
    let (rate_ten, policy_ten) = planned(&ten_lines, 10).await;
    assert!(rate_one.as_f64().is_some_and(|r| r > 0.0), "{rate_one}");
    assert_eq!(rate_one, rate_ten, "the forecasts read the same window");
    assert_eq!(policy_one, policy_ten, "the plan read demand from before the window");
}

mod plans_read_only_the_configured_history {
    #[actix_web::test]
    async fn sqlite() {
        super::plans_read_only_the_configured_history(spares::db::Backend::Sqlite).await
    }

    #[actix_web::test]
    async fn postgres() {
        super::plans_read_only_the_configured_history(spares::db::Backend::Postgres).await
    }
}
