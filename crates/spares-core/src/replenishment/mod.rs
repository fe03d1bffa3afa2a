//! Replenishment optimisation: reorder points and order-up-to levels for every
//! (warehouse, part) pair so that the network meets one stock-out target (share of demand
//! lines not served at once) at the least inventory value. Pure math, no database.
//!
//! Flow for a caller (the simulator's engine, or the DB-backed service):
//! 1. [`model_item`] per pair: forecast (method selection if not given), the demand a line
//!    finds taken over the protection horizon, the batch size, and the item's convex
//!    cost-service curve ([`policy`]);
//! 2. [`plan`] over all pairs with one network [`Constraint`] (plus optional ones per region or
//!    criticality class): one shadow price decides every level ([`allocate`]);
//! 3. at review, order `S - position` (MOQ, packs) when the position is at or below s, after
//!    matching excess stock elsewhere to the need ([`rebalance`]);
//! 4. the internal target handed to [`plan`] comes from a backtest on the network's own recent
//!    history ([`calibrate`]), because the model does not see its own forecast errors.

pub mod allocate;
pub mod bound;
pub mod calibrate;
pub mod dist;
pub mod explain;
pub mod policy;
pub mod projection;
pub mod rebalance;
pub mod risk;
pub mod sizes;

pub use allocate::{allocate, Allocation, Constraint, Curve};
pub use policy::{order_quantity, round_to_pack, Level, OrderCosts};

use crate::forecast::select::select_ws;
use crate::forecast::{forecast_path_ws, Method, Params, Workspace};

/// Policy settings that are not data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// Minimum fill rate (1 - stock-out lines / lines) of every item, whatever the allocation
    /// would prefer; e.g. 0.995 for critical parts. 0 disables it.
    pub floor_fill_rate: f64,
    /// Batch up to the EOQ where it exceeds a review period's demand.
    pub use_eoq: bool,
}

impl Default for Settings {
    fn default() -> Self {
        // No floor: with one class of parts the allocation alone decides, and a floor would
        // only buy service where it is dearest.
        Settings {
            floor_fill_rate: 0.0,
            use_eoq: true,
        }
    }
}

/// What is known about one (warehouse, part) pair.
#[derive(Debug, Clone, Copy)]
pub struct ItemSpec<'a> {
    /// Demand per period, oldest first.
    pub history: &'a [f64],
    /// Demand lines and units in `history` (for the line rate and typical line size).
    pub lines: u64,
    pub units: u64,
    pub lead_periods: u32,
    pub review_periods: usize,
    pub periods_per_year: f64,
    pub unit_cost_cents: i64,
    pub holding_rate_per_year: f64,
    pub order_cost_cents: i64,
    pub moq: i64,
    pub pack_size: i64,
    /// Forecast method; `None` selects one on the history (the expensive part).
    pub method: Option<Method>,
    /// The pair's (pooled) line-size distribution; `None` takes every line to be of the mean
    /// size `units / lines`.
    pub line_sizes: Option<&'a sizes::LineSizes>,
}

/// One pair ready for the allocation.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemModel {
    pub method: Method,
    /// Forecast demand per period.
    pub level: f64,
    /// Batch size: S - s.
    pub batch: i64,
    pub curve: Curve,
}

impl AsRef<Curve> for ItemModel {
    fn as_ref(&self) -> &Curve {
        &self.curve
    }
}

/// Reorder point and order-up-to level of one pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Levels {
    pub s: i64,
    pub order_up_to: i64,
}

/// Builds one pair's model; `ws` and `scratch` are reused across pairs.
pub fn model_item(
    spec: &ItemSpec,
    params: &Params,
    settings: &Settings,
    ws: &mut Workspace,
    scratch: &mut policy::Scratch,
) -> ItemModel {
    let horizon = policy::protection_periods(spec.lead_periods, spec.review_periods);
    let method = spec
        .method
        .unwrap_or_else(|| select_ws(spec.history, horizon, params, ws).method);
    let path = forecast_path_ws(method, spec.history, horizon, params, ws);
    let level = path.iter().map(|v| v.max(0.0)).sum::<f64>() / horizon as f64;
    let batch = order_quantity(
        &OrderCosts {
            demand_per_period: level,
            review_periods: spec.review_periods,
            periods_per_year: spec.periods_per_year,
            unit_cost_cents: spec.unit_cost_cents,
            holding_rate_per_year: spec.holding_rate_per_year,
            order_cost_cents: spec.order_cost_cents,
            moq: spec.moq,
            pack_size: spec.pack_size,
        },
        settings.use_eoq,
    );
    let line_size = match spec.line_sizes {
        Some(sizes) => sizes.mean(),
        None if spec.lines > 0 => spec.units as f64 / spec.lines as f64,
        None => 1.0,
    };
    let line_rate = if level > 0.0 { level / line_size } else { 0.0 };
    let curve = if line_rate > 0.0 {
        // A line finds only part of the horizon's demand taken; the level's estimation error
        // is not scaled down with it, which is the cautious side.
        let share = policy::line_horizon_share(spec.lead_periods, spec.review_periods);
        let m = dist::moments(spec.history, &path).scaled(share);
        // With line sizes, the demand a line finds is a compound of such lines; without, a
        // negative binomial on units and lines of the mean size.
        let point;
        let (sizes, seen) = match spec.line_sizes {
            Some(sizes) => (sizes, sizes::compound_demand(m.mean, m.variance(), sizes)),
            None => {
                point = sizes::LineSizes::point(line_size.round().max(1.0) as u64);
                (&point, dist::Dist::new(m.mean, m.variance()))
            }
        };
        let levels = policy::item_levels_sized(&seen, line_rate, sizes, spec.unit_cost_cents, batch, scratch);
        Curve {
            levels: policy::hull(&levels, line_rate, settings.floor_fill_rate),
            line_rate,
        }
    } else {
        not_stocked()
    };
    ItemModel {
        method,
        level,
        batch,
        curve,
    }
}

/// The curve of a pair with no expected demand: hold nothing, buy back backorders.
pub fn not_stocked() -> Curve {
    Curve {
        levels: vec![Level {
            s: -1,
            value: 0.0,
            stockout_lines: 0.0,
        }],
        line_rate: 0.0,
    }
}

/// Levels of every pair meeting `constraints` (indices into `models`) at the least expected
/// inventory value, and the allocation's prices and expected rates.
pub fn plan(models: &[ItemModel], constraints: &[Constraint]) -> (Vec<Levels>, Allocation) {
    let a = allocate(models, constraints);
    let levels = models
        .iter()
        .zip(&a.picks)
        .map(|(m, &i)| levels_of(m.curve.levels[i].s, m.batch))
        .collect();
    (levels, a)
}

/// (s, S) from a reorder point and a batch; `s = -1` with a unit batch holds nothing.
pub fn levels_of(s: i64, batch: i64) -> Levels {
    Levels {
        s,
        order_up_to: s + batch.max(1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_and_plan_one_network() {
        let hist: Vec<f64> = (0..120).map(|t| if t % 3 == 0 { 2.0 } else { 0.0 }).collect();
        let spec = ItemSpec {
            history: &hist,
            lines: 40,
            units: 80,
            lead_periods: 5,
            review_periods: 1,
            periods_per_year: 365.0,
            unit_cost_cents: 10_000,
            holding_rate_per_year: 0.25,
            order_cost_cents: 5_000,
            moq: 1,
            pack_size: 1,
            method: None,
            line_sizes: None,
        };
        let (params, settings) = (Params::default(), Settings::default());
        let (mut ws, mut sc) = (Workspace::new(), policy::Scratch::default());
        let a = model_item(&spec, &params, &settings, &mut ws, &mut sc);
        let b = model_item(
            &ItemSpec {
                unit_cost_cents: 100,
                ..spec
            },
            &params,
            &settings,
            &mut ws,
            &mut sc,
        );
        assert!(a.level > 0.5 && a.level < 0.9, "{}", a.level);
        assert!((a.curve.line_rate - a.level / 2.0).abs() < 1e-12);
        let (lv, alloc) = plan(&[a, b], &[Constraint::network(2, 0.01)]);
        assert!(alloc.feasible && alloc.rates[0] <= 0.01 + 1e-12);
        assert!(lv[1].s >= lv[0].s && lv.iter().all(|l| l.order_up_to > l.s));
    }
}
