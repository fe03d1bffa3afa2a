//! Why a proposal: one function ([`explain`]) turns a pair's stored policy, forecast and
//! position plus a candidate (quantity, arrival, supplier rules) into the explanation a buyer
//! reads. The run calls it for every draft, an edit for the planner's figures and the preview
//! route for a figure not yet saved, so the three always agree. The maths is
//! [`spares_core::replenishment::explain`].

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::model::ProposalKind;
use super::positions::{self, Position};
use crate::db::AnyConnection;
use crate::error::AppError;
use crate::ids::{PairKey, PartId, WarehouseId};
use crate::schema::{forecasts as f, replenishment_policies as rp};
use spares_core::replenishment::{explain as maths, policy};

/// The constraint that set a proposal's quantity (stored in `proposals.binding`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Binding {
    /// The network stock-out target's shadow price set the pair's level.
    #[default]
    NetworkTarget,
    /// A region's tighter target set it.
    RegionTarget,
    /// A criticality class's tighter target set it.
    ClassTarget,
    /// The minimum fill rate of a critical part set it.
    CriticalFloor,
    /// The supplier's minimum order or pack size raised the quantity above the need.
    MoqPack,
    /// A planner's manual min/max is the policy.
    ManualPolicy,
    /// An urgent run after a refused reservation made it.
    UrgentRefusal,
}

impl Binding {
    pub fn as_str(self) -> &'static str {
        match self {
            Binding::NetworkTarget => "network_target",
            Binding::RegionTarget => "region_target",
            Binding::ClassTarget => "class_target",
            Binding::CriticalFloor => "critical_floor",
            Binding::MoqPack => "moq_pack",
            Binding::ManualPolicy => "manual_policy",
            Binding::UrgentRefusal => "urgent_refusal",
        }
    }

    pub fn from_stored(s: &str) -> Result<Self, AppError> {
        match s {
            "moq_pack" => Ok(Binding::MoqPack),
            "manual_policy" => Ok(Binding::ManualPolicy),
            "urgent_refusal" => Ok(Binding::UrgentRefusal),
            "network_target" | "region_target" | "class_target" | "critical_floor" => Ok(Binding::from_policy(s)),
            other => Err(AppError::unknown_stored("proposals.binding", other)),
        }
    }

    /// A stored policy binding; anything unknown reads as the network target, which is what
    /// rows written before the column existed were.
    pub(crate) fn from_policy(s: &str) -> Self {
        match s {
            "region_target" => Binding::RegionTarget,
            "class_target" => Binding::ClassTarget,
            "critical_floor" => Binding::CriticalFloor,
            _ => Binding::NetworkTarget,
        }
    }

    fn words(self) -> &'static str {
        match self {
            Binding::NetworkTarget => "the network stock-out target",
            Binding::RegionTarget => "the region's stock-out target",
            Binding::ClassTarget => "the criticality class's stock-out target",
            Binding::CriticalFloor => "the minimum fill rate for critical parts",
            Binding::MoqPack => "the supplier's minimum order and pack size",
            Binding::ManualPolicy => "a manual min/max",
            Binding::UrgentRefusal => "an urgent run after a refused reservation",
        }
    }
}

/// Why a proposal was made: the numbers behind it. Fields added after the first release are
/// optional when read back from older rows (`#[serde(default)]`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Explanation {
    /// What set the quantity (also the proposal's `binding`).
    #[serde(default)]
    pub binding: Binding,
    /// The explanation in one plain sentence.
    #[serde(default)]
    pub sentence: String,
    /// Forecast units per day (same as `forecast_per_day`, kept for existing clients).
    pub daily_rate: f64,
    #[serde(default)]
    pub forecast_per_day: f64,
    /// Forecast units over the policy's lead time (`forecast_per_day x lead_time_days`).
    #[serde(default)]
    pub forecast_over_lead_time: f64,
    pub demand_class: String,
    pub method: String,
    pub lead_time_days: i64,
    pub reorder_point: i64,
    pub order_up_to: i64,
    /// Units on hand at the warehouse (`stock.on_hand`).
    #[serde(default)]
    pub on_hand: i64,
    /// Units on their way in: open purchase order lines, transfers shipped or created and
    /// approved proposals without a document yet (net of what the warehouse gives away).
    #[serde(default)]
    pub in_flight: i64,
    /// Inventory position before the proposal: on hand - reserved + in flight + usable stock
    /// of replaced parts (`stock` has the parts).
    pub position: i64,
    /// Units of replaced (superseded) parts counted in the position.
    pub predecessor_stock: i64,
    /// What the position is made of.
    #[serde(default)]
    pub stock: Position,
    pub manual_override: bool,
    /// Expected share of demand lines served at once until the next review, without and
    /// with the proposal.
    pub fill_rate_without: f64,
    pub fill_rate_with: f64,
    /// Days the position lasts at the forecast rate without and with the proposal; null
    /// without forecast demand.
    #[serde(default)]
    pub days_of_cover: Option<f64>,
    #[serde(default)]
    pub days_of_cover_with: Option<f64>,
    /// The day the position without the proposal runs out at the forecast rate (UTC); null
    /// when that is not before the proposal and the next review's order could land.
    #[serde(default)]
    pub projected_stockout_date: Option<NaiveDate>,
    /// For transfers: days the transfer takes; for purchases: the supplier's lead time.
    pub arrives_in_days: i64,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = rp)]
struct PolicyRow {
    warehouse_id: i64,
    part_id: i64,
    reorder_point: i64,
    order_up_to: i64,
    daily_rate: f64,
    lead_time_days: i32,
    demand_class: String,
    method: String,
    manual: bool,
    binding: String,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = f)]
struct MomentsRow {
    warehouse_id: WarehouseId,
    part_id: PartId,
    lead_time_mean: f64,
    lead_time_variance: f64,
}

/// A pair's stored policy and forecast moments.
#[derive(Debug, Clone)]
pub(crate) struct Pair {
    pub s: i64,
    pub order_up_to: i64,
    pub daily_rate: f64,
    pub lead_days: i64,
    pub class: String,
    pub method: String,
    pub manual: bool,
    pub binding: Binding,
    pub mean: f64,
    pub variance: f64,
}

/// The stored policies of these parts with their forecast moments, by part then warehouse.
pub(crate) fn load_pairs(
    conn: &mut AnyConnection,
    parts: &[i64],
) -> Result<BTreeMap<i64, BTreeMap<i64, Pair>>, AppError> {
    let policies: Vec<PolicyRow> = rp::table
        .filter(rp::part_id.eq_any(parts))
        .select(PolicyRow::as_select())
        .load(conn)?;
    let moments: HashMap<PairKey, (f64, f64)> = f::table
        .filter(f::part_id.eq_any(parts))
        .select(MomentsRow::as_select())
        .load(conn)?
        .into_iter()
        .map(|m| {
            (
                PairKey::new(m.warehouse_id, m.part_id),
                (m.lead_time_mean, m.lead_time_variance),
            )
        })
        .collect();
    let mut by_part: BTreeMap<i64, BTreeMap<i64, Pair>> = BTreeMap::new();
    for row in policies {
        let (mean, variance) = moments
            .get(&PairKey::new(WarehouseId(row.warehouse_id), PartId(row.part_id)))
            .copied()
            .unwrap_or((0.0, 0.0));
        let pair = Pair {
            s: row.reorder_point,
            order_up_to: row.order_up_to,
            daily_rate: row.daily_rate,
            lead_days: i64::from(row.lead_time_days),
            class: row.demand_class,
            method: row.method,
            manual: row.manual,
            binding: Binding::from_policy(&row.binding),
            mean,
            variance,
        };
        by_part.entry(row.part_id).or_default().insert(row.warehouse_id, pair);
    }
    Ok(by_part)
}

/// What a pair's explanation is computed from, besides the candidate.
pub(crate) struct Basis<'a> {
    pub pair: &'a Pair,
    pub stock: Position,
    pub review_days: i64,
    /// Made by an urgent run (after a refused reservation).
    pub urgent: bool,
    pub today: NaiveDate,
}

/// The proposal being explained.
pub(crate) struct Candidate {
    pub kind: ProposalKind,
    pub quantity: i64,
    pub arrives_in_days: i64,
    /// The supplier's (MOQ, pack size) for purchases.
    pub rules: Option<(i64, i64)>,
}

/// The explanation of `c` for the pair of `basis`. Precedence of the binding constraint: a
/// manual policy, then supplier rounding, then an urgent run, then what set the level.
pub(crate) fn explain(basis: &Basis<'_>, c: &Candidate) -> Explanation {
    let (pair, stock) = (basis.pair, basis.stock);
    let position = stock.total();
    let figures = maths::figures(&maths::Inputs {
        position,
        daily_rate: pair.daily_rate,
        lead_days: pair.lead_days,
        arrives_in_days: c.arrives_in_days,
        review_days: basis.review_days,
        mean: pair.mean,
        variance: pair.variance,
        quantity: c.quantity,
    });
    let need = (pair.order_up_to - position).max(0);
    // The supplier's rules set the quantity when rounding the need to them adds units, or
    // when the policy's batch (S - s) is the minimum order itself.
    let supplier_sets = c
        .rules
        .filter(|_| c.kind == ProposalKind::Purchase)
        .is_some_and(|(moq, pack)| {
            let rounded = policy::round_to_pack(need, moq, pack);
            let batch_is_moq = moq > 1 && pair.order_up_to - pair.s <= policy::round_to_pack(moq, moq, pack);
            (rounded > need && c.quantity >= rounded) || batch_is_moq
        });
    let binding = if pair.manual {
        Binding::ManualPolicy
    } else if supplier_sets {
        Binding::MoqPack
    } else if basis.urgent {
        Binding::UrgentRefusal
    } else {
        pair.binding
    };
    let mut x = Explanation {
        binding,
        sentence: String::new(),
        daily_rate: pair.daily_rate,
        forecast_per_day: pair.daily_rate,
        forecast_over_lead_time: figures.forecast_over_lead_time,
        demand_class: pair.class.clone(),
        method: pair.method.clone(),
        lead_time_days: pair.lead_days,
        reorder_point: pair.s,
        order_up_to: pair.order_up_to,
        on_hand: stock.on_hand,
        in_flight: stock.in_flight(),
        position,
        predecessor_stock: stock.predecessor_stock,
        stock,
        manual_override: pair.manual,
        fill_rate_without: figures.fill_rate_without,
        fill_rate_with: figures.fill_rate_with,
        days_of_cover: figures.days_of_cover,
        days_of_cover_with: figures.days_of_cover_with,
        projected_stockout_date: figures
            .stockout_in_days
            .map(|d| basis.today + chrono::Duration::days(d)),
        arrives_in_days: c.arrives_in_days,
    };
    x.sentence = sentence(&x, c, need);
    x
}

/// The explanation in a buyer's words.
fn sentence(x: &Explanation, c: &Candidate, need: i64) -> String {
    let verb = match c.kind {
        ProposalKind::Purchase => "Buy",
        ProposalKind::Transfer => "Transfer",
    };
    let level = if x.position <= x.reorder_point {
        "at or below"
    } else {
        "above"
    };
    let mut out = format!(
        "{verb} {} (arriving in {} days): the position of {} ({} on hand, {} in flight) is {level} the \
         reorder point {}, and {need} more bring it to the order-up-to level {}, a level set by {}.",
        c.quantity,
        x.arrives_in_days,
        x.position,
        x.on_hand,
        x.in_flight,
        x.reorder_point,
        x.order_up_to,
        x.binding.words(),
    );
    if let Some((moq, pack)) = c.rules.filter(|_| x.binding == Binding::MoqPack) {
        out.push_str(&format!(
            " The supplier's minimum order of {moq} and packs of {pack} set how much is bought at once."
        ));
    }
    match x.projected_stockout_date {
        Some(day) => out.push_str(&format!(" Without it stock runs out around {day}.")),
        None => out.push_str(" No stock-out is projected before it and the next order could land."),
    }
    out.push_str(&format!(
        " Expected fill rate {:.0}% without it, {:.0}% with it.",
        x.fill_rate_without * 100.0,
        x.fill_rate_with * 100.0
    ));
    out
}

/// The basis of an existing proposal's pair, read now (for an edit or a preview): its policy,
/// forecast and current position.
pub(crate) fn pair_now(
    conn: &mut AnyConnection,
    warehouse_id: i64,
    part_id: i64,
) -> Result<(Pair, Position), AppError> {
    let pair = load_pairs(conn, &[part_id])?
        .remove(&part_id)
        .and_then(|mut by_warehouse| by_warehouse.remove(&warehouse_id))
        .ok_or_else(|| {
            AppError::InvalidState(
                "the pair has no stock policy any more; the next run withdraws this proposal".to_owned(),
            )
        })?;
    let catalog = super::planning::load_parts(conn)?;
    let sources = super::planning::sources(&catalog, &[part_id]);
    let balances = positions::balances(conn, &sources)?;
    let committed = positions::committed(conn, &[part_id])?;
    let stock = positions::of_part(part_id, &balances, &committed, &catalog)
        .remove(&warehouse_id)
        .unwrap_or_default();
    Ok((pair, stock))
}
