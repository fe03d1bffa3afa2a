//! Urgent replenishment runs: a refused reservation only records its short lines; the job
//! runs one urgent run per part, once across instances, and stamps what it covered.

use diesel::prelude::*;
use serde_json::json;

use crate::helpers::TestApp;
use crate::on_both_backends;
use crate::replenishment::{plan_with_demand, terms};

on_both_backends!(refusals_queue_one_urgent_run_per_part_once_across_instances);

fn urgent_runs(app: &TestApp) -> Vec<String> {
    use spares::schema::replenishment_runs as runs;
    let mut conn = app.pool.get().expect("conn");
    runs::table
        .filter(runs::trigger_kind.eq("urgent"))
        .select(runs::scope)
        .order(runs::id)
        .load(&mut conn)
        .expect("runs")
}

fn unhandled_refusals(app: &TestApp) -> i64 {
    use spares::schema::reservation_refusals as r;
    let mut conn = app.pool.get().expect("conn");
    r::table
        .filter(r::urgent_handled_at.is_null())
        .count()
        .get_result(&mut conn)
        .expect("count")
}

/// Runs the urgent job from `instances` threads at once; returns the parts each one ran.
fn race(app: &TestApp, instances: usize) -> Vec<usize> {
    let settings = spares::replenishment::ReplenishmentSettings::default();
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..instances)
            .map(|i| {
                let (pool, settings) = (app.pool.clone(), settings.clone());
                s.spawn(move || {
                    spares::jobs::run_urgent_replenishment(&pool, &settings, &format!("instance-{i}"))
                        .expect("job runs")
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("thread")).collect()
    })
}

async fn refusals_queue_one_urgent_run_per_part_once_across_instances(app: TestApp) {
    app.seed_network().await;
    terms(&app, "P-1", 1, 1).await;
    plan_with_demand(&app).await;
    let open_before = app.get("/api/v1/proposals?status=open&kind=purchase").await.body["items"]
        .as_array()
        .map(Vec::len);

    let reserve = |ro: &str, part: &str| json!({ "repair_order": ro, "warehouse": "N-01", "lines": [{ "part_number": part, "quantity": 5 }] });
    for (ro, part) in [("RO-1", "P-1"), ("RO-2", "P-1"), ("RO-3", "P-2")] {
        let reply = app.post("/api/v1/reservations", &reserve(ro, part)).await;
        assert_eq!(reply.status, 409, "{}", reply.body);
    }
    assert!(
        urgent_runs(&app).is_empty(),
        "the refused requests ran nothing themselves"
    );
    assert_eq!(unhandled_refusals(&app), 3);

    let ran = race(&app, 3);
    assert_eq!(ran.iter().sum::<usize>(), 2, "one run per part, once: {ran:?}");
    let scopes = urgent_runs(&app);
    assert_eq!(scopes.len(), 2, "{scopes:?}");
    assert!(
        scopes[0].contains("P-1") && scopes[1].contains("P-2"),
        "oldest refusal first: {scopes:?}"
    );
    assert_eq!(unhandled_refusals(&app), 0);
    assert_eq!(race(&app, 2), vec![0, 0], "nothing left to run");

    // The urgent run re-proposed P-1 on the stored levels, superseding the open proposal.
    let open_after = app.get("/api/v1/proposals?status=open&kind=purchase").await.body["items"]
        .as_array()
        .map(Vec::len);
    assert_eq!(open_after, open_before);

    // A later refusal queues a new run; the KPI still counts every refusal.
    assert_eq!(
        app.post("/api/v1/reservations", &reserve("RO-4", "P-1")).await.status,
        409
    );
    assert_eq!(race(&app, 1), vec![1]);
    assert_eq!(urgent_runs(&app).len(), 3);
    let kpis = app.get("/api/v1/kpis?warehouse=N-01").await.body;
    // (The imported history is served demand; the four refusals are the lines not served.)
    let short = kpis["demand_lines"]
        .as_i64()
        .zip(kpis["lines_filled"].as_i64())
        .map(|(d, f)| d - f);
    assert_eq!(short, Some(4), "{kpis}");
}
