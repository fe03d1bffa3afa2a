//! Demand forecasting engine: pure functions over per-period demand histories (`&[f64]`, oldest
//! first, any granularity).
//!
//! The intermittent-demand methods (SES, Croston, SBA, optimised Croston, TSB, ADIDA, IMAPA)
//! reproduce statsforecast 2.1.1 to 1e-6 (checked by `reference_tests` against vectors
//! produced by statsforecast itself) and give flat forecasts. `Seasonal` (classical seasonal
//! indices + damped Holt) gives a per-period path. [`select`] picks a method per series by
//! rolling-origin evaluation, and [`leadtime`] turns a forecast into a lead-time demand
//! distribution. The CSV front-end of `spares forecast` is the service crate's
//! `forecast::batch`.

pub mod adida;
pub mod classify;
mod compact;
pub(crate) mod count_dist;
pub mod croston;
pub mod leadtime;
mod lockstep;
mod prefetch;
pub mod seasonal;
pub mod select;
pub mod ses;
pub mod tsb;

#[cfg(test)]
mod reference_tests;

/// Deterministic pseudo-random test data: the seeded generator every test and bench uses
/// (rand_chacha's ChaCha8, a stream that does not change with rand's versions).
#[cfg(test)]
pub(crate) fn test_stream(seed: u64) -> impl FnMut() -> u64 {
    use rand::{RngCore, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    move || rng.next_u64()
}

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A forecasting method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    Ses,
    Croston,
    CrostonSba,
    CrostonOpt,
    Tsb,
    Adida,
    Imapa,
    Seasonal,
}

impl Method {
    pub const ALL: [Method; 8] = [
        Method::Ses,
        Method::Croston,
        Method::CrostonSba,
        Method::CrostonOpt,
        Method::Tsb,
        Method::Adida,
        Method::Imapa,
        Method::Seasonal,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Method::Ses => "ses",
            Method::Croston => "croston",
            Method::CrostonSba => "croston_sba",
            Method::CrostonOpt => "croston_opt",
            Method::Tsb => "tsb",
            Method::Adida => "adida",
            Method::Imapa => "imapa",
            Method::Seasonal => "seasonal",
        }
    }

    /// Whether the forecast is the same for every future period.
    pub fn is_flat(self) -> bool {
        self != Method::Seasonal
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Error of [`Method::from_str`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownMethod(pub String);

impl fmt::Display for UnknownMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = Method::ALL.iter().map(|m| m.name()).collect();
        write!(
            f,
            "unknown forecast method {:?} (expected one of {})",
            self.0,
            names.join(", ")
        )
    }
}

impl std::error::Error for UnknownMethod {}

impl FromStr for Method {
    type Err = UnknownMethod;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Method::ALL
            .iter()
            .copied()
            .find(|m| m.name() == s)
            .ok_or_else(|| UnknownMethod(s.to_string()))
    }
}

/// Tuning parameters shared by the methods.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Params {
    /// SES smoothing constant. 0.1, the value statsforecast's intermittent methods use for
    /// their fixed-alpha smoothing (Croston, the TSB examples): heavy smoothing suits noisy,
    /// sparse demand, where a reactive alpha mostly chases noise.
    pub ses_alpha: f64,
    /// TSB smoothing constant of the demand sizes.
    pub tsb_alpha_d: f64,
    /// TSB smoothing constant of the demand probability.
    pub tsb_alpha_p: f64,
    /// Periods per year for `Seasonal` (365 daily, 52 weekly, 12 monthly).
    pub season_length: usize,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            ses_alpha: 0.1,
            tsb_alpha_d: 0.1,
            tsb_alpha_p: 0.1,
            season_length: 365,
        }
    }
}

/// Scratch buffers reused across series so that the hot paths do not allocate per series.
#[derive(Debug, Default, Clone)]
pub struct Workspace {
    pub(crate) sizes: Vec<f64>,
    pub(crate) intervals: Vec<f64>,
    pub(crate) blocks: Vec<f64>,
    /// Prefix sums of the series (`select`).
    pub(crate) prefix: Vec<f64>,
    /// Sub-series whose alphas [`point_forecasts`] optimises in lock-step.
    pub(crate) alpha_batch: lockstep::AlphaBatch,
}

impl Workspace {
    pub fn new() -> Self {
        Self::default()
    }

    /// Non-zero demand sizes (y > 0) and the intervals before each of them.
    pub(crate) fn load_demands(&mut self, x: &[f64]) {
        grow(&mut self.sizes, x.len());
        grow(&mut self.intervals, x.len());
        // The intervals buffer receives the 1-based positions, turned into differences below.
        let count = compact::demands(x, &mut self.sizes, Some(&mut self.intervals));
        self.sizes.truncate(count);
        self.intervals.truncate(count);
        let mut previous = 0.0;
        for t in &mut self.intervals {
            let position = *t;
            *t = position - previous;
            previous = position;
        }
    }

    /// Non-zero demand sizes only.
    pub(crate) fn load_sizes(&mut self, x: &[f64]) {
        grow(&mut self.sizes, x.len());
        let count = compact::demands(x, &mut self.sizes, None);
        self.sizes.truncate(count);
    }
}

/// Makes `buffer` at least `len` long; its contents are about to be overwritten.
fn grow(buffer: &mut Vec<f64>, len: usize) {
    if buffer.len() < len {
        buffer.resize(len, 0.0);
    }
}

/// Next-period forecast of a method (for `Seasonal`, the first step of its path).
pub fn point_forecast(method: Method, x: &[f64], params: &Params, ws: &mut Workspace) -> f64 {
    match method {
        Method::Ses => ses::ses_forecast(x, params.ses_alpha),
        Method::Croston => croston::croston_classic_ws(x, ws),
        Method::CrostonSba => croston::croston_sba_ws(x, ws),
        Method::CrostonOpt => croston::croston_optimized_ws(x, ws),
        Method::Tsb => tsb::tsb_ws(x, params.tsb_alpha_d, params.tsb_alpha_p, ws),
        Method::Adida => adida::adida_ws(x, ws),
        Method::Imapa => adida::imapa_ws(x, ws),
        Method::Seasonal => seasonal::seasonal_forecast(x, 1, params.season_length)
            .first()
            .copied()
            .unwrap_or(0.0),
    }
}

/// Series per lock-step batch of [`point_forecasts`]: bounds the memory of the batch's
/// sub-series while leaving enough series of similar length to fill the vector lanes.
const BATCH_SERIES: usize = 512;

/// [`point_forecast`] of every series, appended to `out` in order: the same values (bit for
/// bit), faster for the optimised-alpha methods, whose alpha searches run in lock-step across
/// series (see `lockstep`).
pub fn point_forecasts<S: AsRef<[f64]>>(
    method: Method,
    series: &[S],
    params: &Params,
    ws: &mut Workspace,
    out: &mut Vec<f64>,
) {
    for chunk in series.chunks(BATCH_SERIES) {
        match method {
            Method::CrostonOpt => croston::croston_optimized_many(chunk, ws, out),
            Method::Adida => adida::adida_many(chunk, ws, out),
            Method::Imapa => adida::imapa_many(chunk, ws, out),
            _ => out.extend(chunk.iter().map(|x| point_forecast(method, x.as_ref(), params, ws))),
        }
    }
}

/// Total forecast demand over the next `horizon` periods.
pub fn cumulative_forecast(method: Method, x: &[f64], horizon: usize, params: &Params, ws: &mut Workspace) -> f64 {
    if method.is_flat() {
        point_forecast(method, x, params, ws) * horizon as f64
    } else {
        seasonal::seasonal_forecast(x, horizon, params.season_length)
            .iter()
            .sum()
    }
}

/// Per-period forecasts for the next `horizon` periods.
pub fn forecast_path(method: Method, x: &[f64], horizon: usize, params: &Params) -> Vec<f64> {
    forecast_path_ws(method, x, horizon, params, &mut Workspace::default())
}

/// [`forecast_path`] with caller-provided scratch buffers.
pub fn forecast_path_ws(method: Method, x: &[f64], horizon: usize, params: &Params, ws: &mut Workspace) -> Vec<f64> {
    if method.is_flat() {
        vec![point_forecast(method, x, params, ws); horizon]
    } else {
        seasonal::seasonal_forecast(x, horizon, params.season_length)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn method_names_round_trip() {
        for m in Method::ALL {
            assert_eq!(m.name().parse::<Method>(), Ok(m));
            assert_eq!(m.to_string(), m.name());
        }
        assert!("holt".parse::<Method>().is_err());
    }

    #[test]
    fn point_forecasts_are_point_forecast_of_each_series() {
        let mut next = test_stream(0x5eed);
        // More series than one batch, with empty, demand-free and short histories among them.
        let series: Vec<Vec<f64>> = (0..BATCH_SERIES + 77)
            .map(|i| {
                let n = (next() % 200) as usize;
                let rate = 1 + i % 7;
                (0..n)
                    .map(|_| {
                        if next().is_multiple_of(rate as u64) {
                            (1 + next() % 5) as f64
                        } else {
                            0.0
                        }
                    })
                    .collect()
            })
            .collect();
        let params = Params::default();
        let mut ws = Workspace::new();
        for m in Method::ALL.into_iter().filter(|m| m.is_flat()) {
            let mut out = Vec::new();
            point_forecasts(m, &series, &params, &mut ws, &mut out);
            assert_eq!(out.len(), series.len());
            for (x, got) in series.iter().zip(&out) {
                let expected = point_forecast(m, x, &params, &mut ws);
                assert_eq!(got.to_bits(), expected.to_bits(), "{m} on {x:?}");
            }
        }
    }

    #[test]
    fn forecast_path_lengths() {
        let x = [0.0, 2.0, 0.0, 0.0, 3.0, 1.0, 0.0, 4.0];
        for m in Method::ALL {
            let p = forecast_path(m, &x, 5, &Params::default());
            assert_eq!(p.len(), 5, "{m}");
            assert!(p.iter().all(|v| v.is_finite() && *v >= 0.0), "{m}: {p:?}");
        }
        assert!(forecast_path(Method::Tsb, &[], 3, &Params::default())
            .iter()
            .all(|v| *v == 0.0));
    }
}
