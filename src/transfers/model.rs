//! Transfer types and inputs.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::reservations::model::LineInput;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TransferStatus {
    Created,
    Shipped,
    PartiallyReceived,
    Received,
    Cancelled,
}

impl TransferStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TransferStatus::Created => "created",
            TransferStatus::Shipped => "shipped",
            TransferStatus::PartiallyReceived => "partially_received",
            TransferStatus::Received => "received",
            TransferStatus::Cancelled => "cancelled",
        }
    }

    pub fn from_stored(s: &str) -> Result<Self, crate::error::AppError> {
        match s {
            "created" => Ok(TransferStatus::Created),
            "shipped" => Ok(TransferStatus::Shipped),
            "partially_received" => Ok(TransferStatus::PartiallyReceived),
            "received" => Ok(TransferStatus::Received),
            "cancelled" => Ok(TransferStatus::Cancelled),
            other => Err(crate::error::AppError::unknown_stored("transfers.status", other)),
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Transfer {
    pub id: i64,
    /// Source warehouse code.
    pub from: String,
    /// Destination warehouse code.
    pub to: String,
    pub status: TransferStatus,
    pub note: Option<String>,
    pub lines: Vec<TransferLine>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub shipped_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TransferLine {
    pub part_number: String,
    pub quantity: i64,
    pub received: i64,
    /// Units shipped but never received, recorded when the transfer was closed short.
    pub discrepancy: i64,
    /// Still in transit: `quantity - received - discrepancy` once shipped.
    pub outstanding: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferInput {
    /// Source warehouse code.
    pub from: String,
    /// Destination warehouse code.
    pub to: String,
    #[schema(min_items = 1, max_items = 200)]
    pub lines: Vec<LineInput>,
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

/// A receipt at the destination. Without lines, everything outstanding is received. With
/// `close`, whatever is still outstanding after these lines is recorded as a discrepancy and
/// the transfer is closed.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiveInput {
    pub lines: Option<Vec<LineInput>>,
    pub close: Option<bool>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TransferFilter {
    pub status: Option<TransferStatus>,
    /// Source warehouse code.
    pub from: Option<String>,
    /// Destination warehouse code.
    pub to: Option<String>,
    /// `oldest` first (the default) or `newest` first; the cursor follows the order asked for.
    #[param(inline)]
    pub sort: Option<crate::pagination::ListOrder>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}
