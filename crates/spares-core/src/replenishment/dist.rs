//! Demand over a horizon as the allocation needs it: the moments of
//! [`crate::forecast::leadtime`] (the same function), tabulated in linear space and only to a
//! tail of 1e-10.
//!
//! Why not `LeadTimeDemand` itself: it tabulates in log space to a 1e-14 tail, a `ln` and an
//! `exp` per point, and lumpy spare parts have negative binomial tails thousands of units long;
//! a network is re-modelled every week, which made that tabulation most of a simulation's time.
//! Here the pmf ratio recurrence runs outward from the mode with multiplications only.

use crate::forecast::count_dist::{cumulative, normal_count_cdf, normal_quantile};
use crate::forecast::leadtime::MAX_TABLE;
pub use crate::forecast::leadtime::{moments, Moments};

const TAIL: f64 = 1e-10;

/// Poisson (variance <= mean) or negative binomial demand; a normal beyond `MAX_TABLE` units.
#[derive(Debug, Clone, PartialEq)]
pub struct Dist {
    /// `cdf[k] = P(D <= k)` from 0; 1 beyond the end.
    cdf: Vec<f64>,
    normal: Option<(f64, f64)>,
}

impl Dist {
    pub fn new(mean: f64, variance: f64) -> Dist {
        let mean = if mean.is_finite() { mean.max(0.0) } else { 0.0 };
        if mean == 0.0 {
            return Dist {
                cdf: vec![1.0],
                normal: None,
            };
        }
        let var = if variance.is_finite() { variance.max(mean) } else { mean };
        let nb = var > mean * (1.0 + 1e-9);
        let (r, q) = if nb {
            (mean * mean / (var - mean), 1.0 - mean / var)
        } else {
            (0.0, 0.0)
        };
        // f(k+1) / f(k).
        let up = |k: f64| {
            if nb {
                (k + r) / (k + 1.0) * q
            } else {
                mean / (k + 1.0)
            }
        };
        let mode = if nb {
            ((r - 1.0) * q / (1.0 - q)).floor().max(0.0)
        } else {
            mean.floor()
        };
        if mode + 40.0 * var.sqrt() > MAX_TABLE as f64 {
            return Dist {
                cdf: Vec::new(),
                normal: Some((mean, var.sqrt())),
            };
        }
        let m = mode as usize;
        let mut pmf = vec![0.0; m + 1];
        pmf[m] = 1.0;
        for k in (0..m).rev() {
            let f = pmf[k + 1] / up(k as f64);
            if f < 1e-300 {
                break;
            }
            pmf[k] = f;
        }
        let mut k = m;
        loop {
            let rho = up(k as f64);
            let next = pmf[k] * rho;
            // Past the mode the ratio only falls: the rest is at most next / (1 - rho).
            if (rho < 1.0 && next / (1.0 - rho) < TAIL) || pmf.len() >= MAX_TABLE {
                break;
            }
            pmf.push(next);
            k += 1;
        }
        let total: f64 = pmf.iter().sum();
        Dist {
            cdf: cumulative(&pmf, total),
            normal: None,
        }
    }

    /// Compound demand: `N` lines, Poisson or negative binomial with mean `lines_mean` and
    /// variance `lines_var` (Poisson when the variance is at most the mean), each of a size
    /// drawn from `sizes` (`(size >= 1, probability)`). Tabulated by Panjer's recursion, which
    /// holds for both counts: `f(x) = sum_k (a + b k / x) p_k f(x - k)`, with `a = 0, b = mean`
    /// for the Poisson and `a = q, b = (r - 1) q` for the negative binomial of [`Dist::new`].
    /// `None` when `P(N = 0)` underflows (hundreds of lines: sizes average out and the moment
    /// fit of [`Dist::new`] serves) or the table would exceed `MAX_TABLE`.
    pub fn compound(lines_mean: f64, lines_var: f64, sizes: &[(u64, f64)]) -> Option<Dist> {
        let mean = if lines_mean.is_finite() {
            lines_mean.max(0.0)
        } else {
            0.0
        };
        if mean == 0.0 {
            return Some(Dist::new(0.0, 0.0));
        }
        let var = if lines_var.is_finite() {
            lines_var.max(mean)
        } else {
            mean
        };
        let (a, b, f0) = if var > mean * (1.0 + 1e-9) {
            let (r, q) = (mean * mean / (var - mean), 1.0 - mean / var);
            (q, (r - 1.0) * q, (r * (1.0 - q).ln()).exp())
        } else {
            (0.0, mean, (-mean).exp())
        };
        if f0.is_nan() || f0 <= 1e-300 || sizes.iter().any(|&(k, _)| k == 0) {
            return None;
        }
        let mut pmf = vec![f0];
        let mut acc = f0;
        let mut x = 0usize;
        // Past the mean of the units, stop once the rest is below the tail.
        let units_mean: f64 = mean * sizes.iter().map(|&(k, p)| k as f64 * p).sum::<f64>();
        while acc < 1.0 - TAIL || (x as f64) < units_mean {
            x += 1;
            if x >= MAX_TABLE {
                return None;
            }
            let f: f64 = sizes
                .iter()
                .filter(|&&(k, _)| k as usize <= x)
                .map(|&(k, p)| (a + b * k as f64 / x as f64) * p * pmf[x - k as usize])
                .sum();
            pmf.push(f.max(0.0));
            acc += f.max(0.0);
        }
        Some(Dist {
            cdf: cumulative(&pmf, acc),
            normal: None,
        })
    }

    /// P(D <= x).
    pub fn cdf(&self, x: u64) -> f64 {
        match self.normal {
            Some((mean, sd)) => normal_count_cdf(x, mean, sd),
            None => self.cdf.get(x as usize).copied().unwrap_or(1.0),
        }
    }

    /// Smallest `x` with `P(D <= x) >= p`.
    pub fn quantile(&self, p: f64) -> u64 {
        match self.normal {
            Some((mean, sd)) => normal_quantile(mean, sd, p),
            None => self
                .cdf
                .partition_point(|&c| c < p)
                .min(self.cdf.len().saturating_sub(1)) as u64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forecast::leadtime::{lead_time_demand, LeadTimeDemand};

    #[test]
    fn matches_the_forecast_engine() {
        let x: Vec<f64> = (0..200).map(|t| [0.0, 3.0, 0.0, 0.0, 12.0, 1.0][t % 6]).collect();
        let path = vec![2.5; 9];
        let m = moments(&x, &path);
        let reference = lead_time_demand(&x, &path);
        assert!((m.mean - reference.mean()).abs() < 1e-9);
        assert!((m.variance() - reference.variance()).abs() < 1e-6 * reference.variance());
        let d = Dist::new(m.mean, m.variance());
        for k in [0, 5, 20, 40, 80] {
            assert!((d.cdf(k) - reference.cdf(k)).abs() < 1e-8, "{k}");
        }
        for (mean, var) in [(0.3, 0.3), (7.0, 7.0), (250.0, 250.0), (4.0, 400.0)] {
            let (a, b) = (Dist::new(mean, var), LeadTimeDemand::from_moments(mean, var));
            assert!((0..400).all(|k| (a.cdf(k) - b.cdf(k)).abs() < 1e-8), "{mean} {var}");
            assert_eq!(a.quantile(0.99), b.quantile(0.99));
        }
        assert_eq!(Dist::new(0.0, 0.0).cdf(0), 1.0);
    }
}
