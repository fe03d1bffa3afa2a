//! Network-wide marginal allocation: one shadow price per service constraint.
//!
//! Every item offers a convex curve of levels (value up, expected stock-out lines down, see
//! [`super::policy::hull`]). For a price `theta` (cents per stock-out line per period) each
//! item takes the level minimising `value + theta * stock-out lines`, which is where the
//! next unit would remove fewer lines per cent than `1 / theta`: the same rule as greedy
//! marginal analysis, without walking unit by unit. With one constraint the smallest price
//! meeting it comes from one sort of all hull segments by break-even price ([`sweep_prices`]);
//! with several, by bisection on `log theta` per constraint.
//!
//! Several constraints (the network, a region, a criticality class) each get a price; an item
//! pays the highest price of the constraints it belongs to. Prices only rise while sweeping the
//! constraints, so a constraint met stays met.

use super::policy::Level;

/// One item's candidate levels: a lower convex hull, value ascending, never empty.
#[derive(Debug, Clone, PartialEq)]
pub struct Curve {
    pub levels: Vec<Level>,
    /// Expected demand lines per period (the denominator of the stock-out rate).
    pub line_rate: f64,
}

impl AsRef<Curve> for Curve {
    fn as_ref(&self) -> &Curve {
        self
    }
}

impl Curve {
    /// Index of the level chosen at `price`.
    pub fn pick(&self, price: f64) -> usize {
        // Segment i -> i+1 is worth taking while it removes at least 1/price lines per cent;
        // on a convex hull that holds for a prefix of the segments.
        let l = &self.levels;
        let (mut lo, mut hi) = (0usize, l.len().saturating_sub(1));
        while lo < hi {
            let mid = (lo + hi) / 2;
            let (a, b) = (&l[mid], &l[mid + 1]);
            if price * (a.stockout_lines - b.stockout_lines) >= b.value - a.value {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }
}

/// At most `max_rate` of the expected demand lines of `members` may be stock-out lines.
#[derive(Debug, Clone, PartialEq)]
pub struct Constraint {
    pub members: Vec<usize>,
    pub max_rate: f64,
}

impl Constraint {
    pub fn network(n_items: usize, max_rate: f64) -> Constraint {
        Constraint {
            members: (0..n_items).collect(),
            max_rate,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Allocation {
    /// Per item, the index into its curve's levels.
    pub picks: Vec<usize>,
    /// Per constraint, its shadow price (cents per stock-out line per period).
    pub prices: Vec<f64>,
    /// Per constraint, the expected stock-out rate reached.
    pub rates: Vec<f64>,
    /// Whether every constraint is met (false when even the top levels cannot).
    pub feasible: bool,
}

const PRICE_LO: f64 = 1e-6;
const PRICE_HI: f64 = 1e18;
/// ln(1e24) / 2^32: prices to about 1e-8 relative, far below a unit of any level.
const BISECTIONS: usize = 32;

/// The smallest price meeting each of `max_rates` over `members` when no other price applies:
/// greedy marginal analysis. Every hull segment has a break-even price (value added / lines
/// removed); buying segments cheapest first until a rate holds is exact on convex curves, and
/// one sort serves every rate asked (the calibration asks for several).
pub fn sweep_prices<C: AsRef<Curve>>(curves: &[C], members: &[usize], max_rates: &[f64]) -> Vec<f64> {
    let (mut short, mut lines) = (0.0, 0.0);
    let mut segments: Vec<(f64, f64)> = Vec::new();
    for &i in members {
        let cv = curves[i].as_ref();
        short += cv.levels[0].stockout_lines;
        lines += cv.line_rate;
        for w in cv.levels.windows(2) {
            let removed = w[0].stockout_lines - w[1].stockout_lines;
            if removed > 0.0 {
                segments.push(((w[1].value - w[0].value).max(0.0) / removed, removed));
            }
        }
    }
    segments.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    let mut order: Vec<usize> = (0..max_rates.len()).collect();
    // Loosest rate first: it is met earliest in the sweep.
    order.sort_by(|&a, &b| max_rates[b].total_cmp(&max_rates[a]));
    let mut out = vec![PRICE_HI; max_rates.len()];
    let mut seg = segments.iter();
    let mut price = 0.0;
    for k in order {
        let allowed = max_rates[k] * lines;
        while short > allowed + 1e-12 * lines {
            match seg.next() {
                Some(&(p, removed)) => {
                    short -= removed;
                    price = p;
                }
                None => {
                    price = PRICE_HI;
                    break;
                }
            }
        }
        // Just above the break-even price so that `pick` takes that segment too.
        out[k] = if price >= PRICE_HI {
            PRICE_HI
        } else {
            price * (1.0 + 1e-9)
        };
    }
    out
}

/// Levels of every item meeting all constraints at the least expected inventory value.
pub fn allocate<C: AsRef<Curve>>(curves: &[C], constraints: &[Constraint]) -> Allocation {
    let mut item_price = vec![0.0f64; curves.len()];
    let mut prices = vec![0.0f64; constraints.len()];
    let rate_at = |c: &Constraint, base: &[f64], theta: f64| {
        let (mut short, mut lines) = (0.0, 0.0);
        for &i in &c.members {
            let cv = curves[i].as_ref();
            short += cv.levels[cv.pick(base[i].max(theta))].stockout_lines;
            lines += cv.line_rate;
        }
        if lines > 0.0 {
            short / lines
        } else {
            0.0
        }
    };
    let mut feasible = true;
    if let [c] = constraints {
        let theta = sweep_prices(curves, &c.members, &[c.max_rate])[0];
        for &i in &c.members {
            item_price[i] = theta;
        }
        prices[0] = theta;
        if theta >= PRICE_HI {
            feasible = false;
        }
        return finish(curves, constraints, item_price, prices, feasible);
    }
    // Raising one price can only help the others, so a few sweeps settle.
    for _ in 0..constraints.len().clamp(1, 4) {
        let mut changed = false;
        for (ci, c) in constraints.iter().enumerate() {
            if rate_at(c, &item_price, 0.0) <= c.max_rate {
                continue;
            }
            if rate_at(c, &item_price, PRICE_HI) > c.max_rate {
                feasible = false;
            }
            let (mut lo, mut hi) = (PRICE_LO.ln(), PRICE_HI.ln());
            for _ in 0..BISECTIONS {
                let mid = 0.5 * (lo + hi);
                if rate_at(c, &item_price, mid.exp()) <= c.max_rate {
                    hi = mid;
                } else {
                    lo = mid;
                }
            }
            let theta = hi.exp();
            if theta > prices[ci] {
                prices[ci] = theta;
                changed = true;
                for &i in &c.members {
                    item_price[i] = item_price[i].max(theta);
                }
            }
        }
        if !changed {
            break;
        }
    }
    finish(curves, constraints, item_price, prices, feasible)
}

fn finish<C: AsRef<Curve>>(
    curves: &[C],
    constraints: &[Constraint],
    item_price: Vec<f64>,
    prices: Vec<f64>,
    feasible: bool,
) -> Allocation {
    let picks: Vec<usize> = curves
        .iter()
        .zip(&item_price)
        .map(|(c, &p)| c.as_ref().pick(p))
        .collect();
    let rates: Vec<f64> = constraints
        .iter()
        .map(|c| {
            let (mut short, mut lines) = (0.0, 0.0);
            for &i in &c.members {
                let cv = curves[i].as_ref();
                short += cv.levels[picks[i]].stockout_lines;
                lines += cv.line_rate;
            }
            if lines > 0.0 {
                short / lines
            } else {
                0.0
            }
        })
        .collect();
    let feasible = feasible && constraints.iter().zip(&rates).all(|(c, r)| *r <= c.max_rate + 1e-9);
    Allocation {
        picks,
        prices,
        rates,
        feasible,
    }
}

#[cfg(test)]
mod tests {
    use super::super::dist::Dist;
    use super::super::policy::{hull, item_levels, Scratch};
    use super::*;

    fn curve(mean: f64, var: f64, rate: f64, cost: i64) -> Curve {
        let ltd = Dist::new(mean, var);
        let lv = item_levels(&ltd, rate, 1, cost, 1, &mut Scratch::default());
        Curve {
            levels: hull(&lv, rate, 0.0),
            line_rate: rate,
        }
    }

    fn value(curves: &[Curve], a: &Allocation) -> f64 {
        curves.iter().zip(&a.picks).map(|(c, &i)| c.levels[i].value).sum()
    }

    #[test]
    fn pick_follows_the_price() {
        let c = curve(4.0, 8.0, 1.0, 1_000);
        assert_eq!(c.pick(0.0), 0);
        assert_eq!(c.pick(1e18), c.levels.len() - 1);
        let picks: Vec<usize> = [1e2, 1e3, 1e4, 1e5, 1e6].iter().map(|&p| c.pick(p)).collect();
        assert!(picks.windows(2).all(|w| w[0] <= w[1]), "{picks:?}");
    }

    #[test]
    fn meets_the_target_it_is_given() {
        let curves: Vec<Curve> = (0..40)
            .map(|i| {
                curve(
                    1.0 + i as f64 * 0.5,
                    3.0 + i as f64,
                    0.5 + (i % 5) as f64 * 0.3,
                    100 + 50 * i,
                )
            })
            .collect();
        for target in [0.05, 0.01, 0.002] {
            let a = allocate(&curves, &[Constraint::network(curves.len(), target)]);
            assert!(a.feasible);
            assert!(a.rates[0] <= target + 1e-12, "{target}: {:?}", a.rates);
            // A tighter target costs more.
            let looser = allocate(&curves, &[Constraint::network(curves.len(), target * 2.0)]);
            assert!(value(&curves, &looser) <= value(&curves, &a));
        }
    }

    #[test]
    fn units_go_where_lines_are_cheapest_to_remove() {
        // Same demand, one part 100x dearer: the cheap one gets the deeper protection.
        let curves = vec![curve(5.0, 10.0, 1.0, 100), curve(5.0, 10.0, 1.0, 10_000)];
        let a = allocate(&curves, &[Constraint::network(2, 0.01)]);
        let (cheap, dear) = (curves[0].levels[a.picks[0]], curves[1].levels[a.picks[1]]);
        assert!(cheap.s > dear.s, "{cheap:?} {dear:?}");
        assert!(cheap.stockout_lines < dear.stockout_lines);
        // A per-item uniform split of the same target holds more value.
        let each: f64 = curves
            .iter()
            .map(|c| {
                c.levels
                    .iter()
                    .find(|l| l.stockout_lines <= 0.01 * c.line_rate)
                    .map_or(0.0, |l| l.value)
            })
            .sum();
        assert!(value(&curves, &a) < each);
    }

    #[test]
    fn sweep_and_bisection_agree() {
        let curves: Vec<Curve> = (0..30)
            .map(|i| {
                curve(
                    0.5 + i as f64 * 0.7,
                    2.0 + i as f64 * 2.0,
                    0.3 + (i % 4) as f64,
                    70 + 90 * i,
                )
            })
            .collect();
        let all: Vec<usize> = (0..30).collect();
        let rates = [0.05, 0.002, 0.01];
        let prices = sweep_prices(&curves, &all, &rates);
        assert!(prices[1] > prices[2] && prices[2] > prices[0]);
        for (r, p) in rates.iter().zip(&prices) {
            let short: f64 = curves.iter().map(|c| c.levels[c.pick(*p)].stockout_lines).sum();
            let lines: f64 = curves.iter().map(|c| c.line_rate).sum();
            assert!(short <= r * lines * (1.0 + 1e-9), "{r}");
            // A little less and the rate is missed: the price is the least that meets it.
            let short: f64 = curves.iter().map(|c| c.levels[c.pick(p * 0.999)].stockout_lines).sum();
            assert!(short > r * lines, "{r}");
        }
    }

    #[test]
    fn group_constraints_are_met_as_well() {
        let curves: Vec<Curve> = (0..10).map(|i| curve(3.0, 6.0, 1.0, 100 * (i + 1) * (i + 1))).collect();
        let net = Constraint::network(10, 0.02);
        let dear = Constraint {
            members: vec![8, 9],
            max_rate: 0.005,
        };
        let a = allocate(&curves, &[net, dear]);
        assert!(
            a.feasible && a.rates[0] <= 0.02 + 1e-12 && a.rates[1] <= 0.005 + 1e-12,
            "{a:?}"
        );
    }

    #[test]
    fn floors_are_respected() {
        let ltd = Dist::new(2.0, 4.0);
        let lv = item_levels(&ltd, 1.0, 1, 1_000_000, 1, &mut Scratch::default());
        let floored = Curve {
            levels: hull(&lv, 1.0, 0.995),
            line_rate: 1.0,
        };
        let cheap = curve(2.0, 4.0, 1.0, 1);
        let a = allocate(&[floored.clone(), cheap], &[Constraint::network(2, 0.5)]);
        assert!(floored.levels[a.picks[0]].stockout_lines <= 0.005 + 1e-12);
    }
}
