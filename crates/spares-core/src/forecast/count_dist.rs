//! Pieces shared by the two tabulated count distributions, [`super::leadtime::LeadTimeDemand`]
//! and replenishment's `dist::Dist`: the cdf of a tabulated pmf, the normal that replaces a
//! table too wide to build, and ln Gamma for the first pmf term.

/// The cdf of a pmf given at any scale, `total` being its sum.
pub(crate) fn cumulative(pmf: &[f64], total: f64) -> Vec<f64> {
    let mut acc = 0.0;
    pmf.iter()
        .map(|f| {
            acc += f;
            (acc / total).min(1.0)
        })
        .collect()
}

/// P(D <= x) for a count approximated by a normal (continuity-corrected).
pub(crate) fn normal_count_cdf(x: u64, mean: f64, sd: f64) -> f64 {
    normal_cdf((x as f64 + 0.5 - mean) / sd)
}

/// Smallest `x` with `normal_count_cdf(x) >= p`, by bisection.
pub(crate) fn normal_quantile(mean: f64, sd: f64, p: f64) -> u64 {
    let (mut lo, mut hi) = (0u64, (mean + 60.0 * sd).ceil() as u64);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if normal_count_cdf(mid, mean, sd) >= p {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    lo
}

/// ln Gamma(x) for x > 0 (Lanczos, g = 7, 9 terms; ~1e-15 relative).
pub(crate) fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = C[0];
    let t = x + G + 0.5;
    for (i, c) in C.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// Standard normal cdf via erfc (Numerical Recipes' Chebyshev fit, |relative error| < 1.2e-7).
pub(crate) fn normal_cdf(z: f64) -> f64 {
    let x = -z / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.5 * x.abs());
    let poly = -x * x - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98 + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let erfc = t * poly.exp();
    let erfc = if x >= 0.0 { erfc } else { 2.0 - erfc };
    0.5 * erfc
}
