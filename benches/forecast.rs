//! Throughput of the forecasting engine on synthetic daily spare-parts demand, and the same
//! series through statsforecast (per-series `forecast(h=1)` loop) when it is installed.
//! Ours goes through `point_forecasts` (all series in one call; it works through them in
//! batches), timed end to end: series per second includes the whole call. Each side's rate is
//! the fastest of three measurements (see [`REPEATS`]).
//!
//! `cargo bench --bench forecast`; `FORECAST_BENCH_SERIES` (default 20000) sets the number of
//! 730-day series; `STATSFORECAST_PYTHON` names a python with statsforecast (else `python3`).

use std::fmt::Write as _;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use spares::forecast::select::select_ws;
use spares::forecast::{point_forecasts, Method, Params, Workspace};

const LENGTH: usize = 730;
const LEAD_TIME: usize = 7;

/// Geometric number of failures before a success with probability `p` (>= 0).
fn geometric(rng: &mut impl Rng, p: f64) -> f64 {
    ((1.0 - rng.random::<f64>()).ln() / (1.0 - p).ln()).floor()
}

fn generate(n: usize) -> Vec<Vec<f64>> {
    let mut rng = ChaCha8Rng::seed_from_u64(0x5EED_2024);
    (0..n)
        .map(|i| {
            let kind = i % 10;
            (0..LENGTH)
                .map(|t| {
                    let summer = 1.0 + 0.6 * (2.0 * std::f64::consts::PI * (t as f64 - 100.0) / 365.0).sin();
                    match kind {
                        // intermittent: ~1 demand in 5 days, small sizes
                        0..=4 => {
                            if rng.random::<f64>() < 0.2 {
                                1.0 + geometric(&mut rng, 0.5)
                            } else {
                                0.0
                            }
                        }
                        // lumpy: rare, large and variable
                        5..=7 => {
                            if rng.random::<f64>() < 0.05 {
                                1.0 + geometric(&mut rng, 0.1)
                            } else {
                                0.0
                            }
                        }
                        // smooth, seasonal (air-conditioner parts)
                        _ => {
                            if rng.random::<f64>() < 0.9 {
                                (3.0 * summer + geometric(&mut rng, 0.4)).round()
                            } else {
                                0.0
                            }
                        }
                    }
                })
                .collect()
        })
        .collect()
}

fn write_series(path: &Path, series: &[Vec<f64>]) -> std::io::Result<()> {
    let mut s = String::with_capacity(series.len() * LENGTH * 12);
    s.push_str("series_id,period,demand\n");
    for (i, x) in series.iter().enumerate() {
        for (t, v) in x.iter().enumerate() {
            let _ = writeln!(s, "s{i},{t},{v}");
        }
    }
    std::fs::write(path, s)
}

#[derive(Clone, Copy, PartialEq)]
enum Job {
    Point(Method),
    Auto,
}

impl Job {
    fn name(self) -> &'static str {
        match self {
            Job::Point(m) => m.name(),
            Job::Auto => "auto",
        }
    }

    /// Forecasts every series (the methods through the batch API `point_forecasts`, the
    /// selection series by series) and returns a checksum.
    fn run(self, series: &[Vec<f64>], params: &Params, ws: &mut Workspace) -> f64 {
        match self {
            Job::Point(m) => {
                let mut out = Vec::with_capacity(series.len());
                point_forecasts(m, black_box(series), params, ws, &mut out);
                out.iter().sum()
            }
            Job::Auto => series
                .iter()
                .map(|x| select_ws(black_box(x), LEAD_TIME, params, ws).error.unwrap_or(0.0))
                .sum(),
        }
    }
}

/// Our passes over the whole set are repeated until this much time has passed, and the rate is
/// the series forecast over the whole time: a pass of the fast methods takes ~10 ms, short
/// enough for one time slice given to another process on this shared machine to halve it.
const MIN_SECONDS: f64 = 0.5;

/// Measurements per method on each side (ours and statsforecast's, see
/// `bench/statsforecast_bench.py`), taken in rounds over all methods, of which the fastest
/// counts: this shared machine's speed
/// drifts by a third within minutes, and a measurement can only be slowed down by it, so the
/// fastest of a few is the steadiest estimate of what the code itself does. Both sides get the
/// same treatment.
const REPEATS: usize = 3;

/// Series per second of repeated runs of `pass` (which forecasts `per_pass` series) over at
/// least [`MIN_SECONDS`].
fn rate(per_pass: usize, mut pass: impl FnMut()) -> f64 {
    let start = Instant::now();
    let mut done = 0usize;
    loop {
        pass();
        done += per_pass;
        let elapsed = start.elapsed().as_secs_f64();
        if elapsed >= MIN_SECONDS {
            return done as f64 / elapsed;
        }
    }
}

fn rate_single(job: Job, series: &[Vec<f64>], params: &Params) -> f64 {
    let mut ws = Workspace::new();
    rate(series.len(), || {
        black_box(job.run(series, params, &mut ws));
    })
}

fn rate_parallel(job: Job, series: &[Vec<f64>], params: &Params, threads: usize) -> f64 {
    let chunk = series.len().div_ceil(threads).max(1);
    rate(series.len(), || {
        std::thread::scope(|s| {
            for part in series.chunks(chunk) {
                s.spawn(move || black_box(job.run(part, params, &mut Workspace::new())));
            }
        });
    })
}

fn find_python() -> Option<String> {
    let candidates = [std::env::var("STATSFORECAST_PYTHON").ok(), Some("python3".to_string())];
    candidates.into_iter().flatten().find(|py| {
        Command::new(py)
            .args(["-c", "import statsforecast"])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    })
}

fn script_path() -> PathBuf {
    let me = Path::new(file!());
    let me = if me.is_absolute() {
        me.to_path_buf()
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).join(me)
    };
    me.parent()
        .and_then(Path::parent)
        .map(|root| root.join("bench/statsforecast_bench.py"))
        .unwrap_or_default()
}

/// Parses the flat `{"a": 1.0, ...}` objects printed by the python script.
fn json_numbers(json: &str, key: &str) -> Vec<(String, f64)> {
    let Some(start) = json.find(&format!("\"{key}\": {{")) else {
        return Vec::new();
    };
    let body = &json[start + key.len() + 5..];
    let body = &body[..body.find('}').unwrap_or(body.len())];
    body.split(',')
        .filter_map(|kv| {
            let (k, v) = kv.split_once(':')?;
            Some((k.trim().trim_matches('"').to_string(), v.trim().parse().ok()?))
        })
        .collect()
}

fn main() {
    let n: usize = std::env::var("FORECAST_BENCH_SERIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let threads = std::thread::available_parallelism().map(|t| t.get()).unwrap_or(1);
    let target = PathBuf::from(std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into()));
    let _ = std::fs::create_dir_all(&target);
    let series_csv = target.join("forecast-bench-series.csv");
    let ours_csv = target.join("forecast-bench-ours.csv");
    let series = generate(n);
    if let Err(e) = write_series(&series_csv, &series) {
        eprintln!("cannot write {}: {e}", series_csv.display());
        return;
    }
    let params = Params::default();
    write_our_forecasts(&ours_csv, &series, &params);
    let ours_rates = measure(&series, &params, threads);
    let (theirs, mismatches) = statsforecast(&series_csv, &ours_csv);
    println!("\nforecast bench: {n} series x {LENGTH} days, {threads} threads, lead time {LEAD_TIME} for auto");
    println!(
        "{:<12} {:>14} {:>16} {:>18} {:>12} {:>11}",
        "method", "ours 1 core/s", "ours all cores/s", "statsforecast/s", "ratio/core", "mismatches"
    );
    for (name, single, multi) in ours_rates {
        let t = theirs.iter().find(|(k, _)| k == name).map(|(_, v)| *v);
        let mis = mismatches.iter().find(|(k, _)| k == name).map(|(_, v)| format!("{v}"));
        println!(
            "{:<12} {:>14.0} {:>16.0} {:>18} {:>12} {:>11}",
            name,
            single,
            multi,
            t.map(|v| format!("{v:.0}")).unwrap_or_else(|| "-".into()),
            t.map(|v| format!("{:.1}x", single / v)).unwrap_or_else(|| "-".into()),
            mis.unwrap_or_else(|| "-".into())
        );
    }
}

/// Our forecasts, from the measured path, for the python side to compare with statsforecast's.
fn write_our_forecasts(path: &Path, series: &[Vec<f64>], params: &Params) {
    let mut ours = String::from("series_id,method,forecast\n");
    let mut ws = Workspace::new();
    for m in Method::ALL.iter().filter(|m| **m != Method::Seasonal) {
        let mut out = Vec::with_capacity(series.len());
        point_forecasts(*m, series, params, &mut ws, &mut out);
        for (i, f) in out.iter().enumerate() {
            let _ = writeln!(ours, "s{i},{},{f}", m.name());
        }
    }
    let _ = std::fs::write(path, ours);
}

/// The best series/s of each method over [`REPEATS`], on one core and on all.
fn measure(series: &[Vec<f64>], params: &Params, threads: usize) -> Vec<(&'static str, f64, f64)> {
    let jobs: Vec<Job> = [
        Method::Croston,
        Method::CrostonSba,
        Method::CrostonOpt,
        Method::Tsb,
        Method::Adida,
        Method::Imapa,
        Method::Ses,
        Method::Seasonal,
    ]
    .into_iter()
    .map(Job::Point)
    .chain([Job::Auto])
    .collect();
    // Round-robin over the methods, so that each method's measurements are spread over the
    // whole run rather than all falling into one slow minute.
    let mut ours_rates: Vec<(&str, f64, f64)> = jobs.iter().map(|job| (job.name(), 0.0, 0.0)).collect();
    for _ in 0..REPEATS {
        for (&job, best) in jobs.iter().zip(&mut ours_rates) {
            // Auto runs every candidate at 8 origins: a fifth of the series keeps it short.
            let set = if job == Job::Auto {
                &series[..(series.len() / 5).max(1)]
            } else {
                series
            };
            black_box(job.run(&set[..set.len().min(200)], params, &mut Workspace::new()));
            best.1 = best.1.max(rate_single(job, set, params));
            best.2 = best.2.max(rate_parallel(job, set, params, threads));
        }
    }
    ours_rates
}

/// Figures per method name.
type Figures = Vec<(String, f64)>;

/// statsforecast's series/s per method and the mismatches of our forecasts against its own,
/// from bench/statsforecast_bench.py; empty when its Python is not there.
fn statsforecast(series_csv: &Path, ours_csv: &Path) -> (Figures, Figures) {
    let Some(py) = find_python() else {
        println!("statsforecast not importable (set STATSFORECAST_PYTHON): comparison skipped");
        return (Vec::new(), Vec::new());
    };
    let out = Command::new(&py)
        .arg(script_path())
        .arg(format!("--repeats={REPEATS}"))
        .arg(series_csv)
        .arg(ours_csv)
        .output();
    match out {
        Ok(o) if o.status.success() => {
            let text = String::from_utf8_lossy(&o.stdout);
            (json_numbers(&text, "per_second"), json_numbers(&text, "mismatches"))
        }
        Ok(o) => {
            println!("statsforecast bench failed: {}", String::from_utf8_lossy(&o.stderr));
            (Vec::new(), Vec::new())
        }
        Err(e) => {
            println!("cannot run {py}: {e}");
            (Vec::new(), Vec::new())
        }
    }
}
