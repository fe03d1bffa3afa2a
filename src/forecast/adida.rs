//! ADIDA (aggregate-disaggregate intermittent demand approach) and IMAPA (its average over
//! aggregation levels), as in statsforecast 2.1.1. Summing non-overlapping blocks of k periods
//! turns an intermittent series into a (mostly) non-intermittent one that SES handles well.

use super::ses::optimized_ses_forecast;
use super::Workspace;

/// Aggregation level: the mean inter-demand interval rounded half-to-even (numpy's `round`).
/// `None` when there is no demand. The intervals sum to the 1-based position of the last
/// non-zero value, so their mean needs no intervals array.
pub(crate) fn aggregation_level(x: &[f64]) -> Option<usize> {
    let mut count = 0usize;
    let mut last = 0usize;
    for (i, &v) in x.iter().enumerate() {
        if v != 0.0 {
            count += 1;
            last = i + 1;
        }
    }
    if count == 0 {
        return None;
    }
    let mean = last as f64 / count as f64;
    // mean >= 1 because every interval is >= 1.
    Some((mean.round_ties_even() as usize).max(1))
}

/// Per-period forecast from SES (optimised alpha) of the sums of the last `n - n % k` periods
/// in blocks of `k`.
fn block_forecast(x: &[f64], k: usize, blocks: &mut Vec<f64>) -> f64 {
    let n = x.len();
    if n < k {
        return x.last().copied().unwrap_or(0.0);
    }
    blocks.clear();
    blocks.extend(x[n % k..].chunks_exact(k).map(|c| c.iter().sum::<f64>()));
    optimized_ses_forecast(blocks) / k as f64
}

/// ADIDA forecast (flat over the horizon).
pub fn adida(x: &[f64]) -> f64 {
    adida_ws(x, &mut Workspace::default())
}

/// [`adida`] with caller-provided scratch buffers.
pub fn adida_ws(x: &[f64], ws: &mut Workspace) -> f64 {
    match aggregation_level(x) {
        None => 0.0,
        Some(k) => block_forecast(x, k, &mut ws.blocks),
    }
}

/// IMAPA forecast: the mean of the block forecasts for every level 1..=K.
pub fn imapa(x: &[f64]) -> f64 {
    imapa_ws(x, &mut Workspace::default())
}

/// [`imapa`] with caller-provided scratch buffers.
pub fn imapa_ws(x: &[f64], ws: &mut Workspace) -> f64 {
    match aggregation_level(x) {
        None => 0.0,
        Some(kmax) => {
            let total: f64 = (1..=kmax).map(|k| block_forecast(x, k, &mut ws.blocks)).sum();
            total / kmax as f64
        }
    }
}

/// In-sample one-step-ahead fitted values of ADIDA: the forecast from every proper prefix
/// (NaN first). Quadratic in the length; for validation, not for production use.
pub fn adida_fitted(x: &[f64]) -> Vec<f64> {
    let mut ws = Workspace::default();
    let mut out = Vec::with_capacity(x.len());
    // statsforecast returns no fitted value at all for a single observation.
    if x.len() > 1 {
        out.push(f64::NAN);
    }
    for i in 1..x.len() {
        out.push(adida_ws(&x[..i], &mut ws));
    }
    out
}
