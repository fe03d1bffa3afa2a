//! Calibration of the internal stock-out target by backtesting on the network's own history
//! (the method of the simulator's engine, [`spares_core::replenishment::calibrate`] does the math).
//!
//! The allocation's model sees neither its forecast errors nor level shifts or seasons, so
//! levels set at the configured target would stock out more often than it says. A full run
//! therefore replays the last `backtest_days` of demand (window ending on the last recorded
//! day): at origins every `refresh_days` in the window, every planned pair's model is rebuilt
//! from the `history_days` before the origin (the forecast engine's pure functions with the
//! pair's stored method, as a forecast run would have made it then); levels are allocated at
//! internal targets of a grid of multiples of the external one; the window's real demand lines
//! are played against them; the internal target at which the replayed stock-out rate just reaches
//! the bound's goal (the true rate under `external` at the configured one-sided confidence, given
//! the lines replayed) is chosen, searching below the grid while none passes. The run then plans with every target scaled by
//! internal / external. The outcome is stored (`replenishment_calibrations`) and reused by the
//! runs of the next `recalibrate_days`.
//!
//! Memory: parts are read in chunks (a chunk's daily rows at a time); what is kept for all
//! pairs is one compact hull per pair and origin, and the window's demand rows of the pairs
//! replayed.

mod history;
mod store;

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use diesel::prelude::*;

use super::model::Calibration;
use super::planning::{self, PartInfo};
use super::{ReplenishmentSettings, Site};
use crate::db::{self, AnyConnection};
use crate::error::AppError;
use crate::ids::PairKey;
use crate::schema::demand_daily as d;
use spares_core::replenishment::calibrate::{self, Backtest, Outcome, Terms};
use spares_core::replenishment::{Constraint, ItemModel};

/// The calibration a full run plans with: the last one while younger than `recalibrate_days`,
/// else a new one (stored, computed by `run_id`). `None` when calibration is off.
pub(crate) fn in_force(
    conn: &mut AnyConnection,
    settings: &ReplenishmentSettings,
    catalog: &HashMap<i64, PartInfo>,
    network: &HashMap<i64, Site>,
    run_id: i64,
) -> Result<Option<Calibration>, AppError> {
    let cs = &settings.calibration;
    if !cs.enabled {
        return Ok(None);
    }
    let due = db::now() - chrono::Duration::days(cs.recalibrate_days.max(0));
    if let Some(last) = latest(conn)? {
        // A fallback is not a finding: the next run tries again (cheap while history is short).
        if last.fallback.is_none() && last.computed_at.naive_utc() > due {
            return Ok(Some(last));
        }
    }
    let found = backtest(conn, settings, catalog, network)?;
    store::store(conn, settings, run_id, &found).map(Some)
}

/// Internal / external target of a calibration (1 without one).
pub(crate) fn ratio(calibration: Option<&Calibration>) -> f64 {
    match calibration {
        Some(c) if c.external_target > 0.0 && c.internal_target > 0.0 => c.internal_target / c.external_target,
        _ => 1.0,
    }
}

/// What a backtest found, before it is stored.
#[derive(Debug, Default)]
struct Found {
    internal: Option<f64>,
    window: Option<(NaiveDate, NaiveDate)>,
    origins: usize,
    pairs: usize,
    lines: u64,
    trials: Vec<calibrate::Trial>,
    /// The highest replayed rate accepted (the bound's goal).
    goal: f64,
    at_limit: bool,
    fallback: Option<String>,
}

impl Found {
    fn fallback(window: Option<(NaiveDate, NaiveDate)>, why: String) -> Found {
        Found {
            window,
            fallback: Some(why),
            ..Found::default()
        }
    }
}

/// The replayed days and the model origins in them.
#[derive(Debug, Clone, PartialEq)]
struct Window {
    /// First day of the models' history (the earliest origin's `history_days` before it).
    history_from: NaiveDate,
    start: NaiveDate,
    /// Last replayed day.
    last: NaiveDate,
    origins: Vec<NaiveDate>,
}

impl Window {
    fn days(&self) -> usize {
        (self.last - self.start).num_days() as usize + 1
    }

    fn offset(&self, day: NaiveDate) -> usize {
        (day - self.start).num_days().max(0) as usize
    }
}

/// The window over recorded demand `first..=last`: at most `backtest_days`, and at most a third
/// of the history so that the models of the first origin see two thirds of it (the simulator's
/// rule); `Err` says why there is none.
fn window(first: NaiveDate, last: NaiveDate, cs: &super::CalibrationSettings) -> Result<Window, String> {
    let known = (last - first).num_days() + 1;
    let days = (known / 3).min(cs.backtest_days);
    if days < 2 {
        return Err(format!(
            "{known} days of demand history: the backtest needs at least 6 (2 days replayed after 4)"
        ));
    }
    let start = last - chrono::Duration::days(days - 1);
    let step = cs.refresh_days.max(1);
    let origins = (0..days)
        .step_by(step as usize)
        .map(|k| start + chrono::Duration::days(k))
        .collect();
    Ok(Window {
        history_from: first.max(start - chrono::Duration::days(cs.history_days)),
        start,
        last,
        origins,
    })
}

/// Every planned pair's model at each origin, and the window's demand of the pairs replayed.
#[derive(Default)]
struct Pairs {
    keys: Vec<PairKey>,
    /// Per origin, per pair.
    models: Vec<Vec<ItemModel>>,
    /// Pairs with demand before the window, ascending.
    warm: Vec<usize>,
    /// Per warm pair: its terms and its `(day offset, units, lines)` rows in `rows[from..to]`.
    terms: Vec<Terms>,
    spans: Vec<(usize, usize)>,
    rows: Vec<(u32, u32, u32)>,
}

fn backtest(
    conn: &mut AnyConnection,
    settings: &ReplenishmentSettings,
    catalog: &HashMap<i64, PartInfo>,
    network: &HashMap<i64, Site>,
) -> Result<Found, AppError> {
    let external = settings.stockout_target;
    if external <= 0.0 {
        return Ok(Found::fallback(None, "the target is 0: nothing to calibrate".into()));
    }
    let (first, last): (Option<NaiveDate>, Option<NaiveDate>) = d::table
        .select((diesel::dsl::min(d::day), diesel::dsl::max(d::day)))
        .first(conn)?;
    let (Some(first), Some(last)) = (first, last) else {
        return Ok(Found::fallback(None, "no demand history".into()));
    };
    let window = match window(first, last.min(Utc::now().date_naive()), &settings.calibration) {
        Ok(w) => w,
        Err(why) => return Ok(Found::fallback(None, why)),
    };
    let span = Some((window.start, window.last));
    let pairs = history::load_pairs(conn, settings, catalog, &window)?;
    if pairs.warm.is_empty() {
        return Ok(Found::fallback(
            span,
            "no planned pair has demand before the window".into(),
        ));
    }
    let outcome = replay(settings, catalog, network, &window, &pairs);
    let found = Found {
        internal: outcome.internal,
        window: span,
        origins: window.origins.len(),
        pairs: pairs.warm.len(),
        lines: outcome.lines,
        trials: outcome.trials,
        goal: outcome.goal,
        at_limit: outcome.at_limit,
        fallback: None,
    };
    if found.lines == 0 {
        return Ok(Found {
            internal: None,
            fallback: Some("no demand lines in the window to replay".into()),
            ..found
        });
    }
    Ok(found)
}

/// Runs [`calibrate::calibrate`] over the loaded pairs.
fn replay(
    settings: &ReplenishmentSettings,
    catalog: &HashMap<i64, PartInfo>,
    network: &HashMap<i64, Site>,
    window: &Window,
    pairs: &Pairs,
) -> Outcome {
    let external = settings.stockout_target;
    let origins = window
        .origins
        .iter()
        .zip(&pairs.models)
        .map(|(&day, models)| (window.offset(day), models.as_slice()))
        .collect();
    let backtest = Backtest {
        origins,
        start: 0,
        end: window.days(),
        review_every: settings.review_days.max(1) as usize,
        warm: &pairs.warm,
    };
    let scaled = |internal: f64| planning::constraints(settings, catalog, network, &pairs.keys, internal / external);
    // Only the network target: one price sweep per origin prices every grid target at once.
    let more = !settings.region_targets.is_empty() || !settings.class_targets.is_empty();
    let constraints: Option<&dyn Fn(f64) -> Vec<Constraint>> = if more { Some(&scaled) } else { None };
    calibrate::calibrate(
        &backtest,
        external,
        settings.calibration.confidence,
        constraints,
        |pair, lines| {
            let Ok(i) = pairs.warm.binary_search(&pair) else {
                return Terms {
                    lead_periods: 0,
                    moq: 1,
                    pack_size: 1,
                };
            };
            let (from, to) = pairs.spans[i];
            for &(day, units, count) in &pairs.rows[from..to] {
                day_lines(day, units, count, lines);
            }
            pairs.terms[i]
        },
    )
}

/// A day's demand lines from `demand_daily`'s units and lines: `count` lines splitting `units`
/// as evenly as possible, the larger ones first (the history keeps no line sizes). More lines
/// than units (not recorded by the service) count as one line per unit.
pub(crate) fn day_lines(day: u32, units: u32, count: u32, out: &mut Vec<(u32, u32)>) {
    if units == 0 {
        return;
    }
    let count = count.clamp(1, units);
    let (size, larger) = (units / count, units % count);
    out.extend((0..count).map(|i| (day, size + u32::from(i < larger))));
}

pub(crate) use store::{get, latest};

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn a_day_splits_its_units_over_its_lines_larger_first() {
        let mut out = Vec::new();
        day_lines(3, 7, 3, &mut out);
        assert_eq!(out, vec![(3, 3), (3, 2), (3, 2)]);
        out.clear();
        day_lines(0, 2, 5, &mut out);
        assert_eq!(out, vec![(0, 1), (0, 1)], "no line of 0 units");
        out.clear();
        day_lines(0, 4, 0, &mut out);
        assert_eq!(out, vec![(0, 4)]);
    }

    #[test]
    fn the_window_is_at_most_a_third_of_the_history_with_origins_every_refresh() {
        let cs = super::super::CalibrationSettings::default();
        let w = window(day("2026-01-01"), day("2026-12-31"), &cs).expect("window");
        assert_eq!((w.start, w.last, w.days()), (day("2026-10-02"), day("2026-12-31"), 91));
        assert_eq!(w.origins.len(), 4);
        assert_eq!(w.origins[1], day("2026-10-30"));
        assert_eq!(w.history_from, day("2026-01-01"));
        let short = window(day("2026-12-01"), day("2026-12-31"), &cs).expect("window");
        assert_eq!(short.days(), 10, "a third of 31 days");
        assert!(window(day("2026-12-27"), day("2026-12-31"), &cs).is_err());
    }
}
