//! Croston's method (classic, SBA-debiased and with optimised smoothing constants), as in
//! statsforecast 2.1.1: SES of the non-zero demand sizes divided by SES of the inter-demand
//! intervals, where the first interval is the 1-based position of the first demand and
//! trailing zeros are ignored.

use super::ses::{optimize_alpha_fast, ses_fitted, ses_forecast, ALPHA_HI, ALPHA_LO};
use super::Workspace;

/// Smoothing constant of classic Croston and SBA (statsforecast's fixed value).
pub const CROSTON_ALPHA: f64 = 0.1;
/// Syntetos-Boylan bias correction `1 - alpha/2` for alpha = 0.1.
pub const SBA_FACTOR: f64 = 0.95;

pub(crate) fn ratio(size: f64, interval: f64) -> f64 {
    if interval == 0.0 {
        size
    } else {
        size / interval
    }
}

/// Classic Croston forecast (flat over the horizon).
pub fn croston_classic(x: &[f64]) -> f64 {
    croston_classic_ws(x, &mut Workspace::default())
}

/// [`croston_classic`] with caller-provided scratch buffers.
pub fn croston_classic_ws(x: &[f64], ws: &mut Workspace) -> f64 {
    ws.load_demands(x);
    if ws.sizes.is_empty() {
        return x.last().copied().unwrap_or(0.0);
    }
    ratio(
        ses_forecast(&ws.sizes, CROSTON_ALPHA),
        ses_forecast(&ws.intervals, CROSTON_ALPHA),
    )
}

/// Croston with the Syntetos-Boylan approximation (0.95 x classic).
pub fn croston_sba(x: &[f64]) -> f64 {
    SBA_FACTOR * croston_classic(x)
}

/// [`croston_sba`] with caller-provided scratch buffers.
pub fn croston_sba_ws(x: &[f64], ws: &mut Workspace) -> f64 {
    SBA_FACTOR * croston_classic_ws(x, ws)
}

/// Croston with sizes and intervals each smoothed with the SSE-optimal alpha in [0.1, 0.3].
pub fn croston_optimized(x: &[f64]) -> f64 {
    croston_optimized_ws(x, &mut Workspace::default())
}

/// [`croston_optimized`] with caller-provided scratch buffers.
pub fn croston_optimized_ws(x: &[f64], ws: &mut Workspace) -> f64 {
    ws.load_demands(x);
    if ws.sizes.is_empty() {
        return x.last().copied().unwrap_or(0.0);
    }
    let a_size = optimize_alpha_fast(&ws.sizes, ALPHA_LO, ALPHA_HI);
    let a_interval = optimize_alpha_fast(&ws.intervals, ALPHA_LO, ALPHA_HI);
    ratio(ses_forecast(&ws.sizes, a_size), ses_forecast(&ws.intervals, a_interval))
}

/// [`croston_optimized_ws`] of many series, appended to `out`, with the alpha searches of all
/// their sizes and intervals in lock-step.
pub(crate) fn croston_optimized_many<S: AsRef<[f64]>>(series: &[S], ws: &mut Workspace, out: &mut Vec<f64>) {
    ws.alpha_batch.clear();
    // Per series: the forecast without demand, or the batch index of its sizes (intervals next).
    let mut plans = Vec::with_capacity(series.len());
    for x in series {
        let x = x.as_ref();
        ws.load_demands(x);
        plans.push(if ws.sizes.is_empty() {
            Err(x.last().copied().unwrap_or(0.0))
        } else {
            let sizes = ws.alpha_batch.push(ws.sizes.iter().copied());
            ws.alpha_batch.push(ws.intervals.iter().copied());
            Ok(sizes)
        });
    }
    ws.alpha_batch.solve();
    let batch = &ws.alpha_batch;
    out.extend(plans.into_iter().map(|plan| match plan {
        Err(value) => value,
        Ok(sizes) => ratio(batch.forecast(sizes), batch.forecast(sizes + 1)),
    }));
}

/// Spreads the per-demand fitted values of the sizes over the periods, as statsforecast does:
/// after the j-th demand the fitted size is the level after j demands; before the first
/// demand it is the previous observation.
pub(crate) fn expand_fitted_sizes(size_levels: &[f64], x: &[f64]) -> Vec<f64> {
    let mut out = Vec::with_capacity(x.len());
    if x.is_empty() {
        return out;
    }
    out.push(f64::NAN);
    let mut j = 0;
    for i in 1..x.len() {
        let v = if x[i - 1] > 0.0 {
            j += 1;
            size_levels.get(j).copied().unwrap_or(f64::NAN)
        } else if j > 0 {
            out[i - 1]
        } else {
            x[i - 1]
        };
        out.push(v);
    }
    out
}

/// Fitted values of Croston classic (NaN first, 0 before the first demand).
pub fn croston_classic_fitted(x: &[f64]) -> Vec<f64> {
    let mut ws = Workspace::default();
    ws.load_demands(x);
    if ws.sizes.is_empty() {
        let mut out = vec![f64::NAN];
        out.extend(x.iter().take(x.len().saturating_sub(1)));
        out.truncate(x.len());
        return out;
    }
    let (fs, mut size_levels) = ses_fitted(&ws.sizes, CROSTON_ALPHA);
    size_levels.push(fs);
    let (fi, mut int_levels) = ses_fitted(&ws.intervals, CROSTON_ALPHA);
    int_levels.push(fi);
    let sizes = expand_fitted_sizes(&size_levels, x);
    // Intervals expand like sizes, except that a zero level (or no demand yet) becomes 1 so
    // that the ratio is defined.
    let mut out = Vec::with_capacity(x.len());
    out.push(f64::NAN);
    let mut j = 0;
    let mut prev_interval = 1.0;
    for i in 1..x.len() {
        if x[i - 1] != 0.0 {
            j += 1;
            let level = int_levels.get(j).copied().unwrap_or(f64::NAN);
            prev_interval = if level == 0.0 { 1.0 } else { level };
        }
        out.push(sizes[i] / prev_interval);
    }
    out
}
