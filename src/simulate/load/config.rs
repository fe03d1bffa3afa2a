//! `scenario.toml`: the period, the calendar and the cost settings, with defaults applied.

use std::path::Path;

use chrono::NaiveDate;
use serde::Deserialize;
use spares_core::simulate::scenario::{
    Config, PeriodKind, DEFAULT_HOLDING_RATE_PER_YEAR, DEFAULT_ORDER_COST_CENTS, DEFAULT_REVIEW_PERIOD_DAYS,
    DEFAULT_TARGET_FILL_RATE,
};

use crate::simulate::SimError;

#[derive(Deserialize)]
#[serde(untagged)]
enum DateValue {
    Text(String),
    // TOML has a native date literal; accept it as well as a quoted date.
    Toml(toml::value::Datetime),
}

#[derive(Deserialize)]
#[serde(untagged)]
enum MoneyValue {
    Text(String),
    Int(i64),
    Float(f64),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    period: PeriodKind,
    history_start: DateValue,
    eval_start: DateValue,
    eval_end: DateValue,
    target_fill_rate: Option<f64>,
    review_period_days: Option<u32>,
    holding_rate_per_year: Option<f64>,
    order_cost: Option<MoneyValue>,
}

pub(super) fn load_config(path: &Path) -> Result<Config, SimError> {
    let text = std::fs::read_to_string(path).map_err(|e| SimError::io(path, e))?;
    let raw: RawConfig = toml::from_str(&text).map_err(|e| {
        let (line, field) = match e.span() {
            Some(span) => line_and_key(&text, span.start),
            None => (None, String::new()),
        };
        // The toml message repeats the source excerpt; its first line is the reason.
        let message = e.message().lines().next().unwrap_or("invalid").to_string();
        SimError::load(path, line, &field, message)
    })?;
    let key_line = |key: &str| find_key_line(&text, key);
    let date = |v: &DateValue, key: &str| -> Result<NaiveDate, SimError> {
        let s = match v {
            DateValue::Text(s) => s.clone(),
            DateValue::Toml(d) => d.to_string(),
        };
        NaiveDate::parse_from_str(&s, "%Y-%m-%d")
            .map_err(|_| SimError::load(path, key_line(key), key, format!("`{s}` is not a YYYY-MM-DD date")))
    };
    let history_start = date(&raw.history_start, "history_start")?;
    let eval_start = date(&raw.eval_start, "eval_start")?;
    let eval_end = date(&raw.eval_end, "eval_end")?;
    if eval_start < history_start {
        return Err(SimError::load(
            path,
            key_line("eval_start"),
            "eval_start",
            "before history_start",
        ));
    }
    if eval_end < eval_start {
        return Err(SimError::load(
            path,
            key_line("eval_end"),
            "eval_end",
            "before eval_start",
        ));
    }
    let target_fill_rate = raw.target_fill_rate.unwrap_or(DEFAULT_TARGET_FILL_RATE);
    if !(target_fill_rate > 0.0 && target_fill_rate <= 1.0) {
        let line = key_line("target_fill_rate");
        return Err(SimError::load(path, line, "target_fill_rate", "must be in (0, 1]"));
    }
    let holding_rate_per_year = raw.holding_rate_per_year.unwrap_or(DEFAULT_HOLDING_RATE_PER_YEAR);
    if !(holding_rate_per_year.is_finite() && holding_rate_per_year >= 0.0) {
        let line = key_line("holding_rate_per_year");
        return Err(SimError::load(path, line, "holding_rate_per_year", "must be >= 0"));
    }
    let order_cost_cents = match raw.order_cost {
        None => DEFAULT_ORDER_COST_CENTS,
        Some(v) => {
            let s = match v {
                MoneyValue::Text(s) => s,
                MoneyValue::Int(i) => i.to_string(),
                // The shortest round-trip text of a float is the literal the user wrote.
                MoneyValue::Float(f) => f.to_string(),
            };
            parse_cents(&s).map_err(|m| SimError::load(path, key_line("order_cost"), "order_cost", m))?
        }
    };
    Ok(Config {
        period: raw.period,
        history_start,
        eval_start,
        eval_end,
        target_fill_rate,
        review_period_days: raw.review_period_days.unwrap_or(DEFAULT_REVIEW_PERIOD_DAYS).max(1),
        holding_rate_per_year,
        order_cost_cents,
    })
}

/// 1-based line of byte `offset`, and the key written on that line (before `=`), which is the
/// field a toml error at that place is about.
fn line_and_key(text: &str, offset: usize) -> (Option<u64>, String) {
    let offset = offset.min(text.len());
    let before = &text.as_bytes()[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_text = text.lines().nth(line - 1).unwrap_or("");
    let key = line_text
        .split('=')
        .next()
        .unwrap_or("")
        .trim()
        .trim_matches('"')
        .to_string();
    (Some(line as u64), key)
}

fn find_key_line(text: &str, key: &str) -> Option<u64> {
    text.lines()
        .position(|l| l.split('=').next().is_some_and(|k| k.trim().trim_matches('"') == key))
        .map(|i| i as u64 + 1)
}

/// Decimal money text to cents, exactly: at most two decimals, no sign.
pub(super) fn parse_cents(s: &str) -> Result<i64, String> {
    let s = s.trim();
    let (whole, frac) = match s.split_once('.') {
        Some((w, f)) => (w, f),
        None => (s, ""),
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !(frac.is_empty() || digits(frac)) {
        return Err(format!("`{s}` is not a non-negative amount like 12.34"));
    }
    if frac.len() > 2 {
        return Err(format!("`{s}` has more than two decimals"));
    }
    let w: i64 = whole.parse().map_err(|_| format!("`{s}` is too large"))?;
    let mut f: i64 = if frac.is_empty() {
        0
    } else {
        frac.parse().map_err(|_| format!("`{s}` is invalid"))?
    };
    if frac.len() == 1 {
        f *= 10;
    }
    w.checked_mul(100)
        .and_then(|c| c.checked_add(f))
        .ok_or_else(|| format!("`{s}` is too large"))
}
