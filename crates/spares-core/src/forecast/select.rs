//! Automatic method selection per series by rolling-origin evaluation on its own history.
//!
//! Origins: up to [`MAX_ORIGINS`] cut points spread evenly from the start of the last third
//! of the history (but never with fewer than `h + 4` training periods) to `n - h`. At each
//! origin every candidate is fitted on the history before it and its cumulative forecast over
//! the next `h` periods (the lead time) is compared with the actual cumulative demand. A
//! candidate's error is the mean absolute error of those cumulative forecasts divided by
//! (mean per-period demand of the whole history x h), so that errors are comparable across
//! series of different volume. The lowest error wins; ties go to the earlier candidate, which
//! is the simpler one.
//!
//! Candidates by Syntetos-Boylan class: intermittent and lumpy series get the intermittent
//! methods (Croston family, TSB, ADIDA, IMAPA) plus SES; smooth and erratic series get SES,
//! TSB, SBA and ADIDA, plus `Seasonal` when the history holds two full seasons.
//!
//! Evaluation shares work across origins (the scores are those of re-fitting at every origin,
//! except for the alpha choice below):
//! - Fixed-alpha flat methods (SES, Croston, SBA, TSB) make ONE pass over the series (or its
//!   demand sizes and intervals, whose prefixes are those of every training prefix) and read
//!   the smoothed state at each origin; SBA is 0.95 x Croston at each origin.
//! - Optimised-alpha methods (optimised Croston, ADIDA, IMAPA) fit alpha once, on the training
//!   data of the earliest origin that needs it (for ADIDA/IMAPA: the earliest origin whose
//!   aggregation level reaches k, one alpha per level k shared by both), and keep it at the later
//!   origins, as a periodically re-fitted model would. No alpha sees the evaluation windows'
//!   future. The aggregation level itself is recomputed at every origin as before. The search
//!   stops at a 1e-6 bracket instead of 1e-12 (`ALPHA_TOL`).
//! - `Seasonal` is re-fitted at every origin.
//!
//! Fallback (error `None`): fewer than `2h + 4` periods, fewer than [`MIN_DEMANDS`] demands or
//! no demand at all. The default is TSB for intermittent/lumpy series (it decays towards zero
//! when demand stops, a safe choice with little evidence) and SES otherwise.

use serde::Serialize;

use super::adida::aggregation_level;
use super::classify::{classify, DemandClass};
use super::croston::{ratio, CROSTON_ALPHA, SBA_FACTOR};
use super::ses::{optimize_alpha_tol, ses_forecast, ALPHA_HI, ALPHA_LO};
use super::{cumulative_forecast, Method, Params, Workspace};

pub const MAX_ORIGINS: usize = 8;
pub const MIN_DEMANDS: usize = 2;
/// Alpha precision of the optimised-alpha candidates during evaluation (statsforecast's search
/// goes to 1e-12; the scores do not move at 1e-6, and the search takes half the passes).
const ALPHA_TOL: f64 = 1e-6;
/// Training periods required beyond the horizon at the earliest origin.
const MIN_EXTRA: usize = 4;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Selection {
    pub method: Method,
    pub class: DemandClass,
    /// Scaled error of the winner; `None` when the default was used without evaluation.
    pub error: Option<f64>,
    /// Every evaluated candidate with its scaled error, in evaluation order.
    pub candidates: Vec<(Method, f64)>,
}

/// Method used when there is too little history to evaluate.
pub fn default_method(class: DemandClass) -> Method {
    if class.is_intermittent() {
        Method::Tsb
    } else {
        Method::Ses
    }
}

/// Candidate methods for a class and history length.
pub fn candidates(class: DemandClass, n: usize, season_length: usize) -> Vec<Method> {
    use Method::*;
    match class {
        DemandClass::Intermittent | DemandClass::Lumpy => {
            vec![Croston, CrostonSba, CrostonOpt, Tsb, Adida, Imapa, Ses]
        }
        DemandClass::Smooth | DemandClass::Erratic => {
            let mut c = vec![Ses, Tsb, CrostonSba, Adida];
            if season_length >= 2 && n >= 2 * season_length {
                c.push(Seasonal);
            }
            c
        }
        DemandClass::None => vec![],
    }
}

/// Evaluation origins (training lengths); empty when the history is too short.
pub fn origins(n: usize, horizon: usize) -> Vec<usize> {
    let h = horizon.max(1);
    let min_train = h + MIN_EXTRA;
    if n < min_train + h {
        return Vec::new();
    }
    let last = n - h;
    let first = (n - n / 3).max(min_train).min(last);
    let count = MAX_ORIGINS.min(last - first + 1);
    if count == 1 {
        return vec![last];
    }
    (0..count).map(|j| first + j * (last - first) / (count - 1)).collect()
}

/// Selects a method for one series with lead time `horizon`.
pub fn select(x: &[f64], horizon: usize, params: &Params) -> Selection {
    select_ws(x, horizon, params, &mut Workspace::default())
}

/// [`select`] with caller-provided scratch buffers.
pub fn select_ws(x: &[f64], horizon: usize, params: &Params, ws: &mut Workspace) -> Selection {
    let h = horizon.max(1);
    let info = classify(x);
    let fallback = Selection {
        method: default_method(info.class),
        class: info.class,
        error: None,
        candidates: vec![],
    };
    let cuts = origins(x.len(), h);
    let mean = x.iter().sum::<f64>() / x.len().max(1) as f64;
    if cuts.is_empty() || info.demands < MIN_DEMANDS || mean <= 0.0 || !mean.is_finite() {
        return fallback;
    }
    let scale = mean * h as f64;
    let methods = candidates(info.class, x.len(), params.season_length);
    let mut eval = Origins::new(x, &cuts, ws);
    let mut results = Vec::with_capacity(methods.len());
    let mut point = Vec::with_capacity(cuts.len());
    for &m in &methods {
        point.clear();
        eval.point_forecasts(m, params, &mut point);
        let mut total = 0.0;
        for (j, &o) in cuts.iter().enumerate() {
            let forecast = match point.get(j) {
                Some(&f) => f * h as f64,
                None => cumulative_forecast(m, &x[..o], h, params, eval.ws),
            };
            let actual: f64 = x[o..o + h].iter().sum();
            total += (forecast - actual).abs();
        }
        results.push((m, total / cuts.len() as f64 / scale));
    }
    let mut best: Option<(Method, f64)> = None;
    for &(m, e) in &results {
        if best.is_none_or(|(_, b)| e < b) {
            best = Some((m, e));
        }
    }
    match best {
        Some((method, e)) => Selection {
            method,
            class: info.class,
            error: Some(e),
            candidates: results,
        },
        None => fallback,
    }
}

/// SES forecasts (level after the whole prefix) of `map(x_i)` over the prefixes `x[..ends[j]]`
/// (`ends` ascending), in one pass; 0 for an empty prefix, as [`ses_forecast`].
fn ses_at<F: Fn(f64) -> f64>(x: &[f64], alpha: f64, ends: &[usize], map: F, out: &mut [f64]) {
    let c = 1.0 - alpha;
    let mut level = x.first().map_or(0.0, |&v| map(v));
    let mut i = 0;
    for (&e, slot) in ends.iter().zip(out.iter_mut()) {
        let e = e.min(x.len());
        for &v in &x[i.min(e)..e] {
            level = alpha * map(v) + c * level;
        }
        i = i.max(e);
        *slot = if e == 0 { 0.0 } else { level };
    }
}

/// Shared per-series state of one evaluation: the origins, the demand sizes and intervals of
/// the whole history (every training prefix's are a prefix of them), prefix sums, and the
/// alphas fitted so far.
struct Origins<'a> {
    x: &'a [f64],
    cuts: &'a [usize],
    ws: &'a mut Workspace,
    /// Demands (y > 0) before each origin.
    demands: Vec<usize>,
    /// Aggregation level (ADIDA/IMAPA) of each training prefix.
    levels: Vec<Option<usize>>,
    /// Per-level alpha for ADIDA/IMAPA, index k.
    block_alphas: Vec<Option<f64>>,
}

impl<'a> Origins<'a> {
    fn new(x: &'a [f64], cuts: &'a [usize], ws: &'a mut Workspace) -> Self {
        ws.load_demands(x);
        ws.prefix.clear();
        ws.prefix.reserve(x.len() + 1);
        let mut acc = 0.0;
        ws.prefix.push(acc);
        for &v in x {
            acc += v;
            ws.prefix.push(acc);
        }
        let mut demands = Vec::with_capacity(cuts.len());
        let mut count = 0;
        let mut i = 0;
        for &o in cuts {
            count += x[i.min(o)..o].iter().filter(|&&v| v > 0.0).count();
            i = i.max(o);
            demands.push(count);
        }
        let levels = cuts.iter().map(|&o| aggregation_level(&x[..o])).collect();
        Origins {
            x,
            cuts,
            ws,
            demands,
            levels,
            block_alphas: Vec::new(),
        }
    }

    /// Point forecasts at every origin for the flat methods; leaves `out` empty for the others.
    fn point_forecasts(&mut self, m: Method, params: &Params, out: &mut Vec<f64>) {
        let n = self.cuts.len();
        match m {
            Method::Ses => {
                out.resize(n, 0.0);
                ses_at(self.x, params.ses_alpha, self.cuts, |v| v, out);
            }
            Method::Croston | Method::CrostonSba => {
                self.croston(CROSTON_ALPHA, CROSTON_ALPHA, out);
                if m == Method::CrostonSba {
                    out.iter_mut().for_each(|f| *f *= SBA_FACTOR);
                }
            }
            Method::CrostonOpt => {
                // Alphas fitted on the earliest training prefix with a demand.
                let first = self.demands.iter().copied().find(|&d| d > 0).unwrap_or(0);
                let (sizes, intervals) = (&self.ws.sizes[..first], &self.ws.intervals[..first]);
                let a_size = optimize_alpha_tol(sizes, ALPHA_LO, ALPHA_HI, ALPHA_TOL);
                let a_interval = optimize_alpha_tol(intervals, ALPHA_LO, ALPHA_HI, ALPHA_TOL);
                self.croston(a_size, a_interval, out);
            }
            Method::Tsb => {
                out.resize(n, 0.0);
                ses_at(
                    self.x,
                    params.tsb_alpha_p,
                    self.cuts,
                    |v| if v != 0.0 { 1.0 } else { 0.0 },
                    out,
                );
                let mut sizes = vec![0.0; n];
                ses_at(&self.ws.sizes, params.tsb_alpha_d, &self.demands, |v| v, &mut sizes);
                for ((f, s), &d) in out.iter_mut().zip(&sizes).zip(&self.demands) {
                    *f = if d == 0 { 0.0 } else { *f * s };
                }
            }
            Method::Adida => {
                for j in 0..n {
                    let f = match self.levels[j] {
                        None => 0.0,
                        Some(k) => self.block_forecast(j, k),
                    };
                    out.push(f);
                }
            }
            Method::Imapa => {
                for j in 0..n {
                    let f = match self.levels[j] {
                        None => 0.0,
                        Some(kmax) => (1..=kmax).map(|k| self.block_forecast(j, k)).sum::<f64>() / kmax as f64,
                    };
                    out.push(f);
                }
            }
            Method::Seasonal => {}
        }
    }

    /// Croston's ratio at every origin with the given size and interval alphas.
    fn croston(&mut self, a_size: f64, a_interval: f64, out: &mut Vec<f64>) {
        let n = self.cuts.len();
        let mut sizes = vec![0.0; n];
        let mut intervals = vec![0.0; n];
        ses_at(&self.ws.sizes, a_size, &self.demands, |v| v, &mut sizes);
        ses_at(&self.ws.intervals, a_interval, &self.demands, |v| v, &mut intervals);
        for j in 0..n {
            let o = self.cuts[j];
            out.push(if self.demands[j] == 0 {
                self.x[o - 1]
            } else {
                ratio(sizes[j], intervals[j])
            });
        }
    }

    /// ADIDA's block forecast at level `k` from the training prefix of origin `j`, with the
    /// level's shared alpha.
    fn block_forecast(&mut self, j: usize, k: usize) -> f64 {
        let o = self.cuts[j];
        if o < k {
            return self.x[o - 1];
        }
        let alpha = self.block_alpha(j, k);
        self.fill_blocks(o, k);
        ses_forecast(&self.ws.blocks, alpha) / k as f64
    }

    /// Sums of the blocks of `k` periods ending at `o` (the oldest `o % k` periods dropped).
    fn fill_blocks(&mut self, o: usize, k: usize) {
        let start = o % k;
        let p = &self.ws.prefix;
        self.ws.blocks.clear();
        self.ws
            .blocks
            .extend((0..o / k).map(|b| p[start + (b + 1) * k] - p[start + b * k]));
    }

    /// Alpha of level `k`: fitted on the block sums of the earliest origin whose aggregation
    /// level reaches `k` and that holds a block (origin `j` itself qualifies).
    fn block_alpha(&mut self, j: usize, k: usize) -> f64 {
        if let Some(Some(a)) = self.block_alphas.get(k) {
            return *a;
        }
        let first = (0..=j)
            .find(|&i| self.levels[i].is_some_and(|l| l >= k) && self.cuts[i] >= k)
            .unwrap_or(j);
        let o = self.cuts[first];
        self.fill_blocks(o, k);
        let alpha = optimize_alpha_tol(&self.ws.blocks, ALPHA_LO, ALPHA_HI, ALPHA_TOL);
        if self.block_alphas.len() <= k {
            self.block_alphas.resize(k + 1, None);
        }
        self.block_alphas[k] = Some(alpha);
        alpha
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_cover_the_last_third() {
        let o = origins(730, 14);
        assert_eq!(o.len(), 8);
        assert_eq!(*o.last().expect("origins"), 716);
        assert!(o[0] >= 730 - 730 / 3 && o.windows(2).all(|w| w[0] < w[1]));
        assert!(origins(10, 4).is_empty());
        assert_eq!(origins(12, 4), vec![8]);
    }

    #[test]
    fn short_or_empty_series_fall_back() {
        let p = Params::default();
        let s = select(&[0.0, 0.0, 3.0, 0.0], 7, &p);
        assert_eq!((s.method, s.error), (Method::Tsb, None));
        let s = select(&[2.0, 3.0, 2.0], 7, &p);
        assert_eq!((s.method, s.error), (Method::Ses, None));
        assert_eq!(select(&[0.0; 100], 7, &p).error, None);
    }

    #[test]
    fn picks_a_candidate_with_the_lowest_error() {
        let x: Vec<f64> = (0..200)
            .map(|i| if i % 7 == 3 { 2.0 + (i % 3) as f64 } else { 0.0 })
            .collect();
        let s = select(&x, 7, &Params::default());
        assert!(s.class.is_intermittent());
        let e = s.error.expect("evaluated");
        assert_eq!(s.candidates.len(), 7);
        assert!(s.candidates.iter().all(|(_, c)| *c >= e && c.is_finite()));
    }

    #[test]
    fn seasonal_is_a_candidate_for_smooth_series_with_two_seasons() {
        let x: Vec<f64> = (0..48).map(|t| 10.0 + 5.0 * ((t % 12) as f64 - 6.0).abs()).collect();
        let p = Params {
            season_length: 12,
            ..Params::default()
        };
        let s = select(&x, 3, &p);
        assert!(s.candidates.iter().any(|(m, _)| *m == Method::Seasonal), "{s:?}");
        assert_eq!(s.method, Method::Seasonal, "{s:?}");
    }
}
