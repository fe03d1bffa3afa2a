//! The golden-section search for SES's alpha: statsforecast's literal search (the oracle), the
//! one-evaluation-per-step search with speculative pairs, two series in lock-step, and the
//! wide AVX-512 / AVX2 passes. Every variant visits exactly statsforecast's points.

use super::{ses_sse, sse_lanes, GOLDEN_TOL};

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
