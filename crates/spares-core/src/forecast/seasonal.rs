//! Seasonal method for smooth parts with an annual cycle and a trend (air-conditioner parts
//! peak in summer).
//!
//! 1. Seasonal indices from classical decomposition: a centred moving average of order
//!    `season_length` (a 2 x m average when m is even) estimates the trend; the detrended
//!    values (ratios to the trend when every observation is positive, differences otherwise:
//!    a ratio to a trend built from zeros is meaningless) are averaged per position in the
//!    cycle, smoothed with a circular moving average of width ~m/24 (about two weeks of daily
//!    data, none for monthly: daily indices from two years are otherwise mostly noise), and
//!    normalised to mean 1 (or 0).
//! 2. A damped Holt trend (alpha 0.1, beta 0.02, phi 0.95 per period: fixed, because the
//!    method must stay cheap on 100,000 series and damping keeps a noisy slope from running
//!    away) on the de-seasonalised series.
//! 3. The path re-applies the indices of the forecast periods and is clipped at 0.
//!
//! With fewer than two full seasons of history (or `season_length < 2`) the indices cannot be
//! told apart from the trend, so the method falls back to the damped Holt trend alone.

const ALPHA: f64 = 0.1;
const BETA: f64 = 0.02;
const PHI: f64 = 0.95;

/// Seasonal indices, one per position in the cycle (position `t % m` for period `t`).
#[derive(Debug, Clone, PartialEq)]
pub struct SeasonalIndices {
    pub indices: Vec<f64>,
    pub multiplicative: bool,
}

impl SeasonalIndices {
    fn remove(&self, t: usize, v: f64) -> f64 {
        let s = self.indices[t % self.indices.len()];
        if self.multiplicative {
            v / s
        } else {
            v - s
        }
    }

    fn apply(&self, t: usize, v: f64) -> f64 {
        let s = self.indices[t % self.indices.len()];
        if self.multiplicative {
            v * s
        } else {
            v + s
        }
    }
}

/// Classical-decomposition indices; `None` with fewer than two seasons of history.
pub fn seasonal_indices(x: &[f64], m: usize) -> Option<SeasonalIndices> {
    let n = x.len();
    if m < 2 || n < 2 * m {
        return None;
    }
    let multiplicative = x.iter().all(|&v| v > 0.0);
    let half = m / 2;
    let mut sums = vec![0.0; m];
    let mut counts = vec![0usize; m];
    // Running window sum of x[t-half ..= t+half] (odd m) or of x[t-half+1 ..= t+half-1] plus
    // the two half-weighted ends (even m).
    let (lo_off, hi_off) = if m % 2 == 1 { (half, half) } else { (half - 1, half - 1) };
    let mut window: f64 = x[half - lo_off..=half + hi_off].iter().sum();
    for t in half..n - half {
        if t > half {
            window += x[t + hi_off] - x[t - lo_off - 1];
        }
        let trend = if m % 2 == 1 {
            window / m as f64
        } else {
            (window + 0.5 * (x[t - half] + x[t + half])) / m as f64
        };
        let detrended = if multiplicative { x[t] / trend } else { x[t] - trend };
        sums[t % m] += detrended;
        counts[t % m] += 1;
    }
    let raw: Vec<f64> = sums
        .iter()
        .zip(&counts)
        .map(|(s, &c)| if c > 0 { s / c as f64 } else { 0.0 })
        .collect();
    let width = ((m / 24).max(1)) | 1;
    let indices: Vec<f64> = if width == 1 {
        raw
    } else {
        let r = width / 2;
        (0..m)
            .map(|j| (0..width).map(|k| raw[(j + m + k - r) % m]).sum::<f64>() / width as f64)
            .collect()
    };
    let mean = indices.iter().sum::<f64>() / m as f64;
    let indices = if multiplicative {
        if mean > 0.0 {
            indices.iter().map(|v| v / mean).collect()
        } else {
            return None;
        }
    } else {
        indices.iter().map(|v| v - mean).collect()
    };
    Some(SeasonalIndices {
        indices,
        multiplicative,
    })
}

/// Damped Holt level and slope after the whole series.
fn damped_holt(z: impl Iterator<Item = f64>, first: f64, slope: f64) -> (f64, f64) {
    let (mut level, mut trend) = (first, slope);
    for v in z {
        let prev = level;
        level = ALPHA * v + (1.0 - ALPHA) * (level + PHI * trend);
        trend = BETA * (level - prev) + (1.0 - BETA) * PHI * trend;
    }
    (level, trend)
}

/// Per-period forecast path over `horizon` periods.
pub fn seasonal_forecast(x: &[f64], horizon: usize, season_length: usize) -> Vec<f64> {
    if x.is_empty() || x.iter().all(|&v| v == 0.0) {
        return vec![0.0; horizon];
    }
    let n = x.len();
    let season = seasonal_indices(x, season_length);
    let z = |t: usize| match &season {
        Some(s) => s.remove(t, x[t]),
        None => x[t],
    };
    // Initial slope: mean change between the first two seasons (or halves), per period.
    let span = if season.is_some() { season_length } else { n / 2 };
    let slope = if span >= 1 && n >= 2 * span {
        let a: f64 = (0..span).map(z).sum::<f64>() / span as f64;
        let b: f64 = (span..2 * span).map(z).sum::<f64>() / span as f64;
        (b - a) / span as f64
    } else {
        0.0
    };
    let (level, trend) = damped_holt((1..n).map(z), z(0), slope);
    let mut damp = 0.0;
    let mut phi_j = 1.0;
    (1..=horizon)
        .map(|j| {
            phi_j *= PHI;
            damp += phi_j;
            let v = level + damp * trend;
            let v = match &season {
                Some(s) => s.apply(n - 1 + j, v),
                None => v,
            };
            v.max(0.0)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn monthly(years: usize, zeros: bool) -> Vec<f64> {
        (0..12 * years)
            .map(|t| {
                let summer = [0.5, 0.5, 0.7, 0.9, 1.2, 1.6, 1.9, 1.8, 1.2, 0.8, 0.5, 0.4][t % 12];
                let v = (20.0 + 0.2 * t as f64) * summer;
                if zeros && t % 12 == 0 {
                    0.0
                } else {
                    v
                }
            })
            .collect()
    }

    #[test]
    fn recovers_summer_peak_and_trend() {
        for zeros in [false, true] {
            let x = monthly(3, zeros);
            let s = seasonal_indices(&x, 12).expect("three seasons");
            assert_eq!(s.multiplicative, !zeros);
            let path = seasonal_forecast(&x, 12, 12);
            assert_eq!(path.len(), 12);
            // forecast period j is month (36 - 1 + j) % 12: July (6) is j = 7
            let peak = path
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.total_cmp(b.1))
                .map(|(j, _)| j + 1);
            assert!(matches!(peak, Some(7) | Some(8)), "peak at {peak:?}: {path:?}");
            let july = path[6];
            assert!(july > 1.5 * 27.0 && july < 2.1 * 29.0, "{july}");
        }
    }

    #[test]
    fn short_history_falls_back_to_damped_trend() {
        let x = monthly(1, false);
        assert!(seasonal_indices(&x, 12).is_none());
        let path = seasonal_forecast(&x, 6, 12);
        // no seasonal shape: a damped trend is monotone
        let up = path.windows(2).all(|w| w[1] >= w[0]);
        let down = path.windows(2).all(|w| w[1] <= w[0]);
        assert!(up || down, "{path:?}");
        assert!(seasonal_forecast(&[0.0; 40], 3, 12).iter().all(|v| *v == 0.0));
        assert_eq!(seasonal_forecast(&[], 2, 12), vec![0.0, 0.0]);
    }

    #[test]
    fn daily_indices_have_one_value_per_day() {
        let x: Vec<f64> = (0..730)
            .map(|t| if (150..240).contains(&(t % 365)) { 3.0 } else { 1.0 })
            .collect();
        let s = seasonal_indices(&x, 365).expect("two seasons");
        assert_eq!(s.indices.len(), 365);
        assert!(
            s.indices[200] > 1.5 && s.indices[20] < 0.8,
            "{} {}",
            s.indices[200],
            s.indices[20]
        );
    }
}
