//! Command line: `serve` (the default), `migrate`, `seed-demo`, `verify`, `backup`,
//! `restore`, `openapi`, `forecast`, `simulate`, `import`, `keys` and `secrets`.

mod demo;
mod import;
mod keys;
mod offline;
mod secrets;
mod serve;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::audit::{self, RequestInfo};
use crate::config::Settings;
use crate::telemetry::{self, LogFormat};
use crate::{db, startup, stock};

/// The serve settings are flattened here as well as under `serve`, so that `spares` alone
/// (what `cargo run --release` runs) reads the same flags and environment variables; commands
/// that plan or open the database take them from here too.
#[derive(Debug, Parser)]
#[command(name = "spares", version, about = "Spare-parts inventory and replenishment service")]
#[command(args_conflicts_with_subcommands = true)]
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
    #[command(flatten)]
    serve: serve::ServeArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

// Parsed once per process: the size of the largest variant costs nothing worth a Box.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
enum Command {
    /// Run the HTTP service (the default).
    Serve(serve::ServeArgs),
    /// Run pending database migrations and exit.
    Migrate,
    /// Load the demo network (six regions, 18 warehouses, 300 parts) into an empty database.
    SeedDemo,
    /// Recompute every balance from the ledger and check the audit chains; exit 1 on any
    /// mismatch or tampering.
    Verify,
    /// Copy the SQLite database to a new file while the service runs (consistent as of the
    /// moment the copy begins); prints what the copy holds. PostgreSQL: use pg_dump.
    Backup {
        /// The new file (never overwritten).
        #[arg(long)]
        to: std::path::PathBuf,
    },
    /// Replace the SQLite database with a copy made by `backup`, the service stopped (refused
    /// while the database is open); the replaced database is kept beside it.
    Restore {
        /// The copy to put back.
        #[arg(long)]
        from: std::path::PathBuf,
    },
    /// Print the OpenAPI document (YAML).
    Openapi,
    /// Forecast series from a CSV file (`series_id,period,demand`), no database involved;
    /// prints CSV `series_id,method,forecast` (plus `class,selected` with `--method auto`).
    Forecast(offline::ForecastArgs),
    /// Replay a scenario's demand day by day under a replenishment policy and report stock-outs,
    /// inventory and moves (see docs/SIMULATION.md).
    Simulate(offline::SimulateArgs),
    /// Import data from files.
    Import {
        #[command(subcommand)]
        what: import::ImportCommand,
    },
    /// Manage API keys; this is how the first admin key is made.
    Keys {
        #[command(subcommand)]
        action: keys::KeysCommand,
    },
    /// Keys that encrypt the secrets stored in the database.
    Secrets {
        #[command(subcommand)]
        action: secrets::SecretsCommand,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init(cli.log_format);
    match run(&cli) {
        Ok(code) => code,
        Err(error) => {
            tracing::error!("{error:#}");
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: &Cli) -> anyhow::Result<ExitCode> {
    match &cli.command {
        None => serve::serve(cli, &cli.serve)?,
        Some(Command::Serve(args)) => serve::serve(cli, args)?,
        Some(Command::Openapi) => print!("{}", crate::api::openapi::yaml()?),
        Some(Command::Forecast(args)) => offline::forecast_file(args)?,
        Some(Command::Simulate(args)) => offline::simulate(args)?,
        Some(Command::Migrate) => {
            open(cli)?;
            println!("migrations are up to date");
        }
        Some(Command::SeedDemo) => {
            let (settings, pool) = open(cli)?;
            demo::seed_and_plan(&mut *pool.get()?, &settings)?;
        }
        Some(Command::Verify) => return verify(&mut *open(cli)?.1.get()?),
        // Neither migrates nor creates anything: they work on the files as they are.
        Some(Command::Backup { to }) => {
            let report = db::backup::backup(&db::DatabaseUrl::parse(&cli.database_url)?, to)?;
            println!("{}", serde_json::to_string_pretty(&report)?);
        }
        Some(Command::Restore { from }) => {
            let report = db::backup::restore(&db::DatabaseUrl::parse(&cli.database_url)?, from)?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            eprintln!("restored; run `spares verify` before starting the service");
        }
        Some(Command::Import { what }) => import::run(&mut *open(cli)?.1.get()?, what)?,
        Some(Command::Keys { action }) => keys::run(&mut *open(cli)?.1.get()?, action)?,
        Some(Command::Secrets { action }) => secrets::run(cli, action)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// The settings and a migrated database, for the commands that work on one.
fn open(cli: &Cli) -> anyhow::Result<(Settings, db::DbPool)> {
    let settings = cli.serve.settings(cli)?;
    let pool = startup::prepare_database(&settings)?;
    Ok((settings, pool))
}

fn verify(conn: &mut db::AnyConnection) -> anyhow::Result<ExitCode> {
    let (report, trail) = db::write_tx(conn, |conn| {
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

fn cli_request(what: &str) -> RequestInfo {
    RequestInfo {
        method: "CLI".into(),
        route: format!("spares {what}"),
        request_id: None,
        idempotency_key: None,
    }
}
