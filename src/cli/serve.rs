//! The serve settings, their one definition: `spares`, `spares serve` and every command that
//! opens the database or plans read them from the same flags and environment variables.

use std::collections::BTreeMap;
use std::time::Duration;

use clap::Args;

use super::{demo, Cli};
use crate::auth::Role;
use crate::config::Settings;
use crate::db::DatabaseUrl;
use crate::demand::forecasts::ForecastSettings;
use crate::replenishment::{CalibrationSettings, ReplenishmentSettings};
use crate::startup;

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[arg(long, env = "SPARES_BIND", default_value = "127.0.0.1:8080")]
    bind: String,
    /// A read replica (postgres:// URL, or a SQLite file) for reports and KPIs only: audit,
    /// movement lists, demand history, KPIs, at-risk. Same backend as --database-url.
    #[arg(long, env = "SPARES_READ_DATABASE_URL")]
    read_database_url: Option<String>,
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
    /// Days of demand history each forecast (and each plan) is built from.
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
    /// One-sided confidence that the calibrated levels' true stock-out rate is under the target
    /// (the replayed rate must be below the target by z sqrt(T (1 - T) / lines replayed)).
    #[arg(long, env = "SPARES_CALIBRATION_CONFIDENCE", default_value_t = spares_core::replenishment::bound::CONFIDENCE)]
    calibration_confidence: f64,
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
    /// Serve HTTPS with this PEM certificate chain (leaf first); reloaded on SIGHUP.
    #[arg(long, env = "SPARES_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<std::path::PathBuf>,
    /// The PEM private key of `--tls-cert`; reloaded on SIGHUP.
    #[arg(long, env = "SPARES_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<std::path::PathBuf>,
    /// Failed authentications a client address may make per minute before 429 (0: no limit).
    #[arg(long, env = "SPARES_AUTH_FAILURES_PER_MINUTE", default_value_t = 10)]
    auth_failures_per_minute: u32,
    /// Requests an API key may make per second before 429 (0: no limit).
    #[arg(long, env = "SPARES_KEY_REQUESTS_PER_SECOND", default_value_t = 0)]
    key_requests_per_second: u32,
    /// Minutes a web console session may go unused before it ends.
    #[arg(long, env = "SPARES_CONSOLE_IDLE_MINUTES", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=10080))]
    console_idle_minutes: u64,
}

fn targets(flag: &str, pairs: &[String]) -> anyhow::Result<BTreeMap<String, f64>> {
    let mut out = BTreeMap::new();
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

/// A period of `seconds`, or `None` for 0 (turned off).
fn every(seconds: u64) -> Option<Duration> {
    (seconds > 0).then(|| Duration::from_secs(seconds))
}

impl ServeArgs {
    fn check(&self) -> anyhow::Result<()> {
        if self.reservation_ttl_minutes < 1 {
            anyhow::bail!("--reservation-ttl-minutes must be at least 1");
        }
        if !(28..=3660).contains(&self.forecast_history_days) {
            anyhow::bail!("--forecast-history-days must be between 28 and 3660");
        }
        if !(0..=90).contains(&self.review_days) {
            anyhow::bail!("--review-days must be between 0 and 90");
        }
        if !(0.0..1.0).contains(&self.stockout_target) || !(0.0..=1.0).contains(&self.critical_fill_floor) {
            anyhow::bail!("--stockout-target must be in [0, 1) and --critical-fill-floor in [0, 1]");
        }
        if self.recalibrate_days < 0 || !(2..=3660).contains(&self.backtest_days) {
            anyhow::bail!("--recalibrate-days must be at least 0 and --backtest-days between 2 and 3660");
        }
        let confidence_ok = self.calibration_confidence >= 0.5 && self.calibration_confidence < 1.0;
        if !((1..=365).contains(&self.backtest_refresh_days) && confidence_ok) {
            anyhow::bail!("--backtest-refresh-days must be between 1 and 365 and --calibration-confidence in [0.5, 1)");
        }
        Ok(())
    }

    fn replenishment(&self) -> anyhow::Result<ReplenishmentSettings> {
        Ok(ReplenishmentSettings {
            stockout_target: self.stockout_target,
            region_targets: targets("region-target", &self.region_targets)?,
            class_targets: targets("class-target", &self.class_targets)?,
            critical_floor: self.critical_fill_floor,
            auto_approve_below: self.auto_approve_below,
            auto_approve_regional_transfers: self.auto_approve_regional_transfers,
            over_receipt_pct: self.over_receipt_pct,
            review_days: self.review_days,
            calibration: CalibrationSettings {
                enabled: self.calibrate,
                recalibrate_days: self.recalibrate_days,
                backtest_days: self.backtest_days,
                refresh_days: self.backtest_refresh_days,
                confidence: self.calibration_confidence,
                history_days: self.forecast_history_days,
            },
            ..Default::default()
        })
    }

    /// The service's settings, refused with the flag's name when a value is out of range.
    pub fn settings(&self, cli: &Cli) -> anyhow::Result<Settings> {
        self.check()?;
        Ok(Settings {
            database: DatabaseUrl::parse(&cli.database_url)?,
            read_database: self.read_database_url.as_deref().map(DatabaseUrl::parse).transpose()?,
            bind: self.bind.clone(),
            pool_size: cli.pool_size,
            reservation_ttl: chrono::Duration::minutes(self.reservation_ttl_minutes),
            expiry_interval: Duration::from_secs(self.expiry_interval_secs.max(1)),
            workers: self.workers,
            request_timeout: Duration::from_secs(self.request_timeout_secs.max(1)),
            cors_origins: self
                .cors_origins
                .iter()
                .map(|o| o.trim().to_owned())
                .filter(|o| !o.is_empty())
                .collect(),
            metrics_public: self.metrics_public,
            forecast: ForecastSettings {
                history_days: self.forecast_history_days,
                review_days: self.review_days,
            },
            forecast_interval: every(self.forecast_interval_hours * 3600),
            replenishment: self.replenishment()?,
            replenishment_interval: every(self.replenishment_interval_hours * 3600),
            webhook_interval: every(self.webhook_interval_secs),
            urgent_interval: every(self.urgent_interval_secs),
            security: crate::config::SecuritySettings {
                secret_keys: match &cli.secret_key_file {
                    Some(path) => Some(std::sync::Arc::new(crate::secrets::KeyRing::load(path)?)),
                    None => None,
                },
                tls: match (&self.tls_cert, &self.tls_key) {
                    (Some(cert), Some(key)) => Some(crate::tls::TlsFiles {
                        cert: cert.clone(),
                        key: key.clone(),
                    }),
                    (None, None) => None,
                    _ => anyhow::bail!("--tls-cert and --tls-key go together"),
                },
                limits: crate::api::limits::LimitSettings {
                    auth_failures_per_minute: self.auth_failures_per_minute,
                    key_requests_per_second: self.key_requests_per_second,
                },
                console: crate::config::ConsoleSettings {
                    idle: Duration::from_secs(self.console_idle_minutes * 60),
                },
            },
        })
    }
}

/// Runs the service until it is stopped. Prints `listening on http(s)://ADDR` once bound, so a
/// caller that asked for port 0 learns the port.
pub fn serve(cli: &Cli, serve: &ServeArgs) -> anyhow::Result<()> {
    let settings = serve.settings(cli)?;
    tracing::info!(database = %settings.database.redacted(), "starting");
    let pool = startup::prepare_database(&settings)?;
    if serve.demo {
        let mut conn = pool.get()?;
        if demo::seed_and_plan(&mut conn, &settings)? {
            let created = super::keys::create_key(&mut conn, "demo-admin", Role::Admin, Vec::new(), None)?;
            println!("demo admin key (shown once): {}", created.secret);
            println!(
                "try: curl -H 'Authorization: Bearer {}' http://{}/api/v1/warehouses",
                created.secret, serve.bind
            );
        }
    }
    actix_web::rt::System::new().block_on(async move {
        let app = startup::build(&settings, pool)?;
        tracing::info!(address = %app.address, "listening");
        let scheme = if settings.security.tls.is_some() {
            "https"
        } else {
            "http"
        };
        println!("listening on {scheme}://{}", app.address);
        app.server.await?;
        Ok::<_, anyhow::Error>(())
    })
}
