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
//! are played against them; the internal target at which the replayed stock-out rate just meets
//! `margin * external` is chosen. The run then plans with every target scaled by
//! internal / external. The outcome is stored (`replenishment_calibrations`) and reused by the
//! runs of the next `recalibrate_days`.
//!
//! Memory: parts are read in chunks (a chunk's daily rows at a time); what is kept for all
//! pairs is one compact hull per pair and origin, and the window's demand rows of the pairs
//! replayed.

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDate, Utc};
use diesel::prelude::*;

use super::model::{Calibration, CalibrationTrial};
use super::planning::{self, PairInputs, PartInfo, PARTS_PER_CHUNK};
use super::{ReplenishmentSettings, Site};
use crate::catalog::utc;
use crate::db::{self, AnyConnection};
use crate::error::AppError;
use crate::forecast::{self, Method, Params, Workspace};
use crate::schema::{demand_daily as d, forecasts as f, replenishment_calibrations as c};
use spares_core::replenishment::calibrate::{self, Backtest, Outcome, Terms};
use spares_core::replenishment::{dist, not_stocked, policy, Constraint, ItemModel};

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
    store(conn, settings, run_id, &found).map(Some)
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
    keys: Vec<(i64, i64)>,
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
    let pairs = load_pairs(conn, settings, catalog, &window)?;
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
        settings.calibration.margin,
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

/// One forecast row as the backtest needs it: (warehouse, part, lead days, review days, method).
type ForecastRow = (i64, i64, i32, i32, String);
/// One daily row: (warehouse, part, day, units, lines).
type DailyRow = (i64, i64, NaiveDate, i64, i64);
/// One pair's day: (day, units, lines).
type DayRow = (NaiveDate, i64, i64);

/// Builds the models of every planned (non-manual) pair at every origin, one chunk of parts at
/// a time.
fn load_pairs(
    conn: &mut AnyConnection,
    settings: &ReplenishmentSettings,
    catalog: &HashMap<i64, PartInfo>,
    window: &Window,
) -> Result<Pairs, AppError> {
    let manual = planning::manual_pairs(conn)?;
    let mut pairs = Pairs {
        models: vec![Vec::new(); window.origins.len()],
        ..Pairs::default()
    };
    let mut builder = Builder::new(settings, window);
    for chunk in planning::forecast_parts(conn)?.chunks(PARTS_PER_CHUNK) {
        let rows: Vec<ForecastRow> = f::table
            .filter(f::part_id.eq_any(chunk))
            .select((
                f::warehouse_id,
                f::part_id,
                f::lead_time_days,
                f::review_days,
                f::method,
            ))
            .order((f::part_id, f::warehouse_id))
            .load(conn)?;
        let sources = planning::sources(catalog, chunk);
        let daily: Vec<DailyRow> = d::table
            .filter(d::part_id.eq_any(&sources))
            .filter(d::day.between(window.history_from, window.last))
            .select((d::warehouse_id, d::part_id, d::day, d::quantity, d::lines))
            .load(conn)?;
        let mut series: BTreeMap<(i64, i64), Vec<DayRow>> = BTreeMap::new();
        for (w, p, day, units, lines) in daily {
            let successor = catalog.get(&p).map_or(p, |x| x.successor);
            series.entry((w, successor)).or_default().push((day, units, lines));
        }
        let terms = planning::load_terms(conn, chunk)?;
        for (w, p, lead, review, method) in rows {
            let Some(part) = catalog.get(&p) else { continue };
            if manual.contains(&(w, p)) {
                continue;
            }
            let t = terms.get(&p);
            let pair = PairSpec {
                lead_days: lead,
                review_days: review,
                method: method.parse().ok(),
                unit_cents: planning::cents(part.unit_cost),
                moq: t.map_or(1, |t| t.moq),
                pack_size: t.map_or(1, |t| t.pack_size),
                critical: part.criticality == "critical",
            };
            let days = series.get(&(w, p)).map_or(&[][..], Vec::as_slice);
            builder.add(&pair, days, &mut pairs);
            pairs.keys.push((w, p));
        }
    }
    Ok(pairs)
}

/// What is fixed about one pair in the backtest.
struct PairSpec {
    lead_days: i32,
    review_days: i32,
    /// The stored method; `None` (unknown name) selects one on the history before the window.
    method: Option<Method>,
    unit_cents: i64,
    moq: i64,
    pack_size: i64,
    critical: bool,
}

/// Builds one pair's models at every origin; buffers are reused across pairs.
struct Builder<'a> {
    settings: &'a ReplenishmentSettings,
    window: &'a Window,
    params: Params,
    ws: Workspace,
    scratch: policy::Scratch,
    /// Daily units from `window.history_from`, and running sums of units and lines.
    dense: Vec<f64>,
    units: Vec<i64>,
    lines: Vec<i64>,
}

impl<'a> Builder<'a> {
    fn new(settings: &'a ReplenishmentSettings, window: &'a Window) -> Self {
        Builder {
            settings,
            window,
            params: Params::default(),
            ws: Workspace::new(),
            scratch: policy::Scratch::default(),
            dense: Vec::new(),
            units: Vec::new(),
            lines: Vec::new(),
        }
    }

    fn add(&mut self, pair: &PairSpec, days: &[DayRow], out: &mut Pairs) {
        let w = self.window;
        let n = (w.last - w.history_from).num_days().max(-1) as usize + 1;
        self.dense.clear();
        self.dense.resize(n, 0.0);
        self.units.clear();
        self.units.resize(n + 1, 0);
        self.lines.clear();
        self.lines.resize(n + 1, 0);
        for &(day, units, lines) in days {
            let i = (day - w.history_from).num_days();
            if (0..n as i64).contains(&i) {
                self.dense[i as usize] += units as f64;
                self.units[i as usize + 1] += units;
                self.lines[i as usize + 1] += lines;
            }
        }
        for i in 0..n {
            self.units[i + 1] += self.units[i];
            self.lines[i + 1] += self.lines[i];
        }
        let start = (w.start - w.history_from).num_days() as usize;
        let method = pair.method.unwrap_or_else(|| {
            let horizon = (pair.lead_days + pair.review_days).max(1) as usize;
            forecast::select::select_ws(&self.dense[..start], horizon, &self.params, &mut self.ws).method
        });
        for (k, &origin) in w.origins.iter().enumerate() {
            let end = (origin - w.history_from).num_days() as usize;
            let model = self.model_at(pair, method, end);
            out.models[k].push(model);
        }
        let index = out.keys.len();
        if self.lines[start] > 0 {
            out.warm.push(index);
            out.terms.push(Terms {
                lead_periods: pair.lead_days.max(0) as u32,
                moq: pair.moq,
                pack_size: pair.pack_size,
            });
            let from = out.rows.len();
            for &(day, units, lines) in days {
                if day >= w.start && day <= w.last && units > 0 {
                    let offset = w.offset(day) as u32;
                    out.rows.push((offset, clamp_u32(units), clamp_u32(lines)));
                }
            }
            out.rows[from..].sort_unstable_by_key(|r| r.0);
            out.spans.push((from, out.rows.len()));
        }
    }

    /// The pair's model from the `history_days` before `end` (an index into `dense`).
    fn model_at(&mut self, pair: &PairSpec, method: Method, end: usize) -> ItemModel {
        let from = end.saturating_sub(self.settings.calibration.history_days.max(1) as usize);
        let (units, lines) = (self.units[end] - self.units[from], self.lines[end] - self.lines[from]);
        if lines <= 0 || units <= 0 {
            return ItemModel {
                method,
                level: 0.0,
                batch: 1,
                curve: not_stocked(),
            };
        }
        let history = &self.dense[from..end];
        let horizon = (pair.lead_days + pair.review_days).max(1) as usize;
        let path = forecast::forecast_path_ws(method, history, horizon, &self.params, &mut self.ws);
        let moments = dist::moments(history, &path);
        let daily_rate = path.iter().sum::<f64>() / horizon as f64;
        let inputs = PairInputs {
            daily_rate,
            mean: moments.mean,
            variance: moments.variance(),
            lead_days: pair.lead_days,
            review_days: pair.review_days,
            line_size: planning::line_size(units, lines),
            unit_cents: pair.unit_cents,
            moq: pair.moq,
            pack_size: pair.pack_size,
            critical: pair.critical,
        };
        let (curve, batch) = planning::pair_curve(self.settings, &inputs, &mut self.scratch);
        ItemModel {
            method,
            level: daily_rate,
            batch,
            curve,
        }
    }
}

fn clamp_u32(v: i64) -> u32 {
    v.clamp(0, i64::from(u32::MAX)) as u32
}

type CalibrationRow = (
    i64,
    i64,
    chrono::NaiveDateTime,
    f64,
    f64,
    f64,
    Option<NaiveDate>,
    Option<NaiveDate>,
    i32,
    i64,
    i64,
    String,
    Option<String>,
);

fn to_calibration(row: CalibrationRow) -> Result<Calibration, AppError> {
    let trials: Vec<CalibrationTrial> = serde_json::from_str(&row.11)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("stored calibration trials: {e}")))?;
    Ok(Calibration {
        id: row.0,
        run_id: row.1,
        computed_at: utc(row.2),
        external_target: row.3,
        internal_target: row.4,
        margin: row.5,
        window_from: row.6,
        window_to: row.7,
        origins: row.8,
        pairs_replayed: row.9,
        lines_replayed: row.10,
        trials,
        fallback: row.12,
    })
}

/// The most recent calibration.
pub(crate) fn latest(conn: &mut AnyConnection) -> Result<Option<Calibration>, AppError> {
    load(conn, None)
}

/// One calibration by id.
pub(crate) fn get(conn: &mut AnyConnection, id: i64) -> Result<Option<Calibration>, AppError> {
    load(conn, Some(id))
}

/// The calibration `id`, or the most recent one.
fn load(conn: &mut AnyConnection, id: Option<i64>) -> Result<Option<Calibration>, AppError> {
    let mut query = c::table
        .select((
            c::id,
            c::run_id,
            c::computed_at,
            c::external_target,
            c::internal_target,
            c::margin,
            c::window_from,
            c::window_to,
            c::origins,
            c::pairs_replayed,
            c::lines_replayed,
            c::trials,
            c::fallback,
        ))
        .order((c::computed_at.desc(), c::id.desc()))
        .into_boxed();
    if let Some(id) = id {
        query = query.filter(c::id.eq(id));
    }
    let row: Option<CalibrationRow> = query.first(conn).optional()?;
    row.map(to_calibration).transpose()
}

fn store(
    conn: &mut AnyConnection,
    settings: &ReplenishmentSettings,
    run_id: i64,
    found: &Found,
) -> Result<Calibration, AppError> {
    let external = settings.stockout_target;
    let trials: Vec<CalibrationTrial> = found
        .trials
        .iter()
        .map(|t| CalibrationTrial {
            internal_target: t.internal,
            stockout_rate: t.achieved,
        })
        .collect();
    let text = serde_json::to_string(&trials).map_err(|e| AppError::Internal(e.into()))?;
    let now = db::now();
    let internal = if found.fallback.is_some() {
        external
    } else {
        found.internal.unwrap_or(external)
    };
    let id: i64 = db::write_tx(conn, |conn| {
        diesel::insert_into(c::table)
            .values((
                c::run_id.eq(run_id),
                c::computed_at.eq(now),
                c::external_target.eq(external),
                c::internal_target.eq(internal),
                c::margin.eq(settings.calibration.margin),
                c::window_from.eq(found.window.map(|w| w.0)),
                c::window_to.eq(found.window.map(|w| w.1)),
                c::origins.eq(found.origins as i32),
                c::pairs_replayed.eq(found.pairs as i64),
                c::lines_replayed.eq(found.lines as i64),
                c::trials.eq(&text),
                c::fallback.eq(found.fallback.as_deref()),
            ))
            .returning(c::id)
            .get_result(conn)
    })?;
    tracing::info!(
        external,
        internal,
        lines = found.lines,
        fallback = found.fallback.as_deref().unwrap_or(""),
        "replenishment calibration"
    );
    Ok(Calibration {
        id,
        run_id,
        computed_at: utc(now),
        external_target: external,
        internal_target: internal,
        margin: settings.calibration.margin,
        window_from: found.window.map(|w| w.0),
        window_to: found.window.map(|w| w.1),
        origins: found.origins as i32,
        pairs_replayed: found.pairs as i64,
        lines_replayed: found.lines as i64,
        trials,
        fallback: found.fallback.clone(),
    })
}

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
