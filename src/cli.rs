//! Command line: `serve` (default), `migrate`, `seed-demo`, `verify`, `openapi`.

use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

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
    })
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let command = cli.command.as_ref();
    let default_serve = ServeArgs {
        bind: "127.0.0.1:8080".into(),
        reservation_ttl_minutes: 72 * 60,
        expiry_interval_secs: 30,
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
                report_seed(demo::seed(&mut conn)?);
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
        Some(Command::Openapi) => {
            print!("{}", crate::api::openapi::yaml()?);
            Ok(ExitCode::SUCCESS)
        }
    }
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
