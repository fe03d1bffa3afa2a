//! Demand over a horizon as the allocation needs it: the moments of
//! [`crate::forecast::leadtime`] (same formula), tabulated in linear space and only to a tail
//! of 1e-10.
//!
//! Why not `LeadTimeDemand` itself: it tabulates in log space to a 1e-14 tail, a `ln` and an
//! `exp` per point, and lumpy spare parts have negative binomial tails thousands of units long;
//! a network is re-modelled every week, which made that tabulation most of a simulation's time.
//! Here the pmf ratio recurrence runs outward from the mode with multiplications only.

use crate::forecast::classify::classify;

/// Smoothing constant assumed for the forecast level's estimation error (as in `leadtime`).
const SMOOTHING_ALPHA: f64 = 0.1;
const TAIL: f64 = 1e-10;
const MAX_TABLE: usize = 1 << 20;

/// Mean and variance split into the demand part (scales with the horizon's mean) and the
/// level-estimation part (does not), from the history `x` and a forecast `path`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Moments {
    pub mean: f64,
    pub demand_variance: f64,
    pub level_variance: f64,
}

impl Moments {
    /// The moments of a `share` of the horizon's demand (see `policy::line_horizon_share`).
    pub fn scaled(&self, share: f64) -> Moments {
        Moments {
            mean: self.mean * share,
            demand_variance: self.demand_variance * share,
            level_variance: self.level_variance,
        }
    }

    pub fn variance(&self) -> f64 {
        self.demand_variance + self.level_variance
    }
}

/// `forecast::leadtime::lead_time_demand`'s moments: `V_d = max(mu, mu * VMR_1, mu * VMR_L)`,
/// `V_e = L^2 s^2 / n_eff` with `n_eff = min(n, (2/alpha - 1) * ADI)`.
pub fn moments(x: &[f64], path: &[f64]) -> Moments {
    let mu: f64 = path.iter().map(|v| v.max(0.0)).sum();
    let l = path.len().max(1);
    let n = x.len();
    if n == 0 || !(mu > 0.0) || !mu.is_finite() {
        return Moments {
            mean: if mu.is_finite() { mu.max(0.0) } else { 0.0 },
            demand_variance: 0.0,
            level_variance: 0.0,
        };
    }
    let m1 = x.iter().sum::<f64>() / n as f64;
    let s2 = x.iter().map(|v| (v - m1) * (v - m1)).sum::<f64>() / n as f64;
    let mut v_d = mu;
    if m1 > 0.0 {
        v_d = v_d.max(mu * s2 / m1);
    }
    let blocks = n / l;
    if blocks >= 2 {
        let (mut sum, mut sum_sq) = (0.0, 0.0);
        for c in x[n % l..].chunks_exact(l) {
            let b: f64 = c.iter().sum();
            sum += b;
            sum_sq += b * b;
        }
        let mb = sum / blocks as f64;
        let vb = (sum_sq - blocks as f64 * mb * mb).max(0.0) / (blocks - 1) as f64;
        if mb > 0.0 {
            v_d = v_d.max(mu * vb / mb);
        }
    }
    let adi = classify(x).adi;
    let adi = if adi.is_finite() { adi } else { 1.0 };
    let n_eff = (n as f64).min((2.0 / SMOOTHING_ALPHA - 1.0) * adi).max(1.0);
    Moments {
        mean: mu,
        demand_variance: v_d,
        level_variance: (l * l) as f64 * s2 / n_eff,
    }
}

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
        let up = |k: f64| if nb { (k + r) / (k + 1.0) * q } else { mean / (k + 1.0) };
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
        let mut acc = 0.0;
        let cdf = pmf
            .iter()
            .map(|f| {
                acc += f;
                (acc / total).min(1.0)
            })
            .collect();
        Dist { cdf, normal: None }
    }

    /// P(D <= x).
    pub fn cdf(&self, x: u64) -> f64 {
        match self.normal {
            Some((mean, sd)) => normal_cdf((x as f64 + 0.5 - mean) / sd),
            None => self.cdf.get(x as usize).copied().unwrap_or(1.0),
        }
    }

    /// Smallest `x` with `P(D <= x) >= p`.
    pub fn quantile(&self, p: f64) -> u64 {
        match self.normal {
            Some((mean, sd)) => {
                let (mut lo, mut hi) = (0u64, (mean + 60.0 * sd).ceil() as u64);
                while lo < hi {
                    let mid = lo + (hi - lo) / 2;
                    if self.cdf(mid) >= p {
                        hi = mid;
                    } else {
                        lo = mid + 1;
                    }
                }
                lo
            }
            None => self
                .cdf
                .partition_point(|&c| c < p)
                .min(self.cdf.len().saturating_sub(1)) as u64,
        }
    }
}

/// Standard normal cdf (Abramowitz-Stegun 7.1.26 on erf, 1.5e-7).
fn normal_cdf(z: f64) -> f64 {
    let x = z.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let poly =
        t * (0.254_829_592 + t * (-0.284_496_736 + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erf = 1.0 - poly * (-x * x).exp();
    if z >= 0.0 {
        0.5 * (1.0 + erf)
    } else {
        0.5 * (1.0 - erf)
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
