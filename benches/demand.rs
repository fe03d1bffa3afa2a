//! Bulk import, a full forecast run and a full replenishment run, on SQLite (default) or
//! PostgreSQL (`DEMAND_BENCH_DATABASE_URL=postgres://...`, an empty database this bench may fill).
//!
//! 20 warehouses x 5,000 parts = 100,000 (warehouse, part) series. It writes a CSV of
//! `DEMAND_BENCH_ROWS` (default 1,000,000) intermittent repair-history rows spread over those
//! series and two years, imports it with the same code as `spares import demand`, imports it
//! again (every row already there), then forecasts all 100,000 series in one run, then runs
//! replenishment over the 100,000 pairs twice: a full run that calibrates the internal target by
//! backtesting (plan + propose), and one with calibration off (to isolate its cost). It prints
//! rows/s, series/s, the runs' times and peak resident memory (reset before each run where the
//! kernel allows, so each run's own peak shows).
//!
//! `cargo bench --bench demand`

use std::io::Write;
use std::time::Instant;

use chrono::NaiveDate;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_decimal::Decimal;
use spares::catalog::{parts, regions, suppliers, warehouses};
use spares::db::{self, DatabaseUrl, PoolSettings};
use spares::demand::forecasts::{self, ForecastRunRequest, ForecastSettings};
use spares::demand::import::{self, Format};
use spares::replenishment::{model::RunRequest, planning, ReplenishmentSettings};
use spares::stock::ledger::Actor;

const WAREHOUSES: usize = 20;
const PARTS: usize = 5_000;
const DAYS: i64 = 730;

fn peak_memory_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|kb| kb.parse::<f64>().ok()))
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

/// Resets the peak resident memory (VmHWM) to the current one; false where the kernel refuses.
fn reset_peak_memory() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// One supplier with terms for every part: lead times of 3 to 22 days, some packs.
fn supplier_terms(conn: &mut db::AnyConnection) -> anyhow::Result<()> {
    suppliers::create(
        conn,
        &suppliers::NewSupplier {
            code: "SUP-BENCH".into(),
            name: "Bench supplier".into(),
            active: None,
        },
    )?;
    db::write_tx(conn, |conn| {
        for p in 0..PARTS {
            let input = suppliers::TermsInput {
                lead_time_days: 3 + (p % 20) as i64,
                moq: Some(1 + (p % 3) as i64),
                pack_size: Some(if p % 5 == 0 { 6 } else { 1 }),
                unit_price: Decimal::new(1000, 2),
                preferred: Some(true),
            };
            suppliers::put_terms(conn, "SUP-BENCH", &format!("P{p:05}"), &input)?;
        }
        Ok::<_, spares::error::AppError>(())
    })?;
    Ok(())
}

/// A full replenishment run over every forecast pair; prints its time and peak memory.
fn replenish(conn: &mut db::AnyConnection, calibrate: bool) -> anyhow::Result<()> {
    let mut settings = ReplenishmentSettings::default();
    settings.calibration.enabled = calibrate;
    settings.calibration.recalibrate_days = 0;
    let actor = Actor {
        name: "bench".into(),
        request_id: None,
    };
    let reset = reset_peak_memory();
    let started = Instant::now();
    let run = planning::run(conn, &settings, &RunRequest::default(), "bench", &actor)?;
    let seconds = started.elapsed().as_secs_f64();
    let label = if calibrate { "calibrated" } else { "uncalibrated" };
    println!(
        "replenishment run ({label}): {} pairs in {seconds:.1} s = {:.0} pairs/s; {} purchases, {} transfers; internal target {:.5} (external {}); peak resident memory {} {:.0} MiB",
        run.pairs,
        run.pairs as f64 / seconds,
        run.purchases,
        run.transfers,
        run.internal_target.unwrap_or(f64::NAN),
        settings.stockout_target,
        if reset { "during the run" } else { "so far" },
        peak_memory_mib()
    );
    if let Some(c) = &run.calibration {
        let trials: Vec<String> = c
            .trials
            .iter()
            .map(|t| format!("{:.5}->{:.4}", t.internal_target, t.stockout_rate))
            .collect();
        println!(
            "  calibration: window {:?}..{:?}, {} origins, {} pairs and {} lines replayed, trials [{}], fallback {:?}",
            c.window_from,
            c.window_to,
            c.origins,
            c.pairs_replayed,
            c.lines_replayed,
            trials.join(" "),
            c.fallback
        );
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let rows: u64 = std::env::var("DEMAND_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir()?;
    let url = std::env::var("DEMAND_BENCH_DATABASE_URL")
        .unwrap_or_else(|_| dir.path().join("bench.db").to_string_lossy().into_owned());
    let url = DatabaseUrl::parse(&url)?;
    let pool = db::connect_pool(
        &url,
        PoolSettings {
            max_connections: 2,
            acquire_timeout: std::time::Duration::from_secs(10),
        },
    )?;
    let mut conn = pool.get()?;
    db::run_migrations(&mut conn)?;

    let started = Instant::now();
    seed_catalog(&mut conn)?;
    println!(
        "catalog: {WAREHOUSES} warehouses x {PARTS} parts in {:.1} s ({:?})",
        started.elapsed().as_secs_f64(),
        url.backend
    );
    let path = dir.path().join("history.csv");
    let first = NaiveDate::from_ymd_opt(2024, 1, 1).ok_or_else(|| anyhow::anyhow!("date"))?;
    let bytes = write_history(&path, rows, first)?;
    time_imports(&mut conn, &path, bytes)?;
    time_forecast(&mut conn, first + chrono::Duration::days(DAYS - 1))?;
    replenish(&mut conn, true)?;
    replenish(&mut conn, false)?;
    Ok(())
}

/// The bench's region, warehouses, parts and supplier terms.
fn seed_catalog(conn: &mut db::AnyConnection) -> anyhow::Result<()> {
    regions::create(
        conn,
        &regions::NewRegion {
            code: "bench".into(),
            name: "Bench".into(),
        },
    )?;
    for w in 0..WAREHOUSES {
        warehouses::create(
            conn,
            &warehouses::NewWarehouse {
                code: format!("W{w:02}"),
                name: format!("warehouse {w}"),
                region: "bench".into(),
                kind: warehouses::WarehouseKind::Local,
                active: None,
            },
        )?;
    }
    db::write_tx(conn, |conn| {
        for p in 0..PARTS {
            parts::create(
                conn,
                &parts::NewPart {
                    part_number: format!("P{p:05}"),
                    description: "bench part".into(),
                    unit_of_measure: None,
                    unit_cost: Decimal::new(1250, 2),
                    criticality: None,
                    superseded_by: None,
                    active: None,
                },
            )?;
        }
        Ok::<_, spares::error::AppError>(())
    })?;
    supplier_terms(conn)
}

/// Writes the history CSV and returns its size in bytes. Every series gets at least one row;
/// the rest land on random series and days.
fn write_history(path: &std::path::Path, rows: u64, first: NaiveDate) -> anyhow::Result<u64> {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(file, "date,warehouse,part_number,qty,repair_order")?;
    // Seeded, so every run imports the same rows.
    let mut rng = ChaCha8Rng::seed_from_u64(20261126);
    let series = (WAREHOUSES * PARTS) as u64;
    for i in 0..rows {
        let s = if i < series { i } else { rng.random_range(0..series) };
        let day = first + chrono::Duration::days(rng.random_range(0..DAYS as u64) as i64);
        let qty = 1 + rng.random_range(0..4) * rng.random_range(0..2);
        writeln!(
            file,
            "{day},W{:02},P{:05},{qty},RO-{i}",
            s as usize / PARTS,
            s as usize % PARTS
        )?;
    }
    file.flush()?;
    drop(file);
    Ok(std::fs::metadata(path)?.len())
}

/// Imports the file twice: the second time every row is already there.
fn time_imports(conn: &mut db::AnyConnection, path: &std::path::Path, bytes: u64) -> anyhow::Result<()> {
    for pass in ["first import", "re-import"] {
        let started = Instant::now();
        let reader = std::io::BufReader::with_capacity(1 << 20, std::fs::File::open(path)?);
        let report = db::write_tx(conn, |conn| import::import(conn, reader, Format::Csv, None))?;
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "{pass}: {} rows ({:.0} MiB) in {seconds:.1} s = {:.0} rows/s; imported {}, already there {}",
            report.rows_read,
            bytes as f64 / 1048576.0,
            report.rows_read as f64 / seconds,
            report.rows_imported,
            report.rows_already_imported
        );
    }
    Ok(())
}

/// One forecast run over every series, with history up to `last`.
fn time_forecast(conn: &mut db::AnyConnection, last: NaiveDate) -> anyhow::Result<()> {
    let started = Instant::now();
    let request = ForecastRunRequest {
        as_of: Some(last),
        ..ForecastRunRequest::default()
    };
    let run = forecasts::run(conn, &ForecastSettings::default(), &request)?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "forecast run: {} series x {DAYS} days in {seconds:.1} s = {:.0} series/s (methods won: {:?})",
        run.series,
        run.series as f64 / seconds,
        run.methods
    );
    println!("peak resident memory: {:.0} MiB", peak_memory_mib());
    Ok(())
}
