//! Command line: `serve` (default), `migrate`, `seed-demo`, `verify`, `openapi`.

use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::audit::{self, Change, RequestInfo};
use crate::auth::{keys, Principal, Role};
use crate::config::Settings;
use crate::db::{self, DatabaseUrl};
use crate::demand::forecasts::ForecastSettings;
use crate::telemetry::{self, LogFormat};
use crate::{demo, startup, stock};

#[derive(Debug, Parser)]
#[command(name = "spares", version, about = "Spare-parts inventory and replenishment service")]
pub struct Cli {
    /// SQLite file path (or sqlite://path) or postgres:// URL.
    #[arg(long, env = "DATABASE_URL", default_value = "./data/spares.db", global = true)]
    database_url: String,
    /// Connection pool size (default 8 on SQLite, 16 on PostgreSQL).
    #[arg(long, env = "SPARES_POOL_SIZE", global = true)]
    pool_size: Option<u32>,
    #[arg(long, env = "SPARES_LOG_FORMAT", value_enum, default_value = "text", global = true)]
    log_format: LogFormat,
    /// Key file sealing stored secrets: lines `ID BASE64KEY`, the last one active.
    #[arg(long, env = "SPARES_SECRET_KEY_FILE", global = true)]
    secret_key_file: Option<std::path::PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the HTTP service (the default).
    Serve(ServeArgs),
    /// Run pending database migrations and exit.
    Migrate,
    /// Load the demo network (six regions, 18 warehouses, 300 parts) into an empty database.
    SeedDemo,
    /// Recompute every balance from the ledger and check the audit chains; exit 1 on any
    /// mismatch or tampering.
    Verify,
    /// Print the OpenAPI document (YAML).
    Openapi,
    /// Forecast series from a CSV file (`series_id,period,demand`), no database involved;
    /// prints CSV `series_id,method,forecast` (plus `class,selected` with `--method auto`).
    Forecast(ForecastArgs),
    /// Replay a scenario's demand day by day under a replenishment policy and report stock-outs,
    /// inventory and moves (see docs/SIMULATION.md).
    Simulate(SimulateArgs),
    /// Import data from files.
    Import {
        #[command(subcommand)]
        what: ImportCommand,
    },
    /// Manage API keys; this is how the first admin key is made.
    Keys {
        #[command(subcommand)]
        action: KeysCommand,
    },
    /// Keys that encrypt the secrets stored in the database.
    Secrets {
        #[command(subcommand)]
        action: SecretsCommand,
    },
}

#[derive(Debug, Subcommand)]
enum SecretsCommand {
    /// Print a new key line `ID BASE64KEY`; appended to the key file it becomes the active key.
    GenerateKey {
        /// The key's id (default `key-` and the UTC time).
        #[arg(long)]
        id: Option<String>,
    },
    /// Re-encrypt every stored secret under the key file's active (last) key.
    Rotate,
}

#[derive(Debug, Subcommand)]
enum ImportCommand {
    /// Past repair history: CSV `date,warehouse,part_number,qty[,repair_order,product_model,fault_code]`
    /// (or JSON lines with --format json-lines). All rows or none; re-importing adds nothing.
    Demand {
        file: std::path::PathBuf,
        #[arg(long, value_enum, default_value = "csv")]
        format: ImportFormat,
    },
}

#[derive(Debug, Args)]
struct ForecastArgs {
    /// The series: CSV with `series_id,period,demand`, each series' rows together and in order.
    #[arg(long)]
    input: std::path::PathBuf,
    /// `ses`, `croston`, `croston_sba`, `croston_opt`, `tsb`, `adida`, `imapa`, `seasonal`,
    /// `all` (one row per method) or `auto` (the method that wins on the series' own history).
    #[arg(long, default_value = "auto")]
    method: String,
    /// Periods ahead (also the lead time the automatic selection evaluates over).
    #[arg(long, default_value_t = 1)]
    horizon: usize,
    /// SES smoothing constant.
    #[arg(long, default_value_t = 0.1)]
    alpha: f64,
    /// TSB smoothing constant of the demand sizes.
    #[arg(long, default_value_t = 0.1)]
    alpha_d: f64,
    /// TSB smoothing constant of the demand probability.
    #[arg(long, default_value_t = 0.1)]
    alpha_p: f64,
    /// Periods per year for `seasonal` (365 daily, 52 weekly, 12 monthly).
    #[arg(long, default_value_t = 12)]
    season_length: usize,
}

#[derive(Debug, Args)]
struct SimulateArgs {
    /// Scenario directory: warehouses.csv, parts.csv, demand.csv, scenario.toml (lanes.csv and
    /// stock.csv optional).
    #[arg(long)]
    scenario: std::path::PathBuf,
    /// `engine`, `engine-no-transfers` or `minmax`.
    #[arg(long, default_value = "engine")]
    policy: String,
    /// Service target as a fill rate of demand lines (default: the scenario's
    /// `target_fill_rate`); minmax raises its safety days until it reaches it.
    #[arg(long)]
    target: Option<f64>,
    /// Write the full report as JSON here.
    #[arg(long)]
    out: Option<std::path::PathBuf>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum ImportFormat {
    Csv,
    JsonLines,
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Create a key and print its secret (shown only this once).
    Create {
        #[arg(long)]
        name: String,
        #[arg(long, value_enum)]
        role: Role,
        /// Limit the key to a warehouse (repeatable).
        #[arg(long = "warehouse")]
        warehouses: Vec<String>,
        /// Expire the key after this many days.
        #[arg(long)]
        expires_in_days: Option<i64>,
    },
    /// List keys (never their secrets).
    List,
    /// Revoke a key, effective at once.
    Revoke { id: i64 },
}

#[derive(Debug, Args, Default)]
struct ServeArgs {
    #[arg(long, env = "SPARES_BIND", default_value = "127.0.0.1:8080")]
    bind: String,
    /// Load the demo network first (when the database is empty).
    #[arg(long)]
    demo: bool,
    #[arg(long, env = "SPARES_RESERVATION_TTL_MINUTES", default_value_t = 72 * 60)]
    reservation_ttl_minutes: i64,
    #[arg(long, env = "SPARES_EXPIRY_INTERVAL_SECS", default_value_t = 30)]
    expiry_interval_secs: u64,
    #[arg(long, env = "SPARES_WORKERS")]
    workers: Option<usize>,
    #[arg(long, env = "SPARES_REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    request_timeout_secs: u64,
    /// Allow browser calls from this origin (repeatable; comma-separated in the variable).
    #[arg(long = "cors-origin", env = "SPARES_CORS_ORIGINS", value_delimiter = ',')]
    cors_origins: Vec<String>,
    /// Serve /metrics without a key (set false to require an admin key).
    #[arg(long, env = "SPARES_METRICS_PUBLIC", default_value_t = true, action = clap::ArgAction::Set)]
    metrics_public: bool,
    /// Hours between scheduled forecast runs (0 turns them off).
    #[arg(long, env = "SPARES_FORECAST_INTERVAL_HOURS", default_value_t = 24)]
    forecast_interval_hours: u64,
    /// Days of demand history each forecast is built from.
    #[arg(long, env = "SPARES_FORECAST_HISTORY_DAYS", default_value_t = 730)]
    forecast_history_days: i64,
    /// Days between replenishment reviews, added to lead times.
    #[arg(long, env = "SPARES_REVIEW_DAYS", default_value_t = 1)]
    review_days: i64,
    /// Hours between scheduled replenishment runs (0 turns them off).
    #[arg(long, env = "SPARES_REPLENISHMENT_INTERVAL_HOURS", default_value_t = 24)]
    replenishment_interval_hours: u64,
    /// Network target: the share of demand lines that may find no stock.
    #[arg(long, env = "SPARES_STOCKOUT_TARGET", default_value_t = 0.01)]
    stockout_target: f64,
    /// A tighter target for one region, `REGION=RATE` (repeatable).
    #[arg(long = "region-target", env = "SPARES_REGION_TARGETS", value_delimiter = ',')]
    region_targets: Vec<String>,
    /// A tighter target for one criticality class, `CLASS=RATE` (repeatable).
    #[arg(long = "class-target", env = "SPARES_CLASS_TARGETS", value_delimiter = ',')]
    class_targets: Vec<String>,
    /// Minimum fill rate of critical parts at every warehouse.
    #[arg(long, env = "SPARES_CRITICAL_FILL_FLOOR", default_value_t = 0.995)]
    critical_fill_floor: f64,
    /// Calibrate the internal target by backtesting on the network's own history.
    #[arg(long, env = "SPARES_CALIBRATE", default_value_t = true, action = clap::ArgAction::Set)]
    calibrate: bool,
    /// A full run calibrates again when the last calibration is this many days old (0: every run).
    #[arg(long, env = "SPARES_RECALIBRATE_DAYS", default_value_t = 7)]
    recalibrate_days: i64,
    /// Days of recent demand the calibration replays.
    #[arg(long, env = "SPARES_BACKTEST_DAYS", default_value_t = 91)]
    backtest_days: i64,
    /// Days between the backtest's model origins (forecasts re-estimated as demand arrives).
    #[arg(long, env = "SPARES_BACKTEST_REFRESH_DAYS", default_value_t = 28)]
    backtest_refresh_days: i64,
    /// The replayed stock-out rate must reach this share of the target.
    #[arg(long, env = "SPARES_CALIBRATION_MARGIN", default_value_t = 0.85)]
    calibration_margin: f64,
    /// Approve purchase proposals worth less than this at once.
    #[arg(long, env = "SPARES_AUTO_APPROVE_BELOW")]
    auto_approve_below: Option<rust_decimal::Decimal>,
    /// Approve transfer proposals inside one region at once.
    #[arg(long, env = "SPARES_AUTO_APPROVE_REGIONAL_TRANSFERS", default_value_t = false, action = clap::ArgAction::Set)]
    auto_approve_regional_transfers: bool,
    /// Over-delivery a new purchase order accepts per line, in percent (0: none).
    #[arg(long, env = "SPARES_OVER_RECEIPT_PCT", default_value_t = rust_decimal::Decimal::ZERO)]
    over_receipt_pct: rust_decimal::Decimal,
    /// Seconds between webhook delivery passes (0 turns delivery off).
    #[arg(long, env = "SPARES_WEBHOOK_INTERVAL_SECS", default_value_t = 5)]
    webhook_interval_secs: u64,
    /// Seconds between passes over refused reservations that run urgent replenishment (0
    /// turns urgent runs off).
    #[arg(long, env = "SPARES_URGENT_INTERVAL_SECS", default_value_t = 5)]
    urgent_interval_secs: u64,
}

fn targets(flag: &str, pairs: &[String]) -> anyhow::Result<std::collections::BTreeMap<String, f64>> {
    let mut out = std::collections::BTreeMap::new();
    for pair in pairs.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
        let (name, rate) = pair
            .split_once('=')
            .ok_or_else(|| anyhow::anyhow!("--{flag} takes NAME=RATE, got {pair}"))?;
        let rate: f64 = rate
            .parse()
            .map_err(|_| anyhow::anyhow!("--{flag}: {rate} is not a number"))?;
        if !(0.0..1.0).contains(&rate) {
            anyhow::bail!("--{flag}: the rate must be in [0, 1)");
        }
        out.insert(name.to_owned(), rate);
    }
    Ok(out)
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init(cli.log_format);
    match run(cli) {
        Ok(code) => code,
        Err(error) => {
            tracing::error!("{error:#}");
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn settings(cli: &Cli, serve: &ServeArgs) -> anyhow::Result<Settings> {
    if serve.reservation_ttl_minutes < 1 {
        anyhow::bail!("--reservation-ttl-minutes must be at least 1");
    }
    if !(28..=3660).contains(&serve.forecast_history_days) {
        anyhow::bail!("--forecast-history-days must be between 28 and 3660");
    }
    if !(0..=90).contains(&serve.review_days) {
        anyhow::bail!("--review-days must be between 0 and 90");
    }
    if !(0.0..1.0).contains(&serve.stockout_target) || !(0.0..=1.0).contains(&serve.critical_fill_floor) {
        anyhow::bail!("--stockout-target must be in [0, 1) and --critical-fill-floor in [0, 1]");
    }
    if serve.recalibrate_days < 0 || !(2..=3660).contains(&serve.backtest_days) {
        anyhow::bail!("--recalibrate-days must be at least 0 and --backtest-days between 2 and 3660");
    }
    let margin_ok = serve.calibration_margin > 0.0 && serve.calibration_margin <= 1.0;
    if !((1..=365).contains(&serve.backtest_refresh_days) && margin_ok) {
        anyhow::bail!("--backtest-refresh-days must be between 1 and 365 and --calibration-margin in (0, 1]");
    }
    Ok(Settings {
        database: DatabaseUrl::parse(&cli.database_url)?,
        bind: serve.bind.clone(),
        pool_size: cli.pool_size,
        reservation_ttl: chrono::Duration::minutes(serve.reservation_ttl_minutes),
        expiry_interval: Duration::from_secs(serve.expiry_interval_secs.max(1)),
        workers: serve.workers,
        request_timeout: Duration::from_secs(serve.request_timeout_secs.max(1)),
        cors_origins: serve
            .cors_origins
            .iter()
            .map(|o| o.trim().to_owned())
            .filter(|o| !o.is_empty())
            .collect(),
        metrics_public: serve.metrics_public,
        forecast: ForecastSettings {
            history_days: serve.forecast_history_days,
            review_days: serve.review_days,
            ..ForecastSettings::default()
        },
        forecast_interval: (serve.forecast_interval_hours > 0)
            .then(|| Duration::from_secs(serve.forecast_interval_hours * 3600)),
        replenishment: crate::replenishment::ReplenishmentSettings {
            stockout_target: serve.stockout_target,
            region_targets: targets("region-target", &serve.region_targets)?,
            class_targets: targets("class-target", &serve.class_targets)?,
            critical_floor: serve.critical_fill_floor,
            auto_approve_below: serve.auto_approve_below,
            auto_approve_regional_transfers: serve.auto_approve_regional_transfers,
            over_receipt_pct: serve.over_receipt_pct,
            review_days: serve.review_days,
            calibration: crate::replenishment::CalibrationSettings {
                enabled: serve.calibrate,
                recalibrate_days: serve.recalibrate_days,
                backtest_days: serve.backtest_days,
                refresh_days: serve.backtest_refresh_days,
                margin: serve.calibration_margin,
                history_days: serve.forecast_history_days,
            },
            ..Default::default()
        },
        replenishment_interval: (serve.replenishment_interval_hours > 0)
            .then(|| Duration::from_secs(serve.replenishment_interval_hours * 3600)),
        webhook_interval: (serve.webhook_interval_secs > 0).then(|| Duration::from_secs(serve.webhook_interval_secs)),
        urgent_interval: (serve.urgent_interval_secs > 0).then(|| Duration::from_secs(serve.urgent_interval_secs)),
        security: crate::config::SecuritySettings {
            secret_keys: match &cli.secret_key_file {
                Some(path) => Some(std::sync::Arc::new(crate::secrets::KeyRing::load(path)?)),
                None => None,
            },
        },
    })
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let command = cli.command.as_ref();
    let default_serve = ServeArgs {
        bind: "127.0.0.1:8080".into(),
        reservation_ttl_minutes: 72 * 60,
        expiry_interval_secs: 30,
        request_timeout_secs: 30,
        metrics_public: true,
        forecast_interval_hours: 24,
        forecast_history_days: 730,
        review_days: 1,
        replenishment_interval_hours: 24,
        stockout_target: 0.01,
        critical_fill_floor: 0.995,
        calibrate: true,
        recalibrate_days: 7,
        backtest_days: 91,
        backtest_refresh_days: 28,
        calibration_margin: 0.85,
        webhook_interval_secs: 5,
        urgent_interval_secs: 5,
        ..ServeArgs::default()
    };
    match command {
        None | Some(Command::Serve(_)) => {
            let serve = match command {
                Some(Command::Serve(args)) => args,
                _ => &default_serve,
            };
            let settings = settings(&cli, serve)?;
            tracing::info!(database = %settings.database.redacted(), "starting");
            let pool = startup::prepare_database(&settings)?;
            if serve.demo {
                let mut conn = pool.get()?;
                let outcome = demo::seed(&mut conn)?;
                let fresh = matches!(outcome, demo::SeedOutcome::Seeded { .. });
                report_seed(outcome);
                if fresh {
                    plan_demo(&mut conn, &settings)?;
                    let created = create_key(&mut conn, "demo-admin", Role::Admin, Vec::new(), None)?;
                    println!("demo admin key (shown once): {}", created.secret);
                    println!(
                        "try: curl -H 'Authorization: Bearer {}' http://{}/api/v1/warehouses",
                        created.secret, serve.bind
                    );
                }
            }
            actix_web::rt::System::new().block_on(async move {
                let app = startup::build(&settings, pool)?;
                tracing::info!(bind = %settings.bind, port = app.port, "listening");
                app.server.await?;
                Ok::<_, anyhow::Error>(())
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Migrate) => {
            let settings = settings(&cli, &default_serve)?;
            startup::prepare_database(&settings)?;
            println!("migrations are up to date");
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::SeedDemo) => {
            let settings = settings(&cli, &default_serve)?;
            let pool = startup::prepare_database(&settings)?;
            let mut conn = pool.get()?;
            let outcome = demo::seed(&mut conn)?;
            let fresh = matches!(outcome, demo::SeedOutcome::Seeded { .. });
            report_seed(outcome);
            if fresh {
                plan_demo(&mut conn, &settings)?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Verify) => {
            let settings = settings(&cli, &default_serve)?;
            let pool = startup::prepare_database(&settings)?;
            let mut conn = pool.get()?;
            let (report, trail) = db::write_tx(&mut conn, |conn| {
                Ok::<_, crate::error::AppError>((stock::verify::verify(conn)?, audit::verify::verify(conn)?))
            })?;
            let mut json = serde_json::to_value(&report)?;
            json["audit"] = serde_json::to_value(&trail)?;
            println!("{}", serde_json::to_string_pretty(&json)?);
            if let Some(first) = trail.findings.first() {
                eprintln!(
                    "TAMPERED: {} finding(s) in the audit trail; first: {}",
                    trail.findings.len(),
                    first.detail
                );
            }
            if report.mismatches.is_empty() && trail.findings.is_empty() {
                eprintln!(
                    "ok: {} balances agree with {} movements; {} audit entries chain intact",
                    report.pairs_checked, report.movements, trail.entries_checked
                );
                Ok(ExitCode::SUCCESS)
            } else {
                if !report.mismatches.is_empty() {
                    eprintln!("MISMATCH: {} balances differ from the ledger", report.mismatches.len());
                }
                Ok(ExitCode::FAILURE)
            }
        }
        Some(Command::Import { what }) => {
            let settings = settings(&cli, &default_serve)?;
            let pool = startup::prepare_database(&settings)?;
            let mut conn = pool.get()?;
            match what {
                ImportCommand::Demand { file, format } => import_demand(&mut conn, file, *format)?,
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Keys { action }) => {
            let settings = settings(&cli, &default_serve)?;
            let pool = startup::prepare_database(&settings)?;
            let mut conn = pool.get()?;
            run_keys(&mut conn, action)?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Secrets { action }) => {
            run_secrets(&cli, &default_serve, action)?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Simulate(args)) => {
            let policy = args.policy.parse()?;
            let report = crate::simulate::simulate(&args.scenario, policy, args.target)?;
            print!("{report}");
            if let Some(out) = &args.out {
                crate::simulate::write_json(&report, out)?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Forecast(args)) => {
            forecast_file(args)?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Openapi) => {
            print!("{}", crate::api::openapi::yaml()?);
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn run_secrets(cli: &Cli, serve: &ServeArgs, action: &SecretsCommand) -> anyhow::Result<()> {
    match action {
        SecretsCommand::GenerateKey { id } => {
            let id = id
                .clone()
                .unwrap_or_else(|| format!("key-{}", chrono::Utc::now().format("%Y%m%dT%H%M%SZ")));
            println!(
                "{}",
                crate::secrets::KeyRing::generate_line(&id).map_err(anyhow::Error::msg)?
            );
        }
        SecretsCommand::Rotate => {
            let settings = settings(cli, serve)?;
            let Some(keys) = settings.security.secret_keys.clone() else {
                anyhow::bail!("rotate needs {}", crate::secrets::KEY_FILE_SETTING);
            };
            // Starting already seals plain values; rotate re-seals the rest.
            let pool = startup::prepare_database(&settings)?;
            let resealed = crate::secrets::store::rotate(&mut *pool.get()?, &keys)?;
            println!("{resealed} secret(s) re-encrypted under key {}", keys.active_id());
        }
    }
    Ok(())
}

/// Creates a key from the command line, audited as the CLI's own work.
fn create_key(
    conn: &mut db::AnyConnection,
    name: &str,
    role: Role,
    warehouses: Vec<String>,
    expires_in_days: Option<i64>,
) -> anyhow::Result<keys::CreatedKey> {
    if expires_in_days.is_some_and(|d| d < 1) {
        anyhow::bail!("--expires-in-days must be at least 1");
    }
    let input = keys::NewKey {
        name: name.to_owned(),
        role,
        warehouses: (!warehouses.is_empty()).then_some(warehouses),
        expires_at: expires_in_days.map(|d| chrono::Utc::now() + chrono::Duration::days(d)),
    };
    let created = db::write_tx(conn, |conn| {
        let created = keys::create(conn, &input, "cli")?;
        let change = Change {
            action: "key.create",
            entity_type: "api_key",
            entity_id: created.key.id.to_string(),
            before: None,
            after: serde_json::to_value(&created.key).ok(),
        };
        audit::record(conn, &Principal::system("cli"), &cli_request("keys create"), &change)?;
        Ok::<_, crate::error::AppError>(created)
    })?;
    Ok(created)
}

fn import_demand(conn: &mut db::AnyConnection, path: &std::path::Path, format: ImportFormat) -> anyhow::Result<()> {
    use crate::demand::import::{self, Format};
    let file = std::fs::File::open(path).map_err(|e| anyhow::anyhow!("cannot open {}: {e}", path.display()))?;
    let size = file.metadata()?.len();
    let bar = indicatif::ProgressBar::new(size).with_style(
        indicatif::ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let reader = bar.wrap_read(std::io::BufReader::with_capacity(1 << 20, file));
    let format = match format {
        ImportFormat::Csv => Format::Csv,
        ImportFormat::JsonLines => Format::JsonLines,
    };
    let started = std::time::Instant::now();
    let outcome = db::write_tx(conn, |conn| {
        let report = import::import(conn, reader, format, None)?;
        let change = Change {
            action: "demand.import",
            entity_type: "demand_history",
            entity_id: path.display().to_string(),
            before: None,
            after: serde_json::to_value(&report).ok(),
        };
        audit::record(conn, &Principal::system("cli"), &cli_request("import demand"), &change)?;
        Ok::<_, crate::error::AppError>(report)
    });
    bar.finish_and_clear();
    match outcome {
        Ok(report) => {
            println!("{}", serde_json::to_string_pretty(&report)?);
            eprintln!("imported in {:.1} s", started.elapsed().as_secs_f64());
            Ok(())
        }
        Err(crate::error::AppError::ImportRejected { total, errors }) => {
            for e in &errors {
                eprintln!("line {}: {}: {}", e.line, e.field, e.message);
            }
            anyhow::bail!("{total} invalid row(s); nothing was imported")
        }
        Err(other) => Err(other.into()),
    }
}

fn forecast_file(args: &ForecastArgs) -> anyhow::Result<()> {
    use crate::forecast::batch::{self, BatchOptions};
    let method = args.method.parse().map_err(|e| anyhow::anyhow!("--method: {e}"))?;
    for (name, alpha) in [
        ("--alpha", args.alpha),
        ("--alpha-d", args.alpha_d),
        ("--alpha-p", args.alpha_p),
    ] {
        if !(alpha > 0.0 && alpha <= 1.0) {
            anyhow::bail!("{name} must be in (0, 1]");
        }
    }
    if args.horizon == 0 || args.season_length < 2 {
        anyhow::bail!("--horizon must be at least 1 and --season-length at least 2");
    }
    let options = BatchOptions {
        method,
        horizon: args.horizon,
        params: crate::forecast::Params {
            ses_alpha: args.alpha,
            tsb_alpha_d: args.alpha_d,
            tsb_alpha_p: args.alpha_p,
            season_length: args.season_length,
        },
    };
    let input =
        std::fs::File::open(&args.input).map_err(|e| anyhow::anyhow!("cannot open {}: {e}", args.input.display()))?;
    let stdout = std::io::stdout().lock();
    let summary = batch::run_csv(
        std::io::BufReader::new(input),
        std::io::BufWriter::new(stdout),
        &options,
    )?;
    eprintln!(
        "{} series, {} rows in, {} rows out",
        summary.series, summary.input_rows, summary.output_rows
    );
    Ok(())
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

fn cli_request(what: &str) -> RequestInfo {
    RequestInfo {
        method: "CLI".into(),
        route: format!("spares {what}"),
        request_id: None,
        idempotency_key: None,
    }
}

fn run_keys(conn: &mut db::AnyConnection, action: &KeysCommand) -> anyhow::Result<()> {
    match action {
        KeysCommand::Create {
            name,
            role,
            warehouses,
            expires_in_days,
        } => {
            let created = create_key(conn, name, *role, warehouses.clone(), *expires_in_days)?;
            eprintln!(
                "created key {} ({}, role {}); the secret below is shown only this once",
                created.key.id,
                created.key.name,
                created.key.role.as_str()
            );
            println!("{}", created.secret);
        }
        KeysCommand::List => {
            println!("{}", serde_json::to_string_pretty(&keys::list(conn)?)?);
        }
        KeysCommand::Revoke { id } => {
            let revoked = db::write_tx(conn, |conn| {
                let before = serde_json::to_value(keys::get(conn, *id)?).ok();
                let after = keys::revoke(conn, *id)?;
                let change = Change {
                    action: "key.revoke",
                    entity_type: "api_key",
                    entity_id: id.to_string(),
                    before,
                    after: serde_json::to_value(&after).ok(),
                };
                audit::record(conn, &Principal::system("cli"), &cli_request("keys revoke"), &change)?;
                Ok::<_, crate::error::AppError>(after)
            })?;
            println!("revoked key {} ({})", revoked.id, revoked.name);
        }
    }
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
