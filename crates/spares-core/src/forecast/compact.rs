//! Stream compaction of a demand series: its demands (values > 0) and their 1-based positions,
//! moved to the front of two buffers. Every intermittent method starts with this pass over the
//! whole history, and a scalar loop pays a loop-carried dependency on the output index per
//! observation; with vector compress (AVX-512) or a permutation table (AVX2) it is a few
//! instructions per 8 or 4 observations.

/// Writes the demands of `x` (in order) to the front of `sizes` and, when given, their 1-based
/// positions to the front of `positions`; returns how many there are. Both buffers must be at
/// least as long as `x`; what lies beyond the returned count is unspecified.
pub(crate) fn demands(x: &[f64], sizes: &mut [f64], positions: Option<&mut [f64]>) -> usize {
    assert!(sizes.len() >= x.len(), "sizes buffer shorter than the series");
    if let Some(p) = positions.as_deref() {
        assert!(p.len() >= x.len(), "positions buffer shorter than the series");
    }
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") && std::arch::is_x86_feature_detected!("popcnt") {
            // SAFETY: the CPU supports AVX-512F and POPCNT; the buffer lengths were checked above.
            return unsafe { x86::demands_avx512(x, sizes, positions) };
        }
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("popcnt") {
            // SAFETY: the CPU supports AVX2 and POPCNT; the buffer lengths were checked above.
            return unsafe { x86::demands_avx2(x, sizes, positions) };
        }
    }
    demands_scalar(x, 0, 0, sizes, positions)
}

/// The scalar compaction of `x[from..]`, `count` demands having been written before it.
/// Branch-free: it always writes and only advances on a demand, so that random demand
/// occurrences do not cost a mispredicted branch each.
fn demands_scalar(x: &[f64], from: usize, mut count: usize, sizes: &mut [f64], positions: Option<&mut [f64]>) -> usize {
    let rest = x.get(from..).unwrap_or_default().iter().zip(from..);
    match positions {
        Some(positions) => {
            for (&v, i) in rest {
                if let (Some(s), Some(p)) = (sizes.get_mut(count), positions.get_mut(count)) {
                    *s = v;
                    // i64 -> f64 is one instruction (usize -> f64 takes several); exact below 2^53.
                    *p = (i as i64 + 1) as f64;
                }
                count += (v > 0.0) as usize;
            }
        }
        None => {
            for (&v, _) in rest {
                if let Some(s) = sizes.get_mut(count) {
                    *s = v;
                }
                count += (v > 0.0) as usize;
            }
        }
    }
    count
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;

    use super::demands_scalar;
    use crate::forecast::prefetch;

    /// # Safety
    /// The CPU must support AVX-512F and POPCNT, and `sizes` and `positions` must be at least as long as `x`.
    #[target_feature(enable = "avx512f,popcnt")]
    pub(super) unsafe fn demands_avx512(x: &[f64], sizes: &mut [f64], mut positions: Option<&mut [f64]>) -> usize {
        let (chunks, _) = x.as_chunks::<8>();
        let zero = _mm512_setzero_pd();
        let step = _mm512_set1_pd(8.0);
        let mut position = _mm512_setr_pd(1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0);
        let mut count = 0usize;
        for chunk in chunks {
            prefetch::line_ahead(chunk.as_ptr());
            // SAFETY: `chunk` is 8 readable values; `count` <= 8 x the chunks before this one,
            // so `count + 8` is within `x.len()`, which the buffers are at least as long as.
            unsafe {
                let v = _mm512_loadu_pd(chunk.as_ptr());
                let demand = _mm512_cmp_pd_mask::<_CMP_GT_OQ>(v, zero);
                _mm512_storeu_pd(sizes.as_mut_ptr().add(count), _mm512_maskz_compress_pd(demand, v));
                if let Some(p) = positions.as_deref_mut() {
                    _mm512_storeu_pd(p.as_mut_ptr().add(count), _mm512_maskz_compress_pd(demand, position));
                }
                position = _mm512_add_pd(position, step);
                count += demand.count_ones() as usize;
            }
        }
        demands_scalar(x, chunks.len() * 8, count, sizes, positions)
    }

    /// For each 4-bit demand mask, the 32-bit lane indices that move the selected doubles
    /// (two 32-bit halves each) to the front, in order.
    const PACK: [[i32; 8]; 16] = {
        let mut table = [[0i32; 8]; 16];
        let mut mask = 0;
        while mask < 16 {
            let mut out = 0;
            let mut lane: i32 = 0;
            while lane < 4 {
                if mask & (1 << lane) != 0 {
                    table[mask][2 * out] = 2 * lane;
                    table[mask][2 * out + 1] = 2 * lane + 1;
                    out += 1;
                }
                lane += 1;
            }
            mask += 1;
        }
        table
    };

    /// # Safety
    /// The CPU must support AVX2 and POPCNT, and `sizes` and `positions` must be at least as long as `x`.
    #[target_feature(enable = "avx2,popcnt")]
    pub(super) unsafe fn demands_avx2(x: &[f64], sizes: &mut [f64], mut positions: Option<&mut [f64]>) -> usize {
        let (chunks, _) = x.as_chunks::<4>();
        let zero = _mm256_setzero_pd();
        let step = _mm256_set1_pd(4.0);
        let mut position = _mm256_setr_pd(1.0, 2.0, 3.0, 4.0);
        let mut count = 0usize;
        for chunk in chunks {
            prefetch::line_ahead(chunk.as_ptr());
            // SAFETY: as in `demands_avx512`, with 4 values per chunk; `PACK` has an entry for
            // every 4-bit mask.
            unsafe {
                let v = _mm256_loadu_pd(chunk.as_ptr());
                let mask = _mm256_movemask_pd(_mm256_cmp_pd::<_CMP_GT_OQ>(v, zero)) as usize & 15;
                let pack = _mm256_loadu_si256(PACK.as_ptr().add(mask).cast());
                let packed = _mm256_permutevar8x32_ps(_mm256_castpd_ps(v), pack);
                _mm256_storeu_pd(sizes.as_mut_ptr().add(count), _mm256_castps_pd(packed));
                if let Some(p) = positions.as_deref_mut() {
                    let packed = _mm256_permutevar8x32_ps(_mm256_castpd_ps(position), pack);
                    _mm256_storeu_pd(p.as_mut_ptr().add(count), _mm256_castps_pd(packed));
                }
                position = _mm256_add_pd(position, step);
                count += mask.count_ones() as usize;
            }
        }
        demands_scalar(x, chunks.len() * 4, count, sizes, positions)
    }

    #[cfg(test)]
    pub(super) fn available() -> [(&'static str, bool); 2] {
        [
            (
                "avx512f",
                is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("popcnt"),
            ),
            (
                "avx2",
                is_x86_feature_detected!("avx2") && is_x86_feature_detected!("popcnt"),
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expected(x: &[f64]) -> (Vec<f64>, Vec<f64>) {
        x.iter()
            .enumerate()
            .filter(|(_, &v)| v > 0.0)
            .map(|(i, &v)| (v, (i + 1) as f64))
            .unzip()
    }

    fn series() -> Vec<Vec<f64>> {
        let mut next = crate::forecast::test_stream(0xc0ff_ee11);
        let mut all: Vec<Vec<f64>> = (0..200)
            .map(|case| {
                let n = (next() % 100) as usize;
                (0..n)
                    .map(|_| match next() % (2 + case % 5) {
                        0 => (1 + next() % 9) as f64,
                        1 if case % 7 == 0 => -1.0,
                        1 if case % 11 == 0 => f64::NAN,
                        _ => 0.0,
                    })
                    .collect()
            })
            .collect();
        all.push(vec![2.5; 37]);
        all.push(vec![0.0; 37]);
        all
    }

    /// Runs `compact` on every test series and compares with the plain filter.
    fn check(name: &str, compact: impl Fn(&[f64], &mut [f64], Option<&mut [f64]>) -> usize) {
        for x in series() {
            let (sizes, positions) = expected(&x);
            let (mut s, mut p) = (vec![f64::NAN; x.len()], vec![f64::NAN; x.len()]);
            let n = compact(&x, &mut s, Some(&mut p));
            assert_eq!((&s[..n], &p[..n]), (&sizes[..], &positions[..]), "{name} on {x:?}");
            let n = compact(&x, &mut s, None);
            assert_eq!(&s[..n], &sizes[..], "{name} without positions on {x:?}");
        }
    }

    #[test]
    fn every_path_keeps_exactly_the_demands_and_their_positions() {
        check("dispatch", demands);
        check("scalar", |x, s, p| demands_scalar(x, 0, 0, s, p));
        #[cfg(target_arch = "x86_64")]
        for (feature, present) in x86::available() {
            if !present {
                continue;
            }
            check(feature, |x, s, p| {
                // SAFETY: the CPU has the feature; `check` passes buffers as long as `x`.
                unsafe {
                    match feature {
                        "avx512f" => x86::demands_avx512(x, s, p),
                        _ => x86::demands_avx2(x, s, p),
                    }
                }
            });
        }
    }
}
