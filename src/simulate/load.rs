//! Loading and validating a scenario directory into the engine's [`Scenario`] tables; every
//! error names the file, line and field.

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Deserialize;
use spares_core::simulate::scenario::{
    Calendar, Config, Demand, DemandLine, Part, PeriodKind, Scenario, Warehouse, WarehouseKind,
    DEFAULT_HOLDING_RATE_PER_YEAR, DEFAULT_LANE_DAYS_CROSS_REGION, DEFAULT_LANE_DAYS_SAME_REGION,
    DEFAULT_ORDER_COST_CENTS, DEFAULT_REVIEW_PERIOD_DAYS, DEFAULT_TARGET_FILL_RATE,
};

use super::SimError;

/// Reads and validates the scenario directory `dir` (`scenario.toml`, `warehouses.csv`,
/// `parts.csv`, `demand.csv`, optional `lanes.csv` and `stock.csv`).
pub fn load(dir: &Path) -> Result<Scenario, SimError> {
    let config = load_config(&dir.join("scenario.toml"))?;
    let (warehouses, regions) = load_warehouses(&dir.join("warehouses.csv"))?;
    let wh_index: HashMap<String, usize> = warehouses
        .iter()
        .enumerate()
        .map(|(i, w)| (w.code.clone(), i))
        .collect();
    let parts = load_parts(&dir.join("parts.csv"), config.period)?;
    let part_index: HashMap<String, usize> = parts.iter().enumerate().map(|(i, p)| (p.number.clone(), i)).collect();
    let lane_days = load_lanes(&dir.join("lanes.csv"), &warehouses, &wh_index)?;
    let lanes = lane_days.iter().map(|&d| config.period.periods_for_days(d)).collect();

    let toml_path = dir.join("scenario.toml");
    let calendar = Calendar::new(config.period, config.history_start, config.eval_end)
        .ok_or_else(|| SimError::load(&toml_path, None, "eval_end", "date out of range"))?;
    let eval_start = calendar
        .period_of(config.eval_start)
        .ok_or_else(|| SimError::load(&toml_path, None, "eval_start", "outside the calendar"))?;
    let eval_end = calendar.len();
    let review_every = config.period.periods_for_days(config.review_period_days).max(1) as usize;

    let n_pairs = warehouses.len() * parts.len();
    let (demand, ignored) = load_demand(&dir.join("demand.csv"), &calendar, &wh_index, &part_index, parts.len())?;
    let initial_stock = load_stock(&dir.join("stock.csv"), &wh_index, &part_index, parts.len())?;
    let name = dir
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| dir.display().to_string());
    let scenario = Scenario {
        name,
        config,
        demand: Demand::build(n_pairs, calendar.len(), demand),
        calendar,
        eval_start,
        eval_end,
        review_every,
        warehouses,
        regions,
        parts,
        lanes,
        lane_days,
        initial_stock,
        ignored_demand_rows: ignored,
    };
    Ok(scenario)
}

// ---------------------------------------------------------------- scenario.toml

#[derive(Deserialize)]
#[serde(untagged)]
enum DateValue {
    Text(String),
    // TOML has a native date literal; accept it as well as a quoted date.
    Toml(toml::value::Datetime),
}

#[derive(Deserialize)]
#[serde(untagged)]
enum MoneyValue {
    Text(String),
    Int(i64),
    Float(f64),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    period: PeriodKind,
    history_start: DateValue,
    eval_start: DateValue,
    eval_end: DateValue,
    target_fill_rate: Option<f64>,
    review_period_days: Option<u32>,
    holding_rate_per_year: Option<f64>,
    order_cost: Option<MoneyValue>,
}

fn load_config(path: &Path) -> Result<Config, SimError> {
    let text = std::fs::read_to_string(path).map_err(|e| SimError::io(path, e))?;
    let raw: RawConfig = toml::from_str(&text).map_err(|e| {
        let (line, field) = match e.span() {
            Some(span) => line_and_key(&text, span.start),
            None => (None, String::new()),
        };
        // The toml message repeats the source excerpt; its first line is the reason.
        let message = e.message().lines().next().unwrap_or("invalid").to_string();
        SimError::load(path, line, &field, message)
    })?;
    let key_line = |key: &str| find_key_line(&text, key);
    let date = |v: &DateValue, key: &str| -> Result<NaiveDate, SimError> {
        let s = match v {
            DateValue::Text(s) => s.clone(),
            DateValue::Toml(d) => d.to_string(),
        };
        NaiveDate::parse_from_str(&s, "%Y-%m-%d")
            .map_err(|_| SimError::load(path, key_line(key), key, format!("`{s}` is not a YYYY-MM-DD date")))
    };
    let history_start = date(&raw.history_start, "history_start")?;
    let eval_start = date(&raw.eval_start, "eval_start")?;
    let eval_end = date(&raw.eval_end, "eval_end")?;
    if eval_start < history_start {
        return Err(SimError::load(
            path,
            key_line("eval_start"),
            "eval_start",
            "before history_start",
        ));
    }
    if eval_end < eval_start {
        return Err(SimError::load(
            path,
            key_line("eval_end"),
            "eval_end",
            "before eval_start",
        ));
    }
    let target_fill_rate = raw.target_fill_rate.unwrap_or(DEFAULT_TARGET_FILL_RATE);
    if !(target_fill_rate > 0.0 && target_fill_rate <= 1.0) {
        let line = key_line("target_fill_rate");
        return Err(SimError::load(path, line, "target_fill_rate", "must be in (0, 1]"));
    }
    let holding_rate_per_year = raw.holding_rate_per_year.unwrap_or(DEFAULT_HOLDING_RATE_PER_YEAR);
    if !(holding_rate_per_year.is_finite() && holding_rate_per_year >= 0.0) {
        let line = key_line("holding_rate_per_year");
        return Err(SimError::load(path, line, "holding_rate_per_year", "must be >= 0"));
    }
    let order_cost_cents = match raw.order_cost {
        None => DEFAULT_ORDER_COST_CENTS,
        Some(v) => {
            let s = match v {
                MoneyValue::Text(s) => s,
                MoneyValue::Int(i) => i.to_string(),
                // The shortest round-trip text of a float is the literal the user wrote.
                MoneyValue::Float(f) => f.to_string(),
            };
            parse_cents(&s).map_err(|m| SimError::load(path, key_line("order_cost"), "order_cost", m))?
        }
    };
    Ok(Config {
        period: raw.period,
        history_start,
        eval_start,
        eval_end,
        target_fill_rate,
        review_period_days: raw.review_period_days.unwrap_or(DEFAULT_REVIEW_PERIOD_DAYS).max(1),
        holding_rate_per_year,
        order_cost_cents,
    })
}

/// 1-based line of byte `offset`, and the key written on that line (before `=`), which is the
/// field a toml error at that place is about.
fn line_and_key(text: &str, offset: usize) -> (Option<u64>, String) {
    let offset = offset.min(text.len());
    let before = &text.as_bytes()[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_text = text.lines().nth(line - 1).unwrap_or("");
    let key = line_text
        .split('=')
        .next()
        .unwrap_or("")
        .trim()
        .trim_matches('"')
        .to_string();
    (Some(line as u64), key)
}

fn find_key_line(text: &str, key: &str) -> Option<u64> {
    text.lines()
        .position(|l| l.split('=').next().is_some_and(|k| k.trim().trim_matches('"') == key))
        .map(|i| i as u64 + 1)
}

/// Decimal money text to cents, exactly: at most two decimals, no sign.
pub fn parse_cents(s: &str) -> Result<i64, String> {
    let s = s.trim();
    let (whole, frac) = match s.split_once('.') {
        Some((w, f)) => (w, f),
        None => (s, ""),
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !(frac.is_empty() || digits(frac)) {
        return Err(format!("`{s}` is not a non-negative amount like 12.34"));
    }
    if frac.len() > 2 {
        return Err(format!("`{s}` has more than two decimals"));
    }
    let w: i64 = whole.parse().map_err(|_| format!("`{s}` is too large"))?;
    let mut f: i64 = if frac.is_empty() {
        0
    } else {
        frac.parse().map_err(|_| format!("`{s}` is invalid"))?
    };
    if frac.len() == 1 {
        f *= 10;
    }
    w.checked_mul(100)
        .and_then(|c| c.checked_add(f))
        .ok_or_else(|| format!("`{s}` is too large"))
}

// ---------------------------------------------------------------- CSV files

/// A CSV file with named columns; every error carries the file, line and column name.
struct CsvFile {
    reader: csv::Reader<File>,
    meta: CsvMeta,
}

struct CsvMeta {
    path: PathBuf,
    columns: Vec<usize>,
    names: &'static [&'static str],
}

struct Row<'a> {
    meta: &'a CsvMeta,
    record: &'a csv::StringRecord,
}

impl Row<'_> {
    fn line(&self) -> Option<u64> {
        self.record.position().map(|p| p.line())
    }

    fn get(&self, col: usize) -> &str {
        self.record.get(self.meta.columns[col]).unwrap_or("").trim()
    }

    fn err(&self, col: usize, message: impl Into<String>) -> SimError {
        SimError::load(&self.meta.path, self.line(), self.meta.names[col], message)
    }

    fn text(&self, col: usize) -> Result<String, SimError> {
        let v = self.get(col);
        if v.is_empty() {
            return Err(self.err(col, "empty"));
        }
        Ok(v.to_string())
    }

    fn parse<T: std::str::FromStr>(&self, col: usize, what: &str) -> Result<T, SimError> {
        let v = self.get(col);
        v.parse().map_err(|_| self.err(col, format!("`{v}` is not {what}")))
    }
}

impl CsvFile {
    /// `Ok(None)` when the file is optional and absent.
    fn open(path: &Path, names: &'static [&'static str], optional: bool) -> Result<Option<CsvFile>, SimError> {
        let file = match File::open(path) {
            Ok(f) => f,
            Err(e) if optional && e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(SimError::io(path, e)),
        };
        let mut reader = csv::ReaderBuilder::new().from_reader(file);
        let headers = reader
            .headers()
            .map_err(|e| SimError::load(path, Some(1), "", format!("cannot read header: {e}")))?
            .clone();
        let mut columns = Vec::with_capacity(names.len());
        for name in names {
            let i = headers
                .iter()
                .position(|h| h.trim().eq_ignore_ascii_case(name))
                .ok_or_else(|| SimError::load(path, Some(1), name, "column missing from header"))?;
            columns.push(i);
        }
        Ok(Some(CsvFile {
            reader,
            meta: CsvMeta {
                path: path.to_path_buf(),
                columns,
                names,
            },
        }))
    }

    fn required(path: &Path, names: &'static [&'static str]) -> Result<CsvFile, SimError> {
        CsvFile::open(path, names, false)?.ok_or_else(|| SimError::load(path, None, "", "missing"))
    }

    /// Calls `f` on each data row.
    fn for_each(self, mut f: impl FnMut(&Row) -> Result<(), SimError>) -> Result<(), SimError> {
        let CsvFile { mut reader, meta } = self;
        let mut record = csv::StringRecord::new();
        loop {
            match reader.read_record(&mut record) {
                Ok(false) => return Ok(()),
                Ok(true) => f(&Row {
                    meta: &meta,
                    record: &record,
                })?,
                Err(e) => {
                    let line = e.position().map(|p| p.line());
                    return Err(SimError::load(&meta.path, line, "", e.to_string()));
                }
            }
        }
    }
}

fn load_warehouses(path: &Path) -> Result<(Vec<Warehouse>, Vec<String>), SimError> {
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

fn load_parts(path: &Path, period: PeriodKind) -> Result<Vec<Part>, SimError> {
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
fn load_lanes(path: &Path, warehouses: &[Warehouse], index: &HashMap<String, usize>) -> Result<Vec<u32>, SimError> {
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

fn load_demand(
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

fn load_stock(
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
