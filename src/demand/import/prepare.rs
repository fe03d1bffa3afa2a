//! Validating rows against the catalog and keying them: every bad row is reported with its line
//! number, the valid ones are keyed by identity and occurrence and sent on in batches.

use std::collections::HashMap;
use std::io::Read;

use chrono::NaiveDate;
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use super::read::{rows, RawRow};
use super::{Format, BATCH, MAX_REPORTED_ERRORS};
use crate::db::AnyConnection;
use crate::error::{AppError, RowError};
use crate::schema::{parts, warehouses};
use crate::validate::MAX_QUANTITY;

pub(super) struct ValidRow {
    pub(super) day: NaiveDate,
    pub(super) warehouse_id: i64,
    pub(super) part_id: i64,
    pub(super) quantity: i64,
    pub(super) repair_order: Option<String>,
    pub(super) product_model: Option<String>,
    pub(super) fault_code: Option<String>,
}

/// Codes to ids, loaded once per import.
pub(super) struct Lookup {
    warehouses: HashMap<String, i64>,
    parts: HashMap<String, i64>,
    scope: Option<Vec<String>>,
}

impl Lookup {
    pub(super) fn load(conn: &mut AnyConnection, scope: Option<&[String]>) -> Result<Self, AppError> {
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
        let day = crate::validate::parse_day(&date)
            .ok_or_else(|| ("date".to_owned(), format!("{date:?} {}", crate::validate::DATE_FORMATS)))?;
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

/// What reading and validating the whole input found.
#[derive(Default)]
pub(super) struct Prepared {
    pub(super) rows_read: u64,
    pub(super) zero_rows: u64,
    pub(super) error_count: usize,
    pub(super) errors: Vec<RowError>,
}

/// Reads and validates every row, keys the valid ones and sends them in batches of [`BATCH`];
/// after the first bad row it keeps validating, to report every bad row, but sends nothing more.
pub(super) fn prepare_rows(
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
