//! Replenishment runs.
//!
//! 1. **Plan** (full runs): every (warehouse, part) with a stored forecast gets a cost-service
//!    curve ([`spares_core::replenishment::policy`]) built from its lead-time demand moments, line
//!    rate and batch size; [`spares_core::replenishment::allocate`] picks one reorder point per pair
//!    with one shadow price per target (network, regions, criticality classes) so the expected
//!    stock-out lines meet the targets at the least inventory value. Critical parts also get a
//!    per-item fill-rate floor. Pairs with a manual override keep it. Curves are built one
//!    chunk of parts at a time; only the compact hulls are held for the allocation.
//! 2. **Propose** (every run), one chunk of parts at a time, in one short transaction per
//!    chunk: pairs at or below s need `S - position`; excess elsewhere is matched first (same
//!    region, then by lane time, only when it lands no later than a purchase); the rest becomes
//!    a purchase proposal to the preferred supplier (MOQ, packs). Open proposals of the chunk
//!    are revised in place, kept when a planner locked them, withdrawn when no longer needed
//!    ([`super::revisions`]).

use std::collections::{BTreeMap, HashMap, HashSet};

use diesel::prelude::*;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use super::model::{Explanation, ProposalKind, RunRequest, RunSummary};
use super::positions::{self, Position};
use super::{calibration, proposals, revisions, sites, ReplenishmentSettings, Site};
use crate::catalog::suppliers::DEFAULT_LEAD_DAYS;
use crate::db::{self, AnyConnection};
use crate::error::AppError;
use crate::schema::{
    demand_daily as d, forecasts as f, parts, replenishment_policies as rp, replenishment_runs as runs,
    supplier_parts as sp, suppliers,
};
use crate::stock::ledger::Actor;
use spares_core::replenishment::{self, dist::Dist, policy, rebalance, Constraint, Curve};

pub(crate) const PARTS_PER_CHUNK: usize = 64;

/// A part as planning sees it.
#[derive(Debug, Clone)]
pub(crate) struct PartInfo {
    pub part_number: String,
    pub unit_cost: Decimal,
    pub criticality: String,
    /// The last successor in its supersession chain (itself when current).
    pub successor: i64,
}

/// The preferred (else quickest) supplier's terms for a part.
#[derive(Debug, Clone)]
pub(crate) struct Terms {
    pub supplier_id: i64,
    pub lead_days: i64,
    pub moq: i64,
    pub pack_size: i64,
    pub unit_price: Decimal,
}

pub(crate) fn load_parts(conn: &mut AnyConnection) -> Result<HashMap<i64, PartInfo>, AppError> {
    let rows: Vec<(i64, String, String, String, Option<String>)> = parts::table
        .select((
            parts::id,
            parts::part_number,
            parts::unit_cost,
            parts::criticality,
            parts::superseded_by,
        ))
        .load(conn)?;
    let by_number: HashMap<String, i64> = rows.iter().map(|r| (r.1.clone(), r.0)).collect();
    let next: HashMap<i64, i64> = rows
        .iter()
        .filter_map(|r| r.4.as_ref().and_then(|s| by_number.get(s)).map(|n| (r.0, *n)))
        .collect();
    let mut out = HashMap::with_capacity(rows.len());
    for (id, pn, cost, criticality, _) in rows {
        let mut current = id;
        for _ in 0..next.len() {
            match next.get(&current) {
                Some(n) if *n != id => current = *n,
                _ => break,
            }
        }
        out.insert(
            id,
            PartInfo {
                part_number: pn,
                unit_cost: crate::validate::stored_decimal(&cost)?,
                criticality,
                successor: current,
            },
        );
    }
    Ok(out)
}

pub(crate) fn load_terms(conn: &mut AnyConnection, part_ids: &[i64]) -> Result<HashMap<i64, Terms>, AppError> {
    let rows: Vec<(i64, i64, i32, i64, i64, String, bool)> = sp::table
        .inner_join(suppliers::table)
        .filter(sp::part_id.eq_any(part_ids))
        .filter(suppliers::active.eq(true))
        .select((
            sp::part_id,
            sp::supplier_id,
            sp::lead_time_days,
            sp::moq,
            sp::pack_size,
            sp::unit_price,
            sp::preferred,
        ))
        .load(conn)?;
    let mut best: HashMap<i64, (bool, Terms)> = HashMap::new();
    for (part, supplier_id, lead, moq, pack_size, price, preferred) in rows {
        let terms = Terms {
            supplier_id,
            lead_days: i64::from(lead),
            moq,
            pack_size,
            unit_price: crate::validate::stored_decimal(&price)?,
        };
        let better = match best.get(&part) {
            None => true,
            Some((p, t)) => (preferred && !p) || (preferred == *p && terms.lead_days < t.lead_days),
        };
        if better {
            best.insert(part, (preferred, terms));
        }
    }
    Ok(best.into_iter().map(|(k, (_, t))| (k, t)).collect())
}

pub(crate) fn cents(value: Decimal) -> i64 {
    (value * Decimal::from(100)).round().to_i64().unwrap_or(i64::MAX)
}

/// What a run did: pairs planned, (shadow price, expected stock-out rate), the internal network
/// target and the calibration behind it, purchases and transfers proposed.
#[derive(Debug, Default)]
struct RunCounts {
    pairs: i64,
    allocation: Option<(f64, f64)>,
    internal_target: Option<f64>,
    calibration: Option<super::model::Calibration>,
    purchases: i64,
    transfers: i64,
}

type PolicyRow = (i64, i64, i64, i64, f64, i32, String, String, bool);

/// Starts, runs and finishes one replenishment run.
pub fn run(
    conn: &mut AnyConnection,
    settings: &ReplenishmentSettings,
    request: &RunRequest,
    trigger: &str,
    actor: &Actor,
) -> Result<RunSummary, AppError> {
    let catalog = load_parts(conn)?;
    run_on(conn, settings, &catalog, request, trigger, actor)
}

fn run_on(
    conn: &mut AnyConnection,
    settings: &ReplenishmentSettings,
    catalog: &HashMap<i64, PartInfo>,
    request: &RunRequest,
    trigger: &str,
    actor: &Actor,
) -> Result<RunSummary, AppError> {
    let only_part = match &request.part_number {
        Some(pn) => {
            let part = crate::catalog::parts::get(conn, pn)?;
            Some(catalog.get(&part.id).map(|p| p.successor).unwrap_or(part.id))
        }
        None => None,
    };
    // A one-part run keeps the network's stored levels: re-allocating one part alone would
    // price it apart from the rest of the network.
    let replan = request.replan.unwrap_or(true) && only_part.is_none();
    let scope = serde_json::to_string(request).unwrap_or_default();
    let started = db::now();
    let id: i64 = db::write_tx(conn, |conn| {
        diesel::insert_into(runs::table)
            .values((
                runs::trigger_kind.eq(trigger),
                runs::scope.eq(&scope),
                runs::status.eq("running"),
                runs::started_at.eq(started),
            ))
            .returning(runs::id)
            .get_result(conn)
    })?;
    let outcome = (|| -> Result<RunCounts, AppError> {
        let network = sites(conn)?;
        let mut counts = RunCounts::default();
        if replan {
            let calibration = calibration::in_force(conn, settings, catalog, &network, id)?;
            let ratio = calibration::ratio(calibration.as_ref());
            (counts.pairs, counts.allocation) = plan(conn, settings, catalog, &network, ratio)?;
            counts.internal_target = Some(settings.stockout_target * ratio);
            counts.calibration = calibration;
        }
        (counts.purchases, counts.transfers) = propose(conn, settings, catalog, &network, id, only_part, actor)?;
        Ok(counts)
    })();
    let finished = db::now();
    let (status, error) = match &outcome {
        Ok(_) => ("succeeded", None),
        Err(e) => ("failed", Some(e.to_string())),
    };
    let empty = RunCounts::default();
    let counts = outcome.as_ref().unwrap_or(&empty);
    db::write_tx(conn, |conn| {
        diesel::update(runs::table.find(id))
            .set((
                runs::status.eq(status),
                runs::pairs.eq(counts.pairs as i32),
                runs::purchases.eq(counts.purchases as i32),
                runs::transfers.eq(counts.transfers as i32),
                runs::shadow_price.eq(counts.allocation.map(|a| a.0)),
                runs::expected_stockout_rate.eq(counts.allocation.map(|a| a.1)),
                runs::internal_target.eq(counts.internal_target),
                runs::calibration_id.eq(counts.calibration.as_ref().map(|c| c.id)),
                runs::finished_at.eq(Some(finished)),
                runs::error.eq(error),
            ))
            .execute(conn)
    })?;
    let counts = outcome?;
    Ok(RunSummary {
        id,
        trigger: trigger.to_owned(),
        status: status.to_owned(),
        scope,
        pairs: counts.pairs,
        purchases: counts.purchases,
        transfers: counts.transfers,
        shadow_price: counts.allocation.map(|a| a.0),
        expected_stockout_rate: counts.allocation.map(|a| a.1),
        internal_target: counts.internal_target,
        calibration: counts.calibration,
        started_at: started.and_utc(),
        finished_at: Some(finished.and_utc()),
    })
}

/// Urgent runs for the parts of refused reservations, on the stored policies. The catalog is
/// read once for a batch of parts: every run reading all parts again dominated the database's
/// time under load.
pub struct UrgentRuns {
    catalog: HashMap<i64, PartInfo>,
}

impl UrgentRuns {
    pub fn new(conn: &mut AnyConnection) -> Result<Self, AppError> {
        Ok(UrgentRuns {
            catalog: load_parts(conn)?,
        })
    }

    /// The urgent run for one part.
    pub fn run(
        &self,
        conn: &mut AnyConnection,
        settings: &ReplenishmentSettings,
        part_number: &str,
    ) -> Result<RunSummary, AppError> {
        let actor = Actor {
            name: "system:urgent-replenishment".to_owned(),
            request_id: None,
        };
        let request = RunRequest {
            part_number: Some(part_number.to_owned()),
            replan: Some(false),
        };
        run_on(conn, settings, &self.catalog, &request, "urgent", &actor)
    }
}

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

type ForecastRow = (i64, i64, f64, f64, f64, i32, i32, String, String);

/// The parts whose demand counts toward the parts of `chunk`: themselves and the parts they
/// replaced.
pub(crate) fn sources(catalog: &HashMap<i64, PartInfo>, chunk: &[i64]) -> Vec<i64> {
    catalog
        .iter()
        .filter(|(_, p)| chunk.contains(&p.successor))
        .map(|(id, _)| *id)
        .collect()
}

/// Pairs with a manual min/max: they stay out of the allocation.
pub(crate) fn manual_pairs(conn: &mut AnyConnection) -> Result<HashSet<(i64, i64)>, AppError> {
    Ok(rp::table
        .filter(rp::manual.eq(true))
        .select((rp::warehouse_id, rp::part_id))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect())
}

/// Parts with a stored forecast (the ones a full run plans), ascending.
pub(crate) fn forecast_parts(conn: &mut AnyConnection) -> Result<Vec<i64>, AppError> {
    let mut part_ids: Vec<i64> = f::table.select(f::part_id).distinct().load(conn)?;
    part_ids.sort_unstable();
    Ok(part_ids)
}

/// Recomputes every non-manual policy with the targets scaled by `ratio` (internal /
/// external); returns the pairs planned and (shadow price, expected network stock-out rate).
fn plan(
    conn: &mut AnyConnection,
    settings: &ReplenishmentSettings,
    catalog: &HashMap<i64, PartInfo>,
    network: &HashMap<i64, Site>,
    ratio: f64,
) -> Result<(i64, Option<(f64, f64)>), AppError> {
    let manual = manual_pairs(conn)?;
    let part_ids = forecast_parts(conn)?;
    // The forecasts' window (`--forecast-history-days`): line sizes come from the same days as
    // the rates they divide.
    let since = chrono::Utc::now().date_naive() - chrono::Duration::days(settings.calibration.history_days);
    let mut items: Vec<Item> = Vec::new();
    let mut scratch = policy::Scratch::default();
    for chunk in part_ids.chunks(PARTS_PER_CHUNK) {
        let rows: Vec<ForecastRow> = f::table
            .filter(f::part_id.eq_any(chunk))
            .select((
                f::warehouse_id,
                f::part_id,
                f::daily_rate,
                f::lead_time_mean,
                f::lead_time_variance,
                f::lead_time_days,
                f::review_days,
                f::demand_class,
                f::method,
            ))
            .load(conn)?;
        // Lines and units per pair.
        let sources = sources(catalog, chunk);
        let history: Vec<(i64, i64, i64, i64)> = d::table
            .filter(d::part_id.eq_any(&sources))
            .filter(d::day.ge(since))
            .select((d::warehouse_id, d::part_id, d::quantity, d::lines))
            .load(conn)?;
        let mut lines: HashMap<(i64, i64), (i64, i64)> = HashMap::new();
        for (w, p, q, l) in history {
            let successor = catalog.get(&p).map(|x| x.successor).unwrap_or(p);
            let e = lines.entry((w, successor)).or_default();
            e.0 += q;
            e.1 += l;
        }
        let terms = load_terms(conn, chunk)?;
        for (w, p, rate, mean, variance, lead, review, class, method) in rows {
            if manual.contains(&(w, p)) {
                continue;
            }
            // A superseded part's forecast is stale: its demand now counts toward the successor.
            let Some(part) = catalog.get(&p).filter(|part| part.successor == p) else {
                continue;
            };
            let (units, line_count) = lines.get(&(w, p)).copied().unwrap_or((0, 0));
            let t = terms.get(&p);
            let inputs = PairInputs {
                daily_rate: rate,
                mean,
                variance,
                lead_days: lead,
                review_days: review,
                line_size: line_size(units, line_count),
                unit_cents: cents(part.unit_cost),
                moq: t.map_or(1, |t| t.moq),
                pack_size: t.map_or(1, |t| t.pack_size),
                critical: part.criticality == "critical",
            };
            let (curve, batch) = pair_curve(settings, &inputs, &mut scratch);
            items.push(Item {
                warehouse_id: w,
                part_id: p,
                curve,
                batch,
                daily_rate: rate,
                lead_days: lead,
                demand_class: class,
                method,
            });
        }
    }
    if items.is_empty() {
        return Ok((0, None));
    }
    let keys: Vec<(i64, i64)> = items.iter().map(|i| (i.warehouse_id, i.part_id)).collect();
    let constraints = constraints(settings, catalog, network, &keys, ratio);
    let curves: Vec<&Curve> = items.iter().map(|i| &i.curve).collect();
    let allocation = replenishment::allocate(&curves, &constraints);
    let now = db::now();
    let values: Vec<_> = items
        .iter()
        .zip(&allocation.picks)
        .map(|(item, &pick)| {
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
    let price = allocation.prices.first().copied();
    let rate = allocation.rates.first().copied();
    Ok((items.len() as i64, price.zip(rate)))
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
    pairs: &[(i64, i64)],
    ratio: f64,
) -> Vec<Constraint> {
    let mut out = vec![Constraint::network(pairs.len(), settings.stockout_target * ratio)];
    let mut add = |target: f64, member: &dyn Fn(&(i64, i64)) -> bool| {
        let members: Vec<usize> = (0..pairs.len()).filter(|&i| member(&pairs[i])).collect();
        if !members.is_empty() {
            out.push(Constraint {
                members,
                max_rate: target * ratio,
            });
        }
    };
    for (region, target) in &settings.region_targets {
        add(*target, &|(w, _)| network.get(w).is_some_and(|s| &s.region == region));
    }
    for (class, target) in &settings.class_targets {
        add(*target, &|(_, p)| {
            catalog.get(p).is_some_and(|x| &x.criticality == class)
        });
    }
    out
}

/// A pair's stored policy and forecast moments, as proposing needs them.
#[derive(Debug, Clone)]
struct Pair {
    s: i64,
    order_up_to: i64,
    daily_rate: f64,
    lead_days: i64,
    class: String,
    method: String,
    manual: bool,
    mean: f64,
    variance: f64,
}

/// A proposal before it is stored.
pub(crate) struct Draft {
    pub kind: ProposalKind,
    pub warehouse_id: i64,
    pub part_id: i64,
    pub from_warehouse_id: Option<i64>,
    pub supplier_id: Option<i64>,
    pub region_id: i64,
    pub quantity: i64,
    pub unit_price: Decimal,
    pub explanation: Explanation,
}

fn fill(dist: &Dist, position: i64) -> f64 {
    if position <= 0 {
        0.0
    } else {
        dist.cdf((position - 1) as u64)
    }
}

/// Proposes transfers and purchases for every pair at or below its reorder point; returns
/// (purchases, transfers) proposed.
fn propose(
    conn: &mut AnyConnection,
    settings: &ReplenishmentSettings,
    catalog: &HashMap<i64, PartInfo>,
    network: &HashMap<i64, Site>,
    run_id: i64,
    only_part: Option<i64>,
    actor: &Actor,
) -> Result<(i64, i64), AppError> {
    let mut part_ids: Vec<i64> = match only_part {
        Some(p) => vec![p],
        None => {
            // Parts with open proposals but no policy any more get their proposals withdrawn.
            let mut ids: Vec<i64> = rp::table.select(rp::part_id).distinct().load(conn)?;
            ids.extend(proposals::open_parts(conn)?);
            ids
        }
    };
    part_ids.sort_unstable();
    part_ids.dedup();
    let (mut purchases, mut transfers) = (0, 0);
    for chunk in part_ids.chunks(PARTS_PER_CHUNK) {
        let policies: Vec<PolicyRow> = rp::table
            .filter(rp::part_id.eq_any(chunk))
            .select((
                rp::warehouse_id,
                rp::part_id,
                rp::reorder_point,
                rp::order_up_to,
                rp::daily_rate,
                rp::lead_time_days,
                rp::demand_class,
                rp::method,
                rp::manual,
            ))
            .load(conn)?;
        let moments: HashMap<(i64, i64), (f64, f64)> = f::table
            .filter(f::part_id.eq_any(chunk))
            .select((f::warehouse_id, f::part_id, f::lead_time_mean, f::lead_time_variance))
            .load::<(i64, i64, f64, f64)>(conn)?
            .into_iter()
            .map(|(w, p, m, v)| ((w, p), (m, v)))
            .collect();
        let mut by_part: BTreeMap<i64, BTreeMap<i64, Pair>> = BTreeMap::new();
        for (w, p, s, big_s, rate, lead, class, method, manual) in policies {
            let (mean, variance) = moments.get(&(w, p)).copied().unwrap_or((0.0, 0.0));
            by_part.entry(p).or_default().insert(
                w,
                Pair {
                    s,
                    order_up_to: big_s,
                    daily_rate: rate,
                    lead_days: i64::from(lead),
                    class,
                    method,
                    manual,
                    mean,
                    variance,
                },
            );
        }
        let sources: Vec<i64> = catalog
            .iter()
            .filter(|(id, p)| chunk.contains(&p.successor) || chunk.contains(id))
            .map(|(id, _)| *id)
            .collect();
        let balances = positions::balances(conn, &sources)?;
        let committed = positions::committed(conn, chunk)?;
        let terms = load_terms(conn, chunk)?;
        let mut drafts = Vec::new();
        let mut below = Vec::new();
        let mut assessed = HashMap::new();
        for &part_id in chunk {
            // A superseded part is never bought: its stock counts in the successor's position.
            let Some(part) = catalog.get(&part_id).filter(|part| part.successor == part_id) else {
                continue;
            };
            let pairs = by_part.remove(&part_id).unwrap_or_default();
            drafts.extend(propose_part(
                settings,
                network,
                part_id,
                part,
                &pairs,
                &positions::of_part(part_id, &balances, &committed, catalog),
                terms.get(&part_id),
                (&mut below, &mut assessed),
            ));
        }
        purchases += drafts.iter().filter(|x| x.kind == ProposalKind::Purchase).count() as i64;
        transfers += drafts.iter().filter(|x| x.kind == ProposalKind::Transfer).count() as i64;
        let chunk = revisions::Chunk {
            run_id,
            parts: chunk,
            drafts: &drafts,
            assessed: &assessed,
            catalog,
            network,
        };
        db::write_tx(conn, |conn| {
            for event in &below {
                crate::webhooks::enqueue(conn, "stock.below_reorder_point", event)?;
            }
            revisions::reconcile(conn, settings, &chunk, actor)
        })?;
    }
    Ok((purchases, transfers))
}

/// What a `stock.below_reorder_point` event carries.
#[derive(Debug, serde::Serialize)]
pub(crate) struct BelowReorderPoint {
    warehouse: String,
    part_number: String,
    position: i64,
    reorder_point: i64,
    order_up_to: i64,
}

#[allow(clippy::too_many_arguments)]
fn propose_part(
    settings: &ReplenishmentSettings,
    network: &HashMap<i64, Site>,
    part_id: i64,
    part: &PartInfo,
    pairs: &BTreeMap<i64, Pair>,
    position: &BTreeMap<i64, Position>,
    terms: Option<&Terms>,
    (below, assessed): (
        &mut Vec<BelowReorderPoint>,
        &mut HashMap<(i64, i64), revisions::Assessed>,
    ),
) -> Vec<Draft> {
    let purchase_lead = terms.map_or(DEFAULT_LEAD_DAYS, |t| t.lead_days);
    // Local indices: regional centres first, so among equal lanes they give first.
    let mut order: Vec<i64> = network.keys().copied().collect();
    order.sort_by_key(|w| (!network[w].regional_centre, *w));
    let index: HashMap<i64, usize> = order.iter().enumerate().map(|(i, w)| (*w, i)).collect();
    let region: Vec<usize> = order.iter().map(|w| network[w].region_id as usize).collect();
    let mut needs = Vec::new();
    let mut offers = Vec::new();
    for (&w, at) in position {
        let (pos, keep) = (at.total(), pairs.get(&w).map_or(0, |p| p.order_up_to));
        let give = rebalance::excess(at.giveable_on_hand(), pos, keep);
        if give > 0 && pairs.get(&w).is_none_or(|p| pos > p.s) {
            offers.push(rebalance::Offer {
                warehouse: index[&w],
                qty: give,
            });
        }
    }
    for (&w, pair) in pairs {
        let pos = position.get(&w).map_or(0, Position::total);
        assessed.insert(
            (w, part_id),
            revisions::Assessed {
                position: pos,
                reorder_point: pair.s,
            },
        );
        if pos <= pair.s && pair.order_up_to > pos {
            needs.push((
                pos - pair.s,
                rebalance::Need {
                    warehouse: index[&w],
                    qty: pair.order_up_to - pos,
                    purchase_lead: purchase_lead as u32,
                },
            ));
            below.push(BelowReorderPoint {
                warehouse: network[&w].code.clone(),
                part_number: part.part_number.clone(),
                position: pos,
                reorder_point: pair.s,
                order_up_to: pair.order_up_to,
            });
        }
    }
    // The furthest below its reorder point is served first.
    needs.sort_by_key(|(gap, n)| (*gap, n.warehouse));
    let needs: Vec<rebalance::Need> = needs.into_iter().map(|(_, n)| n).collect();
    let lane = |from: usize, to: usize| {
        let days = if region[from] == region[to] {
            settings.lane_days_same_region
        } else {
            settings.lane_days_cross_region
        };
        days.max(0) as u32
    };
    let matches = rebalance::match_part(&needs, &mut offers, &region, &lane);
    let mut covered: HashMap<usize, i64> = HashMap::new();
    let mut drafts = Vec::new();
    let explain = |w: i64, pair: &Pair, qty: i64, days: i64| {
        let stock = position.get(&w).copied().unwrap_or_default();
        let pos = stock.total();
        let dist = Dist::new(pair.mean, pair.variance);
        Explanation {
            daily_rate: pair.daily_rate,
            demand_class: pair.class.clone(),
            method: pair.method.clone(),
            lead_time_days: pair.lead_days,
            reorder_point: pair.s,
            order_up_to: pair.order_up_to,
            position: pos,
            predecessor_stock: stock.predecessor_stock,
            stock,
            manual_override: pair.manual,
            fill_rate_without: fill(&dist, pos),
            fill_rate_with: fill(&dist, pos + qty),
            arrives_in_days: days,
        }
    };
    for m in &matches {
        let (from, to) = (order[m.from], order[m.to]);
        *covered.entry(m.to).or_default() += m.qty;
        let pair = &pairs[&to];
        drafts.push(Draft {
            kind: ProposalKind::Transfer,
            warehouse_id: to,
            part_id,
            from_warehouse_id: Some(from),
            supplier_id: None,
            region_id: network[&to].region_id,
            quantity: m.qty,
            unit_price: part.unit_cost,
            explanation: explain(to, pair, m.qty, i64::from(lane(m.from, m.to))),
        });
    }
    for need in &needs {
        let left = need.qty - covered.get(&need.warehouse).copied().unwrap_or(0);
        let Some(t) = terms else { continue };
        if left <= 0 {
            continue;
        }
        let w = order[need.warehouse];
        let qty = policy::round_to_pack(left, t.moq, t.pack_size);
        drafts.push(Draft {
            kind: ProposalKind::Purchase,
            warehouse_id: w,
            part_id,
            from_warehouse_id: None,
            supplier_id: Some(t.supplier_id),
            region_id: network[&w].region_id,
            quantity: qty,
            unit_price: t.unit_price,
            explanation: explain(w, &pairs[&w], qty, t.lead_days),
        });
    }
    drafts
}
