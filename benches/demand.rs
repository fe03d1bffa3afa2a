//! Bulk import and a full forecast run, on SQLite (default) or PostgreSQL
//! (`DEMAND_BENCH_DATABASE_URL=postgres://...`, a database this bench may fill).
//!
//! 20 warehouses x 5,000 parts = 100,000 (warehouse, part) series. It writes a CSV of
//! `DEMAND_BENCH_ROWS` (default 1,000,000) intermittent repair-history rows spread over those
//! series and two years, imports it with the same code as `spares import demand`, imports it
//! again (every row already there), then forecasts all 100,000 series in one run, and prints
//! rows/s, series/s and the process's peak resident memory.
//!
//! `cargo bench --bench demand`

use std::io::Write;
use std::time::Instant;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use spares::catalog::{parts, regions, warehouses};
use spares::db::{self, DatabaseUrl, PoolSettings};
use spares::demand::forecasts::{self, ForecastRunRequest, ForecastSettings};
use spares::demand::import::{self, Format};

const WAREHOUSES: usize = 20;
const PARTS: usize = 5_000;
const DAYS: i64 = 730;

/// splitmix64: a fixed, dependency-free stream so every run imports the same rows.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

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
    regions::create(
        &mut conn,
        &regions::NewRegion {
            code: "bench".into(),
            name: "Bench".into(),
        },
    )?;
    for w in 0..WAREHOUSES {
        warehouses::create(
            &mut conn,
            &warehouses::NewWarehouse {
                code: format!("W{w:02}"),
                name: format!("warehouse {w}"),
                region: "bench".into(),
                kind: warehouses::WarehouseKind::Local,
                active: None,
            },
        )?;
    }
    db::write_tx(&mut conn, |conn| {
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
    println!(
        "catalog: {WAREHOUSES} warehouses x {PARTS} parts in {:.1} s ({:?})",
        started.elapsed().as_secs_f64(),
        url.backend
    );

    // Every series gets at least one row; the rest land on random series and days.
    let path = dir.path().join("history.csv");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path)?);
    writeln!(file, "date,warehouse,part_number,qty,repair_order")?;
    let first = NaiveDate::from_ymd_opt(2024, 1, 1).ok_or_else(|| anyhow::anyhow!("date"))?;
    let mut rng = Rng(20261126);
    let series = (WAREHOUSES * PARTS) as u64;
    for i in 0..rows {
        let s = if i < series { i } else { rng.below(series) };
        let day = first + chrono::Duration::days(rng.below(DAYS as u64) as i64);
        let qty = 1 + rng.below(4) * rng.below(2);
        writeln!(
            file,
            "{day},W{:02},P{:05},{qty},RO-{i}",
            s as usize / PARTS,
            s as usize % PARTS
        )?;
    }
    file.flush()?;
    drop(file);
    let bytes = std::fs::metadata(&path)?.len();

    for pass in ["first import", "re-import"] {
        let started = Instant::now();
        let reader = std::io::BufReader::with_capacity(1 << 20, std::fs::File::open(&path)?);
        let report = db::write_tx(&mut conn, |conn| import::import(conn, reader, Format::Csv, None))?;
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

    let started = Instant::now();
    let last = first + chrono::Duration::days(DAYS - 1);
    let request = ForecastRunRequest {
        as_of: Some(last),
        ..ForecastRunRequest::default()
    };
    let run = forecasts::run(&mut conn, &ForecastSettings::default(), &request)?;
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
