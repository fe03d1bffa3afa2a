//! Proposal types: what a run proposes, its figures and revisions, and the planner's edits and
//! decisions.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{Binding, Explanation};

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
    #[serde(serialize_with = "crate::money::serialize")]
    pub unit_price: Decimal,
    #[schema(value_type = String, example = "125.00")]
    #[serde(serialize_with = "crate::money::serialize")]
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
    #[serde(serialize_with = "crate::money::serialize")]
    pub unit_price: Decimal,
    #[schema(value_type = String, example = "125.00")]
    #[serde(serialize_with = "crate::money::serialize")]
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
    /// Only proposals for parts of this criticality class.
    pub criticality: Option<crate::catalog::parts::Criticality>,
    /// Only proposals a planner edited (`true`) or did not (`false`).
    pub edited: Option<bool>,
    /// The order (default `id`): `value` highest first, `urgency` lowest expected fill rate
    /// without the proposal first, `cover` fewest days of cover first.
    #[param(inline)]
    pub sort: Option<crate::replenishment::listing::ProposalSort>,
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
