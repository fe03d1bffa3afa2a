//! Backtest calibration of the internal target.
//!
//! The stock-out model is optimistic where forecasts are wrong (level shifts, seasonality,
//! clustering), so the engine asks the allocation for a tighter internal target than the
//! external one. Which one is found by replaying the network's own recent history: levels set
//! at a few internal targets are played against the demand lines that really came, and the
//! loosest internal target whose replayed stock-out rate meets the external target with a
//! margin wins. Nothing here knows any particular data set; the simulator's engine and the
//! service's replenishment runs both call [`calibrate`].

use super::allocate::sweep_prices;
use super::{levels_of, plan, Constraint, ItemModel, Levels};

/// Levels of one item for the periods from `from` on (until the next entry).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LevelsFrom {
    pub from: usize,
    pub s: i64,
    pub order_up_to: i64,
}

/// One item to replay.
#[derive(Debug, Clone, Copy)]
pub struct ReplayItem<'a> {
    /// `(period, qty)` demand lines sorted by period, in service order within a period.
    pub lines: &'a [(u32, u32)],
    pub lead_periods: u32,
    pub moq: i64,
    pub pack_size: i64,
    /// Levels in force, sorted by `from`; the first applies from the start.
    pub levels: &'a [LevelsFrom],
}

/// Demand lines and stock-out lines of one item replayed over periods `start..end`, with the
/// simulator's timing: arrivals land at the start of a period, lines are served in order,
/// reviews every `review_every` periods from `start` order up to S when the position is at or
/// below s, landing `lead + 1` periods later. Starts with S on hand and nothing on order.
pub fn replay(item: &ReplayItem, start: usize, end: usize, review_every: usize) -> (u64, u64) {
    let Some(first) = item.levels.first() else {
        return (0, 0);
    };
    let lead = item.lead_periods as usize;
    let mut arrivals = vec![0i64; end.saturating_sub(start) + lead + 2];
    let mut on_hand = first.order_up_to.max(0);
    let (mut backorders, mut on_order) = (0i64, 0i64);
    let (mut lines, mut short) = (0u64, 0u64);
    let mut li = item.lines.partition_point(|&(p, _)| (p as usize) < start);
    let mut level = 0usize;
    for e in start..end {
        let landed = arrivals[e - start];
        on_hand += landed;
        on_order -= landed;
        let fill = backorders.min(on_hand);
        backorders -= fill;
        on_hand -= fill;
        while let Some(&(p, q)) = item.lines.get(li) {
            if p as usize != e {
                break;
            }
            li += 1;
            let q = i64::from(q);
            let take = q.min(on_hand);
            on_hand -= take;
            if take < q {
                backorders += q - take;
                short += 1;
            }
            lines += 1;
        }
        if (e - start).is_multiple_of(review_every.max(1)) {
            while item.levels.get(level + 1).is_some_and(|l| l.from <= e) {
                level += 1;
            }
            let l = item.levels[level];
            let position = on_hand + on_order - backorders;
            if position <= l.s && l.order_up_to > position {
                let qty = super::policy::round_to_pack(l.order_up_to - position, item.moq, item.pack_size);
                on_order += qty;
                if let Some(slot) = arrivals.get_mut(e - start + lead + 1) {
                    *slot += qty;
                }
            }
        }
    }
    (lines, short)
}

/// One internal target tried and the stock-out rate its replay achieved.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Trial {
    pub internal: f64,
    pub achieved: f64,
}

/// The internal target at which the replay would just meet `external * margin`: between the
/// loosest passing trial and the next looser failing one, interpolated on log scales (the
/// replayed rate is close to a power of the internal target); without a failing neighbour the
/// loosest passing trial, and with no passing trial the tightest tried. `None` without trials.
pub fn choose(trials: &[Trial], external: f64, margin: f64) -> Option<f64> {
    let goal = external * margin;
    let pass = trials
        .iter()
        .filter(|t| t.achieved <= goal)
        .max_by(|a, b| a.internal.total_cmp(&b.internal));
    let Some(pass) = pass else {
        return trials.iter().map(|t| t.internal).reduce(f64::min);
    };
    let fail = trials
        .iter()
        .filter(|t| t.internal > pass.internal && t.achieved > goal)
        .min_by(|a, b| a.internal.total_cmp(&b.internal));
    let Some(fail) = fail else {
        return Some(pass.internal);
    };
    if pass.achieved <= 0.0 {
        return Some(pass.internal);
    }
    let w = (goal.ln() - pass.achieved.ln()) / (fail.achieved.ln() - pass.achieved.ln());
    let w = if w.is_finite() { w.clamp(0.0, 1.0) } else { 0.0 };
    Some((pass.internal.ln() + w * (fail.internal.ln() - pass.internal.ln())).exp())
}

/// Internal targets a calibration tries, as multiples of the external one.
pub const GRID: [f64; 11] = [1.0, 0.7, 0.5, 0.35, 0.25, 0.18, 0.12, 0.08, 0.05, 0.03, 0.015];

/// The models of a backtest: for each origin, the period from which its levels apply and
/// every pair's model as it was then (rebuilt from the history before the origin).
#[derive(Debug, Clone)]
pub struct Backtest<'a> {
    pub origins: Vec<(usize, &'a [ItemModel])>,
    /// The replayed window, periods `start..end`.
    pub start: usize,
    pub end: usize,
    pub review_every: usize,
    /// The pairs replayed: those with demand before the window (a pair first seen inside it
    /// had no model to judge).
    pub warm: &'a [usize],
}

/// Ordering terms of one replayed pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Terms {
    pub lead_periods: u32,
    pub moq: i64,
    pub pack_size: i64,
}

/// What a calibration found.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The internal target that would just meet `margin * external` (see [`choose`]).
    pub internal: Option<f64>,
    /// Every internal target replayed, in the order tried.
    pub trials: Vec<Trial>,
    /// Demand lines in one replay of the window.
    pub lines: u64,
}

/// Replays the window at internal targets of [`GRID`], bisecting it for the loosest entry
/// whose replayed stock-out rate meets `margin * external` (tighter internal targets replay
/// fewer stock-outs), and interpolates the internal target with [`choose`].
///
/// `constraints(internal)` gives the allocation's constraints at an internal network target
/// (other targets scaled alike); `None` when the network target is the only one, and then
/// one price sweep per origin prices every grid target at once. `item(pair, lines)` fills
/// `lines` with the pair's `(period, qty)` demand lines (sorted, at least those of the
/// window) and returns its ordering terms.
pub fn calibrate(
    bt: &Backtest,
    external: f64,
    margin: f64,
    constraints: Option<&dyn Fn(f64) -> Vec<Constraint>>,
    mut item: impl FnMut(usize, &mut Vec<(u32, u32)>) -> Terms,
) -> Outcome {
    let sweeps: Option<Vec<Vec<f64>>> = constraints.is_none().then(|| {
        let rates: Vec<f64> = GRID.iter().map(|m| external * m).collect();
        bt.origins
            .iter()
            .map(|(_, models)| {
                let all: Vec<usize> = (0..models.len()).collect();
                sweep_prices(models, &all, &rates)
            })
            .collect()
    });
    let (mut trials, mut replayed) = (Vec::new(), 0u64);
    let (mut lines, mut timeline) = (Vec::new(), Vec::with_capacity(bt.origins.len()));
    let mut trial = |g: usize| {
        let internal = external * GRID[g];
        let per_origin: Vec<Vec<Levels>> = match (&sweeps, constraints) {
            (Some(prices), _) => bt
                .origins
                .iter()
                .zip(prices)
                .map(|((_, models), p)| {
                    models
                        .iter()
                        .map(|m| levels_of(m.curve.levels[m.curve.pick(p[g])].s, m.batch))
                        .collect()
                })
                .collect(),
            (None, Some(cons)) => {
                let cons = cons(internal);
                bt.origins.iter().map(|(_, m)| plan(m, &cons).0).collect()
            }
            (None, None) => Vec::new(),
        };
        let (mut n, mut short) = (0u64, 0u64);
        for &pair in bt.warm {
            timeline.clear();
            timeline.extend(bt.origins.iter().zip(&per_origin).map(|(&(from, _), l)| LevelsFrom {
                from,
                s: l[pair].s,
                order_up_to: l[pair].order_up_to,
            }));
            lines.clear();
            let terms = item(pair, &mut lines);
            let replay_item = ReplayItem {
                lines: &lines,
                lead_periods: terms.lead_periods,
                moq: terms.moq,
                pack_size: terms.pack_size,
                levels: &timeline,
            };
            let (l, sh) = replay(&replay_item, bt.start, bt.end, bt.review_every);
            n += l;
            short += sh;
        }
        let achieved = if n > 0 { short as f64 / n as f64 } else { 0.0 };
        trials.push(Trial { internal, achieved });
        replayed = n;
        achieved <= external * margin
    };
    let (mut lo, mut hi) = (0usize, GRID.len() - 1);
    if !trial(hi) {
        lo = hi;
    }
    while lo < hi {
        let mid = (lo + hi) / 2;
        if trial(mid) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    Outcome {
        internal: choose(&trials, external, margin),
        trials,
        lines: replayed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replay_follows_the_simulator_timing() {
        // 1 unit every period, lead 1: order at end of e lands at start of e + 2.
        let lines: Vec<(u32, u32)> = (0..10).map(|p| (p, 1)).collect();
        let levels = [LevelsFrom {
            from: 0,
            s: 2,
            order_up_to: 3,
        }];
        let item = ReplayItem {
            lines: &lines,
            lead_periods: 1,
            moq: 1,
            pack_size: 1,
            levels: &levels,
        };
        // s = 2 covers the two periods an order takes: no stock-outs.
        assert_eq!(replay(&item, 0, 10, 1), (10, 0));
        let low = [LevelsFrom {
            from: 0,
            s: 0,
            order_up_to: 1,
        }];
        let (n, short) = replay(&ReplayItem { levels: &low, ..item }, 0, 10, 1);
        assert_eq!(n, 10);
        assert!(short > 0);
    }

    #[test]
    fn choose_interpolates_to_the_goal() {
        let t = |internal, achieved| Trial { internal, achieved };
        let trials = [t(0.01, 0.02), t(0.005, 0.009), t(0.0025, 0.006), t(0.001, 0.003)];
        // Between 0.0025 (0.6%) and 0.005 (0.9%), nearer the passing end: 0.8% is 71% of the way.
        let c = choose(&trials, 0.01, 0.8).expect("chosen");
        assert!(c > 0.0025 && c < 0.005, "{c}");
        assert!(
            (c - 0.0025 * 2f64.powf((0.8f64 / 0.6).ln() / 1.5f64.ln())).abs() < 1e-9,
            "{c}"
        );
        assert_eq!(choose(&trials[3..], 0.01, 0.8), Some(0.001));
        assert_eq!(choose(&trials[..1], 0.01, 0.8), Some(0.01));
        assert_eq!(choose(&[], 0.01, 0.8), None);
    }
}
