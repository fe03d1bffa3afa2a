//! Reading an import's rows one at a time, with their line numbers, before validation.

use std::io::{BufRead, BufReader, Read};

use serde::Deserialize;

use super::Format;

/// One row as read, before validation.
#[derive(Debug, Default, Deserialize)]
pub(super) struct RawRow {
    pub(super) date: Option<String>,
    pub(super) warehouse: Option<String>,
    pub(super) part_number: Option<String>,
    pub(super) qty: Option<serde_json::Value>,
    pub(super) repair_order: Option<String>,
    pub(super) product_model: Option<String>,
    pub(super) fault_code: Option<String>,
}

/// Reads rows one at a time with their line numbers.
pub(super) fn rows<'a>(
    reader: impl Read + 'a,
    format: Format,
) -> Box<dyn Iterator<Item = (u64, Result<RawRow, String>)> + 'a> {
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
