//! The `engine` and `engine-no-transfers` policies: the replenishment engine
//! ([`crate::replenishment`]) driven by the simulator.
//!
//! - Models: per pair a forecast method (selected on the history every `reselect_days`), the
//!   forecast and lead-time demand refreshed every `refresh_days`, and the cost-service curve.
//! - Levels: one network allocation at the internal target after every refresh.
//! - Internal target: calibrated at the start and every `recalibrate_days` by replaying the
//!   last `backtest_days` of the network's own history with models rebuilt every
//!   `backtest_refresh_days` from the data before each origin (the forecast methods are the
//!   ones in force). No transfers in the replay.
//! - Review: pairs at or below s first take excess stock of other warehouses (same region
//!   first, never slower than a purchase), then buy up to S with MOQ and packs.

use std::collections::BTreeMap;

use crate::forecast::{Method, Params};
use crate::replenishment::calibrate::Trial;
use crate::replenishment::rebalance::{self, Need, Offer};
use crate::replenishment::{plan, round_to_pack, Constraint, ItemModel, Levels, Settings};

use super::policy::{Decision, NetworkView, Policy};
use super::scenario::Scenario;

mod calibration;
mod models;

pub use models::forecast_params;
pub(crate) use models::{build_models, lines_before};

/// One calibration of a simulated run.
#[derive(Debug, Clone, PartialEq)]
pub struct CalibrationLog {
    /// Periods observed when it ran.
    pub observed: usize,
    /// The internal target chosen.
    pub internal: f64,
    /// The highest replayed rate accepted (the bound's goal).
    pub goal: f64,
    /// No trial reached the goal, not even at the tightest levels the model allows.
    pub at_limit: bool,
    pub trials: Vec<Trial>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EngineParams {
    pub transfers: bool,
    /// Allowed share of stock-out lines; `None` takes `1 - target_fill_rate` of the scenario.
    pub target: Option<f64>,
    /// The same share per region as well, when set.
    pub region_target: Option<f64>,
    pub settings: Settings,
    pub refresh_days: u32,
    /// A pair without new demand lines is re-modelled at least this often.
    pub max_model_days: u32,
    pub reselect_days: u32,
    pub recalibrate_days: u32,
    /// Length of the replayed history (at most a third of what is known, so the replay's
    /// models see two thirds of it).
    pub backtest_days: u32,
    /// Forecast refresh interval inside a replay; coarser than live to keep replays cheap.
    pub backtest_refresh_days: u32,
    /// One-sided confidence that the replayed levels' true rate is under the target
    /// ([`crate::replenishment::bound`]): a replay is one sample of a noisy future.
    pub confidence: f64,
    /// Skips calibration and uses this internal target (for experiments and tests).
    pub fixed_internal: Option<f64>,
}

impl Default for EngineParams {
    fn default() -> Self {
        EngineParams {
            transfers: true,
            target: None,
            region_target: None,
            settings: Settings::default(),
            refresh_days: 7,
            max_model_days: 28,
            reselect_days: 364,
            recalibrate_days: 91,
            backtest_days: 365,
            backtest_refresh_days: 28,
            confidence: crate::replenishment::bound::CONFIDENCE,
            fixed_internal: None,
        }
    }
}

pub struct Engine {
    p: EngineParams,
    fparams: Params,
    methods: Vec<Option<Method>>,
    models: Vec<ItemModel>,
    /// Per pair, a slowly decaying maximum of its recent S: what it keeps before giving.
    peak: Vec<i64>,
    /// Per pair, the observed periods its model was built on.
    modelled_at: Vec<usize>,
    levels: Vec<Levels>,
    internal: f64,
    ready: bool,
    last_refresh: usize,
    last_select: usize,
    last_calibration: usize,
    /// Replay models by origin period (multiples of the replay step), reused by the next
    /// calibration whose window still covers them: each origin is modelled once.
    replay_models: BTreeMap<usize, Vec<ItemModel>>,
    /// Each calibration's outcome.
    log: Vec<CalibrationLog>,
}

impl Engine {
    pub fn new(p: EngineParams) -> Engine {
        Engine {
            p,
            fparams: Params::default(),
            methods: Vec::new(),
            models: Vec::new(),
            modelled_at: Vec::new(),
            peak: Vec::new(),
            levels: Vec::new(),
            internal: 0.0,
            ready: false,
            last_refresh: 0,
            last_select: 0,
            last_calibration: 0,
            replay_models: BTreeMap::new(),
            log: Vec::new(),
        }
    }

    /// Human-readable parameters and calibration outcomes for the report.
    pub fn settings(&self, scenario: &Scenario) -> String {
        let ext = self.external(scenario);
        let cal: Vec<String> = self
            .log
            .iter()
            .map(|c| {
                // `!`: no trial reached the goal even at the tightest levels the model allows.
                let limit = if c.at_limit { "!" } else { "" };
                format!(
                    "{}:{:.4}%<={:.3}%{limit}",
                    c.observed,
                    c.internal * 100.0,
                    c.goal * 100.0
                )
            })
            .collect();
        format!(
            "target={:.2}% confidence={} floor={} eoq={} refresh_days={} internal targets (at observed period: internal <= replay goal, ! at the model's limit) [{}]",
            ext * 100.0,
            self.p.confidence,
            self.p.settings.floor_fill_rate,
            self.p.settings.use_eoq,
            self.p.refresh_days,
            cal.join(" ")
        )
    }

    /// Calibration trials, for diagnostics.
    pub fn calibrations(&self) -> &[CalibrationLog] {
        &self.log
    }

    fn external(&self, s: &Scenario) -> f64 {
        self.p
            .target
            .unwrap_or(1.0 - s.config.target_fill_rate)
            .clamp(1e-6, 1.0)
    }

    fn periods(s: &Scenario, days: u32) -> usize {
        (s.config.period.periods_for_days(days) as usize).max(1)
    }

    /// Models of every pair from the history before period `upto` (see [`build_models`]).
    fn build(
        &self,
        s: &Scenario,
        upto: usize,
        methods: &[Option<Method>],
        old: Option<(&[ItemModel], &[bool])>,
    ) -> Vec<ItemModel> {
        build_models(s, upto, methods, old, &self.fparams, &self.p.settings)
    }

    fn constraints(&self, s: &Scenario, internal: f64) -> Vec<Constraint> {
        let mut c = vec![Constraint::network(s.n_pairs(), internal)];
        if let Some(rt) = self.p.region_target {
            // Scaled like the network target: the calibration measured the model's optimism.
            let scaled = rt * internal / self.external(s);
            for r in 0..s.regions.len() {
                let members = (0..s.n_pairs())
                    .filter(|&p| s.warehouses[p / s.n_parts()].region == r)
                    .collect();
                c.push(Constraint {
                    members,
                    max_rate: scaled,
                });
            }
        }
        c
    }

    fn select_all(&mut self, s: &Scenario, upto: usize) {
        let none = vec![None; s.n_pairs()];
        let models = self.build(s, upto, &none, None);
        self.methods = models.iter().map(|m| Some(m.method)).collect();
        self.last_select = upto;
        self.models = models;
        self.modelled_at = vec![upto; s.n_pairs()];
    }

    /// Re-models the pairs with new demand lines or a model older than `max_model_days`, and
    /// re-allocates all of them.
    fn refresh(&mut self, s: &Scenario, n: usize) {
        let max_age = Self::periods(s, self.p.max_model_days);
        let fresh = self.models.len() == s.n_pairs() && self.modelled_at.len() == s.n_pairs();
        let keep: Vec<bool> = (0..s.n_pairs())
            .map(|p| {
                fresh
                    && n < self.modelled_at[p] + max_age
                    && lines_before(s, p, n) == lines_before(s, p, self.modelled_at[p])
            })
            .collect();
        let models = self.build(s, n, &self.methods, Some((&self.models, &keep)));
        self.modelled_at.resize(s.n_pairs(), n);
        for (at, k) in self.modelled_at.iter_mut().zip(&keep) {
            if !k {
                *at = n;
            }
        }
        self.models = models;
        let cons = self.constraints(s, self.internal);
        self.levels = plan(&self.models, &cons).0;
        self.peak.resize(self.levels.len(), 0);
        for (pk, l) in self.peak.iter_mut().zip(&self.levels) {
            // An eighth off per refresh: a dip of a few weeks does not free the stock, a lasting
            // fall does.
            *pk = l.order_up_to.max(*pk - *pk / 8);
        }
        self.last_refresh = n;
    }

    /// Brings models, levels and the internal target up to the view.
    fn catch_up(&mut self, view: &NetworkView) {
        let s = view.scenario();
        let n = view.observed_periods();
        if !self.ready {
            self.fparams = forecast_params(s.config.period);
            self.select_all(s, n);
            self.calibrate(s, n);
            self.refresh(s, n);
            self.ready = true;
            return;
        }
        let mut stale = n >= self.last_refresh + Self::periods(s, self.p.refresh_days);
        if n >= self.last_calibration + Self::periods(s, self.p.recalibrate_days) {
            self.calibrate(s, n);
            stale = true;
        }
        if n >= self.last_select + Self::periods(s, self.p.reselect_days) {
            self.select_all(s, n);
            stale = true;
        }
        if stale {
            self.refresh(s, n);
        }
    }
}

impl Policy for Engine {
    fn name(&self) -> &str {
        if self.p.transfers {
            "engine"
        } else {
            "engine-no-transfers"
        }
    }

    fn initial_stock(&mut self, view: &NetworkView) -> Vec<i64> {
        self.catch_up(view);
        self.levels.iter().map(|l| l.order_up_to.max(0)).collect()
    }

    fn review(&mut self, view: &NetworkView) -> Vec<Decision> {
        self.catch_up(view);
        let s = view.scenario();
        let (n_wh, n_parts) = (s.n_warehouses(), s.n_parts());
        let region: Vec<usize> = s.warehouses.iter().map(|w| w.region).collect();
        let lane = |f: usize, t: usize| s.lane(f, t);
        let mut decisions = Vec::new();
        let mut needs: Vec<Need> = Vec::new();
        let mut offers: Vec<Offer> = Vec::new();
        let mut got = vec![0i64; n_wh];
        for part in 0..n_parts {
            let info = &s.parts[part];
            needs.clear();
            offers.clear();
            for wh in 0..n_wh {
                let pair = s.pair(wh, part);
                let l = self.levels[pair];
                let pos = view.inventory_position(pair);
                if pos <= l.s && l.order_up_to > pos {
                    needs.push(Need {
                        warehouse: wh,
                        qty: l.order_up_to - pos,
                        purchase_lead: info.lead_periods,
                    });
                } else if self.p.transfers {
                    // A giver keeps a batch above its recent peak S: S follows a forecast that
                    // dips with seasons and demand gaps, and stock shipped on such a dip comes
                    // back as the giver's own stock-outs.
                    let peak = self.peak.get(pair).copied().unwrap_or(0);
                    let keep = l.order_up_to.max(peak).max(0) + (l.order_up_to - l.s).max(0);
                    let x = rebalance::excess(view.on_hand(pair), pos, keep);
                    if x > 0 {
                        offers.push(Offer { warehouse: wh, qty: x });
                    }
                }
            }
            if needs.is_empty() {
                continue;
            }
            got[..].fill(0);
            if self.p.transfers && !offers.is_empty() {
                // Deepest shortfall first: it is the one a purchase would leave short longest.
                needs.sort_by_key(|n| std::cmp::Reverse(n.qty));
                for m in rebalance::match_part(&needs, &mut offers, &region, &lane) {
                    got[m.to] += m.qty;
                    decisions.push(Decision::Transfer {
                        part,
                        from_wh: m.from,
                        to_wh: m.to,
                        qty: m.qty,
                    });
                }
            }
            for n in &needs {
                let pair = s.pair(n.warehouse, part);
                let l = self.levels[pair];
                let pos = view.inventory_position(pair) + got[n.warehouse];
                if pos <= l.s && l.order_up_to > pos {
                    let qty = round_to_pack(l.order_up_to - pos, info.moq, info.pack_size);
                    decisions.push(Decision::Purchase { pair, qty });
                }
            }
        }
        decisions
    }
}
