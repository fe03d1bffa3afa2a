//! The golden-section alpha searches of many series run in lock-step, one series per vector lane.
//!
//! statsforecast's search takes the same number of steps on every series (the bracket shrinks
//! by the golden ratio each step; only an exact tie stops it early), so searches can advance
//! together: each pass over the data evaluates one SSE per series, the next point of its own
//! search. A single series' SSE is one long dependency chain (a multiply and an add per
//! observation); 32 series side by side give 32 independent chains that fill the vector units,
//! and no evaluation is speculative. Each lane keeps statsforecast's literal operation order
//! and every lane's search makes exactly the comparisons of [`optimize_alpha`], so the alphas
//! are bit-identical to it.
//!
//! Series are sorted by length so that a group's lanes have similar lengths; a lane whose
//! series has ended keeps computing on padding while its SSE stops accumulating (adding an
//! exact 0.0 leaves it unchanged).
//!
//! [`optimize_alpha`]: super::ses::optimize_alpha

use std::ops::Range;

use super::ses::{golden_ratio, optimize_alpha_fast, ses_forecast, Golden, ALPHA_HI, ALPHA_LO, GOLDEN_TOL};

/// Series per group with AVX-512: four registers of eight lanes, enough independent chains to
/// hide the latency of the recurrence's multiply and add.
const LANES_AVX512: usize = 32;
/// Series per group with 256-bit vectors: four registers of four lanes. 32 lanes need more than
/// the 16 registers AVX2 has and spill: measured 1.7x slower per lane on an AVX2-only EPYC.
const LANES_NARROW: usize = 16;
/// Smaller groups search series by series: lanes left idle would cost more than the
/// single-series wide path.
const MIN_GROUP: usize = 8;

/// Many series (sub-series of the forecast methods: demand sizes, block sums...) stored end to
/// end, and their optimised alphas.
#[derive(Debug, Default, Clone)]
pub(crate) struct AlphaBatch {
    data: Vec<f64>,
    ranges: Vec<Range<usize>>,
    alphas: Vec<f64>,
    order: Vec<usize>,
    /// One group's observations, row `i` holding observation `i` of every lane.
    columns: Vec<f64>,
}

impl AlphaBatch {
    pub(crate) fn clear(&mut self) {
        self.data.clear();
        self.ranges.clear();
        self.alphas.clear();
    }

    /// Adds a series; returns its index for [`AlphaBatch::forecast`].
    pub(crate) fn push(&mut self, values: impl IntoIterator<Item = f64>) -> usize {
        self.push_with(|data| data.extend(values))
    }

    /// Adds the series that `write` appends to the data; returns its index.
    pub(crate) fn push_with(&mut self, write: impl FnOnce(&mut Vec<f64>)) -> usize {
        let start = self.data.len();
        write(&mut self.data);
        self.ranges.push(start..self.data.len());
        self.ranges.len() - 1
    }

    /// Optimises the alpha of every series pushed so far.
    pub(crate) fn solve(&mut self) {
        self.solve_with(Wide::detect());
    }

    fn solve_with(&mut self, wide: Wide) {
        match wide {
            #[cfg(target_arch = "x86_64")]
            Wide::Avx512 => self.solve_in_groups::<LANES_AVX512>(wide),
            _ => self.solve_in_groups::<LANES_NARROW>(wide),
        }
    }

    fn solve_in_groups<const L: usize>(&mut self, wide: Wide) {
        self.alphas.clear();
        self.alphas.resize(self.ranges.len(), 0.0);
        self.order.clear();
        self.order.extend(0..self.ranges.len());
        let ranges = &self.ranges;
        self.order.sort_unstable_by_key(|&j| std::cmp::Reverse(ranges[j].len()));
        for group in self.order.chunks(L) {
            let shortest = group.last().map_or(0, |&j| ranges[j].len());
            if group.len() < MIN_GROUP || shortest < 2 {
                for &j in group {
                    self.alphas[j] = optimize_alpha_fast(&self.data[ranges[j].clone()], ALPHA_LO, ALPHA_HI);
                }
            } else {
                let lengths = load_columns::<L>(&self.data, ranges, group, &mut self.columns);
                let alphas = wide.search_group::<L>(&self.columns, &lengths, group.len());
                // Unused lanes' alphas are dropped by the zip.
                for (&j, alpha) in group.iter().zip(alphas) {
                    self.alphas[j] = alpha;
                }
            }
        }
    }

    /// SES forecast of series `j` with its optimised alpha (after [`AlphaBatch::solve`]).
    pub(crate) fn forecast(&self, j: usize) -> f64 {
        match (self.ranges.get(j), self.alphas.get(j)) {
            (Some(r), Some(&alpha)) => ses_forecast(&self.data[r.clone()], alpha),
            _ => f64::NAN,
        }
    }
}

/// Transposes a group (sorted longest first) into `columns`, zero-padded to the longest;
/// returns each lane's length (0 for unused lanes).
fn load_columns<const L: usize>(
    data: &[f64],
    ranges: &[Range<usize>],
    group: &[usize],
    columns: &mut Vec<f64>,
) -> [usize; L] {
    let mut lanes: [&[f64]; L] = [&[]; L];
    for (lane, &j) in lanes.iter_mut().zip(group) {
        *lane = &data[ranges[j].clone()];
    }
    let longest = lanes.iter().map(|l| l.len()).max().unwrap_or(0);
    // Only the padding must be zero; the rest is overwritten below (zeroing the whole matrix
    // for every group showed as ~2 % memset in the optimised-Croston profile).
    columns.resize(longest * L, 0.0);
    columns.truncate(longest * L);
    for (lane, series) in lanes.iter().enumerate() {
        for row in columns.chunks_exact_mut(L).skip(series.len()) {
            row[lane] = 0.0;
        }
    }
    // A few rows at a time, so that the strided writes stay within L1.
    for (block, rows) in columns.chunks_mut(L * 8).enumerate() {
        for (lane, series) in lanes.iter().enumerate() {
            let part = series.get(block * 8..).unwrap_or(&[]);
            for (row, &v) in rows.chunks_exact_mut(L).zip(part) {
                row[lane] = v;
            }
        }
    }
    lanes.map(<[f64]>::len)
}

/// Runs the searches of a loaded group to the end; returns one alpha per lane (the first
/// `used` are meaningful). Inlined into each [`Wide`] variant, so that the searches'
/// bookkeeping vectorises too.
#[inline(always)]
fn search_group<const L: usize>(columns: &[f64], lengths: &[usize; L], used: usize) -> [f64; L] {
    let start = Golden::new(ALPHA_LO, ALPHA_HI);
    let mut lanes = LaneSearches::<L>::new(start, used);
    lanes.fc = sse_columns(columns, lengths, [start.c; L]);
    lanes.fd = sse_columns(columns, lengths, [start.d; L]);
    let mut points = lanes.step();
    while lanes.live.iter().any(|&l| l) {
        lanes.feed(sse_columns(columns, lengths, points));
        points = lanes.step();
    }
    std::array::from_fn(|l| (lanes.a[l] + lanes.b[l]) / 2.0)
}

/// The searches of a group as a structure of arrays: per lane, exactly the arithmetic and
/// comparisons of `Golden::step` and `Golden::feed`, but without branches, as the comparison
/// outcomes are coin flips that would cost a mispredicted branch per lane and step.
struct LaneSearches<const L: usize> {
    a: [f64; L],
    b: [f64; L],
    c: [f64; L],
    d: [f64; L],
    fc: [f64; L],
    fd: [f64; L],
    /// Whether the lane's pending point is `c` (else `d`).
    pending_c: [bool; L],
    /// Whether the lane's search is still running.
    live: [bool; L],
}

impl<const L: usize> LaneSearches<L> {
    fn new(start: Golden, used: usize) -> Self {
        LaneSearches {
            a: [start.a; L],
            b: [start.b; L],
            c: [start.c; L],
            d: [start.d; L],
            fc: [0.0; L],
            fd: [0.0; L],
            pending_c: [false; L],
            live: std::array::from_fn(|lane| lane < used && !start.done),
        }
    }

    #[inline(always)]
    fn feed(&mut self, sse: [f64; L]) {
        let pending = self.fc.iter_mut().zip(&mut self.fd).zip(&self.pending_c);
        for (((fc, fd), &to_c), s) in pending.zip(sse) {
            // A finished lane's values are never read again.
            *fc = if to_c { s } else { *fc };
            *fd = if to_c { *fd } else { s };
        }
    }

    /// Every live lane's step; returns the points whose SSEs [`LaneSearches::feed`] needs.
    #[inline(always)]
    fn step(&mut self) -> [f64; L] {
        let gr = golden_ratio();
        let mut points = [ALPHA_LO; L];
        for (l, point) in points.iter_mut().enumerate() {
            let (a, b, c, d, fc, fd) = (self.a[l], self.b[l], self.c[l], self.d[l], self.fc[l], self.fd[l]);
            // statsforecast stops on the bracket width and on an exact tie.
            let live = self.live[l] && (b - a).abs() >= GOLDEN_TOL && (fc < fd || fd < fc);
            let left = live && fc < fd;
            let right = live && fd < fc;
            let left_c = d - (d - a) / gr;
            let right_d = c + (b - c) / gr;
            self.a[l] = if right { c } else { a };
            self.b[l] = if left { d } else { b };
            self.c[l] = if left {
                left_c
            } else if right {
                d
            } else {
                c
            };
            self.d[l] = if left {
                c
            } else if right {
                right_d
            } else {
                d
            };
            self.fc[l] = if right { fd } else { fc };
            self.fd[l] = if left { fc } else { fd };
            self.pending_c[l] = left;
            self.live[l] = live;
            *point = if left { left_c } else { right_d };
        }
        points
    }
}

/// The widest vector unit the CPU has, chosen once per batch.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Wide {
    #[cfg(target_arch = "x86_64")]
    Avx512,
    #[cfg(target_arch = "x86_64")]
    Avx2,
    Portable,
}

impl Wide {
    fn detect() -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f") {
                return Wide::Avx512;
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                return Wide::Avx2;
            }
        }
        Wide::Portable
    }

    fn search_group<const L: usize>(self, columns: &[f64], lengths: &[usize; L], used: usize) -> [f64; L] {
        match self {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `detect` chose this variant only where the CPU supports the feature.
            Wide::Avx512 => unsafe { search_group_avx512::<L>(columns, lengths, used) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: as above.
            Wide::Avx2 => unsafe { search_group_avx2::<L>(columns, lengths, used) },
            Wide::Portable => search_group::<L>(columns, lengths, used),
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn search_group_avx512<const L: usize>(columns: &[f64], lengths: &[usize; L], used: usize) -> [f64; L] {
    search_group(columns, lengths, used)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn search_group_avx2<const L: usize>(columns: &[f64], lengths: &[usize; L], used: usize) -> [f64; L] {
    search_group(columns, lengths, used)
}

/// Every lane's SSE at its own alpha, with statsforecast's operation order (as `ses_sse`).
/// Rows up to the shortest lane's length accumulate unconditionally; beyond it, only lanes
/// whose series has not ended.
#[inline(always)]
fn sse_columns<const W: usize>(columns: &[f64], lengths: &[usize; W], alphas: [f64; W]) -> [f64; W] {
    let (rows, _) = columns.as_chunks::<W>();
    let mut sse = [0.0f64; W];
    let Some(first) = rows.first() else {
        return sse;
    };
    let c = alphas.map(|a| 1.0 - a);
    let mut f = *first;
    let shortest = lengths
        .iter()
        .copied()
        .filter(|&n| n > 0)
        .min()
        .unwrap_or(0)
        .min(rows.len());
    for w in rows[..shortest.max(1)].windows(2) {
        for k in 0..W {
            f[k] = alphas[k] * w[0][k] + c[k] * f[k];
            let e = w[1][k] - f[k];
            sse[k] += e * e;
        }
    }
    for i in shortest.max(1)..rows.len() {
        let (prev, cur) = (&rows[i - 1], &rows[i]);
        for k in 0..W {
            f[k] = alphas[k] * prev[k] + c[k] * f[k];
            let e = cur[k] - f[k];
            sse[k] += if i < lengths[k] { e * e } else { 0.0 };
        }
    }
    sse
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forecast::ses::{optimize_alpha, ses_sse};
    use crate::forecast::test_stream as rng;

    /// Series of every kind that can steer a search differently: ties (constant runs, 0-2
    /// points), multimodal SSEs, lengths spread so that groups mix lengths and the tail group
    /// is small.
    fn mixed_series(count: usize) -> Vec<Vec<f64>> {
        let mut next = rng(0x9e37_79b9_7f4a_7c15);
        (0..count)
            .map(|case| {
                let n = (next() % 260) as usize;
                (0..n)
                    .map(|_| match case % 5 {
                        0 => (next() % 7) as f64,
                        1 => 3.0,
                        2 => (next() % 1000) as f64 / 7.0,
                        3 => (1 + next() % 3) as f64 * (next().is_multiple_of(4) as u8 as f64),
                        _ => (next() % 50) as f64 * (next() % 2) as f64,
                    })
                    .collect()
            })
            .collect()
    }

    fn lockstep_alphas(series: &[Vec<f64>], wide: Wide) -> Vec<f64> {
        let mut batch = AlphaBatch::default();
        for x in series {
            batch.push(x.iter().copied());
        }
        batch.solve_with(wide);
        batch.alphas.clone()
    }

    #[test]
    fn lockstep_is_the_literal_golden_search() {
        let series = mixed_series(300);
        let expected: Vec<u64> = series
            .iter()
            .map(|x| optimize_alpha(x, ALPHA_LO, ALPHA_HI).to_bits())
            .collect();
        for wide in [Wide::detect(), Wide::Portable] {
            let got: Vec<u64> = lockstep_alphas(&series, wide).iter().map(|a| a.to_bits()).collect();
            assert_eq!(got, expected, "{wide:?}");
        }
    }

    #[test]
    fn padded_lanes_do_not_change_the_sse() {
        let mut next = rng(42);
        let lanes: Vec<Vec<f64>> = (0..LANES_AVX512)
            .map(|l| (0..40 - l).map(|_| (next() % 9) as f64).collect())
            .collect();
        let data: Vec<f64> = lanes.concat();
        let mut ranges = Vec::new();
        let mut start = 0;
        for l in &lanes {
            ranges.push(start..start + l.len());
            start += l.len();
        }
        let group: Vec<usize> = (0..LANES_AVX512).collect();
        let mut columns = Vec::new();
        let lengths = load_columns::<LANES_AVX512>(&data, &ranges, &group, &mut columns);
        let alphas: [f64; LANES_AVX512] = std::array::from_fn(|l| 0.1 + 0.005 * l as f64);
        let sse = sse_columns(&columns, &lengths, alphas);
        for (l, x) in lanes.iter().enumerate() {
            assert_eq!(sse[l].to_bits(), ses_sse(x, alphas[l]).to_bits(), "lane {l}");
        }
    }
}
