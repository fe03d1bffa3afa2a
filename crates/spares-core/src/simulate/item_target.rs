//! `item-target`, the stronger yardstick (issue 17 point 6): what a planner with a forecasting
//! library and a spreadsheet does. Per pair the engine's own forecast and negative-binomial
//! demand over the protection horizon (the same [`ItemModel`]s, built on the engine's refresh
//! schedule), and one fill-rate target shared by every pair: each pair holds the lowest reorder
//! point whose expected share of stock-out lines is at most `1 - fill`, with the engine's batch
//! (EOQ, MOQ, packs). [`tune`] bisects that one fill rate until the simulated network's
//! stock-out rate is under the target, as minmax's safety days are tuned: on the evaluation
//! itself, the yardstick's best case. No network allocation, no transfers, no calibration.
//!
//! The models do not depend on the stock, only on the demand seen, so they are built once
//! ([`Plans`]) and every trial of the search replays them at another fill rate.

use crate::forecast::Method;
use crate::replenishment::{levels_of, round_to_pack, ItemModel, Levels, Settings};

use super::engine::{build_models, forecast_params, lines_before};
use super::policy::{Decision, NetworkView, Policy};
use super::report::{Report, Tuning};
use super::scenario::Scenario;

/// The engine's modelling schedule (see `EngineParams`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ItemTargetParams {
    pub refresh_days: u32,
    pub max_model_days: u32,
    pub reselect_days: u32,
}

impl Default for ItemTargetParams {
    fn default() -> Self {
        ItemTargetParams {
            refresh_days: 7,
            max_model_days: 28,
            reselect_days: 364,
        }
    }
}

/// Loosest and tightest share of stock-out lines a pair may be asked for.
const MAX_ALLOWED: f64 = 0.5;
const MIN_ALLOWED: f64 = 1e-6;
/// Geometric bisection steps after bracketing: a factor 2 split 6 times, about 1 % apart.
const BISECTIONS: u32 = 6;

/// One pair's curve reduced to what a fill-rate target reads.
#[derive(Debug, Clone, PartialEq)]
struct Compact {
    batch: i64,
    /// `(s, expected share of the pair's lines that stock out)`, s rising, the share falling.
    levels: Vec<(i64, f64)>,
}

impl Compact {
    fn of(m: &ItemModel) -> Compact {
        let rate = m.curve.line_rate;
        let levels = m
            .curve
            .levels
            .iter()
            .map(|l| (l.s, if rate > 0.0 { l.stockout_lines / rate } else { 0.0 }))
            .collect();
        Compact { batch: m.batch, levels }
    }

    /// The lowest level whose share is at most `allowed`, else the highest one.
    fn levels(&self, allowed: f64) -> Levels {
        let s = self
            .levels
            .iter()
            .find(|&&(_, share)| share <= allowed)
            .or(self.levels.last())
            .map_or(-1, |&(s, _)| s);
        levels_of(s, self.batch)
    }
}

/// Every pair's model at every refresh of the evaluation.
#[derive(Debug, Clone)]
pub struct Plans {
    /// `(observed periods, index into curves per pair)`, in time order.
    epochs: Vec<(usize, Vec<u32>)>,
    curves: Vec<Compact>,
    params: ItemTargetParams,
}

impl Plans {
    /// Models at the start of the evaluation and at each review where the engine would
    /// refresh: pairs with new lines or a model older than `max_model_days` are re-modelled,
    /// methods re-selected every `reselect_days`.
    pub fn build(s: &Scenario, p: ItemTargetParams) -> Plans {
        let (fparams, settings) = (forecast_params(s.config.period), Settings::default());
        let periods = |days: u32| (s.config.period.periods_for_days(days) as usize).max(1);
        let (refresh, max_age, reselect) = (
            periods(p.refresh_days),
            periods(p.max_model_days),
            periods(p.reselect_days),
        );
        let n = s.n_pairs();
        let first = s.eval_start;
        let none: Vec<Option<Method>> = vec![None; n];
        let mut models = build_models(s, first, &none, None, &fparams, &settings);
        let mut methods: Vec<Option<Method>> = models.iter().map(|m| Some(m.method)).collect();
        let mut modelled_at = vec![first; n];
        let mut index: Vec<u32> = (0..n as u32).collect();
        let mut curves: Vec<Compact> = models.iter().map(Compact::of).collect();
        let mut epochs = vec![(first, index.clone())];
        let (mut last_refresh, mut last_select) = (first, first);
        for e in first..s.eval_end {
            let obs = e + 1;
            let select = obs >= last_select + reselect;
            if !s.is_review_period(e) || !(select || obs >= last_refresh + refresh) {
                continue;
            }
            let keep: Vec<bool> = if select {
                models = build_models(s, obs, &none, None, &fparams, &settings);
                methods = models.iter().map(|m| Some(m.method)).collect();
                last_select = obs;
                vec![false; n]
            } else {
                let keep: Vec<bool> = (0..n)
                    .map(|q| {
                        obs < modelled_at[q] + max_age && lines_before(s, q, obs) == lines_before(s, q, modelled_at[q])
                    })
                    .collect();
                models = build_models(s, obs, &methods, Some((&models, &keep)), &fparams, &settings);
                keep
            };
            for (q, _) in keep.iter().enumerate().filter(|(_, k)| !**k) {
                index[q] = curves.len() as u32;
                curves.push(Compact::of(&models[q]));
                modelled_at[q] = obs;
            }
            epochs.push((obs, index.clone()));
            last_refresh = obs;
        }
        Plans {
            epochs,
            curves,
            params: p,
        }
    }
}

/// The policy at one fill rate: `allowed` = 1 - fill is each pair's share of stock-out lines.
pub struct ItemTarget<'a> {
    plans: &'a Plans,
    allowed: f64,
    epoch: Option<usize>,
    levels: Vec<Levels>,
}

impl<'a> ItemTarget<'a> {
    pub fn new(plans: &'a Plans, fill_rate: f64) -> ItemTarget<'a> {
        ItemTarget {
            plans,
            allowed: (1.0 - fill_rate).clamp(0.0, 1.0),
            epoch: None,
            levels: Vec::new(),
        }
    }

    /// Levels of the latest epoch observed by `observed` periods.
    fn sync(&mut self, observed: usize) {
        let epochs = &self.plans.epochs;
        let at = epochs.partition_point(|(n, _)| *n <= observed).saturating_sub(1);
        if self.epoch == Some(at) || epochs.is_empty() {
            return;
        }
        let curves = &self.plans.curves;
        self.levels = epochs[at]
            .1
            .iter()
            .map(|&i| curves[i as usize].levels(self.allowed))
            .collect();
        self.epoch = Some(at);
    }
}

impl Policy for ItemTarget<'_> {
    fn name(&self) -> &str {
        "item-target"
    }

    fn initial_stock(&mut self, view: &NetworkView) -> Vec<i64> {
        self.sync(view.observed_periods());
        self.levels.iter().map(|l| l.order_up_to.max(0)).collect()
    }

    fn review(&mut self, view: &NetworkView) -> Vec<Decision> {
        self.sync(view.observed_periods());
        let s = view.scenario();
        let mut decisions = Vec::new();
        for (pair, l) in self.levels.iter().enumerate().take(view.n_pairs()) {
            let pos = view.inventory_position(pair);
            if pos <= l.s && l.order_up_to > pos {
                let part = &s.parts[pair % s.n_parts()];
                let qty = round_to_pack(l.order_up_to - pos, part.moq, part.pack_size);
                decisions.push(Decision::Purchase { pair, qty });
            }
        }
        decisions
    }
}

/// Finds the loosest shared fill rate whose simulation meets `target` (a fill rate of lines,
/// e.g. 0.99): starting at the target itself, doubling or halving each pair's allowed share
/// until the network passes and fails on either side, then bisecting geometrically. Returns the
/// report of the loosest passing trial, or of the tightest trial when none passes.
pub fn tune(
    scenario: &Scenario,
    plans: &Plans,
    target: f64,
    mut run: impl FnMut(&Scenario, &mut dyn Policy) -> Report,
) -> Report {
    let network_allowed = (1.0 - target).max(0.0);
    let mut trials = 0u32;
    let mut trial = |allowed: f64| {
        trials += 1;
        let report = run(scenario, &mut ItemTarget::new(plans, 1.0 - allowed));
        let ok = report.overall.stockout_rate <= network_allowed + 1e-12;
        (report, ok)
    };
    let start = network_allowed.clamp(MIN_ALLOWED, MAX_ALLOWED);
    let (first, ok) = trial(start);
    // The loosest passing trial, or while none passed the tightest failing one.
    let mut chosen = (start, first);
    let mut reached = ok;
    // The tightest failing share above the chosen passing one.
    let mut fail_above = (!ok).then_some(start);
    let mut a = start;
    if ok {
        while fail_above.is_none() && a < MAX_ALLOWED {
            a = (a * 2.0).min(MAX_ALLOWED);
            match trial(a) {
                (r, true) => chosen = (a, r),
                (_, false) => fail_above = Some(a),
            }
        }
    } else {
        while !reached && a > MIN_ALLOWED {
            a = (a / 2.0).max(MIN_ALLOWED);
            let (r, ok) = trial(a);
            if ok {
                reached = true;
            } else {
                fail_above = Some(a);
            }
            chosen = (a, r);
        }
    }
    if let (true, Some(mut hi)) = (reached, fail_above) {
        for _ in 0..BISECTIONS {
            let mid = (chosen.0 * hi).sqrt();
            match trial(mid) {
                (r, true) => chosen = (mid, r),
                (_, false) => hi = mid,
            }
        }
    }
    let (allowed, mut best) = chosen;
    best.settings = settings(plans.params, 1.0 - allowed);
    best.tuning = Some(Tuning {
        target_fill_rate: target,
        safety_days: None,
        item_fill_rate: Some(1.0 - allowed),
        reached,
        trials,
    });
    best
}

/// Human-readable parameters for the report.
pub fn settings(p: ItemTargetParams, fill_rate: f64) -> String {
    format!(
        "item_fill_rate={fill_rate:.6} refresh_days={} max_model_days={} reselect_days={} \
         (the engine's forecasts; no allocation, transfers or calibration)",
        p.refresh_days, p.max_model_days, p.reselect_days
    )
}

#[cfg(test)]
mod tests;
