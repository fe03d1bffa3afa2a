//! Purchase order types: orders, their lines and status, filters and line amendments.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

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
    #[serde(serialize_with = "crate::money::serialize")]
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
    #[serde(serialize_with = "crate::money::serialize")]
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
    /// `oldest` first (the default) or `newest` first; the cursor follows the order asked for.
    #[param(inline)]
    pub sort: Option<crate::pagination::ListOrder>,
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
    /// When the rest of the line is now expected (`YYYY-MM-DD`, or an RFC 3339 time for its
    /// UTC day).
    #[serde(default, deserialize_with = "crate::validate::day::option")]
    #[schema(value_type = Option<String>, format = Date, example = "2026-12-24")]
    pub expected_date: Option<NaiveDate>,
}
