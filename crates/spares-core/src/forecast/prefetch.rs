//! Software prefetch for the passes that stream a whole series in from memory (the fixed-alpha
//! SES sums and the compaction of demands). Those passes are bound by memory bandwidth, and the
//! hardware prefetchers stop at every 4 KiB page boundary, so each page of a series starts with
//! a stall; asking for the line one page ahead keeps the loads flowing (SES over 20,000 series
//! of 730 days: about 2.0 million series/s per core without, 2.5-2.9 million with, on an
//! AVX-512 Xeon).

/// How far ahead of the value being read, in values: one 4 KiB page.
const AHEAD: usize = 512;

/// Asks the CPU to load the cache line [`AHEAD`] values past `at`. The address may lie beyond
/// the series: it is computed with wrapping arithmetic and never dereferenced, a prefetch
/// cannot fault, and series allocated one after another make it the start of the next one.
#[inline(always)]
pub(crate) fn line_ahead(at: *const f64) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: SSE (which has PREFETCHT0) is part of the x86_64 baseline, and a prefetch reads
    // nothing into the program: any address is allowed.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>(at.wrapping_add(AHEAD).cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = at;
}
