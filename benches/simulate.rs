//! Simulator speed: generates a synthetic daily scenario (20 warehouses x 1,000 parts, two
//! years of history, one evaluated, seasonal, mostly slow movers) into a temporary directory,
//! times a year of daily simulation under `engine` and `engine-no-transfers`, and deletes it:
//! `cargo bench --bench simulate`.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;

use chrono::{Days, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use spares::simulate::{run, Engine, EngineParams};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("spares-synth-20x1000"));
    std::fs::create_dir_all(&dir)?;
    let (n_wh, n_parts, days) = (20usize, 1000usize, 1095u64);
    let start = NaiveDate::from_ymd_opt(2024, 1, 1).ok_or("date")?;
    // Seeded, so every run simulates the same scenario.
    let mut rng = ChaCha8Rng::seed_from_u64(0x9E37_79B9_7F4A_7C15);
    std::fs::write(
        dir.join("scenario.toml"),
        "period = \"day\"\nhistory_start = \"2024-01-01\"\neval_start = \"2025-12-31\"\neval_end = \"2026-12-30\"\n",
    )?;
    let regions = ["north", "east", "south", "west", "central", "northeast"];
    let mut wh = String::from("code,name,region,kind\n");
    for w in 0..n_wh {
        let kind = if w < regions.len() { "regional" } else { "local" };
        writeln!(wh, "W{w:02},warehouse {w},{},{kind}", regions[w % regions.len()])?;
    }
    std::fs::write(dir.join("warehouses.csv"), wh)?;
    let mut parts = String::from("part_number,description,unit_cost,lead_days,moq,pack_size\n");
    let mut rate = vec![0.0; n_parts];
    for (p, r) in rate.iter_mut().enumerate() {
        let cost = (2.0 + 2000.0 * rng.random::<f64>().powi(3)) as i64;
        let lead = 3 + (rng.random::<f64>() * 25.0) as u32;
        let pack = [1, 1, 1, 2, 5, 10][(rng.random::<f64>() * 6.0) as usize];
        writeln!(parts, "P{p:05},part {p},{cost}.00,{lead},1,{pack}")?;
        // Lines per pair-day: mostly slow movers, a few fast ones.
        *r = 0.3 * rng.random::<f64>().powi(4);
    }
    std::fs::write(dir.join("parts.csv"), parts)?;
    let mut demand = String::with_capacity(64 << 20);
    demand.push_str("date,warehouse,part_number,qty\n");
    let mut lines = 0u64;
    for d in 0..days {
        let date = start.checked_add_days(Days::new(d)).ok_or("date")?;
        let season = 1.0 + 0.3 * (d as f64 * std::f64::consts::TAU / 365.0).sin();
        for w in 0..n_wh {
            for (p, r) in rate.iter().enumerate() {
                if rng.random::<f64>() < r * season {
                    let qty = 1 + (-(rng.random::<f64>().max(1e-12)).ln() * 2.0) as u32;
                    writeln!(demand, "{date},W{w:02},P{p:05},{qty}")?;
                    lines += 1;
                }
            }
        }
    }
    std::fs::write(dir.join("demand.csv"), demand)?;
    let t = Instant::now();
    let scenario = spares::simulate::load(&dir)?;
    let load = t.elapsed().as_secs_f64();
    for transfers in [true, false] {
        let t = Instant::now();
        let r = run(
            &scenario,
            &mut Engine::new(EngineParams {
                transfers,
                ..EngineParams::default()
            }),
        );
        println!(
            "{} pairs, {lines} lines: {} stock-out rate {:.3}%, avg inventory {:.0}, {} transfers, run {:.1}s (load {load:.1}s)",
            scenario.n_pairs(),
            r.policy,
            r.overall.stockout_rate * 100.0,
            r.overall.avg_inventory_value,
            r.overall.transfers,
            t.elapsed().as_secs_f64()
        );
    }
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
