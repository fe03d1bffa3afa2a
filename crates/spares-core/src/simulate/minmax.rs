//! The classic ERP min/max rule, the baseline the engine is compared with.
//!
//! Per pair, with `a` = average daily demand over all the history so far (or a trailing window
//! if `window_days` is set):
//! - reorder level `s = ceil(a * (lead_days + safety_days))`,
//! - order-up-to `S = s + ceil(a * cover_days)`;
//!
//! at each review, when the inventory position is at or below `s`, buy `S - position`, raised to
//! the MOQ and then up to a whole number of packs. Levels use the supplier's lead time in days
//! as the ERP sees it, not the rounded simulation periods. Rounding levels up keeps one unit of
//! any part that sold at all in the window, as ERPs typically do. No transfers.

use super::policy::{Decision, NetworkView, Policy};
use super::report::{Report, Tuning};
use super::scenario::Scenario;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MinMaxParams {
    /// Extra days of demand held as safety stock. 0 by default: the untuned baseline holds only
    /// lead-time stock, and `--target` finds the safety days a service level needs.
    pub safety_days: f64,
    /// Days of demand ordered on top of the reorder level.
    pub cover_days: f64,
    /// Trailing window of the average; `None` (default) averages all the history. A 365-day
    /// window follows ramp-ups and phase-outs faster, but gives intermittent parts that were
    /// quiet for a year a zero level, so no safety days can reach a target (carparts and raf
    /// at 0.99 fail that way).
    pub window_days: Option<u32>,
}

impl Default for MinMaxParams {
    fn default() -> Self {
        MinMaxParams {
            safety_days: 0.0,
            cover_days: 30.0,
            window_days: None,
        }
    }
}

/// Upper bound of the safety-days search (10 years of demand).
pub const MAX_SAFETY_DAYS: f64 = 3650.0;

pub struct MinMax {
    params: MinMaxParams,
    /// Per pair, demand summed over the trailing window as of `seen` periods.
    sums: Vec<u64>,
    seen: usize,
}

impl MinMax {
    pub fn new(params: MinMaxParams) -> MinMax {
        MinMax {
            params,
            sums: Vec::new(),
            seen: 0,
        }
    }

    pub fn params(&self) -> MinMaxParams {
        self.params
    }

    /// Brings the window sums up to the view's observed periods, touching only new periods.
    fn catch_up(&mut self, view: &NetworkView) {
        let observed = view.observed_periods();
        if self.sums.len() != view.n_pairs() || observed < self.seen {
            self.sums = vec![0; view.n_pairs()];
            self.seen = 0;
        }
        let window = self.window_periods(view.scenario());
        for (pair, sum) in self.sums.iter_mut().enumerate() {
            let h = view.history(pair);
            for t in self.seen..observed {
                *sum += u64::from(h[t]);
                if t >= window {
                    *sum -= u64::from(h[t - window]);
                }
            }
        }
        self.seen = observed;
    }

    fn window_periods(&self, scenario: &Scenario) -> usize {
        match self.params.window_days {
            Some(days) => (scenario.config.period.periods_for_days(days) as usize).max(1),
            None => usize::MAX,
        }
    }

    /// `(reorder level, order-up-to level)` of a pair.
    fn levels(&self, scenario: &Scenario, pair: usize) -> (i64, i64) {
        let periods = self.seen.min(self.window_periods(scenario));
        if periods == 0 || self.sums[pair] == 0 {
            return (0, 0);
        }
        let daily = self.sums[pair] as f64 / periods as f64 / scenario.config.period.days();
        let part = &scenario.parts[pair % scenario.n_parts()];
        let s = ceil_units(daily * (f64::from(part.lead_days) + self.params.safety_days));
        let cover = ceil_units(daily * self.params.cover_days);
        (s, s + cover)
    }
}

/// Rounds up, ignoring float noise just above a whole number.
fn ceil_units(x: f64) -> i64 {
    (x - 1e-9).ceil().max(0.0) as i64
}

/// `qty` raised to the MOQ, then to a whole number of packs.
pub fn round_order(qty: i64, moq: i64, pack_size: i64) -> i64 {
    let q = qty.max(moq);
    let pack = pack_size.max(1);
    (q + pack - 1) / pack * pack
}

impl Policy for MinMax {
    fn name(&self) -> &str {
        "minmax"
    }

    fn initial_stock(&mut self, view: &NetworkView) -> Vec<i64> {
        self.catch_up(view);
        (0..view.n_pairs())
            .map(|pair| self.levels(view.scenario(), pair).1)
            .collect()
    }

    fn review(&mut self, view: &NetworkView) -> Vec<Decision> {
        self.catch_up(view);
        let scenario = view.scenario();
        let mut decisions = Vec::new();
        for pair in 0..view.n_pairs() {
            let (s, big_s) = self.levels(scenario, pair);
            let position = view.inventory_position(pair);
            if position > s || big_s - position <= 0 {
                continue;
            }
            let part = &scenario.parts[pair % scenario.n_parts()];
            let qty = round_order(big_s - position, part.moq, part.pack_size);
            decisions.push(Decision::Purchase { pair, qty });
        }
        decisions
    }
}

/// Raises minmax's safety days until its stock-out rate is at most `1 - target`: doubling from
/// 7 days, then bisection to one day. Each trial is a full simulation. Returns the report of
/// the smallest passing safety days found, or of `MAX_SAFETY_DAYS` if none passes. `run`
/// simulates one trial (the engine's `network::run`, or a caller's timed wrapper of it).
pub fn tune(
    scenario: &Scenario,
    base: MinMaxParams,
    target: f64,
    mut run: impl FnMut(&Scenario, &mut dyn Policy) -> Report,
) -> Report {
    let allowed = 1.0 - target;
    let mut trials = 0u32;
    let mut trial = |safety_days: f64| {
        trials += 1;
        let report = run(scenario, &mut MinMax::new(MinMaxParams { safety_days, ..base }));
        let ok = report.overall.stockout_rate <= allowed + 1e-12;
        (report, ok)
    };
    let start = base.safety_days.max(0.0);
    let (mut best, ok) = trial(start);
    let mut reached = ok;
    let mut best_days = start;
    if !ok {
        let mut lo = start;
        let mut hi = (start * 2.0).max(7.0);
        loop {
            let (r, ok) = trial(hi);
            if ok {
                best = r;
                best_days = hi;
                reached = true;
                break;
            }
            lo = hi;
            if hi >= MAX_SAFETY_DAYS {
                best = r;
                best_days = hi;
                break;
            }
            hi = (hi * 2.0).min(MAX_SAFETY_DAYS);
        }
        while reached && best_days - lo > 1.0 {
            let mid = ((lo + best_days) / 2.0).floor();
            let (r, ok) = trial(mid);
            if ok {
                best = r;
                best_days = mid;
            } else {
                lo = mid;
            }
        }
    }
    best.settings = settings(MinMaxParams {
        safety_days: best_days,
        ..base
    });
    best.tuning = Some(Tuning {
        target_fill_rate: target,
        safety_days: Some(best_days),
        item_fill_rate: None,
        reached,
        trials,
    });
    best
}

/// Human-readable parameters for the report.
pub fn settings(p: MinMaxParams) -> String {
    let window = p.window_days.map(|d| d.to_string()).unwrap_or_else(|| "all".into());
    format!(
        "safety_days={} cover_days={} window_days={window}",
        p.safety_days, p.cover_days
    )
}
