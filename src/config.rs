//! Configuration from flags and environment variables (flags win):
//!
//! | variable | flag | default |
//! |---|---|---|
//! | `DATABASE_URL` | `--database-url` | `./data/spares.db` (SQLite) |
//! | `SPARES_BIND` | `serve --bind` | `127.0.0.1:8080` |
//! | `SPARES_POOL_SIZE` | `--pool-size` | 8 on SQLite, 16 on PostgreSQL |
//! | `SPARES_READ_DATABASE_URL` | `serve --read-database-url` | none: reports read the primary |
//! | `SPARES_RESERVATION_TTL_MINUTES` | `serve --reservation-ttl-minutes` | 4320 (72 h) |
//! | `SPARES_EXPIRY_INTERVAL_SECS` | `serve --expiry-interval-secs` | 30 |
//! | `SPARES_WORKERS` | `serve --workers` | number of cores |
//! | `SPARES_LOG_FORMAT` | `--log-format` | `text` (or `json`) |
//! | `SPARES_REQUEST_TIMEOUT_SECS` | `serve --request-timeout-secs` | 30 |
//! | `SPARES_CORS_ORIGINS` | `serve --cors-origin` (repeatable) | none: cross-origin browser calls refused |
//! | `SPARES_METRICS_PUBLIC` | `serve --metrics-public` | `true`; `false` requires an admin key |
//! | `SPARES_FORECAST_INTERVAL_HOURS` | `serve --forecast-interval-hours` | 24 (0 turns scheduled runs off) |
//! | `SPARES_FORECAST_HISTORY_DAYS` | `serve --forecast-history-days` | 730 |
//! | `SPARES_REVIEW_DAYS` | `serve --review-days` | 1 |
//! | `SPARES_REPLENISHMENT_INTERVAL_HOURS` | `serve --replenishment-interval-hours` | 24 (0 turns scheduled runs off) |
//! | `SPARES_STOCKOUT_TARGET` | `serve --stockout-target` | 0.01 (share of demand lines) |
//! | `SPARES_REGION_TARGETS` | `serve --region-target REGION=RATE` (repeatable) | none |
//! | `SPARES_CLASS_TARGETS` | `serve --class-target CLASS=RATE` (repeatable) | none |
//! | `SPARES_CRITICAL_FILL_FLOOR` | `serve --critical-fill-floor` | 0.995 |
//! | `SPARES_CALIBRATE` | `serve --calibrate` | `true` (calibrate the internal target by backtesting) |
//! | `SPARES_RECALIBRATE_DAYS` | `serve --recalibrate-days` | 7 (0: every full run) |
//! | `SPARES_BACKTEST_DAYS` | `serve --backtest-days` | 91 |
//! | `SPARES_BACKTEST_REFRESH_DAYS` | `serve --backtest-refresh-days` | 28 |
//! | `SPARES_CALIBRATION_CONFIDENCE` | `serve --calibration-confidence` | 0.95 (one-sided, of the replay's bound) |
//! | `SPARES_AUTO_APPROVE_BELOW` | `serve --auto-approve-below` | none (no purchase is auto-approved) |
//! | `SPARES_AUTO_APPROVE_REGIONAL_TRANSFERS` | `serve --auto-approve-regional-transfers` | false |
//! | `SPARES_OVER_RECEIPT_PCT` | `serve --over-receipt-pct` | 0 (a receipt beyond a purchase order line is refused) |
//! | `SPARES_WEBHOOK_INTERVAL_SECS` | `serve --webhook-interval-secs` | 5 (0 turns delivery off) |
//! | `SPARES_URGENT_INTERVAL_SECS` | `serve --urgent-interval-secs` | 5 (0 turns urgent replenishment runs off) |
//! | `SPARES_SECRET_KEY_FILE` | `--secret-key-file` | none: webhooks (secrets) cannot be created |
//! | `SPARES_TLS_CERT`, `SPARES_TLS_KEY` | `serve --tls-cert`, `--tls-key` | none: plain HTTP |
//! | `SPARES_AUTH_FAILURES_PER_MINUTE` | `serve --auth-failures-per-minute` | 10 per client address (0: off) |
//! | `SPARES_KEY_REQUESTS_PER_SECOND` | `serve --key-requests-per-second` | 0 (off) |
//! | `SPARES_CONSOLE_IDLE_MINUTES` | `serve --console-idle-minutes` | 30 (a console session ends after this long unused) |
//! | `RUST_LOG` | | `info` |

use std::time::Duration;

use crate::db::{Backend, DatabaseUrl, PoolSettings};

/// Everything the running service needs.
#[derive(Debug, Clone)]
pub struct Settings {
    pub database: DatabaseUrl,
    /// A read replica (same backend) for reports and KPIs only, never for availability or
    /// anything a write decides on; `None` reads them from `database`.
    pub read_database: Option<DatabaseUrl>,
    pub bind: String,
    pub pool_size: Option<u32>,
    pub reservation_ttl: chrono::Duration,
    pub expiry_interval: Duration,
    pub workers: Option<usize>,
    pub request_timeout: Duration,
    /// Browser origins allowed to call the API; empty keeps CORS closed.
    pub cors_origins: Vec<String>,
    pub metrics_public: bool,
    /// How forecasts are computed.
    pub forecast: crate::demand::forecasts::ForecastSettings,
    /// How often scheduled forecast runs happen; `None` turns them off.
    pub forecast_interval: Option<Duration>,
    /// How replenishment plans and what it approves by itself.
    pub replenishment: crate::replenishment::ReplenishmentSettings,
    /// How often scheduled replenishment runs happen; `None` turns them off.
    pub replenishment_interval: Option<Duration>,
    /// How often the webhook outbox is delivered; `None` turns delivery off.
    pub webhook_interval: Option<Duration>,
    /// How often refused reservations are turned into urgent replenishment runs; `None`
    /// turns them off.
    pub urgent_interval: Option<Duration>,
    /// Encryption at rest (and, with it, what protects the service).
    pub security: SecuritySettings,
}

/// What protects data and access: the key ring sealing stored secrets, TLS, rate limits.
#[derive(Debug, Clone, Default)]
pub struct SecuritySettings {
    /// From `SPARES_SECRET_KEY_FILE`; `None` refuses to store secrets.
    pub secret_keys: Option<std::sync::Arc<crate::secrets::KeyRing>>,
    /// PEM certificate chain and key; `None` serves plain HTTP.
    pub tls: Option<crate::tls::TlsFiles>,
    pub limits: crate::api::limits::LimitSettings,
    pub console: ConsoleSettings,
}

/// The web console's sessions.
#[derive(Debug, Clone, Copy)]
pub struct ConsoleSettings {
    /// A session unused this long is ended (the next page asks to sign in again).
    pub idle: Duration,
}

impl Default for ConsoleSettings {
    fn default() -> Self {
        ConsoleSettings {
            idle: Duration::from_secs(30 * 60),
        }
    }
}

impl Settings {
    pub fn pool(&self) -> PoolSettings {
        let default = match self.database.backend {
            Backend::Sqlite => 8,
            Backend::Postgres => 16,
        };
        PoolSettings {
            max_connections: self.pool_size.unwrap_or(default).max(1),
            acquire_timeout: Duration::from_secs(10),
        }
    }
}
