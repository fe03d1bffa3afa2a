//! KPIs over a period, from what happened: the imported demand history, the ledger
//! (reservations, issues, consumption, on-hand changes) and the refused reservations, for the
//! network or per region, warehouse or part (`by`). Facts are gathered per (warehouse, part)
//! once and summed into the groups asked for.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDate;
use diesel::prelude::*;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::planning::{load_parts, PartInfo};
use super::{sites, Site};
use crate::catalog::filters::Sites;
use crate::db::{self, AnyConnection};
use crate::error::AppError;
use crate::ids::{PairKey, PartId, WarehouseId};
use crate::schema::{
    demand_records as dr, movements as m, proposals as pr, purchase_order_lines as pol, purchase_orders as po,
    reservation_refusals as rr,
};

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct KpiFilter {
    /// First day (UTC, inclusive; `YYYY-MM-DD` or an RFC 3339 time); default 30 days before `to`.
    #[serde(default, deserialize_with = "crate::validate::day::option")]
    pub from: Option<NaiveDate>,
    /// Last day (UTC, inclusive; `YYYY-MM-DD` or an RFC 3339 time); default today.
    #[serde(default, deserialize_with = "crate::validate::day::option")]
    pub to: Option<NaiveDate>,
    pub region: Option<String>,
    pub warehouse: Option<String>,
    /// Only this part.
    pub part_number: Option<String>,
    /// One row per `network` (the default without `by`), `region`, `warehouse` or `part`:
    /// the answer is then `{by, from, to, groups}`.
    pub by: Option<String>,
}

/// Service and stock figures over a period, from the imported demand history, the ledger and
/// the refusals. A ratio without a denominator is null, never a perfect score.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Kpis {
    /// `network`, or the region code, warehouse code or part number of the group.
    pub group: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Imported demand-history lines, reservation lines and issues, plus every line of a
    /// refused reservation.
    pub demand_lines: i64,
    /// Lines served at once from the requested warehouse (imported history counts as served,
    /// and so do the lines of a refused reservation that were not short).
    pub lines_filled: i64,
    /// Lines not served at once / all lines; null without demand lines.
    pub stockout_rate: Option<f64>,
    pub units_demanded: i64,
    pub units_filled: i64,
    /// Units filled / units demanded; null without demand.
    pub unit_fill_rate: Option<f64>,
    /// On hand x unit cost at the end of the period.
    #[schema(value_type = String, example = "1250.00")]
    #[serde(serialize_with = "crate::money::serialize")]
    pub inventory_value: Decimal,
    /// Cost of units consumed, issued or in imported history over the window asked for /
    /// inventory value at its end (not annualised); null without inventory value.
    pub turnover: Option<f64>,
    pub open_proposals: i64,
    /// Purchase orders past their expected date with units outstanding.
    pub late_purchase_orders: i64,
}

/// KPIs per group (`by` other than the network).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KpiGroups {
    /// `network`, `region`, `warehouse` or `part`.
    pub by: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Ordered by group; every region or warehouse in scope is listed, parts only with figures.
    pub groups: Vec<Kpis>,
}

/// The answer of `GET /kpis`: one object without `by`, the groups with it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(untagged)]
pub enum KpiAnswer {
    One(Kpis),
    Groups(KpiGroups),
}

/// What KPIs are summed by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum By {
    Network,
    Region,
    Warehouse,
    Part,
}

impl By {
    pub fn parse(value: Option<&str>) -> Result<Self, AppError> {
        match value {
            None | Some("network") => Ok(By::Network),
            Some("region") => Ok(By::Region),
            Some("warehouse") => Ok(By::Warehouse),
            Some("part") => Ok(By::Part),
            Some(_) => Err(AppError::validation("by", "must be network, region, warehouse or part")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            By::Network => "network",
            By::Region => "region",
            By::Warehouse => "warehouse",
            By::Part => "part",
        }
    }
}

/// What happened at one (warehouse, part) over the window.
#[derive(Debug, Default, Clone)]
struct Facts {
    lines_filled: i64,
    units_filled: i64,
    short_lines: i64,
    short_units: i64,
    used: Decimal,
    on_hand: i64,
    open_proposals: i64,
    late_orders: HashSet<i64>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = m)]
struct DemandRow {
    warehouse_id: WarehouseId,
    part_id: PartId,
    kind: String,
    quantity: i64,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = rr)]
struct RefusalRow {
    warehouse_id: WarehouseId,
    part_id: PartId,
    requested: i64,
    short: bool,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = m)]
struct DeltaRow {
    warehouse_id: WarehouseId,
    part_id: PartId,
    on_hand_delta: i64,
}

/// The network's KPIs (or those of the filter's region, warehouse or part).
pub fn compute(conn: &mut AnyConnection, filter: &KpiFilter, scope: Option<&[String]>) -> Result<Kpis, AppError> {
    let network = KpiFilter {
        by: None,
        ..filter.clone()
    };
    let found = groups(conn, &network, scope)?;
    found
        .groups
        .into_iter()
        .next()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("the network group is always present")))
}

/// KPIs per group of `filter.by`.
pub fn groups(conn: &mut AnyConnection, filter: &KpiFilter, scope: Option<&[String]>) -> Result<KpiGroups, AppError> {
    let by = By::parse(filter.by.as_deref())?;
    let to = filter.to.unwrap_or_else(|| chrono::Utc::now().date_naive());
    let from = filter.from.unwrap_or(to - chrono::Duration::days(29));
    if from > to {
        return Err(AppError::validation("from", "must not be after to"));
    }
    let codes = Sites::new((&filter.warehouse, &filter.region, &filter.part_number), scope);
    codes.require_known(conn)?;
    let network = sites(conn)?;
    let in_scope: Vec<&Site> = network
        .values()
        .filter(|s| codes.admit_warehouse(&s.code, &s.region))
        .collect();
    let ids: Vec<i64> = in_scope.iter().map(|s| s.id).collect();
    let catalog = load_parts(conn)?;
    let part = filter
        .part_number
        .as_ref()
        .and_then(|pn| catalog.iter().find(|(_, p)| &p.part_number == pn).map(|(id, _)| *id));
    let facts = gather(conn, &ids, part, (from, to), &catalog)?;
    let key = |pair: PairKey| -> Option<String> {
        match by {
            By::Network => Some("network".to_owned()),
            By::Region => network.get(&pair.warehouse.get()).map(|s| s.region.clone()),
            By::Warehouse => network.get(&pair.warehouse.get()).map(|s| s.code.clone()),
            By::Part => catalog.get(&pair.part.get()).map(|info| info.part_number.clone()),
        }
    };
    let mut summed: BTreeMap<String, (Facts, Decimal)> = BTreeMap::new();
    let listed: Vec<String> = match by {
        By::Network => vec!["network".to_owned()],
        By::Region => in_scope.iter().map(|s| s.region.clone()).collect(),
        By::Warehouse => in_scope.iter().map(|s| s.code.clone()).collect(),
        By::Part => filter.part_number.iter().cloned().collect(),
    };
    for group in listed {
        summed.entry(group).or_default();
    }
    for (&pair, f) in &facts {
        let Some(group) = key(pair) else { continue };
        let cost = catalog
            .get(&pair.part.get())
            .map_or(Decimal::ZERO, |info| info.unit_cost);
        let (total, value) = summed.entry(group).or_default();
        add(total, f);
        *value += cost * Decimal::from(f.on_hand);
    }
    let groups = summed
        .into_iter()
        .map(|(group, (f, value))| figures(group, (from, to), &f, value))
        .collect();
    Ok(KpiGroups {
        by: by.as_str().to_owned(),
        from,
        to,
        groups,
    })
}

fn add(total: &mut Facts, f: &Facts) {
    total.lines_filled += f.lines_filled;
    total.units_filled += f.units_filled;
    total.short_lines += f.short_lines;
    total.short_units += f.short_units;
    total.used += f.used;
    total.on_hand += f.on_hand;
    total.open_proposals += f.open_proposals;
    total.late_orders.extend(f.late_orders.iter().copied());
}

fn figures(group: String, (from, to): (NaiveDate, NaiveDate), f: &Facts, inventory_value: Decimal) -> Kpis {
    let ratio = |a: i64, b: i64| (b > 0).then(|| a as f64 / b as f64);
    let demand_lines = f.lines_filled + f.short_lines;
    let units_demanded = f.units_filled + f.short_units;
    let turnover = (inventory_value > Decimal::ZERO).then(|| (f.used / inventory_value).to_f64().unwrap_or(0.0));
    Kpis {
        group,
        from,
        to,
        demand_lines,
        lines_filled: f.lines_filled,
        stockout_rate: ratio(demand_lines - f.lines_filled, demand_lines),
        units_demanded,
        units_filled: f.units_filled,
        unit_fill_rate: ratio(f.units_filled, units_demanded),
        inventory_value,
        turnover,
        open_proposals: f.open_proposals,
        late_purchase_orders: f.late_orders.len() as i64,
    }
}

/// The facts of every (warehouse, part) of `ids` (and `part`, when given) over the window.
fn gather(
    conn: &mut AnyConnection,
    ids: &[i64],
    part: Option<i64>,
    (from, to): (NaiveDate, NaiveDate),
    catalog: &HashMap<i64, PartInfo>,
) -> Result<HashMap<PairKey, Facts>, AppError> {
    let (start, end) = (
        from.and_hms_opt(0, 0, 0).unwrap_or_default(),
        (to + chrono::Duration::days(1))
            .and_hms_opt(0, 0, 0)
            .unwrap_or_default(),
    );
    let of_part = |p: PartId| part.is_none_or(|only| only == p.get());
    let cost = |p: PartId| catalog.get(&p.get()).map_or(Decimal::ZERO, |info| info.unit_cost);
    let mut facts: HashMap<PairKey, Facts> = HashMap::new();
    let demand: Vec<DemandRow> = m::table
        .filter(m::warehouse_id.eq_any(ids))
        .filter(m::created_at.ge(start))
        .filter(m::created_at.lt(end))
        .filter(m::kind.eq_any(["reserve", "issue", "consume"]))
        .select(DemandRow::as_select())
        .load(conn)?;
    for d in demand.into_iter().filter(|d| of_part(d.part_id)) {
        let f = facts.entry(PairKey::new(d.warehouse_id, d.part_id)).or_default();
        // A reservation is the demand line; its consumption is the same line used.
        if d.kind != "consume" {
            f.lines_filled += 1;
            f.units_filled += d.quantity;
        }
        if d.kind != "reserve" {
            f.used += cost(d.part_id) * Decimal::from(d.quantity);
        }
    }
    let refused: Vec<RefusalRow> = rr::table
        .filter(rr::warehouse_id.eq_any(ids))
        .filter(rr::occurred_at.ge(start))
        .filter(rr::occurred_at.lt(end))
        .select(RefusalRow::as_select())
        .load(conn)?;
    for r in refused.into_iter().filter(|r| of_part(r.part_id)) {
        let f = facts.entry(PairKey::new(r.warehouse_id, r.part_id)).or_default();
        if r.short {
            f.short_lines += 1;
            f.short_units += r.requested;
        } else {
            f.lines_filled += 1;
            f.units_filled += r.requested;
        }
    }
    // Imported history: each record is a line that was served (it was issued).
    let imported: Vec<(WarehouseId, PartId, i64)> = dr::table
        .filter(dr::warehouse_id.eq_any(ids))
        .filter(dr::day.ge(from))
        .filter(dr::day.le(to))
        .select((dr::warehouse_id, dr::part_id, dr::quantity))
        .load(conn)?;
    for (w, p, quantity) in imported.into_iter().filter(|r| of_part(r.1)) {
        let f = facts.entry(PairKey::new(w, p)).or_default();
        f.lines_filled += 1;
        f.units_filled += quantity;
        f.used += cost(p) * Decimal::from(quantity);
    }
    stock_and_orders(conn, ids, part, end, &mut facts)?;
    Ok(facts)
}

/// On hand at the end of the window, open proposals and late purchase orders.
fn stock_and_orders(
    conn: &mut AnyConnection,
    ids: &[i64],
    part: Option<i64>,
    end: chrono::NaiveDateTime,
    facts: &mut HashMap<PairKey, Facts>,
) -> Result<(), AppError> {
    let of_part = |p: PartId| part.is_none_or(|only| only == p.get());
    let deltas: Vec<DeltaRow> = m::table
        .filter(m::warehouse_id.eq_any(ids))
        .filter(m::created_at.lt(end))
        .filter(m::on_hand_delta.ne(0i64))
        .select(DeltaRow::as_select())
        .load(conn)?;
    for d in deltas.into_iter().filter(|d| of_part(d.part_id)) {
        facts
            .entry(PairKey::new(d.warehouse_id, d.part_id))
            .or_default()
            .on_hand += d.on_hand_delta;
    }
    let open: Vec<(WarehouseId, PartId)> = pr::table
        .filter(pr::status.eq("open"))
        .filter(pr::warehouse_id.eq_any(ids))
        .select((pr::warehouse_id, pr::part_id))
        .load(conn)?;
    for (w, p) in open.into_iter().filter(|o| of_part(o.1)) {
        facts.entry(PairKey::new(w, p)).or_default().open_proposals += 1;
    }
    let late: Vec<(i64, WarehouseId, PartId)> = po::table
        .inner_join(pol::table)
        .filter(po::status.eq_any(["open", "partially_received"]))
        .filter(po::expected_at.lt(db::now()))
        .filter(po::warehouse_id.eq_any(ids))
        .filter(pol::quantity.gt(pol::received_qty + pol::closed_qty))
        .select((po::id, po::warehouse_id, pol::part_id))
        .load(conn)?;
    for (order, w, p) in late.into_iter().filter(|l| of_part(l.2)) {
        facts.entry(PairKey::new(w, p)).or_default().late_orders.insert(order);
    }
    Ok(())
}
