//! The CSV tables of a scenario: warehouses, parts, lanes, demand and opening stock.

use std::collections::HashMap;
use std::path::Path;

use chrono::NaiveDate;
use spares_core::simulate::scenario::{
    Calendar, DemandLine, Part, PeriodKind, Warehouse, WarehouseKind, DEFAULT_LANE_DAYS_CROSS_REGION,
    DEFAULT_LANE_DAYS_SAME_REGION,
};

use super::config::parse_cents;
use super::csv_file::CsvFile;
use crate::simulate::SimError;

pub(super) fn load_warehouses(path: &Path) -> Result<(Vec<Warehouse>, Vec<String>), SimError> {
    const COLS: &[&str] = &["code", "name", "region", "kind"];
    let csv = CsvFile::required(path, COLS)?;
    let mut warehouses: Vec<Warehouse> = Vec::new();
    let mut regions: Vec<String> = Vec::new();
    let mut seen = HashMap::new();
    csv.for_each(|row| {
        let code = row.text(0)?;
        if seen.insert(code.clone(), ()).is_some() {
            return Err(row.err(0, format!("duplicate warehouse `{code}`")));
        }
        let region_name = row.text(2)?;
        let region = match regions.iter().position(|r| *r == region_name) {
            Some(i) => i,
            None => {
                regions.push(region_name);
                regions.len() - 1
            }
        };
        let kind = match row.get(3).to_ascii_lowercase().as_str() {
            "regional" => WarehouseKind::Regional,
            "local" => WarehouseKind::Local,
            other => return Err(row.err(3, format!("`{other}` is not `regional` or `local`"))),
        };
        warehouses.push(Warehouse {
            code,
            name: row.get(1).to_string(),
            region,
            kind,
        });
        Ok(())
    })?;
    if warehouses.is_empty() {
        return Err(SimError::load(path, None, "", "no warehouses"));
    }
    Ok((warehouses, regions))
}

pub(super) fn load_parts(path: &Path, period: PeriodKind) -> Result<Vec<Part>, SimError> {
    const COLS: &[&str] = &[
        "part_number",
        "description",
        "unit_cost",
        "lead_days",
        "moq",
        "pack_size",
    ];
    let mut parts = Vec::new();
    let mut seen = HashMap::new();
    CsvFile::required(path, COLS)?.for_each(|row| {
        let number = row.text(0)?;
        if seen.insert(number.clone(), ()).is_some() {
            return Err(row.err(0, format!("duplicate part `{number}`")));
        }
        let unit_cost_cents = parse_cents(row.get(2)).map_err(|m| row.err(2, m))?;
        let lead_days: u32 = row.parse(3, "a whole number of days")?;
        let moq: i64 = row.parse(4, "a whole number")?;
        if moq < 1 {
            return Err(row.err(4, "must be at least 1"));
        }
        let pack_size: i64 = row.parse(5, "a whole number")?;
        if pack_size < 1 {
            return Err(row.err(5, "must be at least 1"));
        }
        parts.push(Part {
            number,
            description: row.get(1).to_string(),
            unit_cost_cents,
            lead_days,
            lead_periods: period.periods_for_days(lead_days),
            moq,
            pack_size,
        });
        Ok(())
    })?;
    if parts.is_empty() {
        return Err(SimError::load(path, None, "", "no parts"));
    }
    Ok(parts)
}

/// Lead days for every ordered pair of warehouses: listed lanes as given, others by region.
pub(super) fn load_lanes(
    path: &Path,
    warehouses: &[Warehouse],
    index: &HashMap<String, usize>,
) -> Result<Vec<u32>, SimError> {
    const COLS: &[&str] = &["from", "to", "lead_days"];
    let n = warehouses.len();
    let mut days: Vec<u32> = (0..n * n)
        .map(|i| {
            let (a, b) = (i / n, i % n);
            if a == b {
                0
            } else if warehouses[a].region == warehouses[b].region {
                DEFAULT_LANE_DAYS_SAME_REGION
            } else {
                DEFAULT_LANE_DAYS_CROSS_REGION
            }
        })
        .collect();
    let Some(csv) = CsvFile::open(path, COLS, true)? else {
        return Ok(days);
    };
    let mut seen = vec![false; n * n];
    csv.for_each(|row| {
        let from = *index
            .get(row.get(0))
            .ok_or_else(|| row.err(0, format!("unknown warehouse `{}`", row.get(0))))?;
        let to = *index
            .get(row.get(1))
            .ok_or_else(|| row.err(1, format!("unknown warehouse `{}`", row.get(1))))?;
        if from == to {
            return Err(row.err(1, "a lane needs two different warehouses"));
        }
        if std::mem::replace(&mut seen[from * n + to], true) {
            return Err(row.err(1, "duplicate lane"));
        }
        days[from * n + to] = row.parse(2, "a whole number of days")?;
        Ok(())
    })?;
    Ok(days)
}

type RawLines = Vec<(u32, DemandLine)>;

pub(super) fn load_demand(
    path: &Path,
    calendar: &Calendar,
    wh_index: &HashMap<String, usize>,
    part_index: &HashMap<String, usize>,
    n_parts: usize,
) -> Result<(RawLines, usize), SimError> {
    const COLS: &[&str] = &["date", "warehouse", "part_number", "qty"];
    let mut lines = Vec::new();
    let mut ignored = 0usize;
    CsvFile::required(path, COLS)?.for_each(|row| {
        let date_text = row.get(0);
        let date = NaiveDate::parse_from_str(date_text, "%Y-%m-%d")
            .map_err(|_| row.err(0, format!("`{date_text}` is not a YYYY-MM-DD date")))?;
        let wh = *wh_index
            .get(row.get(1))
            .ok_or_else(|| row.err(1, format!("unknown warehouse `{}`", row.get(1))))?;
        let part = *part_index
            .get(row.get(2))
            .ok_or_else(|| row.err(2, format!("unknown part `{}`", row.get(2))))?;
        let qty: u32 = row.parse(3, "a non-negative whole number")?;
        // Dates outside the window are legal history we were not asked to replay.
        let Some(period) = calendar.period_of(date) else {
            ignored += 1;
            return Ok(());
        };
        if qty > 0 {
            let pair = u32::try_from(wh * n_parts + part).map_err(|_| row.err(2, "too many pairs"))?;
            lines.push((period as u32, DemandLine { pair, qty }));
        }
        Ok(())
    })?;
    Ok((lines, ignored))
}

pub(super) fn load_stock(
    path: &Path,
    wh_index: &HashMap<String, usize>,
    part_index: &HashMap<String, usize>,
    n_parts: usize,
) -> Result<Option<Vec<i64>>, SimError> {
    const COLS: &[&str] = &["warehouse", "part_number", "on_hand"];
    let Some(csv) = CsvFile::open(path, COLS, true)? else {
        return Ok(None);
    };
    let mut stock = vec![0i64; wh_index.len() * n_parts];
    let mut seen = vec![false; stock.len()];
    csv.for_each(|row| {
        let wh = *wh_index
            .get(row.get(0))
            .ok_or_else(|| row.err(0, format!("unknown warehouse `{}`", row.get(0))))?;
        let part = *part_index
            .get(row.get(1))
            .ok_or_else(|| row.err(1, format!("unknown part `{}`", row.get(1))))?;
        let on_hand: i64 = row.parse(2, "a whole number")?;
        if on_hand < 0 {
            return Err(row.err(2, "must not be negative"));
        }
        let pair = wh * n_parts + part;
        if std::mem::replace(&mut seen[pair], true) {
            return Err(row.err(1, "duplicate (warehouse, part_number)"));
        }
        stock[pair] = on_hand;
        Ok(())
    })?;
    Ok(Some(stock))
}
