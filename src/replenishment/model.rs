//! Replenishment API types: policies, runs, proposals, purchase orders, KPIs.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub use super::explain::{Binding, Explanation};
pub use super::kpis::{KpiFilter, Kpis};

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
    /// The internal network target chosen: the replay just meets `margin * external_target`.
    pub internal_target: f64,
    pub margin: f64,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProposalKind {
    Purchase,
    Transfer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProposalStatus {
    Open,
    Approved,
    Rejected,
    /// No longer needed (a later run found the position above the reorder point, the part
    /// replaced, the need covered another way); `reason` says why.
    Withdrawn,
}

impl ProposalStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ProposalStatus::Open => "open",
            ProposalStatus::Approved => "approved",
            ProposalStatus::Rejected => "rejected",
            ProposalStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn from_stored(s: &str) -> Result<Self, crate::error::AppError> {
        match s {
            "open" => Ok(ProposalStatus::Open),
            "approved" => Ok(ProposalStatus::Approved),
            "rejected" => Ok(ProposalStatus::Rejected),
            "withdrawn" => Ok(ProposalStatus::Withdrawn),
            other => Err(crate::error::AppError::unknown_stored("proposals.status", other)),
        }
    }
}

/// One figure a revision changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ProposalChange {
    /// `quantity`, `supplier` or `unit_price`.
    pub field: String,
    pub from: String,
    pub to: String,
}

/// A proposal's figures: what the engine would propose now beside a locked proposal (`engine`),
/// or what an edit would make of a proposal (`POST /proposals/{id}/preview`, with
/// `explanation` recomputed for that quantity and supplier, no `reason` and no `run_id`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EngineFigure {
    /// 0 when the engine sees no need any more (`reason` says why).
    pub quantity: i64,
    pub supplier: Option<String>,
    #[schema(value_type = String, example = "12.50")]
    pub unit_price: Decimal,
    #[schema(value_type = String, example = "125.00")]
    pub value: Decimal,
    pub explanation: Option<Explanation>,
    pub reason: Option<String>,
    /// The run that computed it; absent when it is the figure the planner edited away from,
    /// and in a preview.
    pub run_id: Option<i64>,
}

/// A purchase or transfer the planner proposes.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Proposal {
    pub id: i64,
    pub run_id: i64,
    pub kind: ProposalKind,
    pub status: ProposalStatus,
    /// Destination warehouse.
    pub warehouse: String,
    pub region: String,
    pub part_number: String,
    /// Source warehouse (transfers).
    pub from_warehouse: Option<String>,
    /// Supplier (purchases).
    pub supplier: Option<String>,
    pub quantity: i64,
    /// Supplier price (purchases) or unit cost (transfers).
    #[schema(value_type = String, example = "12.50")]
    pub unit_price: Decimal,
    #[schema(value_type = String, example = "125.00")]
    pub value: Decimal,
    /// Purchases of one supplier into one region share this key: they are ordered together.
    pub consolidation: String,
    /// What set the quantity (the same as `explanation.binding`).
    pub binding: Binding,
    pub explanation: Explanation,
    /// Why it was rejected or withdrawn.
    pub reason: Option<String>,
    /// 1 when made; every run that changed its figures adds one (the id stays).
    pub revision: i64,
    /// What the latest revision changed (empty until a run changes something).
    pub changes: Vec<ProposalChange>,
    /// When a run last looked at it, and which run.
    pub revised_at: Option<DateTime<Utc>>,
    pub revised_run_id: Option<i64>,
    /// A planner edited it: runs keep its figures and record theirs in `engine`.
    pub locked: bool,
    /// What the engine proposes now, beside a locked proposal (accept it with
    /// `POST /proposals/{id}/accept-engine`).
    pub engine: Option<EngineFigure>,
    pub auto_approved: bool,
    pub purchase_order_id: Option<i64>,
    pub transfer_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ProposalFilter {
    pub status: Option<ProposalStatus>,
    pub kind: Option<ProposalKind>,
    /// Region code (of the destination).
    pub region: Option<String>,
    pub warehouse: Option<String>,
    pub supplier: Option<String>,
    pub part_number: Option<String>,
    /// Only proposals worth at least this much (at most 2 decimal places; values are compared
    /// rounded to whole cents).
    #[param(value_type = Option<String>)]
    pub min_value: Option<Decimal>,
    /// Only proposals worth at most this much (at most 2 decimal places; values are compared
    /// rounded to whole cents).
    #[param(value_type = Option<String>)]
    pub max_value: Option<Decimal>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Changes to an open proposal.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposalEdit {
    #[serde(default, deserialize_with = "crate::validate::integer::option::deserialize")]
    #[schema(value_type = Option<i64>, minimum = 1)]
    pub quantity: Option<i64>,
    /// Another supplier with terms for the part (purchases only).
    pub supplier: Option<String>,
    /// Order a purchase quantity below the supplier's MOQ or off its pack size anyway; the
    /// audit trail records the edit as `proposal.edit_override`.
    #[serde(default, rename = "override")]
    pub override_rules: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectInput {
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkApprove {
    #[schema(min_items = 1, max_items = 500)]
    pub ids: Vec<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BulkApproved {
    pub approved: Vec<Proposal>,
    pub purchase_orders: Vec<i64>,
    pub transfers: Vec<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PurchaseOrderLine {
    pub part_number: String,
    pub quantity: i64,
    pub received: i64,
    /// Units that will not come: the line was short-closed or the order cancelled.
    pub closed: i64,
    /// `quantity - received - closed`, never below 0: what planning counts as on order.
    pub outstanding: i64,
    #[schema(value_type = String, example = "12.50")]
    pub unit_price: Decimal,
    /// When the rest of the line is expected.
    pub expected_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PurchaseOrderStatus {
    /// Nothing received yet.
    Open,
    PartiallyReceived,
    /// Every line received in full.
    Received,
    /// Nothing outstanding, some of it short-closed.
    Closed,
    /// Cancelled before anything arrived.
    Cancelled,
}

impl PurchaseOrderStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PurchaseOrderStatus::Open => "open",
            PurchaseOrderStatus::PartiallyReceived => "partially_received",
            PurchaseOrderStatus::Received => "received",
            PurchaseOrderStatus::Closed => "closed",
            PurchaseOrderStatus::Cancelled => "cancelled",
        }
    }

    /// Whether lines can still change or be received against.
    pub fn is_open(self) -> bool {
        matches!(self, PurchaseOrderStatus::Open | PurchaseOrderStatus::PartiallyReceived)
    }

    pub fn from_stored(s: &str) -> Result<Self, crate::error::AppError> {
        match s {
            "open" => Ok(PurchaseOrderStatus::Open),
            "partially_received" => Ok(PurchaseOrderStatus::PartiallyReceived),
            "received" => Ok(PurchaseOrderStatus::Received),
            "closed" => Ok(PurchaseOrderStatus::Closed),
            "cancelled" => Ok(PurchaseOrderStatus::Cancelled),
            other => Err(crate::error::AppError::unknown_stored("purchase_orders.status", other)),
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PurchaseOrder {
    pub id: i64,
    /// Reference receipts quote as `purchase_order`.
    pub number: String,
    pub supplier: String,
    pub warehouse: String,
    pub status: PurchaseOrderStatus,
    pub lines: Vec<PurchaseOrderLine>,
    #[schema(value_type = String, example = "125.00")]
    pub value: Decimal,
    /// Over-delivery each line accepts, in percent of its quantity (the setting when the order
    /// was placed); a receipt beyond it is refused with 409.
    #[schema(value_type = String, example = "0")]
    pub over_receipt_pct: Decimal,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// The latest expected date of a line with units outstanding (else of any line).
    pub expected_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PurchaseOrderFilter {
    pub status: Option<PurchaseOrderStatus>,
    pub supplier: Option<String>,
    pub warehouse: Option<String>,
    /// The order with this number (as receipts quote it).
    pub number: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Changes to one line of an open purchase order.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineAmendment {
    /// The new ordered quantity: at least what was received and closed, and at least 1.
    #[serde(default, deserialize_with = "crate::validate::integer::option::deserialize")]
    #[schema(value_type = Option<i64>, minimum = 1)]
    pub quantity: Option<i64>,
    /// When the rest of the line is now expected (`YYYY-MM-DD`, UTC).
    pub expected_date: Option<NaiveDate>,
}
