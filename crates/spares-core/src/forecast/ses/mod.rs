//! Simple exponential smoothing (SES), matching statsforecast 2.1.1
//! (`/work/shared/reference/README.md`); the golden-section alpha search is `golden.rs`.
//!
//! The level starts at the first observation: `f_0 = x_0`, `f_i = a x_{i-1} + (1-a) f_{i-1}`,
//! forecast `a x_{n-1} + (1-a) f_{n-1}`. The forecast is evaluated as a discounted sum by
//! Horner's rule over 32 interleaved lanes (see `discounted_sum`), so the loop-carried
//! dependency is one multiply-add per 32 observations instead of one per observation. This
//! re-associates floating-point sums, which moves results by a few ulps (the reference tests
//! check 1e-6 relative; observed differences are ~1e-15). The SSE that the alpha search
//! compares is never re-associated (see `ses_sse`).

mod golden;

pub(crate) use golden::{golden_ratio, optimize_alpha_tol, Golden};
pub use golden::{optimize_alpha, optimize_alpha_fast, optimize_alpha_pair, optimize_alpha_reference};

use super::prefetch;

/// Lower and upper bounds of statsforecast's alpha search.
pub const ALPHA_LO: f64 = 0.1;
pub const ALPHA_HI: f64 = 0.3;
/// statsforecast stops the golden-section search once the bracket is narrower than this.
pub(crate) const GOLDEN_TOL: f64 = 1e-12;

/// One-step (= every-step) SES forecast. Empty input forecasts 0.
#[inline]
pub fn ses_forecast(x: &[f64], alpha: f64) -> f64 {
    ses_forecast_map(x, alpha, |v| v)
}

/// SES forecast of `map(x_i)`: lets TSB smooth the demand indicator without materialising it.
#[inline]
pub fn ses_forecast_map<F: Fn(f64) -> f64>(x: &[f64], alpha: f64, map: F) -> f64 {
    let Some(&x0) = x.first() else {
        return 0.0;
    };
    // Starting the level at x0 and then folding every observation (x0 included) is the same
    // recurrence as statsforecast's, whose first fitted value is a*x0 + c*x0. Unrolled, the
    // final level is c^n x0 + a sum_j c^(n-1-j) x_j = x0 + a sum_j c^(n-1-j) (x_j - x0):
    // measured from x0, a constant series forecasts exactly its value.
    let m0 = map(x0);
    m0 + alpha * discounted_sum_dispatch(x, 1.0 - alpha, |v| map(v) - m0)
}

/// Interleaved lanes of [`discounted_sum`].
const HORNER_LANES: usize = 32;
const _: () = assert!(HORNER_LANES.is_power_of_two(), "pairwise_sum halves the lanes");

fn discounted_sum_dispatch<F: Fn(f64) -> f64>(x: &[f64], c: f64, map: F) -> f64 {
    #[cfg(target_arch = "x86_64")]
    if x.len() >= 2 * HORNER_LANES && std::arch::is_x86_feature_detected!("avx512f") {
        // SAFETY: the CPU supports the feature `discounted_sum_avx512` is compiled for.
        return unsafe { discounted_sum_avx512(x, c, map) };
    }
    #[cfg(target_arch = "x86_64")]
    if x.len() >= 2 * HORNER_LANES && std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports the feature `discounted_sum_avx2` is compiled for.
        return unsafe { discounted_sum_avx2(x, c, map) };
    }
    discounted_sum(x, c, map)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn discounted_sum_avx2<F: Fn(f64) -> f64>(x: &[f64], c: f64, map: F) -> f64 {
    discounted_sum(x, c, map)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn discounted_sum_avx512<F: Fn(f64) -> f64>(x: &[f64], c: f64, map: F) -> f64 {
    discounted_sum(x, c, map)
}

/// `sum_j c^(n-1-j) map(x_j)` by Horner's rule on [`HORNER_LANES`] interleaved sub-sequences
/// (lane l takes every 32nd observation, with factor c^32), then one weighted sum over the
/// lanes. The blocks are aligned to the end of the series, so that the last observation sits in
/// the last lane (weight c^0) and the leftover observations form a zero-padded first block:
/// the dependency chain is one multiply-add per 32 observations, and neither the leftover
/// observations nor the merge of the lanes is a serial chain (a serial merge and tail cost a
/// quarter of a 730-day series' time).
#[inline(always)]
fn discounted_sum<F: Fn(f64) -> f64>(x: &[f64], c: f64, map: F) -> f64 {
    let (head, body) = x.split_at(x.len() % HORNER_LANES);
    let (blocks, _) = body.as_chunks::<HORNER_LANES>();
    let powers = powers_of::<HORNER_LANES>(c);
    let c32 = powers[HORNER_LANES - 1] * c;
    let mut lanes = [0.0f64; HORNER_LANES];
    for (acc, &v) in lanes[HORNER_LANES - head.len()..].iter_mut().zip(head) {
        *acc = map(v);
    }
    for block in blocks {
        for line in block.chunks_exact(8) {
            prefetch::line_ahead(line.as_ptr());
        }
        for (acc, &v) in lanes.iter_mut().zip(block) {
            *acc = *acc * c32 + map(v);
        }
    }
    // Lane l's weight is c^(31 - l).
    for (acc, &weight) in lanes.iter_mut().zip(powers.iter().rev()) {
        *acc *= weight;
    }
    pairwise_sum(lanes)
}

/// `[c^0, c^1, ..., c^(N-1)]` by doubling: log2(N) rounds of independent multiplies.
#[inline(always)]
fn powers_of<const N: usize>(c: f64) -> [f64; N] {
    let mut powers = [1.0f64; N];
    let mut filled = 1;
    let mut step = c;
    while filled < N {
        let (done, rest) = powers.split_at_mut(filled);
        for (next, &p) in rest.iter_mut().zip(done.iter()) {
            *next = p * step;
        }
        filled *= 2;
        step *= step;
    }
    powers
}

/// Sum of the lanes as a balanced tree (halves added lane-wise until one is left).
#[inline(always)]
fn pairwise_sum<const N: usize>(mut lanes: [f64; N]) -> f64 {
    let mut width = N;
    while width > 1 {
        width /= 2;
        let (low, high) = lanes.split_at_mut(width);
        for (a, &b) in low.iter_mut().zip(high.iter()) {
            *a += b;
        }
    }
    lanes[0]
}

/// Forecast and in-sample one-step-ahead fitted values (`fitted[0]` is NaN), computed with the
/// plain recurrence (this path is not hot).
pub fn ses_fitted(x: &[f64], alpha: f64) -> (f64, Vec<f64>) {
    let Some(&x0) = x.first() else {
        return (0.0, Vec::new());
    };
    let c = 1.0 - alpha;
    let mut fitted = Vec::with_capacity(x.len());
    fitted.push(f64::NAN);
    let mut level = x0;
    for i in 1..x.len() {
        level = alpha * x[i - 1] + c * level;
        fitted.push(level);
    }
    let forecast = alpha * x[x.len() - 1] + c * level;
    (forecast, fitted)
}

/// Sum of squared one-step errors `sum_{i>=1} (x_i - f_i)^2`; 0 for fewer than two points.
///
/// Evaluated with exactly statsforecast's operation order: the search stops on an exact tie
/// (constant or two-point series), and any re-association would turn such ties into
/// rounding-noise comparisons that send the search to a bound instead.
#[inline]
pub fn ses_sse(x: &[f64], alpha: f64) -> f64 {
    let [s] = sse_lanes(x, [alpha]);
    s
}

/// SSEs of one series at K alphas in one pass: K independent dependency chains keep the FP
/// units busy while each waits on its multiply-add latency, and the lanes vectorise. Each lane
/// uses the literal operation order of statsforecast.
#[inline(always)]
fn sse_lanes<const K: usize>(x: &[f64], alphas: [f64; K]) -> [f64; K] {
    let mut sse = [0.0f64; K];
    let Some(&x0) = x.first() else {
        return sse;
    };
    let c = alphas.map(|a| 1.0 - a);
    let mut f = [x0; K];
    for w in x.windows(2) {
        for k in 0..K {
            f[k] = alphas[k] * w[0] + c[k] * f[k];
            let e = w[1] - f[k];
            sse[k] += e * e;
        }
    }
    sse
}

/// SES forecast with the optimised alpha (statsforecast's `_optimized_ses_forecast`).
pub fn optimized_ses_forecast(x: &[f64]) -> f64 {
    ses_forecast(x, optimize_alpha_fast(x, ALPHA_LO, ALPHA_HI))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_series_ties_to_midpoint() {
        assert_eq!(optimize_alpha(&[3.0; 10], 0.1, 0.3), 0.2);
        assert_eq!(optimize_alpha_reference(&[3.0; 10], 0.1, 0.3), 0.2);
        assert_eq!(optimize_alpha(&[3.0], 0.1, 0.3), 0.2);
    }

    #[test]
    fn unrolled_paths_match_plain_recurrence() {
        // Past 64 points the forecast takes the AVX-512 path where the CPU has it.
        let x: Vec<f64> = (0..150).map(|i| ((i * 7919) % 13) as f64 * ((i % 3) as f64)).collect();
        for alpha in [0.1, 0.17, 0.3, 0.9] {
            for n in 0..x.len() {
                let s = &x[..n];
                let (f, fitted) = ses_fitted(s, alpha);
                assert!((ses_forecast(s, alpha) - f).abs() <= 1e-12 * (1.0 + f.abs()));
                let sse: f64 = s.iter().zip(&fitted).skip(1).map(|(v, f)| (v - f) * (v - f)).sum();
                assert!((ses_sse(s, alpha) - sse).abs() <= 1e-12 * (1.0 + sse));
            }
        }
    }

    #[test]
    fn constant_series_forecasts_its_value_exactly() {
        for n in [1, 2, 31, 32, 33, 64, 65, 200] {
            for alpha in [0.1, 0.2345, 1.0] {
                assert_eq!(ses_forecast(&vec![5.0; n], alpha), 5.0, "n {n} alpha {alpha}");
            }
        }
    }

    #[test]
    fn reused_golden_search_matches_literal_search() {
        // Near the minimum the SSE is flat to rounding noise, so the last few comparisons of
        // either search are coin flips: the alphas agree to ~1e-8, the forecasts far closer.
        let x: Vec<f64> = (0..60).map(|i| ((i * 31) % 17) as f64).collect();
        let y: Vec<f64> = (0..60).map(|i| ((i * 13) % 5) as f64 + 1.0).collect();
        let r = optimize_alpha_reference(&x, 0.1, 0.3);
        let o = optimize_alpha(&x, 0.1, 0.3);
        assert!((o - r).abs() < 1e-7, "{o} vs {r}");
        let (fo, fr) = (ses_forecast(&x, o), ses_forecast(&x, r));
        assert!((fo - fr).abs() <= 1e-8 * fr.abs(), "{fo} vs {fr}");
        let (px, py) = optimize_alpha_pair(&x, &y, 0.1, 0.3);
        assert!((px - r).abs() < 1e-7);
        assert!((py - optimize_alpha_reference(&y, 0.1, 0.3)).abs() < 1e-7);
    }

    #[test]
    fn tree_search_is_the_literal_golden_search() {
        // Bit-identical alphas, including multimodal SSEs (where the path decides the local
        // minimum), ties (constant runs) and lengths around the wide-pass threshold.
        let mut next = crate::forecast::test_stream(0x2545_f491_4f6c_dd1d);
        for case in 0..400 {
            let n = 1 + (next() % 300) as usize;
            let x: Vec<f64> = (0..n)
                .map(|_| match case % 4 {
                    0 => (next() % 7) as f64,
                    1 => 3.0,
                    2 => (next() % 1000) as f64 / 7.0,
                    _ => (1 + next() % 3) as f64 * (next().is_multiple_of(4) as u8 as f64),
                })
                .collect();
            assert_eq!(
                optimize_alpha_fast(&x, 0.1, 0.3),
                optimize_alpha(&x, 0.1, 0.3),
                "case {case}"
            );
        }
    }
}
