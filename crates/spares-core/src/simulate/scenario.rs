//! A scenario as the simulation sees it: compact, index-based tables. Loading and validating
//! the files of a scenario directory is the service crate's `simulate::load`.
//!
//! Everything is resolved to dense indices (warehouse, part, pair = warehouse * parts + part,
//! period) so the period loop and the policies never hash strings.
//!
//! Money is held as integer cents (`i64`) throughout the simulation; only the report turns sums
//! of cents into `f64` currency units, for averages and ratios.

use chrono::{Days, Months, NaiveDate};
use serde::Deserialize;

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
    /// Indexes `lines`, each `(period, line)` in file order.
    pub fn build(n_pairs: usize, n_periods: usize, mut lines: Vec<(u32, DemandLine)>) -> Demand {
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
    /// `None` when a period start is out of chrono's date range.
    pub fn new(kind: PeriodKind, first: NaiveDate, last_day: NaiveDate) -> Option<Calendar> {
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
}
