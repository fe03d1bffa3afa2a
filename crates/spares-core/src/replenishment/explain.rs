//! The figures that explain one proposal: what the position covers without and with the
//! candidate quantity, and which constraint set the pair's level. Shared by the replenishment
//! run, a planner's edit and a preview, so all three show the same numbers for the same inputs.

use super::allocate::{Allocation, Constraint, Curve};
use super::dist::Dist;

/// Expected share of demand lines served at once from a position: P(lead-time demand < position).
pub fn fill_rate(dist: &Dist, position: i64) -> f64 {
    if position <= 0 {
        0.0
    } else {
        dist.cdf((position - 1) as u64)
    }
}

/// What one candidate proposal is judged on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Inputs {
    /// Inventory position before the candidate (on hand - reserved + in flight).
    pub position: i64,
    /// Forecast units per day.
    pub daily_rate: f64,
    /// Lead time of the pair's policy, in days.
    pub lead_days: i64,
    /// Days until the candidate arrives (the supplier's lead time, or the lane's days).
    pub arrives_in_days: i64,
    /// Days between reviews: the next chance to order again.
    pub review_days: i64,
    /// Mean and variance of the demand over lead time + review period.
    pub mean: f64,
    pub variance: f64,
    /// The candidate quantity.
    pub quantity: i64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Figures {
    /// Forecast demand over the policy's lead time.
    pub forecast_over_lead_time: f64,
    pub fill_rate_without: f64,
    pub fill_rate_with: f64,
    /// Days the position lasts at the forecast rate; `None` without demand.
    pub days_of_cover: Option<f64>,
    pub days_of_cover_with: Option<f64>,
    /// Whole days from today until the position without the candidate runs out, when that
    /// happens before the candidate and the next review's order could both land
    /// (`arrives_in_days + review_days`); `None` otherwise.
    pub stockout_in_days: Option<i64>,
}

/// The figures of one candidate.
pub fn figures(x: &Inputs) -> Figures {
    let dist = Dist::new(x.mean, x.variance);
    let cover = |position: i64| (x.daily_rate > 0.0).then(|| position.max(0) as f64 / x.daily_rate);
    let horizon = x.arrives_in_days.max(0) + x.review_days.max(1);
    let stockout_in_days = cover(x.position)
        .map(|days| days.floor() as i64)
        .filter(|days| *days <= horizon);
    Figures {
        forecast_over_lead_time: x.daily_rate * x.lead_days.max(0) as f64,
        fill_rate_without: fill_rate(&dist, x.position),
        fill_rate_with: fill_rate(&dist, x.position + x.quantity),
        days_of_cover: cover(x.position),
        days_of_cover_with: cover(x.position + x.quantity),
        stockout_in_days,
    }
}

/// Per item, the constraint whose shadow price set its level: the highest positive price
/// among the constraints it belongs to (an item pays that price); `None` when no price is
/// positive (every target is met at the item's cheapest level).
pub fn binding_constraints(allocation: &Allocation, constraints: &[Constraint], n_items: usize) -> Vec<Option<usize>> {
    let mut best: Vec<Option<(usize, f64)>> = vec![None; n_items];
    for (ci, c) in constraints.iter().enumerate() {
        let price = allocation.prices.get(ci).copied().unwrap_or(0.0);
        if price <= 0.0 {
            continue;
        }
        for &i in &c.members {
            if let Some(slot) = best.get_mut(i) {
                if slot.is_none_or(|(_, p)| price > p) {
                    *slot = Some((ci, price));
                }
            }
        }
    }
    best.into_iter().map(|b| b.map(|(ci, _)| ci)).collect()
}

/// Whether an item's fill-rate floor, not a price, set its level: it sits on the first level
/// of its hull and the floor cut the levels below it away (a hull starts at s = -1 otherwise).
pub fn floor_binds(curve: &Curve, pick: usize) -> bool {
    pick == 0 && curve.levels.first().is_some_and(|l| l.s > -1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replenishment::policy::Level;

    fn inputs(position: i64, quantity: i64) -> Inputs {
        Inputs {
            position,
            daily_rate: 2.0,
            lead_days: 6,
            arrives_in_days: 6,
            review_days: 1,
            mean: 14.0,
            variance: 14.0,
            quantity,
        }
    }

    #[test]
    fn a_low_position_runs_out_inside_the_horizon_and_the_quantity_raises_fill_and_cover() {
        let f = figures(&inputs(4, 10));
        assert_eq!(f.forecast_over_lead_time, 12.0);
        assert_eq!(f.days_of_cover, Some(2.0));
        assert_eq!(f.days_of_cover_with, Some(7.0));
        assert_eq!(f.stockout_in_days, Some(2));
        assert!(f.fill_rate_with > f.fill_rate_without);
    }

    #[test]
    fn no_stockout_is_projected_beyond_the_horizon_or_without_demand() {
        assert_eq!(figures(&inputs(40, 0)).stockout_in_days, None);
        let idle = Inputs {
            daily_rate: 0.0,
            ..inputs(0, 5)
        };
        let f = figures(&idle);
        assert_eq!((f.days_of_cover, f.stockout_in_days), (None, None));
    }

    #[test]
    fn the_highest_positive_price_binds_and_none_when_all_are_free() {
        let allocation = Allocation {
            picks: vec![1, 1, 0],
            prices: vec![5.0, 9.0, 0.0],
            rates: vec![0.0; 3],
            feasible: true,
        };
        let constraints = [
            Constraint::network(3, 0.1),
            Constraint {
                members: vec![1],
                max_rate: 0.05,
            },
            Constraint {
                members: vec![2],
                max_rate: 0.5,
            },
        ];
        assert_eq!(
            binding_constraints(&allocation, &constraints, 3),
            vec![Some(0), Some(1), Some(0)]
        );
        let free = Allocation {
            prices: vec![0.0; 3],
            ..allocation
        };
        assert_eq!(binding_constraints(&free, &constraints, 3), vec![None; 3]);
    }

    #[test]
    fn the_floor_binds_only_on_a_hull_it_cut() {
        let level = |s| Level {
            s,
            value: s as f64,
            stockout_lines: 1.0 / (s + 2) as f64,
        };
        let cut = Curve {
            levels: vec![level(3), level(4)],
            line_rate: 1.0,
        };
        let whole = Curve {
            levels: vec![level(-1), level(0)],
            line_rate: 1.0,
        };
        assert!(floor_binds(&cut, 0));
        assert!(!floor_binds(&cut, 1));
        assert!(!floor_binds(&whole, 0));
    }
}
