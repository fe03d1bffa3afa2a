//! Loading and validating a scenario directory into compact, index-based tables.
//!
//! Everything is resolved to dense indices at load time (warehouse, part, pair = warehouse *
//! parts + part, period) so the period loop and the policies never hash strings.
//!
//! Money is held as integer cents (`i64`) throughout the simulation; only the report turns sums
//! of cents into `f64` currency units, for averages and ratios.

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use chrono::{Days, Months, NaiveDate};
use serde::Deserialize;

use super::SimError;

/// Holding cost rate used when `scenario.toml` has none.
pub const DEFAULT_HOLDING_RATE_PER_YEAR: f64 = 0.25;
/// Cost of placing one purchase order (in cents) used when `scenario.toml` has none.
pub const DEFAULT_ORDER_COST_CENTS: i64 = 5_000;
pub const DEFAULT_TARGET_FILL_RATE: f64 = 0.99;
pub const DEFAULT_REVIEW_PERIOD_DAYS: u32 = 1;
/// Transfer lead time between two warehouses of one region when `lanes.csv` does not list the lane.
pub const DEFAULT_LANE_DAYS_SAME_REGION: u32 = 1;
pub const DEFAULT_LANE_DAYS_CROSS_REGION: u32 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PeriodKind {
    #[default]
    Day,
    Week,
    Month,
}

impl PeriodKind {
    /// Mean length in days; a month is 365.25 / 12 = 30.4375 days.
    pub fn days(self) -> f64 {
        match self {
            PeriodKind::Day => 1.0,
            PeriodKind::Week => 7.0,
            PeriodKind::Month => 30.4375,
        }
    }

    /// Whole periods covering `days`, rounded up: a lead time of 8 days is 2 weeks, 31 days is
    /// 2 months. Integer arithmetic (30.4375 = 487 / 16) keeps the rounding exact.
    pub fn periods_for_days(self, days: u32) -> u32 {
        let d = u64::from(days);
        let p = match self {
            PeriodKind::Day => d,
            PeriodKind::Week => d.div_ceil(7),
            PeriodKind::Month => (d * 16).div_ceil(487),
        };
        u32::try_from(p).unwrap_or(u32::MAX)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PeriodKind::Day => "day",
            PeriodKind::Week => "week",
            PeriodKind::Month => "month",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WarehouseKind {
    Regional,
    Local,
}

#[derive(Debug, Clone)]
pub struct Warehouse {
    pub code: String,
    pub name: String,
    /// Index into [`Scenario::regions`].
    pub region: usize,
    pub kind: WarehouseKind,
}

#[derive(Debug, Clone)]
pub struct Part {
    pub number: String,
    pub description: String,
    pub unit_cost_cents: i64,
    pub lead_days: u32,
    /// Supplier lead time rounded up to whole periods.
    pub lead_periods: u32,
    pub moq: i64,
    pub pack_size: i64,
}

/// The `scenario.toml` settings after defaults are applied.
#[derive(Debug, Clone)]
pub struct Config {
    pub period: PeriodKind,
    pub history_start: NaiveDate,
    pub eval_start: NaiveDate,
    pub eval_end: NaiveDate,
    pub target_fill_rate: f64,
    pub review_period_days: u32,
    pub holding_rate_per_year: f64,
    pub order_cost_cents: i64,
}

/// One demand line: a customer request for `qty` units of a pair in some period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemandLine {
    pub pair: u32,
    pub qty: u32,
}

/// Demand indexed both ways: per pair (sorted by period) and per period (file order), plus dense
/// per-period totals for pairs that have any demand, so a forecaster reads a plain slice.
#[derive(Debug, Clone, Default)]
pub struct Demand {
    /// Per pair, `(period, qty)` lines sorted by period, file order within a period.
    pub pair_lines: Vec<Vec<(u32, u32)>>,
    period_offsets: Vec<usize>,
    period_lines: Vec<DemandLine>,
    /// Row of each pair in `totals`, or `NO_ROW` for pairs that never see demand: most pairs of
    /// a big network are empty and need no dense row.
    dense_row: Vec<u32>,
    totals: Vec<u32>,
    zeros: Vec<u32>,
    n_periods: usize,
}

const NO_ROW: u32 = u32::MAX;

impl Demand {
    fn build(n_pairs: usize, n_periods: usize, mut lines: Vec<(u32, DemandLine)>) -> Demand {
        // Stable sort keeps file order inside a period, which fixes who is served first.
        lines.sort_by_key(|(p, _)| *p);
        let mut pair_lines = vec![Vec::new(); n_pairs];
        let mut period_offsets = vec![0usize; n_periods + 1];
        for (p, l) in &lines {
            pair_lines[l.pair as usize].push((*p, l.qty));
            period_offsets[*p as usize + 1] += 1;
        }
        for i in 0..n_periods {
            period_offsets[i + 1] += period_offsets[i];
        }
        let mut dense_row = vec![NO_ROW; n_pairs];
        let mut rows = 0u32;
        for (pair, pl) in pair_lines.iter().enumerate() {
            if !pl.is_empty() {
                dense_row[pair] = rows;
                rows += 1;
            }
        }
        let mut totals = vec![0u32; rows as usize * n_periods];
        for (pair, pl) in pair_lines.iter().enumerate() {
            let row = dense_row[pair];
            if row == NO_ROW {
                continue;
            }
            let base = row as usize * n_periods;
            for &(p, q) in pl {
                let t = &mut totals[base + p as usize];
                *t = t.saturating_add(q);
            }
        }
        Demand {
            pair_lines,
            period_offsets,
            period_lines: lines.into_iter().map(|(_, l)| l).collect(),
            dense_row,
            totals,
            zeros: vec![0; n_periods],
            n_periods,
        }
    }

    /// Per-period demand totals of a pair for periods `0..upto`, zero-filled.
    pub fn history(&self, pair: usize, upto: usize) -> &[u32] {
        let upto = upto.min(self.n_periods);
        match self.dense_row.get(pair) {
            Some(&row) if row != NO_ROW => {
                let base = row as usize * self.n_periods;
                &self.totals[base..base + upto]
            }
            _ => &self.zeros[..upto],
        }
    }

    /// The demand lines of one period in file order.
    pub fn lines_in(&self, period: usize) -> &[DemandLine] {
        if period >= self.n_periods {
            return &[];
        }
        &self.period_lines[self.period_offsets[period]..self.period_offsets[period + 1]]
    }

    pub fn first_period(&self, pair: usize) -> Option<usize> {
        self.pair_lines.get(pair)?.first().map(|&(p, _)| p as usize)
    }

    pub fn total_lines(&self) -> usize {
        self.period_lines.len()
    }
}

/// Period start dates from `history_start` up to the period holding `eval_end`, plus one more
/// start that closes the last period.
#[derive(Debug, Clone)]
pub struct Calendar {
    pub kind: PeriodKind,
    starts: Vec<NaiveDate>,
}

impl Calendar {
    fn new(kind: PeriodKind, first: NaiveDate, last_day: NaiveDate) -> Option<Calendar> {
        let mut starts = vec![first];
        loop {
            let k = starts.len() as u32;
            let next = match kind {
                PeriodKind::Day => first.checked_add_days(Days::new(u64::from(k)))?,
                PeriodKind::Week => first.checked_add_days(Days::new(7 * u64::from(k)))?,
                // Counting from `first` each time avoids drift from clamping (Jan 31 -> Feb 28).
                PeriodKind::Month => first.checked_add_months(Months::new(k))?,
            };
            starts.push(next);
            if next > last_day {
                return Some(Calendar { kind, starts });
            }
        }
    }

    pub fn len(&self) -> usize {
        self.starts.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn start(&self, period: usize) -> Option<NaiveDate> {
        if period < self.len() {
            self.starts.get(period).copied()
        } else {
            None
        }
    }

    /// The period containing `date`, if inside the calendar.
    pub fn period_of(&self, date: NaiveDate) -> Option<usize> {
        let i = self.starts.partition_point(|s| *s <= date);
        if i == 0 || i > self.len() {
            None
        } else {
            Some(i - 1)
        }
    }
}

#[derive(Debug, Clone)]
pub struct Scenario {
    /// Directory name, for the report.
    pub name: String,
    pub config: Config,
    pub calendar: Calendar,
    /// First evaluation period; earlier periods are history only.
    pub eval_start: usize,
    /// One past the last evaluation period (= calendar length).
    pub eval_end: usize,
    /// Review every this many periods (review_period_days rounded up, at least 1).
    pub review_every: usize,
    pub warehouses: Vec<Warehouse>,
    pub regions: Vec<String>,
    pub parts: Vec<Part>,
    /// Transfer lead periods, `lanes[from * n_warehouses + to]`.
    pub lanes: Vec<u32>,
    /// Transfer lead days as given (or defaulted), same layout as `lanes`.
    pub lane_days: Vec<u32>,
    pub demand: Demand,
    /// From `stock.csv`: on hand per pair at the start of the evaluation.
    pub initial_stock: Option<Vec<i64>>,
    /// Demand rows dated outside the calendar, skipped.
    pub ignored_demand_rows: usize,
}

impl Scenario {
    pub fn n_warehouses(&self) -> usize {
        self.warehouses.len()
    }

    pub fn n_parts(&self) -> usize {
        self.parts.len()
    }

    pub fn n_pairs(&self) -> usize {
        self.warehouses.len() * self.parts.len()
    }

    pub fn n_periods(&self) -> usize {
        self.calendar.len()
    }

    pub fn pair(&self, warehouse: usize, part: usize) -> usize {
        warehouse * self.parts.len() + part
    }

    /// `(warehouse, part)` of a pair.
    pub fn split_pair(&self, pair: usize) -> (usize, usize) {
        (pair / self.parts.len(), pair % self.parts.len())
    }

    pub fn lane(&self, from: usize, to: usize) -> u32 {
        self.lanes[from * self.warehouses.len() + to]
    }

    pub fn is_review_period(&self, period: usize) -> bool {
        period >= self.eval_start && (period - self.eval_start).is_multiple_of(self.review_every)
    }

    /// A pair that saw demand before the evaluation; stock-out rates count only these.
    pub fn is_warm(&self, pair: usize) -> bool {
        self.demand.first_period(pair).is_some_and(|p| p < self.eval_start)
    }

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
