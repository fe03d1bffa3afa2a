//! Lead-time demand distribution for reorder points and service levels.
//!
//! Given the history `x` (n periods) and a method's per-period forecast path over the lead
//! time plus review period (L periods):
//!
//! - mean: `mu = sum(path)`.
//! - demand variance: `V_d = max(mu, mu * VMR_1, mu * VMR_L)`, where `VMR_1` is the
//!   variance-to-mean ratio of the per-period history and `VMR_L` the same ratio of the sums of
//!   non-overlapping blocks of L periods (aligned to the end, sample variance, at least two
//!   blocks). Scaling the ratio rather than the variance keeps a dispersion measured at the
//!   historical level valid when the forecast level differs; block sums catch autocorrelation
//!   (demand clustering) that the per-period ratio misses. Never below the mean: Poisson is the
//!   least dispersed count model used.
//! - estimation error of the forecast level: `V_e = L^2 * s^2 / n_eff`, with `s^2` the
//!   per-period variance of the history and `n_eff = min(n, (2/alpha - 1) * ADI)`, alpha = 0.1:
//!   an exponentially smoothed level averages about `2/alpha - 1` observations (demand
//!   occurrences for the intermittent methods, each spanning ADI periods on average). The level
//!   error is shared by all L periods, hence `L^2`.
//! - `V = V_d + V_e`. Model: Poisson(mu) when `V <= mu`, otherwise negative binomial with
//!   `p = mu / V`, `r = mu^2 / (V - mu)` (mean mu, variance V). `mu = 0` is a point mass at 0.
//!
//! The pmf is tabulated once over its effective support: the first term from `ln Gamma`
//! (Lanczos), the rest by the ratio recurrence in log space (no underflow for tiny
//! probabilities, no overflow for huge means), stopped once the geometric bound on the
//! remaining upper tail is below 1e-14 of the mass, or once less than 1e-9 of the total
//! probability is left (a tiny mean with a large variance has a thin tail a million points
//! long), then normalised and accumulated. When the
//! support would exceed [`MAX_TABLE`] points the distribution is replaced by a normal with the
//! same moments (continuity-corrected); at such sizes a unit of demand is immaterial.

use super::classify::classify;
use super::count_dist::{cumulative, ln_gamma, normal_count_cdf, normal_quantile};

/// Largest tabulated support before falling back to the normal approximation.
pub const MAX_TABLE: usize = 1 << 20;
const SMOOTHING_ALPHA: f64 = 0.1;
const TAIL: f64 = 1e-14;
/// Stop tabulating once this little probability mass is left beyond the table.
const TAIL_MASS: f64 = 1e-9;

#[derive(Debug, Clone, PartialEq)]
enum Shape {
    PointMass,
    Table { start: u64, cdf: Vec<f64> },
    Normal { sd: f64 },
}

/// Distribution of total demand over the lead time (plus review period).
#[derive(Debug, Clone, PartialEq)]
pub struct LeadTimeDemand {
    mean: f64,
    variance: f64,
    negative_binomial: bool,
    shape: Shape,
}

/// Mean and variance split into the demand part (scales with the horizon's mean) and the
/// level-estimation part (does not), from the history `x` and a forecast `path`; the moments
/// of [`lead_time_demand`], which replenishment also tabulates its own way.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Moments {
    pub mean: f64,
    pub demand_variance: f64,
    pub level_variance: f64,
}

impl Moments {
    /// The moments of a `share` of the horizon's demand: the demand part scales, the level's
    /// estimation error does not.
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

/// `V_d = max(mu, mu * VMR_1, mu * VMR_L)`, `V_e = L^2 s^2 / n_eff` with
/// `n_eff = min(n, (2/alpha - 1) * ADI)` (module doc).
pub fn moments(x: &[f64], path: &[f64]) -> Moments {
    let mu: f64 = path.iter().map(|v| v.max(0.0)).sum();
    let l = path.len().max(1);
    let n = x.len();
    if n == 0 || mu.is_nan() || mu <= 0.0 || !mu.is_finite() {
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
        // Two passes over the blocks, not a sum of squares: no cancellation, and no allocation
        // (replenishment calls this for every pair of a network at every review).
        let block_sums = || x[n % l..].chunks_exact(l).map(|c| c.iter().sum::<f64>());
        let mb = block_sums().sum::<f64>() / blocks as f64;
        let vb = block_sums().map(|s| (s - mb) * (s - mb)).sum::<f64>() / (blocks - 1) as f64;
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

/// Builds the lead-time demand distribution from a history and a forecast path.
pub fn lead_time_demand(x: &[f64], path: &[f64]) -> LeadTimeDemand {
    let m = moments(x, path);
    LeadTimeDemand::from_moments(m.mean, m.variance())
}

impl LeadTimeDemand {
    /// Poisson when `variance <= mean`, negative binomial otherwise.
    pub fn from_moments(mean: f64, variance: f64) -> Self {
        let mean = if mean.is_finite() { mean.max(0.0) } else { 0.0 };
        if mean == 0.0 {
            return LeadTimeDemand {
                mean,
                variance: 0.0,
                negative_binomial: false,
                shape: Shape::PointMass,
            };
        }
        let variance = if variance.is_finite() { variance.max(mean) } else { mean };
        let nb = variance > mean * (1.0 + 1e-12);
        let variance = if nb { variance } else { mean };
        let shape = tabulate(mean, variance, nb).unwrap_or(Shape::Normal { sd: variance.sqrt() });
        LeadTimeDemand {
            mean,
            variance,
            negative_binomial: nb,
            shape,
        }
    }

    pub fn mean(&self) -> f64 {
        self.mean
    }

    pub fn variance(&self) -> f64 {
        self.variance
    }

    pub fn is_negative_binomial(&self) -> bool {
        self.negative_binomial
    }

    /// P(D <= x).
    pub fn cdf(&self, x: u64) -> f64 {
        match &self.shape {
            Shape::PointMass => 1.0,
            Shape::Table { start, cdf } => {
                if x < *start {
                    0.0
                } else {
                    let i = (x - start) as usize;
                    cdf.get(i).copied().unwrap_or(1.0)
                }
            }
            Shape::Normal { sd } => normal_count_cdf(x, self.mean, *sd),
        }
    }

    /// Smallest `x` with `P(D <= x) >= p`.
    pub fn quantile(&self, p: f64) -> u64 {
        if p.is_nan() || p <= 0.0 {
            return 0;
        }
        let p = p.min(1.0);
        match &self.shape {
            Shape::PointMass => 0,
            Shape::Table { start, cdf } => {
                let i = cdf.partition_point(|&c| c < p).min(cdf.len().saturating_sub(1));
                start + i as u64
            }
            Shape::Normal { sd } => normal_quantile(self.mean, *sd, p),
        }
    }

    pub fn p50(&self) -> u64 {
        self.quantile(0.5)
    }

    pub fn p90(&self) -> u64 {
        self.quantile(0.9)
    }

    pub fn p95(&self) -> u64 {
        self.quantile(0.95)
    }

    pub fn p99(&self) -> u64 {
        self.quantile(0.99)
    }
}

/// Tabulated cdf of Poisson(mean) or NB(mean, variance); `None` if the support is too wide.
fn tabulate(mean: f64, variance: f64, nb: bool) -> Option<Shape> {
    let sd = variance.sqrt();
    let start = (mean - 12.0 * sd).floor().max(0.0);
    if start > 1e15 {
        return None;
    }
    let (r, p) = if nb {
        (mean * mean / (variance - mean), mean / variance)
    } else {
        (0.0, 0.0)
    };
    let ln_q = (1.0 - p).ln();
    let ln_mean = mean.ln();
    let ln_pmf = |k: f64| {
        if nb {
            ln_gamma(k + r) - ln_gamma(r) - ln_gamma(k + 1.0) + r * p.ln() + k * ln_q
        } else {
            k * ln_mean - mean - ln_gamma(k + 1.0)
        }
    };
    // ln f(k+1) - ln f(k)
    let ln_ratio = |k: f64| {
        if nb {
            ((k + r) / (k + 1.0)).ln() + ln_q
        } else {
            ln_mean - (k + 1.0).ln()
        }
    };
    // Work relative to the largest log-pmf seen so the exponentials never all underflow.
    let mut ln_f = ln_pmf(start);
    let mut pmf: Vec<f64> = Vec::new();
    let mut lns: Vec<f64> = Vec::new();
    let mut k = start;
    let mut ln_max = f64::NEG_INFINITY;
    // The pmf is absolute (not relative), so the mass seen so far bounds the rest: a tiny mean
    // with a large variance has a long, thin geometric tail that the ratio bound alone would
    // walk for a million points although almost all the mass sits at 0.
    let mut mass = 0.0;
    loop {
        lns.push(ln_f);
        ln_max = ln_max.max(ln_f);
        mass += ln_f.exp();
        if k >= mean && mass >= 1.0 - TAIL_MASS {
            break;
        }
        let step = ln_ratio(k);
        if k > mean && step < 0.0 {
            // Beyond the mode the ratio only falls: tail <= f(k) * rho / (1 - rho).
            let rho = step.exp();
            let tail = (ln_f - ln_max).exp() * rho / (1.0 - rho);
            if tail < TAIL || !tail.is_finite() && rho < 1.0 {
                break;
            }
        }
        if lns.len() >= MAX_TABLE {
            return None;
        }
        ln_f += step;
        k += 1.0;
    }
    pmf.extend(lns.iter().map(|l| (l - ln_max).exp()));
    let total: f64 = pmf.iter().sum();
    if total.is_nan() || total <= 0.0 || !total.is_finite() {
        return None;
    }
    Some(Shape::Table {
        start: start as u64,
        cdf: cumulative(&pmf, total),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moments(d: &LeadTimeDemand) -> (f64, f64) {
        let (mut m, mut m2, mut prev) = (0.0, 0.0, 0.0);
        let top = d.quantile(1.0) + 1;
        for k in 0..=top {
            let c = d.cdf(k);
            let f = c - prev;
            prev = c;
            m += k as f64 * f;
            m2 += (k as f64) * (k as f64) * f;
        }
        (m, m2 - m * m)
    }

    #[test]
    fn pmf_moments_match_the_model() {
        for (mean, var) in [
            (0.3, 0.3),
            (4.0, 4.0),
            (4.0, 12.0),
            (0.05, 2.0),
            (250.0, 250.0),
            (250.0, 9000.0),
            (3000.0, 3e5),
        ] {
            let d = LeadTimeDemand::from_moments(mean, var);
            assert_eq!(d.is_negative_binomial(), var > mean);
            let (m, v) = moments(&d);
            assert!((m - mean).abs() <= 1e-6 * mean.max(1.0), "mean {mean} var {var}: {m}");
            // The table stops once 1e-9 of the mass is left: a thin tail's share of the
            // variance (not of the quantiles) is cut.
            assert!((v - var).abs() <= 1e-3 * var.max(1.0), "mean {mean} var {var}: {v}");
        }
    }

    #[test]
    fn cdf_is_monotone_and_quantiles_consistent() {
        for (mean, var) in [
            (0.01, 0.01),
            (1.5, 1.5),
            (7.0, 30.0),
            (1e-9, 1e-9),
            (40.0, 41.0),
            (5e4, 5e6),
        ] {
            let d = LeadTimeDemand::from_moments(mean, var);
            let mut prev = 0.0;
            for k in 0..2000u64 {
                let kk = k * k.max(1) / 4;
                let c = d.cdf(kk);
                assert!(
                    c.is_finite() && (0.0..=1.0).contains(&c) && c >= prev,
                    "{mean} {var} {kk} {c}"
                );
                prev = c;
            }
            for p in [0.001, 0.1, 0.5, 0.9, 0.95, 0.99, 0.9999, 1.0] {
                let q = d.quantile(p);
                assert!(d.cdf(q) >= p - 1e-12, "{mean} {var} p={p} q={q}");
                if q > 0 {
                    assert!(d.cdf(q - 1) < p, "{mean} {var} p={p} q={q}");
                }
            }
            assert!(d.p50() <= d.p90() && d.p90() <= d.p95() && d.p95() <= d.p99());
        }
    }

    #[test]
    fn zero_and_huge_means() {
        let d = LeadTimeDemand::from_moments(0.0, 5.0);
        assert_eq!((d.cdf(0), d.p99(), d.variance()), (1.0, 0, 0.0));
        let d = LeadTimeDemand::from_moments(1e12, 4e12);
        let q = d.p50();
        assert!((q as f64 - 1e12).abs() < 1e7, "{q}");
        assert!(d.p99() > q && d.cdf(d.p99()) >= 0.99);
        assert!(LeadTimeDemand::from_moments(f64::NAN, 1.0).cdf(0) == 1.0);
        let d = LeadTimeDemand::from_moments(1e-300, 1e-300);
        assert_eq!(d.p99(), 0);
    }

    #[test]
    fn history_dispersion_and_path_drive_the_moments() {
        let lumpy: Vec<f64> = (0..365).map(|i| if i % 17 == 0 { 12.0 } else { 0.0 }).collect();
        let path = vec![12.0 / 17.0; 14];
        let d = lead_time_demand(&lumpy, &path);
        assert!((d.mean() - 12.0 * 14.0 / 17.0).abs() < 1e-9);
        assert!(d.is_negative_binomial() && d.variance() > 5.0 * d.mean());
        let steady = vec![3.0; 100];
        let d = lead_time_demand(&steady, &[3.0; 7]);
        assert!(!d.is_negative_binomial() && (d.variance() - 21.0).abs() < 1e-9);
        assert_eq!(lead_time_demand(&[0.0; 30], &[0.0; 7]).p99(), 0);
    }
}
