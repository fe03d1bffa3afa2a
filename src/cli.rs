//! Command line: `serve` (default), `migrate`, `seed-demo`, `verify`, `openapi`.

use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::audit::{self, Change, RequestInfo};
use crate::auth::{keys, Principal, Role};
use crate::config::Settings;
use crate::db::{self, DatabaseUrl};
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
    /// Recompute every balance from the ledger; exit 1 on any mismatch.
    Verify,
    /// Print the OpenAPI document (YAML).
    Openapi,
    /// Manage API keys; this is how the first admin key is made.
    Keys {
        #[command(subcommand)]
        action: KeysCommand,
    },
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
            report_seed(demo::seed(&mut conn)?);
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Verify) => {
            let settings = settings(&cli, &default_serve)?;
            let pool = startup::prepare_database(&settings)?;
            let mut conn = pool.get()?;
            let report = db::write_tx(&mut conn, stock::verify::verify)?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            if report.mismatches.is_empty() {
                eprintln!(
                    "ok: {} balances agree with {} movements",
                    report.pairs_checked, report.movements
                );
                Ok(ExitCode::SUCCESS)
            } else {
                eprintln!("MISMATCH: {} balances differ from the ledger", report.mismatches.len());
                Ok(ExitCode::FAILURE)
            }
        }
        Some(Command::Keys { action }) => {
            let settings = settings(&cli, &default_serve)?;
            let pool = startup::prepare_database(&settings)?;
            let mut conn = pool.get()?;
            run_keys(&mut conn, action)?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Openapi) => {
            print!("{}", crate::api::openapi::yaml()?);
            Ok(ExitCode::SUCCESS)
        }
    }
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
