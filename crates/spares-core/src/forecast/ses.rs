//! Simple exponential smoothing (SES) and the golden-section alpha search, matching statsforecast
//! 2.1.1 (`/work/shared/reference/README.md`).
//!
//! The level starts at the first observation: `f_0 = x_0`, `f_i = a x_{i-1} + (1-a) f_{i-1}`,
//! forecast `a x_{n-1} + (1-a) f_{n-1}`. The forecast is evaluated as a discounted sum by
//! Horner's rule over 32 interleaved lanes (see `discounted_sum`), so the loop-carried
//! dependency is one multiply-add per 32 observations instead of one per observation. This
//! re-associates floating-point sums, which moves results by a few ulps (the reference tests
//! check 1e-6 relative; observed differences are ~1e-15). The SSE that the alpha search
//! compares is never re-associated (see `ses_sse`).

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

/// [`sse_lanes`] over two series of equal length, K alphas each.
#[inline]
fn sse_lanes2<const K: usize>(x: &[f64], ax: [f64; K], y: &[f64], ay: [f64; K]) -> ([f64; K], [f64; K]) {
    let (mut sx, mut sy) = ([0.0f64; K], [0.0f64; K]);
    let (Some(&x0), Some(&y0)) = (x.first(), y.first()) else {
        return (sx, sy);
    };
    let (cx, cy) = (ax.map(|a| 1.0 - a), ay.map(|a| 1.0 - a));
    let (mut fx, mut fy) = ([x0; K], [y0; K]);
    for (wx, wy) in x.windows(2).zip(y.windows(2)) {
        for k in 0..K {
            fx[k] = ax[k] * wx[0] + cx[k] * fx[k];
            fy[k] = ay[k] * wy[0] + cy[k] * fy[k];
            let (ex, ey) = (wx[1] - fx[k], wy[1] - fy[k]);
            sx[k] += ex * ex;
            sy[k] += ey * ey;
        }
    }
    (sx, sy)
}

pub(crate) fn golden_ratio() -> f64 {
    (5f64.sqrt() + 1.0) / 2.0
}

/// statsforecast's golden-section search, literally: both interior points are re-evaluated on
/// every iteration. Kept as the oracle for [`optimize_alpha`].
pub fn optimize_alpha_reference(x: &[f64], lo: f64, hi: f64) -> f64 {
    let gr = golden_ratio();
    let (mut a, mut b) = (lo, hi);
    let mut c = b - (b - a) / gr;
    let mut d = a + (b - a) / gr;
    while (b - a).abs() >= GOLDEN_TOL {
        let (fc, fd) = (ses_sse(x, c), ses_sse(x, d));
        if fc < fd {
            b = d;
        } else if fd < fc {
            a = c;
        } else {
            break;
        }
        c = b - (b - a) / gr;
        d = a + (b - a) / gr;
    }
    (a + b) / 2.0
}

/// One golden-section search in progress. After shrinking the bracket, one old interior point
/// is (mathematically) the new opposite interior point, so only one SSE is computed per step.
#[derive(Clone, Copy)]
pub(crate) struct Golden {
    pub(crate) a: f64,
    pub(crate) b: f64,
    pub(crate) c: f64,
    pub(crate) d: f64,
    pub(crate) fc: f64,
    pub(crate) fd: f64,
    // Which interior point `step` moved and is waiting for its SSE.
    pending_c: bool,
    pub(crate) done: bool,
    /// Bracket width that ends the search ([`GOLDEN_TOL`] for statsforecast's).
    pub(crate) tol: f64,
}

impl Golden {
    pub(crate) fn new(lo: f64, hi: f64) -> Self {
        Self::with_tol(lo, hi, GOLDEN_TOL)
    }

    fn with_tol(lo: f64, hi: f64, tol: f64) -> Self {
        let gr = golden_ratio();
        Golden {
            a: lo,
            b: hi,
            c: hi - (hi - lo) / gr,
            d: lo + (hi - lo) / gr,
            fc: 0.0,
            fd: 0.0,
            pending_c: false,
            done: (hi - lo).abs() < tol,
            tol,
        }
    }

    /// Shrinks the bracket; returns the alpha whose SSE must be passed to [`Golden::feed`].
    #[inline]
    pub(crate) fn step(&mut self) -> Option<f64> {
        if self.done || (self.b - self.a).abs() < self.tol {
            self.done = true;
            return None;
        }
        let gr = golden_ratio();
        if self.fc < self.fd {
            self.b = self.d;
            self.d = self.c;
            self.fd = self.fc;
            self.c = self.b - (self.b - self.a) / gr;
            self.pending_c = true;
            Some(self.c)
        } else if self.fd < self.fc {
            self.a = self.c;
            self.c = self.d;
            self.fc = self.fd;
            self.d = self.a + (self.b - self.a) / gr;
            self.pending_c = false;
            Some(self.d)
        } else {
            // statsforecast stops on an exact tie (e.g. a constant series gives 0 == 0).
            self.done = true;
            None
        }
    }

    #[inline]
    pub(crate) fn feed(&mut self, sse: f64) {
        if self.pending_c {
            self.fc = sse;
        } else {
            self.fd = sse;
        }
    }

    pub(crate) fn alpha(&self) -> f64 {
        (self.a + self.b) / 2.0
    }

    /// The two interior points whose SSEs [`Golden::start`] needs before the first step.
    pub(crate) fn interior(&self) -> [f64; 2] {
        [self.c, self.d]
    }

    pub(crate) fn start(&mut self, [fc, fd]: [f64; 2]) {
        self.fc = fc;
        self.fd = fd;
    }

    /// The pending point `p` plus the two points the *next* step can move to (one per outcome
    /// of comparing SSE(p) with the carried value), computed with `step`'s exact arithmetic.
    /// Evaluating all three in one pass is three independent chains, about the latency of one,
    /// and advances the search two steps.
    #[inline]
    fn speculate(&self, p: f64) -> [f64; 3] {
        let gr = golden_ratio();
        let left = self.d - (self.d - self.a) / gr;
        let right = self.c + (self.b - self.c) / gr;
        [p, left, right]
    }

    /// Feeds the speculative SSEs and returns the next pending point.
    #[inline]
    fn advance(&mut self, alphas: [f64; 3], sse: [f64; 3], x: &[f64]) -> Option<f64> {
        self.feed(sse[0]);
        let q = self.step()?;
        if self.pending_c && q == alphas[1] {
            self.feed(sse[1]);
        } else if !self.pending_c && q == alphas[2] {
            self.feed(sse[2]);
        } else {
            self.feed(ses_sse(x, q));
        }
        self.step()
    }
}

/// Golden-section search for the SSE-minimising alpha on `[lo, hi]`, as statsforecast does it
/// but with one SSE evaluation per iteration instead of two, evaluated speculatively two
/// iterations at a time (see `Golden::speculate`): the sequence of points and comparisons is
/// exactly that of the one-evaluation-per-step search.
pub fn optimize_alpha(x: &[f64], lo: f64, hi: f64) -> f64 {
    golden_scalar(x, Golden::new(lo, hi))
}

/// The portable search loop, two speculative points per pass.
fn golden_scalar(x: &[f64], mut g: Golden) -> f64 {
    if x.len() < 2 {
        // Every SSE is 0: the first comparison is a tie.
        return g.alpha();
    }
    g.start(sse_lanes(x, g.interior()));
    let mut pending = g.step();
    while let Some(p) = pending {
        let alphas = g.speculate(p);
        let sse = sse_lanes(x, alphas);
        pending = g.advance(alphas, sse, x);
    }
    g.alpha()
}

/// Two independent golden-section searches run in lock-step so that their (speculative) SSE
/// evaluations share one loop: six independent chains. Returns the two alphas.
pub fn optimize_alpha_pair(x: &[f64], y: &[f64], lo: f64, hi: f64) -> (f64, f64) {
    if x.len() != y.len() || x.len() < 2 {
        return (optimize_alpha(x, lo, hi), optimize_alpha(y, lo, hi));
    }
    let mut gx = Golden::new(lo, hi);
    let mut gy = Golden::new(lo, hi);
    let ([fxc, fxd], [fyc, fyd]) = sse_lanes2(x, [gx.c, gx.d], y, [gy.c, gy.d]);
    gx.fc = fxc;
    gx.fd = fxd;
    gy.fc = fyc;
    gy.fd = fyd;
    let (mut px, mut py) = (gx.step(), gy.step());
    loop {
        match (px, py) {
            (Some(p), Some(q)) => {
                let ax = gx.speculate(p);
                let ay = gy.speculate(q);
                let (sx, sy) = sse_lanes2(x, ax, y, ay);
                px = gx.advance(ax, sx, x);
                py = gy.advance(ay, sy, y);
            }
            (Some(p), None) => {
                let ax = gx.speculate(p);
                px = gx.advance(ax, sse_lanes(x, ax), x);
            }
            (None, Some(q)) => {
                let ay = gy.speculate(q);
                py = gy.advance(ay, sse_lanes(y, ay), y);
            }
            (None, None) => break,
        }
    }
    (gx.alpha(), gy.alpha())
}

/// Series shorter than this use [`optimize_alpha`] directly: a wide pass costs more than it
/// saves there.
#[cfg(target_arch = "x86_64")]
const TREE_MIN_LEN: usize = 24;

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn sse_lanes_avx512(x: &[f64], alphas: [f64; 16]) -> [f64; 16] {
    sse_lanes(x, alphas)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn sse_lanes_avx2(x: &[f64], alphas: [f64; 8]) -> [f64; 8] {
    sse_lanes(x, alphas)
}

#[cfg(target_arch = "x86_64")]
impl Golden {
    /// The state after the comparison that `step` would make once the pending point's SSE is
    /// known, for each outcome (`left`: the bracket keeps its lower part), and the point it
    /// then waits for; `None` when the search would stop on the bracket width. Same arithmetic
    /// as `step`, so the points are bit-identical to the ones the search will ask for.
    #[inline]
    fn branch(&self, left: bool) -> Option<(Golden, f64)> {
        if self.done || (self.b - self.a).abs() < self.tol {
            return None;
        }
        let gr = golden_ratio();
        let mut g = *self;
        if left {
            g.b = g.d;
            g.d = g.c;
            g.c = g.b - (g.b - g.a) / gr;
            g.pending_c = true;
            Some((g, g.c))
        } else {
            g.a = g.c;
            g.c = g.d;
            g.d = g.a + (g.b - g.a) / gr;
            g.pending_c = false;
            Some((g, g.d))
        }
    }
}

/// The golden-section search of [`optimize_alpha`] with `L - 1 = 2^D - 1` SSE evaluations per
/// pass over the data: the pending point and every point the next `D - 1` steps can ask for
/// (a binary tree, one branch per comparison outcome) are evaluated in `L` vector lanes, then
/// the search replays `D` steps from them. Each lane uses statsforecast's literal operation
/// order, so the sequence of points, comparisons and the result are exactly those of
/// [`optimize_alpha`] (ties included); only the number of passes over the data drops, from
/// ~28 (two steps per pass) to ~14 (AVX-512, four steps) or ~19 (AVX2, three steps).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn golden_tree<const L: usize>(x: &[f64], mut g: Golden, eval: impl Fn(&[f64], [f64; L]) -> [f64; L]) -> f64 {
    let mut pending = g.step();
    while let Some(p) = pending {
        // Heap-ordered tree: node i waits for alphas[i]; children 2i+1 (left), 2i+2 (right).
        let mut states = [None::<Golden>; L];
        let mut alphas = [p; L];
        states[0] = Some(g);
        for i in 0..(L / 2 - 1) {
            if let Some(s) = states[i] {
                for (j, left) in [(2 * i + 1, true), (2 * i + 2, false)] {
                    if let Some((child, q)) = s.branch(left) {
                        states[j] = Some(child);
                        alphas[j] = q;
                    }
                }
            }
        }
        let sse = eval(x, alphas);
        let mut node = 0;
        pending = None;
        loop {
            g.feed(sse[node]);
            let Some(q) = g.step() else {
                break;
            };
            let child = 2 * node + if g.pending_c { 1 } else { 2 };
            if child < L - 1 && alphas[child] == q && states[child].is_some() {
                node = child;
            } else {
                pending = Some(q);
                break;
            }
        }
    }
    g.alpha()
}

/// [`optimize_alpha`] with the same result, computed with wide speculative passes where the
/// CPU has AVX-512 or AVX2 (see `golden_tree`).
pub fn optimize_alpha_fast(x: &[f64], lo: f64, hi: f64) -> f64 {
    optimize_alpha_tol(x, lo, hi, GOLDEN_TOL)
}

/// [`optimize_alpha_fast`] stopping once the bracket is narrower than `tol` (the selection's
/// rolling-origin evaluation does not need statsforecast's 1e-12: half the passes at 1e-6).
pub(crate) fn optimize_alpha_tol(x: &[f64], lo: f64, hi: f64, tol: f64) -> f64 {
    #[cfg(target_arch = "x86_64")]
    if x.len() >= TREE_MIN_LEN {
        let mut g = Golden::with_tol(lo, hi, tol);
        g.start(sse_lanes(x, g.interior()));
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU supports the feature `sse_lanes_avx512` is compiled for.
            return golden_tree::<16>(x, g, |x, a| unsafe { sse_lanes_avx512(x, a) });
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports the feature `sse_lanes_avx2` is compiled for.
            return golden_tree::<8>(x, g, |x, a| unsafe { sse_lanes_avx2(x, a) });
        }
    }
    golden_scalar(x, Golden::with_tol(lo, hi, tol))
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
        let mut next = crate::forecast::xorshift(0x2545_f491_4f6c_dd1d);
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
