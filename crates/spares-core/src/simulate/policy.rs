//! The interface between the simulator and a replenishment policy.
//!
//! Pairs are `warehouse * n_parts + part` (see [`Scenario::pair`]); all quantities are units.

use super::network::Arrival;
use super::scenario::{DemandLine, Scenario};

/// One action of a review, carried out by the simulator at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Buy `qty` units for `pair` from the part's supplier; lands after the part's lead periods.
    /// The simulator does not apply MOQ or pack size: that is the policy's job.
    Purchase { pair: usize, qty: i64 },
    /// Move up to `qty` units of `part` now from `from_wh`'s on-hand (capped at what it has);
    /// lands at `to_wh` after the lane's lead periods.
    Transfer {
        part: usize,
        from_wh: usize,
        to_wh: usize,
        qty: i64,
    },
}

pub trait Policy {
    fn name(&self) -> &str;
    /// On hand per pair at the start of the evaluation, used when the scenario has no
    /// `stock.csv`. The view shows the history before the first evaluation period.
    fn initial_stock(&mut self, view: &NetworkView) -> Vec<i64>;
    /// Called at the end of each review period, after that period's demand was served.
    fn review(&mut self, view: &NetworkView) -> Vec<Decision>;
}

/// A read-only look at the network for a policy.
pub struct NetworkView<'a> {
    pub(crate) scenario: &'a Scenario,
    pub(crate) period: usize,
    pub(crate) observed: usize,
    pub(crate) on_hand: &'a [i64],
    pub(crate) backorders: &'a [i64],
    pub(crate) on_order: &'a [i64],
    pub(crate) in_transit_in: &'a [i64],
    pub(crate) arrivals: &'a [Vec<Arrival>],
}

impl<'a> NetworkView<'a> {
    /// Lead times, costs, warehouses' regions and kinds, the calendar and the config.
    pub fn scenario(&self) -> &'a Scenario {
        self.scenario
    }

    /// The period being reviewed (for `initial_stock`: the first evaluation period).
    pub fn period(&self) -> usize {
        self.period
    }

    /// Number of periods whose demand is known: `period + 1` in a review, `eval_start` in
    /// `initial_stock`.
    pub fn observed_periods(&self) -> usize {
        self.observed
    }

    pub fn n_pairs(&self) -> usize {
        self.on_hand.len()
    }

    pub fn on_hand(&self, pair: usize) -> i64 {
        self.on_hand[pair]
    }

    /// Units demanded but not yet delivered.
    pub fn backorders(&self, pair: usize) -> i64 {
        self.backorders[pair]
    }

    /// Purchased units not yet arrived.
    pub fn on_order(&self, pair: usize) -> i64 {
        self.on_order[pair]
    }

    /// Units on their way to this pair from other warehouses.
    pub fn in_transit_in(&self, pair: usize) -> i64 {
        self.in_transit_in[pair]
    }

    /// on_hand + on_order + in_transit_in - backorders.
    pub fn inventory_position(&self, pair: usize) -> i64 {
        self.on_hand[pair] + self.on_order[pair] + self.in_transit_in[pair] - self.backorders[pair]
    }

    /// Whole-network slices, indexed by pair.
    pub fn on_hand_all(&self) -> &'a [i64] {
        self.on_hand
    }

    pub fn backorders_all(&self) -> &'a [i64] {
        self.backorders
    }

    pub fn on_order_all(&self) -> &'a [i64] {
        self.on_order
    }

    pub fn in_transit_in_all(&self) -> &'a [i64] {
        self.in_transit_in
    }

    /// Demand totals per period of `pair` for periods `0..observed_periods()`, zero-filled.
    pub fn history(&self, pair: usize) -> &'a [u32] {
        self.scenario.demand.history(pair, self.observed)
    }

    /// Demand lines of an observed period, in the order they were served; empty for periods
    /// not yet observed.
    pub fn lines_in(&self, period: usize) -> &'a [DemandLine] {
        if period < self.observed {
            self.scenario.demand.lines_in(period)
        } else {
            &[]
        }
    }

    /// Purchases and transfers due to land at the start of `period` (for a future period).
    pub fn arrivals_due(&self, period: usize) -> &'a [Arrival] {
        if period > self.period {
            self.arrivals.get(period).map(Vec::as_slice).unwrap_or(&[])
        } else {
            &[]
        }
    }
}
