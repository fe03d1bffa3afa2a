//! Teunter-Syntetos-Babai: SES of the demand probability (over every period) times SES of the
//! non-zero demand sizes, as in statsforecast 2.1.1. Unlike Croston it decays towards zero
//! during long runs without demand, which suits obsolescent parts.

use super::croston::expand_fitted_sizes;
use super::ses::{ses_fitted, ses_forecast, ses_forecast_map};
use super::Workspace;

/// TSB forecast (flat over the horizon) with size constant `alpha_d` and probability constant
/// `alpha_p`.
pub fn tsb(x: &[f64], alpha_d: f64, alpha_p: f64) -> f64 {
    tsb_ws(x, alpha_d, alpha_p, &mut Workspace::default())
}

/// [`tsb`] with caller-provided scratch buffers.
pub fn tsb_ws(x: &[f64], alpha_d: f64, alpha_p: f64, ws: &mut Workspace) -> f64 {
    ws.load_sizes(x);
    if ws.sizes.is_empty() && x.iter().all(|&v| v == 0.0) {
        return 0.0;
    }
    let p = ses_forecast_map(x, alpha_p, |v| if v != 0.0 { 1.0 } else { 0.0 });
    p * ses_forecast(&ws.sizes, alpha_d)
}

/// Fitted values of TSB (NaN first).
pub fn tsb_fitted(x: &[f64], alpha_d: f64, alpha_p: f64) -> Vec<f64> {
    if x.iter().all(|&v| v == 0.0) {
        let mut out = vec![0.0; x.len()];
        if let Some(first) = out.first_mut() {
            *first = f64::NAN;
        }
        return out;
    }
    let indicator: Vec<f64> = x.iter().map(|&v| if v != 0.0 { 1.0 } else { 0.0 }).collect();
    let (_, p_fitted) = ses_fitted(&indicator, alpha_p);
    let sizes: Vec<f64> = x.iter().copied().filter(|&v| v > 0.0).collect();
    let (fs, mut size_levels) = ses_fitted(&sizes, alpha_d);
    size_levels.push(fs);
    let d_fitted = expand_fitted_sizes(&size_levels, x);
    p_fitted.iter().zip(&d_fitted).map(|(p, d)| p * d).collect()
}
