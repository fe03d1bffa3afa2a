//! The demo network: seeded, forecast and planned once so there is something to try at once.

use crate::config::Settings;
use crate::{db, demo, stock};

/// Seeds the demo network into an empty database and plans it; `true` when it was seeded.
pub fn seed_and_plan(conn: &mut db::AnyConnection, settings: &Settings) -> anyhow::Result<bool> {
    let outcome = demo::seed(conn)?;
    let fresh = matches!(outcome, demo::SeedOutcome::Seeded { .. });
    report_seed(outcome);
    if fresh {
        plan_demo(conn, settings)?;
    }
    Ok(fresh)
}

/// Forecasts the freshly seeded demo history and runs replenishment once, so forecasts and
/// proposals are there to try at once (the schedule would run them in parallel, in any order).
fn plan_demo(conn: &mut db::AnyConnection, settings: &Settings) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let forecasts = crate::demand::forecasts::run(conn, &settings.forecast, &Default::default())?;
    let actor = stock::ledger::Actor {
        name: "demo-seed".into(),
        request_id: None,
    };
    let request = crate::replenishment::model::RunRequest::default();
    let run = crate::replenishment::planning::run(conn, &settings.replenishment, &request, "demo", &actor)?;
    println!(
        "demo: forecast {} series, proposed {} purchases and {} transfers in {:.1} s",
        forecasts.series,
        run.purchases,
        run.transfers,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn report_seed(outcome: demo::SeedOutcome) {
    match outcome {
        demo::SeedOutcome::Seeded {
            warehouses,
            parts,
            movements,
        } => {
            println!("demo network loaded: {warehouses} warehouses, {parts} parts, {movements} movements")
        }
        demo::SeedOutcome::AlreadyPopulated => println!("the database already holds data; demo not loaded"),
    }
}
