//! Per-item (s, S) math: expected stock-out lines and on-hand of a reorder level, order
//! quantities with MOQ / pack size / EOQ, and the cost-service curve the allocation works on.
//!
//! Model of one (warehouse, part) item under a periodic-review (s, S) rule with S = s + q:
//! after a review the inventory position y is taken as uniform on `s+1 ..= s+q`. A line of the
//! periods this order must cover arrives on average half a review period after the lead time,
//! and (Poisson arrivals see time averages) finds the demand of the `L + R/2` periods before it,
//! `D`, already taken. With `k` the typical line size:
//! - a line finds too little stock with probability `P(D + k > y)`, so expected stock-out
//!   lines per period = `line_rate * mean_y P(D > y - k)`;
//! - expected on hand = `mean_y E[(y - D)^+]`, valued at the unit cost.
//!
//! `s = -1` is "order on demand": with a single-unit batch no stock is held, backorders are
//! bought back at once and every line is a stock-out.

use super::dist::Dist;
use super::sizes::LineSizes;

/// Tail mass beyond the largest reorder level considered: below this the next unit buys
/// nothing any network target could ask for.
const TAIL: f64 = 1e-7;
/// Most levels of one item fed to its hull.
const MAX_HULL_INPUT: usize = 256;

/// One candidate reorder level of an item.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Level {
    /// Reorder point; the order-up-to level is `s + q`.
    pub s: i64,
    /// Expected on-hand value in cents (mean over the cycle).
    pub value: f64,
    /// Expected stock-out lines per period.
    pub stockout_lines: f64,
}

/// Periods of demand an order decided now must cover. An order placed at the end of period
/// `e` lands at the start of `e + L + 1`; the next review's order lands `R` periods later, so
/// the stock of this order serves periods `e+1 ..= e+L+R`: `L + R` periods.
pub fn protection_periods(lead_periods: u32, review_periods: usize) -> usize {
    lead_periods as usize + review_periods.max(1)
}

/// `qty` raised to the MOQ, then to a whole number of packs.
pub fn round_to_pack(qty: i64, moq: i64, pack_size: i64) -> i64 {
    let q = qty.max(moq).max(1);
    let pack = pack_size.max(1);
    (q + pack - 1) / pack * pack
}

/// Inputs of the order quantity of one item.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OrderCosts {
    /// Forecast demand per period (units).
    pub demand_per_period: f64,
    pub review_periods: usize,
    pub periods_per_year: f64,
    pub unit_cost_cents: i64,
    pub holding_rate_per_year: f64,
    pub order_cost_cents: i64,
    pub moq: i64,
    pub pack_size: i64,
}

/// Batch size q (= S - s): a review period's demand, or the EOQ when that is larger (ordering
/// every review would cost more in orders than the extra stock costs to hold), capped at a
/// year's demand so a slow cheap part is not bought for decades; then MOQ and packs.
pub fn order_quantity(c: &OrderCosts, use_eoq: bool) -> i64 {
    let d = c.demand_per_period.max(0.0);
    let mut q = d * c.review_periods.max(1) as f64;
    let holding = c.holding_rate_per_year * c.unit_cost_cents as f64;
    if use_eoq && holding > 0.0 && c.order_cost_cents > 0 {
        let annual = d * c.periods_per_year;
        let eoq = (2.0 * c.order_cost_cents as f64 * annual / holding).sqrt();
        q = q.max(eoq.min(annual));
    }
    let q = if q.is_finite() { q.round().max(1.0) as i64 } else { 1 };
    round_to_pack(q, c.moq, c.pack_size)
}

/// Reusable buffers for [`item_levels`].
#[derive(Debug, Default, Clone)]
pub struct Scratch {
    tail: Vec<f64>,
    short: Vec<f64>,
    cdf: Vec<f64>,
}

/// Share of the protection horizon's demand a line finds already taken: `L + R/2` of `L + R`
/// periods (see the module notes); scales the horizon's mean and variance.
pub fn line_horizon_share(lead_periods: u32, review_periods: usize) -> f64 {
    let r = review_periods.max(1) as f64;
    (f64::from(lead_periods) + r / 2.0) / (f64::from(lead_periods) + r)
}

/// Expected stock-out lines per period and on-hand value of every reorder level from -1 up to
/// the level whose tail is negligible, for batch `q`. `ltd` is the demand a line finds taken
/// (see [`line_horizon_share`]), `line_size` the typical units per line.
pub fn item_levels(
    ltd: &Dist,
    line_rate: f64,
    line_size: u64,
    unit_cost_cents: i64,
    q: i64,
    scratch: &mut Scratch,
) -> Vec<Level> {
    item_levels_sized(
        ltd,
        line_rate,
        &LineSizes::point(line_size),
        unit_cost_cents,
        q,
        scratch,
    )
}

/// [`item_levels`] with a distribution of line sizes: a line of `k` units stocks out when
/// `D + k > y`, so the share of lines short at position `y` is `sum_k p_k P(D > y - k)`.
pub fn item_levels_sized(
    ltd: &Dist,
    line_rate: f64,
    sizes: &LineSizes,
    unit_cost_cents: i64,
    q: i64,
    scratch: &mut Scratch,
) -> Vec<Level> {
    let q = q.max(1) as usize;
    let s_max = (ltd.quantile(1.0 - TAIL) + sizes.max()) as usize;
    let top = s_max + q + 1;
    // tail[y] = sum_k p_k P(D + k > y); short[y] = E[(y - D)^+] = sum_{j<y} P(D <= j).
    let (tail, short, cdf) = (&mut scratch.tail, &mut scratch.short, &mut scratch.cdf);
    tail.clear();
    short.clear();
    cdf.clear();
    cdf.extend((0..=top as u64).map(|y| ltd.cdf(y)));
    let mut acc = 0.0;
    for y in 0..=top {
        let t: f64 = sizes
            .sizes()
            .iter()
            .map(|&(k, p)| match y.checked_sub(k as usize) {
                None => p,
                Some(j) => p * (1.0 - cdf[j]),
            })
            .sum();
        tail.push(t);
        short.push(acc);
        acc += cdf[y];
    }
    // Window sums over y = s+1 ..= s+q, slid one step per s.
    let mut t_sum: f64 = tail[..q].iter().sum();
    let mut o_sum: f64 = short[..q].iter().sum();
    let cost = unit_cost_cents.max(0) as f64;
    let mut out = Vec::with_capacity(s_max + 2);
    for s in -1..=s_max as i64 {
        out.push(Level {
            s,
            value: cost * o_sum / q as f64,
            stockout_lines: line_rate * t_sum / q as f64,
        });
        let leave = (s + 1) as usize;
        let enter = leave + q;
        t_sum += tail[enter] - tail[leave];
        o_sum += short[enter] - short[leave];
    }
    out
}

/// The levels worth considering: from the lowest one meeting the fill-rate floor, reduced to
/// their lower convex hull in (value, stock-out lines), which is what any shadow price picks.
pub fn hull(levels: &[Level], line_rate: f64, floor_fill_rate: f64) -> Vec<Level> {
    let allowed = line_rate * (1.0 - floor_fill_rate.clamp(0.0, 1.0));
    let first = levels
        .iter()
        .position(|l| l.stockout_lines <= allowed + 1e-15)
        .unwrap_or(levels.len().saturating_sub(1));
    let candidates = &levels[first.min(levels.len())..];
    // A fast mover's table runs to thousands of levels; a few hundred steps of equal size
    // lose nothing a unit of demand would notice and keep the allocation fast.
    let step = candidates.len().div_ceil(MAX_HULL_INPUT).max(1);
    let last = candidates.len().saturating_sub(1);
    let mut h: Vec<Level> = Vec::new();
    for (i, &p) in candidates.iter().enumerate() {
        if i % step != 0 && i != last {
            continue;
        }
        if let Some(last) = h.last() {
            // Same value buys nothing more; keep the lower stock-out figure.
            if p.value <= last.value + 1e-12 {
                if p.stockout_lines < last.stockout_lines {
                    h.pop();
                } else {
                    continue;
                }
            }
        }
        while h.len() >= 2 {
            let (a, b) = (h[h.len() - 2], h[h.len() - 1]);
            let cross = (b.value - a.value) * (p.stockout_lines - a.stockout_lines)
                - (b.stockout_lines - a.stockout_lines) * (p.value - a.value);
            if cross <= 0.0 {
                h.pop();
            } else {
                break;
            }
        }
        h.push(p);
    }
    // Past the point where lines stop falling, more stock is pure cost.
    while h.len() >= 2 && h[h.len() - 1].stockout_lines >= h[h.len() - 2].stockout_lines {
        h.pop();
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ltd(mean: f64, var: f64) -> Dist {
        Dist::new(mean, var)
    }

    #[test]
    fn stockout_lines_fall_and_stock_rises_with_the_level() {
        let mut sc = Scratch::default();
        for q in [1, 4, 25] {
            let lv = item_levels(&ltd(6.0, 15.0), 2.0, 1, 1_000, q, &mut sc);
            assert_eq!(lv[0].s, -1);
            assert!(lv
                .windows(2)
                .all(|w| w[1].stockout_lines <= w[0].stockout_lines + 1e-15));
            assert!(lv.windows(2).all(|w| w[1].value >= w[0].value));
            assert!(lv.last().is_some_and(|l| l.stockout_lines < 1e-6));
        }
        // Order on demand with a single-unit batch: every line is short, nothing is held.
        let lv = item_levels(&ltd(6.0, 15.0), 2.0, 1, 1_000, 1, &mut sc);
        assert!((lv[0].stockout_lines - 2.0).abs() < 1e-12 && lv[0].value == 0.0);
    }

    #[test]
    fn on_hand_matches_the_mean_excess() {
        // Point mass at zero demand: on hand is exactly the mean position.
        let lv = item_levels(&ltd(0.0, 0.0), 0.0, 1, 100, 3, &mut Scratch::default());
        let s0 = lv.iter().find(|l| l.s == 0).map(|l| l.value);
        assert_eq!(s0, Some(100.0 * (1.0 + 2.0 + 3.0) / 3.0));
    }

    #[test]
    fn hull_is_convex_and_respects_the_floor() {
        let lv = item_levels(&ltd(3.0, 9.0), 1.0, 2, 500, 2, &mut Scratch::default());
        let h = hull(&lv, 1.0, 0.0);
        assert_eq!(h[0].s, -1);
        let slope = |a: &Level, b: &Level| (a.stockout_lines - b.stockout_lines) / (b.value - a.value);
        assert!(h.windows(3).all(|w| slope(&w[0], &w[1]) >= slope(&w[1], &w[2]) - 1e-12));
        let floored = hull(&lv, 1.0, 0.995);
        assert!(floored[0].stockout_lines <= 0.005 + 1e-12);
        assert!(floored.iter().all(|l| l.s >= floored[0].s));
    }

    #[test]
    fn order_quantities_respect_moq_packs_and_eoq() {
        assert_eq!(round_to_pack(3, 5, 1), 5);
        assert_eq!(round_to_pack(7, 5, 4), 8);
        assert_eq!(round_to_pack(0, 1, 6), 6);
        let c = OrderCosts {
            demand_per_period: 1.0,
            review_periods: 1,
            periods_per_year: 365.0,
            unit_cost_cents: 500,
            holding_rate_per_year: 0.25,
            order_cost_cents: 5_000,
            moq: 1,
            pack_size: 1,
        };
        // EOQ = sqrt(2 * 5000 * 365 / 125) = 170.9.
        assert_eq!(order_quantity(&c, true), 171);
        assert_eq!(order_quantity(&c, false), 1);
        let packed = OrderCosts {
            pack_size: 50,
            moq: 60,
            ..c
        };
        assert_eq!(order_quantity(&packed, false), 100);
        assert_eq!(order_quantity(&packed, true), 200);
    }

    #[test]
    fn protection_covers_lead_and_review() {
        assert_eq!(protection_periods(3, 1), 4);
        assert_eq!(protection_periods(0, 0), 1);
    }
}
