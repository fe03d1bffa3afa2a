//! Syntetos-Boylan demand classification.
//!
//! ADI is the mean inter-demand interval, with the same intervals as Croston (the first one is
//! the 1-based position of the first demand; trailing zeros are ignored). CV^2 is the squared
//! coefficient of variation (population variance / mean^2) of the non-zero sizes, 0 for a single
//! demand. Cut-offs 1.32 (ADI) and 0.49 (CV^2); a value on a cut-off goes to the higher class.

use serde::{Deserialize, Serialize};
use std::fmt;

pub const ADI_CUTOFF: f64 = 1.32;
pub const CV2_CUTOFF: f64 = 0.49;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DemandClass {
    /// No positive demand in the history.
    None,
    Smooth,
    Erratic,
    Intermittent,
    Lumpy,
}

impl DemandClass {
    pub fn name(self) -> &'static str {
        match self {
            DemandClass::None => "none",
            DemandClass::Smooth => "smooth",
            DemandClass::Erratic => "erratic",
            DemandClass::Intermittent => "intermittent",
            DemandClass::Lumpy => "lumpy",
        }
    }

    /// Many zero periods between demands.
    pub fn is_intermittent(self) -> bool {
        matches!(self, DemandClass::Intermittent | DemandClass::Lumpy)
    }
}

impl fmt::Display for DemandClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Classification {
    pub class: DemandClass,
    /// Mean inter-demand interval (NaN without demand).
    pub adi: f64,
    /// Squared coefficient of variation of the non-zero sizes (NaN without demand).
    pub cv2: f64,
    /// Number of periods with positive demand.
    pub demands: usize,
}

pub fn classify(x: &[f64]) -> Classification {
    let (mut count, mut last, mut sum, mut sum_sq) = (0usize, 0usize, 0.0f64, 0.0f64);
    for (i, &v) in x.iter().enumerate() {
        if v > 0.0 {
            count += 1;
            last = i + 1;
            sum += v;
            sum_sq += v * v;
        }
    }
    if count == 0 {
        return Classification {
            class: DemandClass::None,
            adi: f64::NAN,
            cv2: f64::NAN,
            demands: 0,
        };
    }
    let n = count as f64;
    let adi = last as f64 / n;
    let mean = sum / n;
    let var = (sum_sq / n - mean * mean).max(0.0);
    let cv2 = var / (mean * mean);
    let class = match (adi < ADI_CUTOFF, cv2 < CV2_CUTOFF) {
        (true, true) => DemandClass::Smooth,
        (true, false) => DemandClass::Erratic,
        (false, true) => DemandClass::Intermittent,
        (false, false) => DemandClass::Lumpy,
    };
    Classification {
        class,
        adi,
        cv2,
        demands: count,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_quadrants_and_none() {
        assert_eq!(classify(&[5.0, 6.0, 5.0, 4.0, 5.0, 6.0]).class, DemandClass::Smooth);
        assert_eq!(classify(&[1.0, 20.0, 2.0, 15.0, 1.0, 30.0]).class, DemandClass::Erratic);
        assert_eq!(
            classify(&[0.0, 0.0, 5.0, 0.0, 0.0, 6.0, 0.0, 5.0]).class,
            DemandClass::Intermittent
        );
        assert_eq!(
            classify(&[0.0, 0.0, 1.0, 0.0, 0.0, 30.0, 0.0, 2.0]).class,
            DemandClass::Lumpy
        );
        let none = classify(&[0.0, 0.0, 0.0]);
        assert_eq!(none.class, DemandClass::None);
        assert_eq!(classify(&[]).class, DemandClass::None);
    }

    #[test]
    fn statistics_and_cutoffs() {
        // Demands at positions 2, 4, 6 (1-based): intervals 2, 2, 2; trailing zeros ignored.
        let c = classify(&[0.0, 3.0, 0.0, 3.0, 0.0, 3.0, 0.0, 0.0]);
        assert_eq!(c.adi, 2.0);
        assert_eq!(c.cv2, 0.0);
        assert_eq!(c.demands, 3);
        // sizes 1 and 3: mean 2, variance 1, cv2 0.25
        let c = classify(&[1.0, 3.0]);
        assert_eq!((c.adi, c.cv2), (1.0, 0.25));
        // ADI exactly 1.32 counts as intermittent: 25 demands, last at position 33.
        let mut x = vec![1.0; 25];
        x.extend(vec![0.0; 8]);
        x[32] = 1.0;
        x[24] = 0.0;
        let c = classify(&x);
        assert!((c.adi - 1.32).abs() < 1e-12);
        assert_eq!(c.class, DemandClass::Intermittent);
    }
}
