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

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::daily;
use crate::db::{self, AnyConnection};
use crate::error::{AppError, RowError};
use crate::schema::{demand_records as r, parts, warehouses};
use crate::validate::MAX_QUANTITY;

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

/// One row as read, before validation.
#[derive(Debug, Default, Deserialize)]
struct RawRow {
    date: Option<String>,
    warehouse: Option<String>,
    part_number: Option<String>,
    qty: Option<serde_json::Value>,
    repair_order: Option<String>,
    product_model: Option<String>,
    fault_code: Option<String>,
}

struct ValidRow {
    day: NaiveDate,
    warehouse_id: i64,
    part_id: i64,
    quantity: i64,
    repair_order: Option<String>,
    product_model: Option<String>,
    fault_code: Option<String>,
}

/// Codes to ids, loaded once per import.
struct Lookup {
    warehouses: HashMap<String, i64>,
    parts: HashMap<String, i64>,
    scope: Option<Vec<String>>,
}

impl Lookup {
    fn load(conn: &mut AnyConnection, scope: Option<&[String]>) -> Result<Self, AppError> {
        let warehouses = warehouses::table
            .select((warehouses::code, warehouses::id))
            .load::<(String, i64)>(conn)?
            .into_iter()
            .collect();
        let parts = parts::table
            .select((parts::part_number, parts::id))
            .load::<(String, i64)>(conn)?
            .into_iter()
            .collect();
        Ok(Lookup {
            warehouses,
            parts,
            scope: scope.map(<[String]>::to_vec),
        })
    }

    fn validate(&self, raw: RawRow) -> Result<ValidRow, (String, String)> {
        let required = |value: Option<String>, field: &str| {
            value
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .ok_or_else(|| (field.to_owned(), "is required".to_owned()))
        };
        let date = required(raw.date, "date")?;
        let day = NaiveDate::parse_from_str(&date, "%Y-%m-%d")
            .map_err(|_| ("date".to_owned(), format!("{date:?} is not an ISO date (YYYY-MM-DD)")))?;
        let warehouse = required(raw.warehouse, "warehouse")?;
        let warehouse_id = *self
            .warehouses
            .get(&warehouse)
            .ok_or_else(|| ("warehouse".to_owned(), format!("unknown warehouse {warehouse:?}")))?;
        if let Some(scope) = &self.scope {
            if !scope.contains(&warehouse) {
                return Err((
                    "warehouse".into(),
                    format!("this key is not allowed at warehouse {warehouse}"),
                ));
            }
        }
        let part_number = required(raw.part_number, "part_number")?;
        let part_id = *self
            .parts
            .get(&part_number)
            .ok_or_else(|| ("part_number".to_owned(), format!("unknown part {part_number:?}")))?;
        let quantity = parse_quantity(raw.qty)?;
        let text = |value: Option<String>, field: &str| -> Result<Option<String>, (String, String)> {
            match value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()) {
                Some(v) if v.chars().count() > 64 => {
                    Err((field.to_owned(), "must be at most 64 characters".to_owned()))
                }
                Some(v) if v.chars().any(char::is_control) => {
                    Err((field.to_owned(), "must not contain control characters".to_owned()))
                }
                other => Ok(other),
            }
        };
        Ok(ValidRow {
            day,
            warehouse_id,
            part_id,
            quantity,
            repair_order: text(raw.repair_order, "repair_order")?,
            product_model: text(raw.product_model, "product_model")?,
            fault_code: text(raw.fault_code, "fault_code")?,
        })
    }
}

fn parse_quantity(value: Option<serde_json::Value>) -> Result<i64, (String, String)> {
    let invalid = |shown: &str| {
        (
            "qty".to_owned(),
            format!("{shown} is not a whole number of units from 0 up"),
        )
    };
    let quantity = match value {
        None | Some(serde_json::Value::Null) => return Err(("qty".into(), "is required".into())),
        Some(serde_json::Value::Number(n)) => n
            .as_i64()
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 9e15)
                    .map(|f| f as i64)
            })
            .ok_or_else(|| invalid(&n.to_string()))?,
        Some(serde_json::Value::String(s)) => s.trim().parse::<i64>().map_err(|_| invalid(&format!("{s:?}")))?,
        Some(other) => return Err(invalid(&other.to_string())),
    };
    if !(0..=MAX_QUANTITY).contains(&quantity) {
        return Err(invalid(&quantity.to_string()));
    }
    Ok(quantity)
}

/// Reads rows one at a time with their line numbers.
fn rows<'a>(reader: impl Read + 'a, format: Format) -> Box<dyn Iterator<Item = (u64, Result<RawRow, String>)> + 'a> {
    match format {
        Format::Csv => {
            let mut csv = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(reader);
            let headers = match csv.headers() {
                Ok(h) => h.clone(),
                Err(e) => return Box::new(std::iter::once((1, Err(format!("unreadable header: {e}"))))),
            };
            let missing: Vec<&str> = ["date", "warehouse", "part_number", "qty"]
                .into_iter()
                .filter(|c| !headers.iter().any(|h| h == *c))
                .collect();
            if !missing.is_empty() {
                let message = format!("the header lacks column(s) {}", missing.join(", "));
                return Box::new(std::iter::once((1, Err(message))));
            }
            Box::new(csv.into_records().map(move |record| match record {
                Ok(record) => {
                    let line = record.position().map(|p| p.line()).unwrap_or_default();
                    let get = |name: &str| {
                        headers
                            .iter()
                            .position(|h| h == name)
                            .and_then(|i| record.get(i))
                            .map(str::to_owned)
                    };
                    let row = RawRow {
                        date: get("date"),
                        warehouse: get("warehouse"),
                        part_number: get("part_number"),
                        qty: get("qty").map(serde_json::Value::String),
                        repair_order: get("repair_order"),
                        product_model: get("product_model"),
                        fault_code: get("fault_code"),
                    };
                    (line, Ok(row))
                }
                Err(e) => {
                    let line = e.position().map(|p| p.line()).unwrap_or_default();
                    (line, Err(e.to_string()))
                }
            }))
        }
        Format::JsonLines => Box::new(
            BufReader::new(reader)
                .lines()
                .enumerate()
                .filter(|(_, line)| line.as_ref().map(|l| !l.trim().is_empty()).unwrap_or(true))
                .map(|(i, line)| {
                    let parsed = line
                        .map_err(|e| e.to_string())
                        .and_then(|l| serde_json::from_str::<RawRow>(&l).map_err(|e| e.to_string()));
                    (i as u64 + 1, parsed)
                }),
        ),
    }
}

/// A row's identity: a hash of every field, so the same repair imported twice is recognised.
fn row_identity(row: &ValidRow) -> [u8; 16] {
    let mut hasher = Sha256::new();
    for part in [
        row.day.to_string().as_bytes(),
        &row.warehouse_id.to_le_bytes(),
        &row.part_id.to_le_bytes(),
        &row.quantity.to_le_bytes(),
        row.repair_order.as_deref().unwrap_or_default().as_bytes(),
        row.product_model.as_deref().unwrap_or_default().as_bytes(),
        row.fault_code.as_deref().unwrap_or_default().as_bytes(),
    ] {
        hasher.update(part);
        hasher.update([0x1f]);
    }
    let mut identity = [0u8; 16];
    identity.copy_from_slice(&hasher.finalize()[..16]);
    identity
}

/// The stored key: the identity, plus how many identical rows came before in the same file.
fn row_key(identity: &[u8; 16], occurrence: u32) -> String {
    match occurrence {
        0 => hex::encode(identity),
        n => format!("{}#{n}", hex::encode(identity)),
    }
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

/// What reading and validating the whole input found.
#[derive(Default)]
struct Prepared {
    rows_read: u64,
    zero_rows: u64,
    error_count: usize,
    errors: Vec<RowError>,
}

/// Reads and validates every row, keys the valid ones and sends them in batches of [`BATCH`];
/// after the first bad row it keeps validating, to report every bad row, but sends nothing more.
fn prepare_rows(
    reader: impl Read,
    format: Format,
    lookup: &Lookup,
    batches: std::sync::mpsc::SyncSender<Vec<(String, ValidRow)>>,
) -> Prepared {
    let mut prepared = Prepared::default();
    let mut seen: HashMap<[u8; 16], u32> = HashMap::new();
    let mut batch: Vec<(String, ValidRow)> = Vec::with_capacity(BATCH);
    for (line, raw) in rows(reader, format) {
        prepared.rows_read += 1;
        let row = raw
            .map_err(|message| ("row".to_owned(), message))
            .and_then(|raw| lookup.validate(raw));
        let row = match row {
            Ok(row) => row,
            Err((field, message)) => {
                prepared.error_count += 1;
                if prepared.errors.len() < MAX_REPORTED_ERRORS {
                    prepared.errors.push(RowError { line, field, message });
                }
                continue;
            }
        };
        if prepared.error_count > 0 {
            continue;
        }
        if row.quantity == 0 {
            prepared.zero_rows += 1;
            continue;
        }
        let identity = row_identity(&row);
        let occurrence = seen.entry(identity).or_insert(0);
        let key = row_key(&identity, *occurrence);
        *occurrence += 1;
        batch.push((key, row));
        if batch.len() == BATCH {
            let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
            if batches.send(full).is_err() {
                return prepared; // The writer failed; its error is the import's outcome.
            }
        }
    }
    if prepared.error_count == 0 && !batch.is_empty() {
        // A failed send means the writer failed, and its error is reported instead.
        let _ = batches.send(batch);
    }
    prepared
}

/// Inserts the batch's records, skipping keys already imported, and adds the new ones' demand
/// to the daily series.
fn write_batch(
    conn: &mut AnyConnection,
    batch: &mut Vec<(String, ValidRow)>,
    report: &mut ImportReport,
) -> Result<(), AppError> {
    if batch.is_empty() {
        return Ok(());
    }
    let now = db::now();
    if let AnyConnection::Postgresql(pg) = conn {
        let inserted = insert_unnested(pg, batch, now)?;
        return finish_batch(conn, batch, inserted, report);
    }
    let values: Vec<_> = batch
        .iter()
        .map(|(key, row)| {
            (
                r::row_key.eq(key.as_str()),
                r::day.eq(row.day),
                r::warehouse_id.eq(row.warehouse_id),
                r::part_id.eq(row.part_id),
                r::quantity.eq(row.quantity),
                r::repair_order.eq(row.repair_order.as_deref()),
                r::product_model.eq(row.product_model.as_deref()),
                r::fault_code.eq(row.fault_code.as_deref()),
                r::imported_at.eq(now),
            )
        })
        .collect();
    let statement = diesel::insert_into(r::table)
        .values(values)
        .on_conflict(r::row_key)
        .do_nothing()
        .returning((r::warehouse_id, r::part_id, r::day, r::quantity));
    let inserted: Vec<Inserted> = match conn {
        AnyConnection::Postgresql(c) => statement.get_results(c)?,
        AnyConnection::Sqlite(c) => statement.get_results(c)?,
    };
    finish_batch(conn, batch, inserted, report)
}

/// A record the insert took (not one already imported), as both backends return it.
#[derive(Queryable, QueryableByName)]
#[diesel(table_name = r)]
struct Inserted {
    warehouse_id: i64,
    part_id: i64,
    day: NaiveDate,
    quantity: i64,
}

/// Counts what a batch's insert took and adds it to the daily series.
fn finish_batch(
    conn: &mut AnyConnection,
    batch: &mut Vec<(String, ValidRow)>,
    inserted: Vec<Inserted>,
    report: &mut ImportReport,
) -> Result<(), AppError> {
    report.rows_imported += inserted.len() as u64;
    report.rows_already_imported += (batch.len() - inserted.len()) as u64;
    let mut totals: HashMap<(i64, i64, NaiveDate), (i64, i64)> = HashMap::new();
    for row in inserted {
        report.units_imported += row.quantity;
        let (units, lines) = totals.entry((row.warehouse_id, row.part_id, row.day)).or_default();
        *units += row.quantity;
        *lines += 1;
    }
    let rows: Vec<_> = totals
        .into_iter()
        .map(|((warehouse_id, part_id, day), (quantity, lines))| daily::DayDemand {
            warehouse_id,
            part_id,
            day,
            quantity,
            lines,
        })
        .collect();
    for chunk in rows.chunks(BATCH) {
        daily::add(conn, chunk)?;
    }
    batch.clear();
    Ok(())
}

/// PostgreSQL: the batch as one array per column (see `daily::add`): one cached statement with
/// nine parameters instead of a new 18,000-parameter statement per batch.
fn insert_unnested(
    pg: &mut diesel::PgConnection,
    batch: &[(String, ValidRow)],
    now: chrono::NaiveDateTime,
) -> Result<Vec<Inserted>, AppError> {
    use diesel::sql_types::{Array, BigInt, Date, Nullable, Text, Timestamp};

    let column = |f: fn(&ValidRow) -> Option<&str>| batch.iter().map(|(_, r)| f(r)).collect::<Vec<_>>();
    let rows: Vec<Inserted> = diesel::sql_query(
        "INSERT INTO demand_records (row_key, day, warehouse_id, part_id, quantity, repair_order, \
         product_model, fault_code, imported_at) \
         SELECT k, d, w, p, q, ro, pm, fc, $9 FROM unnest($1::text[], $2::date[], $3::int8[], \
         $4::int8[], $5::int8[], $6::text[], $7::text[], $8::text[]) AS t(k, d, w, p, q, ro, pm, fc) \
         ON CONFLICT (row_key) DO NOTHING \
         RETURNING warehouse_id, part_id, day, quantity",
    )
    .bind::<Array<Text>, _>(batch.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>())
    .bind::<Array<Date>, _>(batch.iter().map(|(_, r)| r.day).collect::<Vec<_>>())
    .bind::<Array<BigInt>, _>(batch.iter().map(|(_, r)| r.warehouse_id).collect::<Vec<_>>())
    .bind::<Array<BigInt>, _>(batch.iter().map(|(_, r)| r.part_id).collect::<Vec<_>>())
    .bind::<Array<BigInt>, _>(batch.iter().map(|(_, r)| r.quantity).collect::<Vec<_>>())
    .bind::<Array<Nullable<Text>>, _>(column(|r| r.repair_order.as_deref()))
    .bind::<Array<Nullable<Text>>, _>(column(|r| r.product_model.as_deref()))
    .bind::<Array<Nullable<Text>>, _>(column(|r| r.fault_code.as_deref()))
    .bind::<Timestamp, _>(now)
    .get_results(pg)?;
    Ok(rows)
}
