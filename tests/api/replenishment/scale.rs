//! Runs across instances and networks: the scheduled run happens once under its lease, and every
//! pair of a wide network keeps its policy.

use super::*;
use crate::helpers::assert_one_of_four_instances_runs;
use crate::on_both_backends;

on_both_backends!(
    the_scheduled_run_happens_once_across_instances,
    every_pair_of_a_wide_network_keeps_its_policy,
);

async fn the_scheduled_run_happens_once_across_instances(app: TestApp) {
    app.seed_network().await;
    let settings = spares::replenishment::ReplenishmentSettings::default();
    let every = std::time::Duration::from_secs(24 * 3600);
    assert_one_of_four_instances_runs(|instance| {
        spares::jobs::run_replenishment_if_due(&app.pool, &settings, every, instance)
            .expect("job runs")
            .is_some()
    });
}

/// More pairs per chunk of parts (64) than one write batch (500): 10 warehouses x 60 parts.
async fn every_pair_of_a_wide_network_keeps_its_policy(app: TestApp) {
    let reply = app
        .post("/api/v1/regions", &json!({ "code": "wide", "name": "Wide" }))
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let (warehouses, parts) = (10, 60);
    for w in 0..warehouses {
        let body = json!({ "code": format!("W-{w}"), "name": "w", "region": "wide", "kind": "local" });
        assert_eq!(app.post("/api/v1/warehouses", &body).await.status, 201);
    }
    for p in 0..parts {
        let body = json!({ "part_number": format!("Q-{p}"), "description": "q", "unit_cost": "5.00" });
        assert_eq!(app.post("/api/v1/parts", &body).await.status, 201);
    }
    let end = chrono::Utc::now().date_naive() - chrono::Duration::days(1);
    let mut csv = String::from("date,warehouse,part_number,qty\n");
    for back in (0..60).step_by(3) {
        let day = end - chrono::Duration::days(back);
        for w in 0..warehouses {
            for p in 0..parts {
                csv.push_str(&format!("{day},W-{w},Q-{p},1\n"));
            }
        }
    }
    app.import_demand(csv).await;
    assert_eq!(app.post("/api/v1/forecasts/run", &json!({})).await.status, 200);
    let run = replenish(&app).await;
    assert_eq!(run["pairs"], warehouses * parts, "{run}");
    let mut stored = 0;
    let mut cursor = String::new();
    loop {
        let page = app.get(&format!("/api/v1/policies?limit=500{cursor}")).await;
        assert_eq!(page.status, 200, "{}", page.body);
        stored += page.body["items"].as_array().map_or(0, Vec::len);
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => break,
        }
    }
    assert_eq!(stored, (warehouses * parts) as usize);
}
