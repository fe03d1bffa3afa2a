//! Reservation types, inputs and their parsing.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::AppError;
use crate::validate;

/// Most lines one reservation may carry.
pub const MAX_LINES: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReservationStatus {
    /// Some quantity is still reserved.
    Active,
    /// Everything reserved was consumed (or the rest released after a partial consumption).
    Consumed,
    Released,
    /// Released by the expiry task.
    Expired,
}

impl ReservationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReservationStatus::Active => "active",
            ReservationStatus::Consumed => "consumed",
            ReservationStatus::Released => "released",
            ReservationStatus::Expired => "expired",
        }
    }

    pub fn from_stored(s: &str) -> Result<Self, crate::error::AppError> {
        match s {
            "active" => Ok(ReservationStatus::Active),
            "consumed" => Ok(ReservationStatus::Consumed),
            "released" => Ok(ReservationStatus::Released),
            "expired" => Ok(ReservationStatus::Expired),
            other => Err(crate::error::AppError::unknown_stored("reservations.status", other)),
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Reservation {
    pub id: i64,
    pub repair_order: String,
    pub warehouse: String,
    pub status: ReservationStatus,
    pub lines: Vec<ReservationLine>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReservationLine {
    pub part_number: String,
    pub quantity: i64,
    pub consumed: i64,
    pub released: i64,
    /// Still reserved: `quantity - consumed - released`.
    pub remaining: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReservationInput {
    #[schema(min_length = 1, max_length = 64)]
    pub repair_order: String,
    /// Warehouse code.
    pub warehouse: String,
    #[schema(min_items = 1, max_items = 200)]
    pub lines: Vec<LineInput>,
    /// Minutes until the reservation expires; defaults to the service's setting (72 h).
    #[serde(default, deserialize_with = "validate::integer::option::deserialize")]
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 525600)]
    pub expires_in_minutes: Option<i64>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineInput {
    pub part_number: String,
    #[serde(deserialize_with = "validate::integer::deserialize")]
    #[schema(value_type = i64, minimum = 1, example = 1)]
    pub quantity: i64,
}

/// Body of a consumption: no lines (or no body) consumes everything still reserved.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsumeInput {
    pub lines: Option<Vec<LineInput>>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReservationFilter {
    pub repair_order: Option<String>,
    pub warehouse: Option<String>,
    pub status: Option<ReservationStatus>,
    /// `oldest` first (the default) or `newest` first; the cursor follows the order asked for.
    #[param(inline)]
    pub sort: Option<crate::pagination::ListOrder>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Checks lines: at least one, at most [`MAX_LINES`], positive quantities, no part twice.
pub fn check_lines(lines: &[LineInput]) -> Result<Vec<(String, i64)>, AppError> {
    if lines.is_empty() {
        return Err(AppError::validation("lines", "must contain at least one line"));
    }
    if lines.len() > MAX_LINES {
        return Err(AppError::validation(
            "lines",
            format!("must contain at most {MAX_LINES} lines"),
        ));
    }
    let mut parsed: Vec<(String, i64)> = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        let part = validate::code(&format!("lines[{i}].part_number"), &line.part_number)?;
        let quantity = validate::positive(&format!("lines[{i}].quantity"), line.quantity)?;
        if parsed.iter().any(|(p, _)| *p == part) {
            return Err(AppError::validation(
                format!("lines[{i}].part_number"),
                format!("part {part} appears on more than one line"),
            ));
        }
        parsed.push((part, quantity));
    }
    Ok(parsed)
}
