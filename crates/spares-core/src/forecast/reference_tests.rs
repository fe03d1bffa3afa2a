//! Every intermittent method against the point forecasts and fitted values that statsforecast
//! 2.1.1 itself produced (`shared/reference`, beside the repository), on all series of the file.

use super::adida::{adida, adida_fitted, imapa};
use super::croston::{croston_classic, croston_classic_fitted, croston_optimized, croston_sba};
use super::tsb::{tsb, tsb_fitted};

const REFERENCE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/reference/statsforecast_2.1.1_reference_vectors.csv"
);

fn close(ours: f64, theirs: f64) -> bool {
    if ours.is_nan() || theirs.is_nan() {
        return ours.is_nan() && theirs.is_nan();
    }
    let diff = (ours - theirs).abs();
    diff <= 1e-9 || diff <= 1e-6 * theirs.abs().max(ours.abs())
}

fn numbers(field: &str) -> Vec<f64> {
    field
        .split_whitespace()
        .map(|t| t.parse::<f64>().expect("number in reference file"))
        .collect()
}

#[test]
fn matches_statsforecast_on_every_reference_series() {
    let mut reader = csv::Reader::from_path(REFERENCE).expect("reference vectors readable");
    let headers = reader.headers().expect("header").clone();
    let col = |name: &str| headers.iter().position(|h| h == name).expect("reference column");
    let (c_y, c_n) = (col("y"), col("n"));
    type Point = fn(&[f64]) -> f64;
    let points: [(&str, Point); 7] = [
        ("CrostonClassic", croston_classic),
        ("CrostonSBA", croston_sba),
        ("CrostonOptimized", croston_optimized),
        ("TSB_ad0.1_ap0.1", |x| tsb(x, 0.1, 0.1)),
        ("TSB_ad0.2_ap0.05", |x| tsb(x, 0.2, 0.05)),
        ("ADIDA", adida),
        ("IMAPA", imapa),
    ];
    type Fitted = fn(&[f64]) -> Vec<f64>;
    let fitted: [(&str, Fitted); 3] = [
        ("CrostonClassic_fitted", croston_classic_fitted),
        ("TSB_ad0.1_ap0.1_fitted", |x| tsb_fitted(x, 0.1, 0.1)),
        ("ADIDA_fitted", adida_fitted),
    ];
    let mut series = 0usize;
    let mut values = 0usize;
    let mut failures = Vec::new();
    for record in reader.records() {
        let record = record.expect("reference row");
        let y = numbers(&record[c_y]);
        assert_eq!(y.len(), record[c_n].parse::<usize>().expect("n"), "row {}", series);
        for (name, f) in points {
            let theirs: f64 = record[col(name)].parse().expect("reference value");
            let ours = f(&y);
            values += 1;
            if !close(ours, theirs) {
                failures.push(format!(
                    "case {} {name}: ours {ours:e} statsforecast {theirs:e}",
                    &record[0]
                ));
            }
        }
        for (name, f) in fitted {
            let theirs = numbers(&record[col(name)]);
            let ours = f(&y);
            values += theirs.len();
            let same = ours.len() == theirs.len() && ours.iter().zip(&theirs).all(|(a, b)| close(*a, *b));
            if !same {
                failures.push(format!(
                    "case {} {name}: ours {ours:?} statsforecast {theirs:?}",
                    &record[0]
                ));
            }
        }
        series += 1;
    }
    assert_eq!(series, 495, "expected the 495 reference series");
    assert!(
        failures.is_empty(),
        "{} mismatches on {series} series ({values} values):\n{}",
        failures.len(),
        failures.iter().take(20).cloned().collect::<Vec<_>>().join("\n")
    );
    println!("statsforecast 2.1.1 reference: {series} series, {values} values, all within 1e-6");
}
