//! Backtest calibration of the internal target.
//!
//! The stock-out model is optimistic where forecasts are wrong (level shifts, seasonality,
//! clustering), so the engine asks the allocation for a tighter internal target than the
//! external one. Which one is found by replaying the network's own recent history: levels set
//! at a few internal targets are played against the demand lines that really came, and the
//! loosest internal target whose replayed stock-out rate is low enough that the true rate is
//! under the external target at a stated confidence wins (see [`bound`]: the fewer lines the
//! replay saw, the lower it must land). Nothing here knows any particular data set; the
//! simulator's engine and the service's replenishment runs both call [`calibrate`].

use super::allocate::sweep_prices;
use super::bound;
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

/// The internal target at which the replay would just reach `goal` (a replayed stock-out
/// rate): between the loosest passing trial and the next looser failing one, interpolated on
/// log scales (the replayed rate is close to a power of the internal target); without a
/// failing neighbour the loosest passing trial, and with no passing trial the tightest tried.
/// `None` without trials.
pub fn choose(trials: &[Trial], goal: f64) -> Option<f64> {
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
    if pass.achieved <= 0.0 || goal <= 0.0 {
        return Some(pass.internal);
    }
    let w = (goal.ln() - pass.achieved.ln()) / (fail.achieved.ln() - pass.achieved.ln());
    let w = if w.is_finite() { w.clamp(0.0, 1.0) } else { 0.0 };
    Some((pass.internal.ln() + w * (fail.internal.ln() - pass.internal.ln())).exp())
}

/// Internal targets a calibration tries first, as multiples of the external one.
pub const GRID: [f64; 11] = [1.0, 0.7, 0.5, 0.35, 0.25, 0.18, 0.12, 0.08, 0.05, 0.03, 0.015];

/// Below the grid the search goes on halving the internal target until the replay passes or
/// the levels stop changing (every pair at the top of its curve: the tightest the model
/// allows). At most this many halvings (2^-40 of the grid's last entry), only so that the loop
/// ends whatever the curves; no data set reaches it before its levels stop changing.
pub const MAX_HALVINGS: usize = 40;

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
    /// The internal target that would just reach `goal` (see [`choose`]).
    pub internal: Option<f64>,
    /// Every internal target replayed, in the order tried.
    pub trials: Vec<Trial>,
    /// Demand lines in one replay of the window.
    pub lines: u64,
    /// The highest replayed rate accepted: [`bound::allowed_rate`] of the external target
    /// over `lines` at the calibration's confidence.
    pub goal: f64,
    /// No trial reached `goal`, not even with the tightest levels the model allows (or
    /// [`MAX_HALVINGS`] below the grid): `internal` is the tightest tried.
    pub at_limit: bool,
}

/// Replays the window at internal targets of [`GRID`], bisecting it for the loosest entry
/// whose replayed stock-out rate is at most `goal` = [`bound::allowed_rate`] (the true rate is
/// then under `external` with one-sided `confidence`; tighter internal targets replay fewer
/// stock-outs), goes on halving below the grid while none passes (see [`MAX_HALVINGS`]), and
/// interpolates the internal target with [`choose`].
///
/// `constraints(internal)` gives the allocation's constraints at an internal network target
/// (other targets scaled alike); `None` when the network target is the only one, and then
/// one price sweep per origin prices every grid target at once. `item(pair, lines)` fills
/// `lines` with the pair's `(period, qty)` demand lines (sorted, at least those of the
/// window) and returns its ordering terms.
pub fn calibrate(
    bt: &Backtest,
    external: f64,
    confidence: f64,
    constraints: Option<&dyn Fn(f64) -> Vec<Constraint>>,
    item: impl FnMut(usize, &mut Vec<(u32, u32)>) -> Terms,
) -> Outcome {
    let mut search = Search::new(bt, external, constraints, item);
    let z = bound::z_of(confidence);
    let (mut lo, mut hi) = (0usize, GRID.len() - 1);
    let floor = search.trial(external * GRID[hi], Some(hi));
    // Every replay sees the same lines, so the bound is known after the first.
    let goal = bound::allowed_rate(external, search.lines, z);
    let mut at_limit = false;
    if floor.1 > goal {
        lo = hi;
        at_limit = !search.below_grid(external * GRID[hi], goal);
    }
    while lo < hi {
        let mid = (lo + hi) / 2;
        if search.trial(external * GRID[mid], Some(mid)).1 <= goal {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    Outcome {
        internal: choose(&search.trials, goal),
        trials: search.trials,
        lines: search.lines,
        goal,
        at_limit,
    }
}

/// The state of one calibration's search: models, the grid's prices, the trials so far.
struct Search<'a, 'b, F> {
    bt: &'b Backtest<'a>,
    constraints: Option<&'b dyn Fn(f64) -> Vec<Constraint>>,
    /// Per origin, the network price of every grid target (network target only).
    grid_prices: Option<Vec<Vec<f64>>>,
    item: F,
    trials: Vec<Trial>,
    lines: u64,
    previous: Vec<Vec<Levels>>,
    buf: Vec<(u32, u32)>,
    timeline: Vec<LevelsFrom>,
}

impl<'a, 'b, F: FnMut(usize, &mut Vec<(u32, u32)>) -> Terms> Search<'a, 'b, F> {
    fn new(
        bt: &'b Backtest<'a>,
        external: f64,
        constraints: Option<&'b dyn Fn(f64) -> Vec<Constraint>>,
        item: F,
    ) -> Self {
        let grid_prices = constraints.is_none().then(|| {
            let rates: Vec<f64> = GRID.iter().map(|m| external * m).collect();
            bt.origins
                .iter()
                .map(|(_, models)| network_prices(models, &rates))
                .collect()
        });
        Search {
            bt,
            constraints,
            grid_prices,
            item,
            trials: Vec::new(),
            lines: 0,
            previous: Vec::new(),
            buf: Vec::new(),
            timeline: Vec::with_capacity(bt.origins.len()),
        }
    }

    /// Every origin's levels at `internal` (`grid`: its index in [`GRID`], priced already).
    fn levels_at(&self, internal: f64, grid: Option<usize>) -> Vec<Vec<Levels>> {
        let origins = &self.bt.origins;
        if let Some(cons) = self.constraints {
            let cons = cons(internal);
            return origins.iter().map(|(_, m)| plan(m, &cons).0).collect();
        }
        let pick = |models: &[ItemModel], price: f64| -> Vec<Levels> {
            models
                .iter()
                .map(|m| levels_of(m.curve.levels[m.curve.pick(price)].s, m.batch))
                .collect()
        };
        match (&self.grid_prices, grid) {
            (Some(prices), Some(g)) => origins.iter().zip(prices).map(|((_, m), p)| pick(m, p[g])).collect(),
            _ => origins
                .iter()
                .map(|(_, m)| pick(m, network_prices(m, &[internal])[0]))
                .collect(),
        }
    }

    /// Replays the window at `internal`; returns whether the levels differ from the previous
    /// trial's and the replayed rate.
    fn trial(&mut self, internal: f64, grid: Option<usize>) -> (bool, f64) {
        let per_origin = self.levels_at(internal, grid);
        let changed = per_origin != self.previous;
        let (mut n, mut short) = (0u64, 0u64);
        for &pair in self.bt.warm {
            self.timeline.clear();
            let at = self.bt.origins.iter().zip(&per_origin);
            self.timeline.extend(at.map(|(&(from, _), l)| LevelsFrom {
                from,
                s: l[pair].s,
                order_up_to: l[pair].order_up_to,
            }));
            self.buf.clear();
            let terms = (self.item)(pair, &mut self.buf);
            let replay_item = ReplayItem {
                lines: &self.buf,
                lead_periods: terms.lead_periods,
                moq: terms.moq,
                pack_size: terms.pack_size,
                levels: &self.timeline,
            };
            let (l, sh) = replay(&replay_item, self.bt.start, self.bt.end, self.bt.review_every);
            n += l;
            short += sh;
        }
        let achieved = if n > 0 { short as f64 / n as f64 } else { 0.0 };
        self.trials.push(Trial { internal, achieved });
        self.lines = n;
        self.previous = per_origin;
        (changed, achieved)
    }

    /// Halves the internal target below `from` until a replay reaches `goal` (true) or the
    /// levels stop changing, or after [`MAX_HALVINGS`] (false: the model's limit).
    fn below_grid(&mut self, from: f64, goal: f64) -> bool {
        let mut internal = from;
        for _ in 0..MAX_HALVINGS {
            internal *= 0.5;
            let (changed, achieved) = self.trial(internal, None);
            if achieved <= goal {
                return true;
            }
            if !changed {
                return false;
            }
        }
        false
    }
}

/// The network price meeting each of `rates` over every model.
fn network_prices(models: &[ItemModel], rates: &[f64]) -> Vec<f64> {
    let all: Vec<usize> = (0..models.len()).collect();
    sweep_prices(models, &all, rates)
}

#[cfg(test)]
mod tests;
