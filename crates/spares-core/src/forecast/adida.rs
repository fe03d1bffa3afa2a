//! ADIDA (aggregate-disaggregate intermittent demand approach) and IMAPA (its average over
//! aggregation levels), as in statsforecast 2.1.1. Summing non-overlapping blocks of k periods
//! turns an intermittent series into a (mostly) non-intermittent one that SES handles well.

use super::lockstep::AlphaBatch;
use super::prefetch;
use super::ses::optimized_ses_forecast;
use super::Workspace;

/// Aggregation level: the mean inter-demand interval rounded half-to-even (numpy's `round`).
/// `None` when there is no demand. The intervals sum to the 1-based position of the last
/// non-zero value, so their mean needs no intervals array.
pub(crate) fn aggregation_level(x: &[f64]) -> Option<usize> {
    // Two branch-free passes (a vectorised count that streams the series in, then a short
    // search from the end, in cache by then) instead of one with a hard-to-predict branch per
    // observation.
    let count = count_demands(x);
    let last = x.iter().rposition(|&v| v != 0.0)? + 1;
    let mean = last as f64 / count as f64;
    // mean >= 1 because every interval is >= 1.
    Some((mean.round_ties_even() as usize).max(1))
}

/// Non-zero values of `x`, counted a cache line at a time with the next page prefetched.
fn count_demands(x: &[f64]) -> usize {
    let (lines, tail) = x.as_chunks::<8>();
    let mut count = 0;
    for line in lines {
        prefetch::line_ahead(line.as_ptr());
        count += line.iter().filter(|&&v| v != 0.0).count();
    }
    count + tail.iter().filter(|&&v| v != 0.0).count()
}

/// Sums of the last `n - n % k` periods in blocks of `k`.
fn block_sums(x: &[f64], k: usize) -> impl Iterator<Item = f64> + '_ {
    x[x.len() % k..].chunks_exact(k).map(|c| c.iter().sum::<f64>())
}

/// [`block_sums`] appended to `out`, bit for bit: every block is still summed left to right
/// from `Iterator::sum`'s start value, but eight blocks side by side, so that the adds of one
/// block do not wait on each other and the lanes vectorise.
fn push_block_sums(x: &[f64], k: usize, out: &mut Vec<f64>) {
    const SIDE_BY_SIDE: usize = 8;
    let body = &x[x.len() % k..];
    let start: f64 = std::iter::empty::<f64>().sum();
    let mut groups = body.chunks_exact(SIDE_BY_SIDE * k);
    for group in &mut groups {
        let mut sums = [start; SIDE_BY_SIDE];
        for j in 0..k {
            for (lane, sum) in sums.iter_mut().enumerate() {
                *sum += group[lane * k + j];
            }
        }
        out.extend(sums);
    }
    // The remainder is whole blocks: `body` is.
    out.extend(block_sums(groups.remainder(), k));
}

/// Per-period forecast from SES (optimised alpha) of the [`block_sums`].
fn block_forecast(x: &[f64], k: usize, blocks: &mut Vec<f64>) -> f64 {
    if x.len() < k {
        return x.last().copied().unwrap_or(0.0);
    }
    blocks.clear();
    blocks.extend(block_sums(x, k));
    optimized_ses_forecast(blocks) / k as f64
}

/// [`block_forecast`] whose alpha search is left to the batch: either the forecast itself
/// (too few periods for one block) or the batch index of the block sums.
#[derive(Clone, Copy)]
enum BlockTerm {
    Known(f64),
    Batched { index: usize, k: usize },
}

impl BlockTerm {
    fn plan(x: &[f64], k: usize, batch: &mut AlphaBatch) -> Self {
        if x.len() < k {
            return BlockTerm::Known(x.last().copied().unwrap_or(0.0));
        }
        BlockTerm::Batched {
            index: batch.push_with(|data| push_block_sums(x, k, data)),
            k,
        }
    }

    fn forecast(self, batch: &AlphaBatch) -> f64 {
        match self {
            BlockTerm::Known(v) => v,
            BlockTerm::Batched { index, k } => batch.forecast(index) / k as f64,
        }
    }
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

/// [`adida_ws`] of many series, appended to `out`, with their alpha searches in lock-step.
pub(crate) fn adida_many<S: AsRef<[f64]>>(series: &[S], ws: &mut Workspace, out: &mut Vec<f64>) {
    let batch = &mut ws.alpha_batch;
    batch.clear();
    let terms: Vec<BlockTerm> = series
        .iter()
        .map(|x| match aggregation_level(x.as_ref()) {
            None => BlockTerm::Known(0.0),
            Some(k) => BlockTerm::plan(x.as_ref(), k, batch),
        })
        .collect();
    batch.solve();
    out.extend(terms.into_iter().map(|t| t.forecast(batch)));
}

/// [`imapa_ws`] of many series, appended to `out`, with the alpha searches of every series and
/// aggregation level in lock-step.
pub(crate) fn imapa_many<S: AsRef<[f64]>>(series: &[S], ws: &mut Workspace, out: &mut Vec<f64>) {
    let batch = &mut ws.alpha_batch;
    batch.clear();
    let mut terms = Vec::new();
    // Per series: its levels' terms in `terms`, or no demand.
    let levels: Vec<Option<std::ops::Range<usize>>> = series
        .iter()
        .map(|x| {
            let kmax = aggregation_level(x.as_ref())?;
            let first = terms.len();
            terms.extend((1..=kmax).map(|k| BlockTerm::plan(x.as_ref(), k, batch)));
            Some(first..terms.len())
        })
        .collect();
    batch.solve();
    out.extend(levels.into_iter().map(|range| match range {
        None => 0.0,
        Some(r) => {
            let kmax = r.len();
            let total: f64 = terms[r].iter().map(|t| t.forecast(batch)).sum();
            total / kmax as f64
        }
    }));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn side_by_side_block_sums_are_the_plain_sums() {
        let mut next = crate::forecast::test_stream(7);
        // Fractional values, so that summation order would show.
        let x: Vec<f64> = (0..203).map(|_| (next() % 1000) as f64 / 7.0).collect();
        for k in 1..=40 {
            for n in [0, 1, k, 8 * k - 1, 8 * k, 9 * k + 3, x.len()] {
                let s = &x[..n.min(x.len())];
                let mut fast = Vec::new();
                push_block_sums(s, k, &mut fast);
                let plain: Vec<f64> = block_sums(s, k).collect();
                assert_eq!(
                    fast.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                    plain.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                    "k {k} n {n}"
                );
            }
        }
    }
}
