//! Money as responses show it: a decimal string with two decimals (`"12.50"`, never `"12.5"`
//! or PostgreSQL's `"12.5000"`). A price stored with more digits (`13.125`, which inputs may
//! carry) keeps them: showing it is never a rounding.

use rust_decimal::Decimal;
use serde::Serializer;

/// `value` with trailing zeros beyond the cents dropped and at least two decimals.
pub fn shown(value: Decimal) -> Decimal {
    let mut out = value.normalize();
    if out.scale() < 2 {
        out.rescale(2);
    }
    out
}

/// `#[serde(serialize_with = "crate::money::serialize")]` on a money field.
pub fn serialize<S: Serializer>(value: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&shown(*value).to_string())
}

/// The same for an optional money field.
pub fn serialize_option<S: Serializer>(value: &Option<Decimal>, serializer: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(v) => serialize(v, serializer),
        None => serializer.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_shows_two_decimals_and_keeps_any_further_stored_digit() {
        let d = |s: &str| s.parse::<Decimal>().expect("decimal");
        assert_eq!(shown(d("12.5")).to_string(), "12.50");
        assert_eq!(shown(d("234.5000")).to_string(), "234.50");
        assert_eq!(shown(d("7")).to_string(), "7.00");
        assert_eq!(shown(d("-3")).to_string(), "-3.00");
        assert_eq!(shown(d("13.125")).to_string(), "13.125");
    }
}
