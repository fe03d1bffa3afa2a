//! Replenishment API types: policies, runs and calibrations here; proposals and purchase
//! orders in their own files, re-exported; KPIs and explanations beside the code that computes
//! them.

mod proposals;
mod purchase_orders;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub use super::explain::{Binding, Explanation};
pub use super::kpis::{KpiAnswer, KpiFilter, KpiGroups, Kpis};
pub use proposals::*;
pub use purchase_orders::*;

/// The stock policy of one (warehouse, part).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Policy {
    pub warehouse: String,
    pub part_number: String,
    /// Reorder point s: replenish when the inventory position is at or below it.
    pub reorder_point: i64,
    /// Order-up-to level S.
    pub order_up_to: i64,
    /// Expected share of demand lines served at once under (s, S).
    pub expected_fill_rate: f64,
    pub daily_rate: f64,
    pub lead_time_days: i32,
    pub demand_class: String,
    pub method: String,
    /// Whether a manual min/max overrides the computed levels (then s = min, S = max).
    pub manual: bool,
    pub manual_min: Option<i64>,
    pub manual_max: Option<i64>,
    pub computed_at: DateTime<Utc>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PolicyFilter {
    pub warehouse: Option<String>,
    pub part_number: Option<String>,
    /// Only manual overrides (`true`) or only computed policies (`false`).
    pub manual: Option<bool>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// A manual min/max: the reorder point and order-up-to level to use instead of the computed ones.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyOverride {
    #[serde(deserialize_with = "crate::validate::integer::deserialize")]
    #[schema(value_type = i64, minimum = 0)]
    pub min: i64,
    #[serde(deserialize_with = "crate::validate::integer::deserialize")]
    #[schema(value_type = i64, minimum = 0)]
    pub max: i64,
}

/// What a replenishment run covers; everything when empty.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RunRequest {
    /// Only this part (and the parts it replaced).
    pub part_number: Option<String>,
    /// Recompute the policies first (default true; an urgent run uses the stored ones).
    pub replan: Option<bool>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RunSummary {
    pub id: i64,
    /// `scheduled`, `manual` or `urgent`.
    pub trigger: String,
    pub status: String,
    /// What the run covered (the request it was started with).
    pub scope: RunRequest,
    /// (warehouse, part) pairs planned.
    pub pairs: i64,
    pub purchases: i64,
    pub transfers: i64,
    /// Cents of inventory value per stock-out line avoided per day at the margin.
    pub shadow_price: Option<f64>,
    /// Network stock-out rate the policies are expected to reach (on the model's numbers, so
    /// at most the internal target).
    pub expected_stockout_rate: Option<f64>,
    /// The network target the allocation was given: the configured one scaled by the
    /// calibration (region and class targets are scaled alike).
    pub internal_target: Option<f64>,
    /// The calibration in force (computed by this run or reused from an earlier one).
    pub calibration: Option<Calibration>,
    /// Open proposals the run stored for new needs (null for runs from before this was
    /// recorded, and for a failed run's unfinished work).
    pub proposals_created: Option<i64>,
    /// Open proposals the run revised in place (their figures changed; same id).
    pub proposals_revised: Option<i64>,
    /// Open proposals the run withdrew, no longer needed.
    pub proposals_withdrawn: Option<i64>,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// A backtest calibration of the internal target: models rebuilt at origins in the window from
/// the history before each, levels allocated at several internal targets, the window's real
/// demand lines replayed against them.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Calibration {
    pub id: i64,
    /// The run that computed it.
    pub run_id: i64,
    pub computed_at: DateTime<Utc>,
    /// The configured network target when it was computed.
    pub external_target: f64,
    /// The internal network target chosen: the replay just reaches `margin * external_target`.
    pub internal_target: f64,
    /// The share of the external target the replayed rate had to reach: the highest replayed
    /// rate whose upper confidence bound (Wilson, one-sided, at `--calibration-confidence`) over
    /// `lines_replayed` lines is the target, divided by the target; the fewer lines, the lower.
    /// (Calibrations stored before the bound carry the fixed 0.85 they used.)
    pub margin: f64,
    /// No trial reached `margin * external_target`, not even with every pair at the tightest
    /// levels the model allows: the run plans at those levels and still expects to miss.
    pub at_limit: bool,
    /// Days replayed (UTC, inclusive).
    pub window_from: Option<NaiveDate>,
    pub window_to: Option<NaiveDate>,
    /// Model origins in the window.
    pub origins: i32,
    /// Pairs replayed (those with demand before the window) and their demand lines.
    pub pairs_replayed: i64,
    pub lines_replayed: i64,
    /// Internal targets tried and the stock-out rates their replays reached, in the order tried.
    pub trials: Vec<CalibrationTrial>,
    /// Why the configured target is used as it is (too little history, no lines to replay);
    /// absent when the backtest chose.
    pub fallback: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CalibrationTrial {
    pub internal_target: f64,
    /// Stock-out lines / demand lines in the replay.
    pub stockout_rate: f64,
}
