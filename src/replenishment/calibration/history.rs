//! The backtest's models: every planned (non-manual) pair rebuilt at every origin from the
//! history before it, one chunk of parts at a time.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use diesel::prelude::*;

use super::{Pairs, Window};
use crate::db::AnyConnection;
use crate::error::AppError;
use crate::forecast::{self, Method, Params, Workspace};
use crate::ids::{PairKey, PartId, WarehouseId};
use crate::replenishment::planning::{self, PairInputs, PartInfo, PARTS_PER_CHUNK};
use crate::replenishment::ReplenishmentSettings;
use crate::schema::{demand_daily as d, forecasts as f};
use spares_core::replenishment::calibrate::Terms;
use spares_core::replenishment::{dist, not_stocked, policy, ItemModel};

/// One forecast row as the backtest needs it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = f)]
struct ForecastRow {
    warehouse_id: i64,
    part_id: i64,
    lead_time_days: i32,
    review_days: i32,
    method: String,
}

/// One daily demand row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = d)]
struct DailyRow {
    warehouse_id: i64,
    part_id: i64,
    day: NaiveDate,
    quantity: i64,
    lines: i64,
}
/// One pair's day: (day, units, lines).
type DayRow = (NaiveDate, i64, i64);

/// Builds the models of every planned (non-manual) pair at every origin, one chunk of parts at
/// a time.
pub(super) fn load_pairs(
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
            .select(ForecastRow::as_select())
            .order((f::part_id, f::warehouse_id))
            .load(conn)?;
        let sources = planning::sources(catalog, chunk);
        let daily: Vec<DailyRow> = d::table
            .filter(d::part_id.eq_any(&sources))
            .filter(d::day.between(window.history_from, window.last))
            .select(DailyRow::as_select())
            .load(conn)?;
        let mut series: BTreeMap<PairKey, Vec<DayRow>> = BTreeMap::new();
        for row in daily {
            let successor = catalog.get(&row.part_id).map_or(row.part_id, |x| x.successor);
            let day = (row.day, row.quantity, row.lines);
            let key = PairKey::new(WarehouseId(row.warehouse_id), PartId(successor));
            series.entry(key).or_default().push(day);
        }
        let terms = planning::load_terms(conn, chunk)?;
        for row in rows {
            let p = row.part_id;
            let key = PairKey::new(WarehouseId(row.warehouse_id), PartId(p));
            let Some(part) = catalog.get(&p) else { continue };
            if manual.contains(&key) {
                continue;
            }
            let t = terms.get(&p);
            let pair = PairSpec {
                lead_days: row.lead_time_days,
                review_days: row.review_days,
                method: row.method.parse().ok(),
                unit_cents: planning::cents(part.unit_cost),
                moq: t.map_or(1, |t| t.moq),
                pack_size: t.map_or(1, |t| t.pack_size),
                critical: part.criticality == "critical",
            };
            let days = series.get(&key).map_or(&[][..], Vec::as_slice);
            builder.add(&pair, days, &mut pairs);
            pairs.keys.push(key);
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
