//! Field checks shared by every domain's input parsing. Each returns the cleaned value or a
//! validation error naming the field, so a parsed input is valid by construction.

use rust_decimal::Decimal;

use crate::error::AppError;

/// Upper bound on any quantity in one request: far above real movements, far below overflow.
pub const MAX_QUANTITY: i64 = 1_000_000_000;

/// Trimmed, non-empty text of at most `max` characters without control characters.
pub fn text(field: &str, value: &str, max: usize) -> Result<String, AppError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(AppError::validation(field, "must not be empty"));
    }
    if trimmed.chars().count() > max {
        return Err(AppError::validation(field, format!("must be at most {max} characters")));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(AppError::validation(field, "must not contain control characters"));
    }
    Ok(trimmed.to_owned())
}

pub fn optional_text(field: &str, value: Option<&str>, max: usize) -> Result<Option<String>, AppError> {
    value.map(|v| text(field, v, max)).transpose()
}

/// An identifier such as a warehouse code or part number: 1-64 of `A-Z a-z 0-9 . _ -`.
pub fn code(field: &str, value: &str) -> Result<String, AppError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(AppError::validation(field, "must not be empty"));
    }
    if value.len() > 64 {
        return Err(AppError::validation(field, "must be at most 64 characters"));
    }
    if !value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err(AppError::validation(
            field,
            "may contain only letters, digits, '.', '_' and '-'",
        ));
    }
    Ok(value.to_owned())
}

/// A quantity of at least 1.
pub fn positive(field: &str, value: i64) -> Result<i64, AppError> {
    if value < 1 {
        return Err(AppError::validation(field, "must be at least 1"));
    }
    if value > MAX_QUANTITY {
        return Err(AppError::validation(field, format!("must be at most {MAX_QUANTITY}")));
    }
    Ok(value)
}

/// A quantity of at least 0.
pub fn non_negative(field: &str, value: i64) -> Result<i64, AppError> {
    if value < 0 {
        return Err(AppError::validation(field, "must not be negative"));
    }
    if value > MAX_QUANTITY {
        return Err(AppError::validation(field, format!("must be at most {MAX_QUANTITY}")));
    }
    Ok(value)
}

/// A non-negative amount of money with at most 6 decimal places.
pub fn money(field: &str, value: Decimal) -> Result<Decimal, AppError> {
    if value.is_sign_negative() && !value.is_zero() {
        return Err(AppError::validation(field, "must not be negative"));
    }
    if value.scale() > 6 {
        return Err(AppError::validation(field, "must have at most 6 decimal places"));
    }
    if value > Decimal::from(1_000_000_000_000i64) {
        return Err(AppError::validation(field, "is too large"));
    }
    Ok(value.normalize())
}

/// Parses a stored decimal string; a bad value in the database is an internal error.
pub fn stored_decimal(value: &str) -> Result<Decimal, AppError> {
    value
        .parse::<Decimal>()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("stored decimal {value:?} is invalid: {e}")))
}

/// Serde helper: accepts JSON integers and integral floats (`2.0`), which JSON Schema counts
/// as integers, and rejects fractions.
pub mod integer {
    use serde::{de::Error, Deserialize, Deserializer};

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
        let number = serde_json::Number::deserialize(deserializer)?;
        if let Some(v) = number.as_i64() {
            return Ok(v);
        }
        match number.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(f as i64),
            _ => Err(D::Error::custom(format!("expected an integer, found {number}"))),
        }
    }

    pub mod option {
        use serde::{Deserialize, Deserializer};

        pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
            #[derive(Deserialize)]
            struct Wrapper(#[serde(deserialize_with = "super::deserialize")] i64);
            Option::<Wrapper>::deserialize(deserializer).map(|w| w.map(|Wrapper(v)| v))
        }
    }
}

/// OpenAPI schema of a money input: a decimal string (preferred, exact) or a JSON number.
pub fn money_input_schema() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};
    OneOfBuilder::new()
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(r"^[0-9]{1,13}(\.[0-9]{1,6})?$"))
                .examples([serde_json::json!("12.50")]),
        )
        .item(
            ObjectBuilder::new()
                .schema_type(Type::Number)
                .minimum(Some(0.0))
                .maximum(Some(1e12)),
        )
        .description(Some(
            "Amount as a decimal string (exact) or a JSON number, at most 6 decimal places",
        ))
        .build()
        .into()
}

/// [`money_input_schema`] for optional fields, where `null` means "leave unchanged".
pub fn optional_money_input_schema() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
    match money_input_schema() {
        Schema::OneOf(mut one_of) => {
            one_of.items.push(ObjectBuilder::new().schema_type(Type::Null).into());
            Schema::OneOf(one_of)
        }
        other => other,
    }
}

/// `value` when it is one of `known` (a filter's closed set of values); else a 400 naming
/// `field` and the values it takes.
pub fn one_of<'a>(field: &str, value: Option<&'a str>, known: &[&str]) -> Result<Option<&'a str>, AppError> {
    match value {
        Some(v) if !known.contains(&v) => Err(AppError::validation(
            field,
            format!("must be one of {}", known.join(", ")),
        )),
        other => Ok(other),
    }
}

/// The message for a date or time that does not parse (query parameters and bodies alike).
pub const DATE_FORMATS: &str = "must be a date (YYYY-MM-DD) or an RFC 3339 time (2026-01-31T08:00:00Z)";

/// A day given as `YYYY-MM-DD` or as an RFC 3339 time (its UTC date).
pub fn parse_day(value: &str) -> Option<chrono::NaiveDate> {
    let value = value.trim();
    chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").ok().or_else(|| {
        chrono::DateTime::parse_from_rfc3339(value)
            .ok()
            .map(|t| t.naive_utc().date())
    })
}

/// An instant given as an RFC 3339 time, or a `YYYY-MM-DD` day (its start, UTC).
pub fn parse_instant(value: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    let value = value.trim();
    chrono::DateTime::parse_from_rfc3339(value)
        .ok()
        .map(|t| t.with_timezone(&chrono::Utc))
        .or_else(|| {
            chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| t.and_utc())
        })
}

/// `#[serde(default, deserialize_with = "crate::validate::day::option")]`: an optional day
/// that takes both formats (see [`parse_day`]).
pub mod day {
    use serde::{de::Error, Deserialize, Deserializer};

    pub fn option<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<chrono::NaiveDate>, D::Error> {
        Option::<String>::deserialize(deserializer)?
            .map(|s| super::parse_day(&s).ok_or_else(|| D::Error::custom(super::DATE_FORMATS)))
            .transpose()
    }
}

/// `#[serde(default, deserialize_with = "crate::validate::instant::option")]`: an optional
/// instant that takes both formats (see [`parse_instant`]).
pub mod instant {
    use serde::{de::Error, Deserialize, Deserializer};

    pub fn option<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<chrono::DateTime<chrono::Utc>>, D::Error> {
        Option::<String>::deserialize(deserializer)?
            .map(|s| super::parse_instant(&s).ok_or_else(|| D::Error::custom(super::DATE_FORMATS)))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_reject_spaces_and_long_values() {
        assert!(code("code", "WH-01").is_ok());
        assert!(code("code", "WH 01").is_err());
        assert!(code("code", &"x".repeat(65)).is_err());
    }

    #[test]
    fn quantities_must_be_in_range() {
        assert!(positive("q", 0).is_err());
        assert!(positive("q", MAX_QUANTITY + 1).is_err());
        assert_eq!(non_negative("q", 0).ok(), Some(0));
    }

    #[test]
    fn money_keeps_exact_digits() {
        let value = money("unit_cost", "12.30".parse().expect("decimal")).expect("valid");
        assert_eq!(value.to_string(), "12.3");
        assert!(money("unit_cost", "-1".parse().expect("decimal")).is_err());
    }

    #[test]
    fn days_and_instants_take_both_formats() {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 1, 31);
        assert_eq!(parse_day("2026-01-31"), day);
        assert_eq!(
            parse_day("2026-01-31T23:30:00-02:00"),
            chrono::NaiveDate::from_ymd_opt(2026, 2, 1)
        );
        assert_eq!(parse_day("31/01/2026"), None);
        let midnight = day.and_then(|d| d.and_hms_opt(0, 0, 0)).map(|t| t.and_utc());
        assert_eq!(parse_instant("2026-01-31"), midnight);
        assert_eq!(parse_instant("2026-01-31T00:00:00Z"), midnight);
        assert_eq!(parse_instant("yesterday"), None);
    }
}
