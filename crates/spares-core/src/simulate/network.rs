//! The simulated network state and the period loop.
//!
//! Timing, per evaluation period `e`:
//! 1. arrivals due at `e` land and fill that pair's backorders, oldest first;
//! 2. the period's demand lines are served in file order from the requesting warehouse; a line
//!    not served in full at once takes what is there, backorders the rest and counts as a
//!    stock-out line;
//! 3. in a review period, the policy decides and every decision is carried out: a purchase or
//!    transfer decided at the end of `e` with a lead time of `L` periods lands at the start of
//!    `e + L + 1`; a transfer leaves the source's on-hand at once;
//! 4. inventory value is measured (end of period).
//!
//! The evaluation starts with nothing in the pipeline and no backorders.

use std::collections::VecDeque;

use super::policy::{Decision, NetworkView, Policy};
use super::report::{Counters, Report};
use super::scenario::Scenario;

/// Units due to land at a pair at the start of some period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arrival {
    pub pair: usize,
    pub qty: i64,
    /// `true` for a transfer from another warehouse, `false` for a purchase.
    pub transfer: bool,
}

struct Network<'a> {
    scenario: &'a Scenario,
    on_hand: Vec<i64>,
    backorders: Vec<i64>,
    /// Per pair, unserved units as `(period, units)`, oldest first.
    backorder_queue: Vec<VecDeque<(u32, i64)>>,
    on_order: Vec<i64>,
    in_transit_in: Vec<i64>,
    /// Indexed by landing period; arrivals after the horizon are not stored as they never land.
    arrivals: Vec<Vec<Arrival>>,
    warm: Vec<bool>,
    /// Per warehouse.
    counters: Vec<Counters>,
    rejected: u64,
}

impl<'a> Network<'a> {
    fn new(scenario: &'a Scenario) -> Network<'a> {
        let n = scenario.n_pairs();
        Network {
            scenario,
            on_hand: vec![0; n],
            backorders: vec![0; n],
            backorder_queue: vec![VecDeque::new(); n],
            on_order: vec![0; n],
            in_transit_in: vec![0; n],
            arrivals: vec![Vec::new(); scenario.n_periods()],
            warm: (0..n).map(|p| scenario.is_warm(p)).collect(),
            counters: vec![Counters::default(); scenario.n_warehouses()],
            rejected: 0,
        }
    }

    fn view(&self, period: usize, observed: usize) -> NetworkView<'_> {
        NetworkView {
            scenario: self.scenario,
            period,
            observed,
            on_hand: &self.on_hand,
            backorders: &self.backorders,
            on_order: &self.on_order,
            in_transit_in: &self.in_transit_in,
            arrivals: &self.arrivals,
        }
    }

    fn cost(&self, pair: usize) -> i128 {
        i128::from(self.scenario.parts[pair % self.scenario.n_parts()].unit_cost_cents)
    }

    fn issue(&mut self, pair: usize, units: i64) {
        let cost = self.cost(pair);
        let c = &mut self.counters[pair / self.scenario.n_parts()];
        c.units_issued += units;
        c.value_issued_cents += cost * i128::from(units);
    }

    fn land(&mut self, period: usize) {
        let due = std::mem::take(&mut self.arrivals[period]);
        for a in &due {
            self.on_hand[a.pair] += a.qty;
            if a.transfer {
                self.in_transit_in[a.pair] -= a.qty;
            } else {
                self.on_order[a.pair] -= a.qty;
            }
        }
        for a in &due {
            self.fill_backorders(a.pair);
        }
    }

    fn fill_backorders(&mut self, pair: usize) {
        let mut filled = 0;
        while self.on_hand[pair] > 0 {
            let Some(front) = self.backorder_queue[pair].front_mut() else {
                break;
            };
            let take = front.1.min(self.on_hand[pair]);
            front.1 -= take;
            self.on_hand[pair] -= take;
            filled += take;
            if front.1 == 0 {
                self.backorder_queue[pair].pop_front();
            }
        }
        if filled > 0 {
            self.backorders[pair] -= filled;
            self.issue(pair, filled);
        }
    }

    fn serve(&mut self, period: usize) {
        let n_parts = self.scenario.n_parts();
        for line in self.scenario.demand.lines_in(period) {
            let pair = line.pair as usize;
            let qty = i64::from(line.qty);
            let take = qty.min(self.on_hand[pair].max(0));
            self.on_hand[pair] -= take;
            let short = qty - take;
            if short > 0 {
                self.backorders[pair] += short;
                self.backorder_queue[pair].push_back((period as u32, short));
            }
            let warm = self.warm[pair];
            let c = &mut self.counters[pair / n_parts];
            if warm {
                c.lines += 1;
                c.units += qty;
                c.units_served_at_once += take;
                if short > 0 {
                    c.stockout_lines += 1;
                }
            } else {
                c.cold_lines += 1;
                c.cold_units += qty;
                if short == 0 {
                    c.cold_served += 1;
                }
            }
            if take > 0 {
                self.issue(pair, take);
            }
        }
    }

    fn execute(&mut self, period: usize, decisions: &[Decision]) {
        let s = self.scenario;
        let (n_wh, n_parts) = (s.n_warehouses(), s.n_parts());
        for d in decisions {
            match *d {
                Decision::Purchase { pair, qty } => {
                    if pair >= s.n_pairs() || qty <= 0 {
                        self.rejected += 1;
                        continue;
                    }
                    let lead = s.parts[pair % n_parts].lead_periods as usize;
                    self.on_order[pair] += qty;
                    self.schedule(
                        period + lead + 1,
                        Arrival {
                            pair,
                            qty,
                            transfer: false,
                        },
                    );
                    let c = &mut self.counters[pair / n_parts];
                    c.purchase_orders += 1;
                    c.units_purchased += qty;
                }
                Decision::Transfer {
                    part,
                    from_wh,
                    to_wh,
                    qty,
                } => {
                    if part >= n_parts || from_wh >= n_wh || to_wh >= n_wh || from_wh == to_wh || qty <= 0 {
                        self.rejected += 1;
                        continue;
                    }
                    let (src, dst) = (s.pair(from_wh, part), s.pair(to_wh, part));
                    let qty = qty.min(self.on_hand[src]);
                    if qty <= 0 {
                        continue;
                    }
                    self.on_hand[src] -= qty;
                    self.in_transit_in[dst] += qty;
                    let lead = s.lane(from_wh, to_wh) as usize;
                    self.schedule(
                        period + lead + 1,
                        Arrival {
                            pair: dst,
                            qty,
                            transfer: true,
                        },
                    );
                    self.counters[from_wh].transfers_out += 1;
                    self.counters[from_wh].units_transferred_out += qty;
                    self.counters[to_wh].transfers_in += 1;
                }
            }
        }
    }

    fn schedule(&mut self, period: usize, arrival: Arrival) {
        if let Some(slot) = self.arrivals.get_mut(period) {
            slot.push(arrival);
        }
    }

    fn measure(&mut self) {
        let n_parts = self.scenario.n_parts();
        for (wh, c) in self.counters.iter_mut().enumerate() {
            let base = wh * n_parts;
            let value: i128 = self.scenario.parts.iter().enumerate().fold(0, |acc, (p, part)| {
                acc + i128::from(self.on_hand[base + p]) * i128::from(part.unit_cost_cents)
            });
            c.inventory_value_sum_cents += value;
        }
    }
}

/// Simulates the evaluation periods of `scenario` under `policy`. The report's times are 0: the
/// engine has no clock, a caller that has one fills them in.
pub fn run(scenario: &Scenario, policy: &mut dyn Policy) -> Report {
    let mut net = Network::new(scenario);
    let first = scenario.eval_start;
    let initial = match &scenario.initial_stock {
        Some(stock) => stock.clone(),
        None => policy.initial_stock(&net.view(first, first)),
    };
    for (pair, v) in initial.into_iter().enumerate().take(scenario.n_pairs()) {
        net.on_hand[pair] = v.max(0);
    }
    for e in first..scenario.eval_end {
        net.land(e);
        net.serve(e);
        if scenario.is_review_period(e) {
            let decisions = policy.review(&net.view(e, e + 1));
            net.execute(e, &decisions);
        }
        net.measure();
    }
    for (pair, &b) in net.backorders.iter().enumerate() {
        net.counters[pair / scenario.n_parts()].backorders_at_end += b;
    }
    Report::build(scenario, policy.name(), &net.counters, net.rejected)
}
