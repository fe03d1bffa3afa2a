//! `spares import`: data from files, all rows or none.

use std::path::{Path, PathBuf};

use clap::Subcommand;

use super::cli_request;
use crate::audit::{self, Change};
use crate::auth::Principal;
use crate::db;
use crate::error::AppError;

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Past repair history: CSV `date,warehouse,part_number,qty[,repair_order,product_model,fault_code]`
    /// (or JSON lines with --format json-lines). All rows or none; re-importing adds nothing.
    Demand {
        file: PathBuf,
        #[arg(long, value_enum, default_value = "csv")]
        format: ImportFormat,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ImportFormat {
    Csv,
    JsonLines,
}

pub fn run(conn: &mut db::AnyConnection, what: &ImportCommand) -> anyhow::Result<()> {
    match what {
        ImportCommand::Demand { file, format } => import_demand(conn, file, *format),
    }
}

fn import_demand(conn: &mut db::AnyConnection, path: &Path, format: ImportFormat) -> anyhow::Result<()> {
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
        Ok::<_, AppError>(report)
    });
    bar.finish_and_clear();
    match outcome {
        Ok(report) => {
            println!("{}", serde_json::to_string_pretty(&report)?);
            eprintln!("imported in {:.1} s", started.elapsed().as_secs_f64());
            Ok(())
        }
        Err(AppError::ImportRejected { total, errors }) => {
            for e in &errors {
                eprintln!("line {}: {}: {}", e.line, e.field, e.message);
            }
            anyhow::bail!("{total} invalid row(s); nothing was imported")
        }
        Err(other) => Err(other.into()),
    }
}
