//! Bulk import of past repair history: CSV or JSON lines with `date,warehouse,part_number,qty`
//! and optional `repair_order,product_model,fault_code`.
//!
//! Rows are read and validated one at a time on a thread of their own (memory does not grow
//! with the file, apart from a small hash per row for duplicate counting) while the caller's
//! thread writes them in batches inside one transaction:
//! a bad row is reported with its line number and the whole import rolls back. Each row gets a
//! key (a hash of its fields and of how many identical rows came before it in the file), so
//! importing the same file twice adds nothing the second time, while two identical repairs on
//! one day in one file still count twice.

mod prepare;
mod read;
mod write;

use std::io::Read;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use self::prepare::{prepare_rows, Lookup};
use self::write::write_batch;
use crate::db::AnyConnection;
use crate::error::AppError;

/// Rows written per statement: under both backends' bind-parameter limits.
const BATCH: usize = 2_000;
/// Row errors reported in full; the rest are counted.
const MAX_REPORTED_ERRORS: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    Csv,
    JsonLines,
}

/// What an import did.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct ImportReport {
    pub rows_read: u64,
    /// Rows new to the database (their demand was added).
    pub rows_imported: u64,
    /// Rows already imported before (same file imported again): skipped.
    pub rows_already_imported: u64,
    /// Rows with quantity 0: valid, but they add no demand.
    pub zero_rows: u64,
    pub units_imported: i64,
}

/// Imports demand history; must run inside a write transaction, which an error rolls back.
pub fn import(
    conn: &mut AnyConnection,
    reader: impl Read + Send,
    format: Format,
    scope: Option<&[String]>,
) -> Result<ImportReport, AppError> {
    // SQLite's default 2 MiB page cache makes the random inserts into the row-key index read
    // pages back again and again; give this connection room while it imports.
    set_sqlite_cache(conn, IMPORT_CACHE_KIB)?;
    let outcome = import_rows(conn, reader, format, scope);
    set_sqlite_cache(conn, DEFAULT_CACHE_KIB)?;
    outcome
}

const IMPORT_CACHE_KIB: i64 = 256 * 1024;
const DEFAULT_CACHE_KIB: i64 = 2_000;

fn set_sqlite_cache(conn: &mut AnyConnection, kib: i64) -> Result<(), AppError> {
    use diesel::connection::SimpleConnection;
    if let AnyConnection::Sqlite(c) = conn {
        c.batch_execute(&format!("PRAGMA cache_size = -{kib}"))?;
    }
    Ok(())
}

/// Batches read and validated ahead of the one being written: parsing, validation and row keys
/// (a third of an import's time) run on their own thread while the database writes.
const BATCHES_AHEAD: usize = 2;

fn import_rows(
    conn: &mut AnyConnection,
    reader: impl Read + Send,
    format: Format,
    scope: Option<&[String]>,
) -> Result<ImportReport, AppError> {
    let lookup = Lookup::load(conn, scope)?;
    let mut report = ImportReport::default();
    let (prepared, written) = std::thread::scope(|threads| {
        let (batches, received) = std::sync::mpsc::sync_channel(BATCHES_AHEAD);
        let lookup = &lookup;
        let reading = threads.spawn(move || prepare_rows(reader, format, lookup, batches));
        let mut written = Ok(());
        for mut batch in received.iter() {
            written = write_batch(conn, &mut batch, &mut report);
            if written.is_err() {
                break; // Dropping the receiver stops the reader at its next batch.
            }
        }
        drop(received);
        (reading.join(), written)
    });
    let prepared = prepared.map_err(|_| AppError::Internal(anyhow::anyhow!("the import's reader thread panicked")))?;
    written?;
    if prepared.error_count > 0 {
        return Err(AppError::ImportRejected {
            total: prepared.error_count,
            errors: prepared.errors,
        });
    }
    report.rows_read = prepared.rows_read;
    report.zero_rows = prepared.zero_rows;
    Ok(report)
}
