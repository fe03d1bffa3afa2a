//! Planning the levels (full runs): every (warehouse, part) with a stored forecast gets a
//! cost-service curve built from its lead-time demand moments, line rate and batch size; the
//! allocation picks one reorder point per pair with one shadow price per target so the
//! expected stock-out lines meet the targets at the least inventory value. Curves are built
//! one chunk of parts at a time; only the compact hulls are held for the allocation.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;

use super::catalog::{cents, forecast_parts, load_terms, manual_pairs, sources, PartInfo};
use super::PARTS_PER_CHUNK;
use crate::db::{self, AnyConnection};
use crate::error::AppError;
use crate::ids::{PairKey, PartId, WarehouseId};
use crate::replenishment::explain::Binding;
use crate::replenishment::{ReplenishmentSettings, Site};
use crate::schema::{demand_daily as d, forecasts as f, replenishment_policies as rp};
use spares_core::replenishment::{self, dist::Dist, explain, policy, Allocation, Constraint, Curve};

/// One pair's model before the allocation.
struct Item {
    warehouse_id: i64,
    part_id: i64,
    curve: Curve,
    batch: i64,
    daily_rate: f64,
    lead_days: i32,
    demand_class: String,
    method: String,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = f)]
struct ForecastRow {
    warehouse_id: i64,
    part_id: i64,
    daily_rate: f64,
    lead_time_mean: f64,
    lead_time_variance: f64,
    lead_time_days: i32,
    review_days: i32,
    demand_class: String,
    method: String,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = d)]
struct DemandRow {
    warehouse_id: i64,
    part_id: i64,
    quantity: i64,
    lines: i64,
}

/// What one pair's cost-service curve is built from: a stored forecast, or one rebuilt at a
/// backtest origin.
pub(crate) struct PairInputs {
    pub daily_rate: f64,
    /// Mean and variance of the demand over lead time + review period.
    pub mean: f64,
    pub variance: f64,
    pub lead_days: i32,
    pub review_days: i32,
    /// Units per demand line.
    pub line_size: f64,
    pub unit_cents: i64,
    pub moq: i64,
    pub pack_size: i64,
    pub critical: bool,
}

/// Recomputes every non-manual policy with the targets scaled by `ratio` (internal /
/// external); returns the pairs planned and (shadow price, expected network stock-out rate).
pub(super) fn plan(
    conn: &mut AnyConnection,
    settings: &ReplenishmentSettings,
    catalog: &HashMap<i64, PartInfo>,
    network: &HashMap<i64, Site>,
    ratio: f64,
) -> Result<(i64, Option<(f64, f64)>), AppError> {
    let manual = manual_pairs(conn)?;
    let mut items: Vec<Item> = Vec::new();
    let mut scratch = policy::Scratch::default();
    for chunk in forecast_parts(conn)?.chunks(PARTS_PER_CHUNK) {
        items.extend(chunk_items(conn, settings, catalog, (chunk, &manual), &mut scratch)?);
    }
    if items.is_empty() {
        return Ok((0, None));
    }
    let keys: Vec<PairKey> = items
        .iter()
        .map(|i| PairKey::new(WarehouseId(i.warehouse_id), PartId(i.part_id)))
        .collect();
    let (kinds, constraints): (Vec<Binding>, Vec<Constraint>) =
        labelled_constraints(settings, catalog, network, &keys, ratio)
            .into_iter()
            .unzip();
    let curves: Vec<&Curve> = items.iter().map(|i| &i.curve).collect();
    let allocation = replenishment::allocate(&curves, &constraints);
    let bindings: Vec<Binding> = explain::binding_constraints(&allocation, &constraints, items.len())
        .into_iter()
        .zip(items.iter().zip(&allocation.picks))
        .map(|(by, (item, &pick))| {
            if explain::floor_binds(&item.curve, pick) {
                Binding::CriticalFloor
            } else {
                by.map_or(Binding::NetworkTarget, |c| kinds[c])
            }
        })
        .collect();
    store_policies(conn, &items, (&allocation, &bindings))?;
    let price = allocation.prices.first().copied();
    let rate = allocation.rates.first().copied();
    Ok((items.len() as i64, price.zip(rate)))
}

/// Units and demand lines of a pair's recent history.
type UnitsAndLines = (i64, i64);

/// Units and lines of recent demand per (warehouse, current part) for the parts of `chunk`
/// (the demand of replaced parts counts toward their successor).
fn demand_lines(
    conn: &mut AnyConnection,
    (settings, catalog): (&ReplenishmentSettings, &HashMap<i64, PartInfo>),
    chunk: &[i64],
) -> Result<HashMap<PairKey, UnitsAndLines>, AppError> {
    // The forecasts' window (`--forecast-history-days`): line sizes come from the same days as
    // the rates they divide.
    let since = chrono::Utc::now().date_naive() - chrono::Duration::days(settings.calibration.history_days);
    let history: Vec<DemandRow> = d::table
        .filter(d::part_id.eq_any(sources(catalog, chunk)))
        .filter(d::day.ge(since))
        .select(DemandRow::as_select())
        .load(conn)?;
    let mut lines: HashMap<PairKey, UnitsAndLines> = HashMap::new();
    for row in history {
        let successor = catalog.get(&row.part_id).map_or(row.part_id, |x| x.successor);
        let e = lines
            .entry(PairKey::new(WarehouseId(row.warehouse_id), PartId(successor)))
            .or_default();
        e.0 += row.quantity;
        e.1 += row.lines;
    }
    Ok(lines)
}

/// The curves of one chunk of parts' pairs, manual pairs and replaced parts left out.
fn chunk_items(
    conn: &mut AnyConnection,
    settings: &ReplenishmentSettings,
    catalog: &HashMap<i64, PartInfo>,
    (chunk, manual): (&[i64], &HashSet<PairKey>),
    scratch: &mut policy::Scratch,
) -> Result<Vec<Item>, AppError> {
    let rows: Vec<ForecastRow> = f::table
        .filter(f::part_id.eq_any(chunk))
        .select(ForecastRow::as_select())
        .load(conn)?;
    let lines = demand_lines(conn, (settings, catalog), chunk)?;
    let terms = load_terms(conn, chunk)?;
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        let (w, p) = (row.warehouse_id, row.part_id);
        // A superseded part's forecast is stale: its demand now counts toward the successor.
        let Some(part) = catalog.get(&p).filter(|part| part.successor == p) else {
            continue;
        };
        let key = PairKey::new(WarehouseId(w), PartId(p));
        if manual.contains(&key) {
            continue;
        }
        let (units, line_count) = lines.get(&key).copied().unwrap_or((0, 0));
        let t = terms.get(&p);
        let inputs = PairInputs {
            daily_rate: row.daily_rate,
            mean: row.lead_time_mean,
            variance: row.lead_time_variance,
            lead_days: row.lead_time_days,
            review_days: row.review_days,
            line_size: line_size(units, line_count),
            unit_cents: cents(part.unit_cost),
            moq: t.map_or(1, |t| t.moq),
            pack_size: t.map_or(1, |t| t.pack_size),
            critical: part.criticality == "critical",
        };
        let (curve, batch) = pair_curve(settings, &inputs, scratch);
        items.push(Item {
            warehouse_id: w,
            part_id: p,
            curve,
            batch,
            daily_rate: row.daily_rate,
            lead_days: row.lead_time_days,
            demand_class: row.demand_class,
            method: row.method,
        });
    }
    Ok(items)
}

/// Writes the allocated levels with what set each (`bindings`), replacing each part's
/// computed (not manual) policies.
fn store_policies(
    conn: &mut AnyConnection,
    items: &[Item],
    (allocation, bindings): (&Allocation, &[Binding]),
) -> Result<(), AppError> {
    let now = db::now();
    let values: Vec<_> = items
        .iter()
        .zip(allocation.picks.iter().zip(bindings))
        .map(|(item, (&pick, binding))| {
            let level = item.curve.levels[pick];
            let levels = replenishment::levels_of(level.s, item.batch);
            let fill = if item.curve.line_rate > 0.0 {
                1.0 - level.stockout_lines / item.curve.line_rate
            } else {
                1.0
            };
            (
                rp::warehouse_id.eq(item.warehouse_id),
                rp::part_id.eq(item.part_id),
                rp::reorder_point.eq(levels.s),
                rp::order_up_to.eq(levels.order_up_to),
                rp::expected_fill_rate.eq(fill.clamp(0.0, 1.0)),
                rp::daily_rate.eq(item.daily_rate),
                rp::lead_time_days.eq(item.lead_days),
                rp::demand_class.eq(item.demand_class.clone()),
                rp::method.eq(item.method.clone()),
                rp::manual.eq(false),
                rp::computed_at.eq(now),
                rp::binding.eq(binding.as_str()),
            )
        })
        .collect();
    // A part's pairs may span several batches: clear its old policies before its first batch
    // only, or a later batch would delete what an earlier one wrote.
    let mut cleared: HashSet<i64> = HashSet::new();
    for (batch, chunk) in values.chunks(500).zip(items.chunks(500)) {
        let chunk_parts: Vec<i64> = chunk
            .iter()
            .map(|i| i.part_id)
            .filter(|p| !cleared.contains(p))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        cleared.extend(&chunk_parts);
        db::write_tx(conn, |conn| {
            diesel::delete(
                rp::table
                    .filter(rp::manual.eq(false))
                    .filter(rp::part_id.eq_any(&chunk_parts)),
            )
            .execute(conn)?;
            let statement = diesel::insert_into(rp::table).values(batch);
            match conn {
                AnyConnection::Postgresql(c) => statement.execute(c)?,
                AnyConnection::Sqlite(c) => statement.execute(c)?,
            };
            Ok::<_, AppError>(())
        })?;
    }
    Ok(())
}

/// Units per demand line, 1 without lines.
pub(crate) fn line_size(units: i64, lines: i64) -> f64 {
    if lines > 0 {
        (units as f64 / lines as f64).max(1.0)
    } else {
        1.0
    }
}

/// A pair's cost-service curve and batch (S - s), as the allocation takes them.
pub(crate) fn pair_curve(
    settings: &ReplenishmentSettings,
    x: &PairInputs,
    scratch: &mut policy::Scratch,
) -> (Curve, i64) {
    let batch = policy::order_quantity(
        &policy::OrderCosts {
            demand_per_period: x.daily_rate,
            review_periods: x.review_days.max(1) as usize,
            periods_per_year: 365.0,
            unit_cost_cents: x.unit_cents,
            holding_rate_per_year: settings.holding_rate,
            order_cost_cents: settings.order_cost_cents,
            moq: x.moq,
            pack_size: x.pack_size,
        },
        true,
    );
    let line_rate = x.daily_rate / x.line_size;
    if !(line_rate > 0.0 && x.mean > 0.0) {
        return (replenishment::not_stocked(), batch);
    }
    let share = policy::line_horizon_share(x.lead_days.max(0) as u32, x.review_days.max(1) as usize);
    let seen = Dist::new(x.mean * share, x.variance * share);
    let levels = policy::item_levels(
        &seen,
        line_rate,
        x.line_size.round() as u64,
        x.unit_cents,
        batch,
        scratch,
    );
    let floor = if x.critical { settings.critical_floor } else { 0.0 };
    let curve = Curve {
        levels: policy::hull(&levels, line_rate, floor),
        line_rate,
    };
    (curve, batch)
}

/// The network target first (its price and rate are reported), then regions and classes; each
/// scaled by `ratio` (internal / external, from the calibration) over `pairs` (warehouse, part).
pub(crate) fn constraints(
    settings: &ReplenishmentSettings,
    catalog: &HashMap<i64, PartInfo>,
    network: &HashMap<i64, Site>,
    pairs: &[PairKey],
    ratio: f64,
) -> Vec<Constraint> {
    labelled_constraints(settings, catalog, network, pairs, ratio)
        .into_iter()
        .map(|(_, c)| c)
        .collect()
}

/// [`constraints`], each with the kind of target it is (what a pair's explanation names).
fn labelled_constraints(
    settings: &ReplenishmentSettings,
    catalog: &HashMap<i64, PartInfo>,
    network: &HashMap<i64, Site>,
    pairs: &[PairKey],
    ratio: f64,
) -> Vec<(Binding, Constraint)> {
    let mut out = vec![(
        Binding::NetworkTarget,
        Constraint::network(pairs.len(), settings.stockout_target * ratio),
    )];
    let mut add = |kind: Binding, target: f64, member: &dyn Fn(&PairKey) -> bool| {
        let members: Vec<usize> = (0..pairs.len()).filter(|&i| member(&pairs[i])).collect();
        if !members.is_empty() {
            out.push((
                kind,
                Constraint {
                    members,
                    max_rate: target * ratio,
                },
            ));
        }
    };
    for (region, target) in &settings.region_targets {
        add(Binding::RegionTarget, *target, &|pair| {
            network.get(&pair.warehouse.get()).is_some_and(|s| &s.region == region)
        });
    }
    for (class, target) in &settings.class_targets {
        add(Binding::ClassTarget, *target, &|pair| {
            catalog.get(&pair.part.get()).is_some_and(|x| &x.criticality == class)
        });
    }
    out
}
