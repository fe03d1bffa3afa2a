//! How low a replayed stock-out rate must be before a calibration trusts it.
//!
//! A replay of the recent history is one sample of a noisy future: with n replayed demand lines
//! and x of them stock-out lines, the rate x / n is off from the rate the same levels would give
//! on fresh demand by about sqrt(T (1 - T) / n). So a calibration accepts an internal target
//! only when the true rate is under the external target T with a stated one-sided confidence,
//! read from the binomial's Wilson score interval: the upper bound U of a replayed rate p solves
//! `U - p = z sqrt(U (1 - U) / n)`, so `U <= T` exactly when `p <= T - z sqrt(T (1 - T) / n)`.
//! A long history (large n) may land close to T, a thin one is planned more cautiously, and
//! below `n = z^2 (1 - T) / T` lines only a replay without any stock-out line passes.
//!
//! The binomial treats lines as independent; stock-out lines cluster (one empty shelf shorts
//! the lines that follow), so the bound is, if anything, too narrow, never too wide.

use crate::forecast::count_dist::normal_cdf;

/// The confidence a calibration's bound is taken at by default: one-sided 95 %, the usual
/// level for a one-sided test, chosen before any data set was looked at.
pub const CONFIDENCE: f64 = 0.95;

/// The standard normal quantile of a one-sided `confidence` in (0.5, 1) (bisection on the cdf,
/// |error| < 1e-6); 0 at or below 0.5.
pub fn z_of(confidence: f64) -> f64 {
    if confidence.is_nan() || confidence <= 0.5 {
        return 0.0;
    }
    let (mut lo, mut hi) = (0.0f64, 10.0f64);
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if normal_cdf(mid) < confidence {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// The Wilson score upper bound at `z` of a rate observed as `rate` over `n` trials
/// (1 without trials).
pub fn wilson_upper(rate: f64, n: u64, z: f64) -> f64 {
    if n == 0 {
        return 1.0;
    }
    let n = n as f64;
    let p = rate.clamp(0.0, 1.0);
    let z2 = z * z;
    let centre = p + z2 / (2.0 * n);
    let spread = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    ((centre + spread) / (1.0 + z2 / n)).min(1.0)
}

/// The highest replayed rate over `n` lines whose Wilson upper bound at `z` is at most
/// `target`: `max(0, T - z sqrt(T (1 - T) / n))` (0 without lines).
pub fn allowed_rate(target: f64, n: u64, z: f64) -> f64 {
    if n == 0 || target <= 0.0 {
        return 0.0;
    }
    let t = target.min(1.0);
    (t - z * (t * (1.0 - t) / n as f64).sqrt()).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn z_matches_the_normal_table() {
        assert!((z_of(0.95) - 1.644_854).abs() < 1e-4, "{}", z_of(0.95));
        assert!((z_of(0.975) - 1.959_964).abs() < 1e-4);
        assert!((z_of(0.841_345) - 1.0).abs() < 1e-4);
        assert_eq!(z_of(0.5), 0.0);
    }

    #[test]
    fn the_allowed_rate_is_where_the_wilson_bound_meets_the_target() {
        let z = z_of(CONFIDENCE);
        for n in [300u64, 1_000, 10_000, 1_000_000] {
            let p = allowed_rate(0.01, n, z);
            assert!((wilson_upper(p, n, z) - 0.01).abs() < 1e-9, "n {n}: {p}");
            assert!(wilson_upper(p * 1.01, n, z) > 0.01);
        }
    }

    #[test]
    fn more_lines_allow_a_rate_closer_to_the_target() {
        let z = z_of(CONFIDENCE);
        let rates: Vec<f64> = (1..200).map(|k| allowed_rate(0.01, k * 500, z)).collect();
        assert!(rates.windows(2).all(|w| w[0] < w[1]), "monotone in n");
        assert!(rates.iter().all(|&r| r < 0.01));
        // Limits: the target itself with endless lines, nothing below z^2 (1 - T) / T lines.
        assert!((allowed_rate(0.01, 10_000_000_000, z) - 0.01).abs() < 1e-5);
        let few = (z * z * 0.99 / 0.01).floor() as u64;
        assert_eq!(allowed_rate(0.01, few, z), 0.0);
        assert!(allowed_rate(0.01, few + 2, z) > 0.0);
        assert_eq!(allowed_rate(0.01, 0, z), 0.0);
        // At 5,000 lines and 95 %: 1 % - 1.645 * 0.141 % = 0.77 %.
        assert!((allowed_rate(0.01, 5_000, z) - 0.007_685).abs() < 1e-5);
    }

    #[test]
    fn the_upper_bound_shrinks_towards_the_observed_rate() {
        let z = z_of(CONFIDENCE);
        let bounds: Vec<f64> = [10u64, 100, 1_000, 100_000]
            .iter()
            .map(|&n| wilson_upper(0.005, n, z))
            .collect();
        assert!(bounds.windows(2).all(|w| w[0] > w[1]), "{bounds:?}");
        assert!(bounds.iter().all(|&b| b > 0.005));
        assert!(
            wilson_upper(0.0, 100, z) > 0.0,
            "no stock-out seen is not proof of none"
        );
        assert_eq!(wilson_upper(0.3, 0, z), 1.0);
    }
}
