//! The command line: `spares forecast` (no database) and `spares import demand`.

use std::process::{Command, Output};

use crate::helpers::TestApp;
use crate::on_both_backends;

on_both_backends!(import_demand_from_a_file_is_all_or_nothing_and_idempotent);

fn spares(args: &[&str], database_url: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_spares"));
    command.args(args);
    if let Some(url) = database_url {
        command.env("DATABASE_URL", url);
    }
    command.output().expect("spares runs")
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("file written");
    path.to_string_lossy().into_owned()
}

#[test]
fn forecast_prints_every_method_and_the_automatic_choice() {
    let a = [0.0, 0.0, 3.0, 0.0, 1.0, 0.0, 0.0, 4.0, 0.0, 2.0, 0.0, 0.0];
    let b = [5.0, 6.0, 4.0, 7.0, 5.0, 6.0, 5.0, 4.0, 6.0, 5.0];
    let mut csv = String::from("series_id,period,demand\n");
    for (id, series) in [("A", &a[..]), ("B", &b[..])] {
        for (i, y) in series.iter().enumerate() {
            csv.push_str(&format!("{id},2024-{:02},{y}\n", i + 1));
        }
    }
    let dir = tempfile::tempdir().expect("dir");
    let input = write(&dir, "series.csv", &csv);

    let all = spares(&["forecast", "--input", &input, "--method", "all"], None);
    assert!(all.status.success(), "{}", String::from_utf8_lossy(&all.stderr));
    let text = String::from_utf8_lossy(&all.stdout);
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("series_id,method,forecast"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 16, "8 methods x 2 series: {text}");
    let croston_a: f64 = rows
        .iter()
        .find(|r| r[0] == "A" && r[1] == "croston")
        .and_then(|r| r[2].parse().ok())
        .expect("croston row for A");
    let expected = spares::forecast::croston::croston_classic(&a);
    assert!((croston_a - expected).abs() < 1e-12, "{croston_a} vs {expected}");

    let auto = spares(
        &["forecast", "--input", &input, "--method", "auto", "--horizon", "2"],
        None,
    );
    assert!(auto.status.success());
    let text = String::from_utf8_lossy(&auto.stdout);
    assert!(text.starts_with("series_id,method,forecast,class,selected\n"), "{text}");
    assert!(
        text.contains("\nA,") && text.contains(",intermittent,") && text.contains(",smooth,"),
        "{text}"
    );

    let tsb = spares(
        &[
            "forecast",
            "--input",
            &input,
            "--method",
            "tsb",
            "--alpha-d",
            "0.2",
            "--alpha-p",
            "0.05",
        ],
        None,
    );
    let text = String::from_utf8_lossy(&tsb.stdout);
    let tsb_a: f64 = text
        .lines()
        .find(|l| l.starts_with("A,"))
        .and_then(|l| l.rsplit(',').next())
        .and_then(|v| v.parse().ok())
        .expect("tsb row");
    assert!((tsb_a - spares::forecast::tsb::tsb(&a, 0.2, 0.05)).abs() < 1e-12);

    let bad = write(&dir, "bad.csv", "series_id,period,demand\nA,1,2\nA,2,-1\n");
    let refused = spares(&["forecast", "--input", &bad], None);
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(message.contains("line 3") && message.contains("demand"), "{message}");
    let unknown = spares(&["forecast", "--input", &input, "--method", "magic"], None);
    assert!(!unknown.status.success());
}

async fn import_demand_from_a_file_is_all_or_nothing_and_idempotent(app: TestApp) {
    app.seed_network().await;
    let dir = tempfile::tempdir().expect("dir");
    let bad = write(
        &dir,
        "bad.csv",
        "date,warehouse,part_number,qty\n2025-01-02,N-RDC,P-1,2\n2025-02-30,N-RDC,P-1,1\n",
    );
    let refused = spares(&["import", "demand", &bad], Some(&app.database_url));
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(message.contains("line 3: date"), "{message}");

    let good = write(
        &dir,
        "good.csv",
        "date,warehouse,part_number,qty,repair_order\n2025-01-02,N-RDC,P-1,2,RO-1\n2025-01-03,N-01,P-2,1,RO-2\n",
    );
    let first = spares(&["import", "demand", &good], Some(&app.database_url));
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let report: serde_json::Value = serde_json::from_slice(&first.stdout).expect("json report");
    assert_eq!(report["rows_imported"], 2);
    let again = spares(&["import", "demand", &good], Some(&app.database_url));
    let report: serde_json::Value = serde_json::from_slice(&again.stdout).expect("json report");
    assert_eq!(
        (
            report["rows_imported"].as_u64(),
            report["rows_already_imported"].as_u64()
        ),
        (Some(0), Some(2))
    );
    let series = app
        .get("/api/v1/demand-history?warehouse=N-RDC&part_number=P-1&from=2025-01-01&to=2025-01-03")
        .await;
    assert_eq!(series.body["daily"], serde_json::json!([0, 2, 0]));
}

/// `spares` alone is what README's `cargo run --release` runs: it must read the serve settings
/// from the environment exactly as `spares serve` does.
#[actix_web::test]
async fn spares_without_a_subcommand_serves_with_the_settings_from_the_environment() {
    let dir = tempfile::tempdir().expect("dir");
    let mut command = Command::new(env!("CARGO_BIN_EXE_spares"));
    command
        .env("DATABASE_URL", dir.path().join("spares.db"))
        .env("SPARES_BIND", "127.0.0.1:0")
        .env("SPARES_METRICS_PUBLIC", "false");
    let client = reqwest::Client::new();
    let service = crate::process::spawn(command, &client).await;
    assert!(
        !service.address.ends_with(":8080"),
        "SPARES_BIND was ignored: {}",
        service.address
    );
    let metrics = client
        .get(format!("{}/metrics", service.address))
        .send()
        .await
        .expect("metrics answered");
    assert_eq!(
        metrics.status().as_u16(),
        401,
        "SPARES_METRICS_PUBLIC=false was ignored"
    );
}

/// The commands that open the database or plan take the same settings as the service, so a
/// value out of range in the environment is refused by name instead of silently replaced.
#[test]
fn commands_that_use_the_database_read_the_serve_settings_from_the_environment() {
    let dir = tempfile::tempdir().expect("dir");
    let url = dir.path().join("spares.db").to_string_lossy().into_owned();
    for args in [&["keys", "list"][..], &["migrate"], &["seed-demo"]] {
        let output = Command::new(env!("CARGO_BIN_EXE_spares"))
            .args(args)
            .env("DATABASE_URL", &url)
            .env("SPARES_FORECAST_HISTORY_DAYS", "5")
            .output()
            .expect("spares runs");
        let message = String::from_utf8_lossy(&output.stderr);
        assert!(
            !output.status.success(),
            "spares {args:?} ignored the setting: {message}"
        );
        assert!(
            message.contains("--forecast-history-days must be between 28 and 3660"),
            "spares {args:?}: {message}"
        );
    }
    let listed = spares(&["keys", "list"], Some(&url));
    assert!(listed.status.success(), "{}", String::from_utf8_lossy(&listed.stderr));
}

/// Serve flags belong either before any subcommand (`spares --bind ...`) or after `serve`;
/// anywhere else they would be read by nothing.
#[test]
fn serve_flags_before_another_subcommand_are_refused() {
    let output = spares(&["--bind", "127.0.0.1:0", "keys", "list"], None);
    assert!(!output.status.success());
}
