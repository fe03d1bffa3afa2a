//! Simulation figures: overall, per region and per warehouse.
//!
//! Counting is in units and integer cents; figures derived from them (rates, averages of money,
//! turnover) are `f64`, money in currency units.

use std::fmt;
use std::ops::AddAssign;

use serde::Serialize;

use super::scenario::Scenario;

/// Raw tallies for one warehouse over the evaluation.
#[derive(Debug, Clone, Default)]
pub struct Counters {
    /// Demand lines and units of warm pairs (pairs with demand in the history).
    pub lines: u64,
    pub units: i64,
    pub stockout_lines: u64,
    pub units_served_at_once: i64,
    /// All units delivered to customers, at once or from backorder, warm or cold.
    pub units_issued: i64,
    pub value_issued_cents: i128,
    pub cold_lines: u64,
    pub cold_units: i64,
    pub cold_served: u64,
    /// Sum over evaluation periods of end-of-period on-hand value.
    pub inventory_value_sum_cents: i128,
    pub purchase_orders: u64,
    pub units_purchased: i64,
    pub transfers_out: u64,
    pub units_transferred_out: i64,
    pub transfers_in: u64,
    pub backorders_at_end: i64,
}

impl AddAssign<&Counters> for Counters {
    fn add_assign(&mut self, o: &Counters) {
        self.lines += o.lines;
        self.units += o.units;
        self.stockout_lines += o.stockout_lines;
        self.units_served_at_once += o.units_served_at_once;
        self.units_issued += o.units_issued;
        self.value_issued_cents += o.value_issued_cents;
        self.cold_lines += o.cold_lines;
        self.cold_units += o.cold_units;
        self.cold_served += o.cold_served;
        self.inventory_value_sum_cents += o.inventory_value_sum_cents;
        self.purchase_orders += o.purchase_orders;
        self.units_purchased += o.units_purchased;
        self.transfers_out += o.transfers_out;
        self.units_transferred_out += o.units_transferred_out;
        self.transfers_in += o.transfers_in;
        self.backorders_at_end += o.backorders_at_end;
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Metrics {
    pub name: String,
    pub demand_lines: u64,
    pub demand_units: i64,
    pub stockout_lines: u64,
    /// Stock-out lines / demand lines (warm pairs only); 0 without lines.
    pub stockout_rate: f64,
    /// The same over every line, cold starts included: (stock-out lines + cold-start lines not
    /// served at once) / (demand lines + cold-start lines); 0 without lines.
    pub stockout_rate_all: f64,
    /// Units served at once / units demanded (warm pairs only); 1 without demand.
    pub unit_fill_rate: f64,
    pub units_issued: i64,
    pub value_issued: f64,
    /// Mean over evaluation periods of the end-of-period on-hand value.
    pub avg_inventory_value: f64,
    /// Issued value per year / average inventory value; `None` when nothing was held.
    pub turnover: Option<f64>,
    pub purchase_orders: u64,
    pub units_purchased: i64,
    /// Transfers sent (each counted once, at the source).
    pub transfers: u64,
    pub units_transferred: i64,
    pub transfers_received: u64,
    pub cold_start_lines: u64,
    pub cold_start_units: i64,
    pub cold_start_served: u64,
    pub backorders_at_end: i64,
}

impl Metrics {
    fn from_counters(name: String, c: &Counters, eval_periods: usize, years: f64) -> Metrics {
        let avg_inventory_value = cents(c.inventory_value_sum_cents) / eval_periods.max(1) as f64;
        let value_issued = cents(c.value_issued_cents);
        let turnover = (avg_inventory_value > 0.0 && years > 0.0).then(|| value_issued / years / avg_inventory_value);
        Metrics {
            name,
            demand_lines: c.lines,
            demand_units: c.units,
            stockout_lines: c.stockout_lines,
            stockout_rate: ratio(c.stockout_lines as f64, c.lines as f64, 0.0),
            stockout_rate_all: ratio(
                (c.stockout_lines + c.cold_lines - c.cold_served) as f64,
                (c.lines + c.cold_lines) as f64,
                0.0,
            ),
            unit_fill_rate: ratio(c.units_served_at_once as f64, c.units as f64, 1.0),
            units_issued: c.units_issued,
            value_issued,
            avg_inventory_value,
            turnover,
            purchase_orders: c.purchase_orders,
            units_purchased: c.units_purchased,
            transfers: c.transfers_out,
            units_transferred: c.units_transferred_out,
            transfers_received: c.transfers_in,
            cold_start_lines: c.cold_lines,
            cold_start_units: c.cold_units,
            cold_start_served: c.cold_served,
            backorders_at_end: c.backorders_at_end,
        }
    }
}

fn cents(c: i128) -> f64 {
    c as f64 / 100.0
}

fn ratio(num: f64, den: f64, empty: f64) -> f64 {
    if den > 0.0 {
        num / den
    } else {
        empty
    }
}

/// How a baseline was tuned to a target: minmax's safety days or item-target's fill rate.
#[derive(Debug, Clone, Serialize)]
pub struct Tuning {
    pub target_fill_rate: f64,
    /// minmax's safety days found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub safety_days: Option<f64>,
    /// item-target's fill rate shared by every pair.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item_fill_rate: Option<f64>,
    pub reached: bool,
    /// Full simulations run by the search.
    pub trials: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub scenario: String,
    pub policy: String,
    /// The policy's parameters, as text.
    pub settings: String,
    pub period: String,
    /// Periods before the evaluation.
    pub history_periods: usize,
    pub eval_periods: usize,
    pub overall: Metrics,
    pub regions: Vec<Metrics>,
    pub warehouses: Vec<Metrics>,
    /// Policy decisions ignored as malformed (bad index, non-positive quantity).
    pub rejected_decisions: u64,
    pub tuning: Option<Tuning>,
    /// Wall time of this simulation run; set by a caller with a clock (the engine has none).
    pub run_seconds: f64,
    /// Wall time including loading and any tuning; set by the service's `simulate`.
    pub total_seconds: f64,
}

impl Report {
    pub fn build(scenario: &Scenario, policy: &str, per_warehouse: &[Counters], rejected: u64) -> Report {
        let eval_periods = scenario.eval_end - scenario.eval_start;
        let years = eval_periods as f64 * scenario.config.period.days() / 365.25;
        let mut regions = vec![Counters::default(); scenario.regions.len()];
        let mut overall = Counters::default();
        for (w, c) in per_warehouse.iter().enumerate() {
            regions[scenario.warehouses[w].region] += c;
            overall += c;
        }
        let m = |name: &str, c: &Counters| Metrics::from_counters(name.to_string(), c, eval_periods, years);
        Report {
            scenario: scenario.name.clone(),
            policy: policy.to_string(),
            settings: String::new(),
            period: scenario.config.period.as_str().to_string(),
            history_periods: scenario.eval_start,
            eval_periods,
            overall: m("overall", &overall),
            regions: scenario.regions.iter().zip(&regions).map(|(n, c)| m(n, c)).collect(),
            warehouses: scenario
                .warehouses
                .iter()
                .zip(per_warehouse)
                .map(|(w, c)| m(&w.code, c))
                .collect(),
            rejected_decisions: rejected,
            tuning: None,
            run_seconds: 0.0,
            total_seconds: 0.0,
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "scenario {} | policy {} | {} x {}",
            self.scenario, self.policy, self.eval_periods, self.period
        )?;
        if let Some(t) = &self.tuning {
            let found = match (t.safety_days, t.item_fill_rate) {
                (Some(d), _) => format!("safety days {d:.0}"),
                (None, Some(r)) => format!("item fill rate {:.4}%", r * 100.0),
                (None, None) => String::new(),
            };
            write!(
                f,
                " | target {:.3}: {found}{} ({} runs)",
                t.target_fill_rate,
                if t.reached { "" } else { " (target NOT reached)" },
                t.trials
            )?;
        }
        writeln!(f, " | {:.2}s", self.total_seconds)?;
        if !self.settings.is_empty() {
            writeln!(f, "settings: {}", self.settings)?;
        }
        writeln!(
            f,
            "{:<14} {:>9} {:>8} {:>8} {:>8} {:>7} {:>14} {:>6} {:>7} {:>7} {:>9} {:>11}",
            "",
            "lines",
            "so",
            "so rate",
            "so all",
            "fill",
            "avg inv value",
            "turns",
            "POs",
            "xfers",
            "xfer u",
            "cold srv/n"
        )?;
        let rows = std::iter::once(&self.overall)
            .chain(&self.regions)
            .chain(&self.warehouses);
        for (i, m) in rows.enumerate() {
            if i == 1 || i == 1 + self.regions.len() {
                writeln!(f)?;
            }
            let turns = m.turnover.map(|t| format!("{t:.2}")).unwrap_or_else(|| "-".into());
            writeln!(
                f,
                "{:<14} {:>9} {:>8} {:>7.2}% {:>7.2}% {:>6.2}% {:>14.2} {:>6} {:>7} {:>7} {:>9} {:>11}",
                m.name,
                m.demand_lines,
                m.stockout_lines,
                m.stockout_rate * 100.0,
                m.stockout_rate_all * 100.0,
                m.unit_fill_rate * 100.0,
                m.avg_inventory_value,
                turns,
                m.purchase_orders,
                m.transfers,
                m.units_transferred,
                format!("{}/{}", m.cold_start_served, m.cold_start_lines)
            )?;
        }
        Ok(())
    }
}
