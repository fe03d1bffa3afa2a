//! Replenishment on the database: per-pair (s, S) policies from the stored forecasts with one
//! network shadow price ([`spares_core::replenishment`] does the math), replenishment runs that
//! propose transfers before purchases, the proposal workflow, purchase orders (whose receipts
//! lower `on_order` through the ledger), refused reservations and the KPIs.

pub mod approval;
pub mod at_risk;
pub mod calibration;
pub mod explain;
pub mod kpis;
pub mod listing;
pub mod model;
pub mod order_changes;
pub mod planning;
pub mod policies;
pub mod positions;
pub mod proposals;
pub mod purchase_orders;
pub mod receipts;
pub mod refusals;
pub mod review;
pub mod revisions;
pub mod runs;

use std::collections::{BTreeMap, HashMap};

use diesel::prelude::*;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};

use crate::db::AnyConnection;
use crate::error::AppError;
use crate::schema::{regions, warehouses};

/// How replenishment plans and what it may approve by itself.
#[derive(Debug, Clone)]
pub struct ReplenishmentSettings {
    /// Network target: at most this share of demand lines may find no stock (0.01 = 1%).
    pub stockout_target: f64,
    /// Tighter targets per region code.
    pub region_targets: BTreeMap<String, f64>,
    /// Tighter targets per criticality class (`critical`, `high`, `medium`, `low`).
    pub class_targets: BTreeMap<String, f64>,
    /// Minimum fill rate of every critical part at every warehouse.
    pub critical_floor: f64,
    /// Holding cost per year as a share of the unit cost (for the EOQ).
    pub holding_rate: f64,
    /// Cost of placing one order line, in cents (for the EOQ).
    pub order_cost_cents: i64,
    /// Transfer lead times in days.
    pub lane_days_same_region: i64,
    pub lane_days_cross_region: i64,
    /// Purchase proposals worth less than this are approved at once.
    pub auto_approve_below: Option<Decimal>,
    /// Transfer proposals inside one region are approved at once.
    pub auto_approve_regional_transfers: bool,
    /// Over-delivery a new purchase order accepts per line, in percent of its quantity
    /// (0: not one unit more than ordered).
    pub over_receipt_pct: Decimal,
    /// Review period in days (as the forecasts use it).
    pub review_days: i64,
    /// How the internal target is calibrated by backtesting.
    pub calibration: CalibrationSettings,
}

/// The backtest that sets the internal target (see `calibration`).
#[derive(Debug, Clone)]
pub struct CalibrationSettings {
    /// Calibrate at all; off, the allocation takes the configured targets as they are.
    pub enabled: bool,
    /// A full run calibrates again when the last calibration is at least this old (0: every run).
    pub recalibrate_days: i64,
    /// Days of recent history replayed.
    pub backtest_days: i64,
    /// Days between the backtest's model origins: forecasts re-estimated as demand arrives.
    pub refresh_days: i64,
    /// One-sided confidence that the replayed levels' true rate is under the target
    /// (`spares_core::replenishment::bound`): a replay is one noisy sample.
    pub confidence: f64,
    /// Days of history each backtest model is built from (as the forecasts).
    pub history_days: i64,
}

impl Default for CalibrationSettings {
    fn default() -> Self {
        // The simulator's engine's values, except a shorter window: the service recalibrates
        // weekly and plans on fresh forecasts.
        CalibrationSettings {
            enabled: true,
            recalibrate_days: 7,
            backtest_days: 91,
            refresh_days: 28,
            confidence: spares_core::replenishment::bound::CONFIDENCE,
            history_days: 730,
        }
    }
}

impl Default for ReplenishmentSettings {
    fn default() -> Self {
        ReplenishmentSettings {
            stockout_target: 0.01,
            region_targets: BTreeMap::new(),
            class_targets: BTreeMap::new(),
            critical_floor: 0.995,
            holding_rate: 0.25,
            order_cost_cents: 5_000,
            lane_days_same_region: 1,
            lane_days_cross_region: 3,
            auto_approve_below: None,
            auto_approve_regional_transfers: false,
            over_receipt_pct: Decimal::ZERO,
            review_days: 1,
            calibration: CalibrationSettings::default(),
        }
    }
}

/// A warehouse as planning needs it.
#[derive(Debug, Clone)]
pub struct Site {
    pub id: i64,
    pub code: String,
    pub region_id: i64,
    pub region: String,
    pub regional_centre: bool,
}

/// Every warehouse by id (a network has tens to hundreds).
pub fn sites(conn: &mut AnyConnection) -> Result<HashMap<i64, Site>, AppError> {
    let rows: Vec<SiteRow> = warehouses::table
        .inner_join(regions::table)
        .select(SiteRow::as_select())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let site = Site {
                id: r.id,
                code: r.code,
                region_id: r.region_id,
                region: r.region,
                regional_centre: r.kind == "regional",
            };
            (r.id, site)
        })
        .collect())
}

/// A warehouse with its region's id and code (joined).
#[derive(Queryable, Selectable)]
#[diesel(table_name = warehouses)]
struct SiteRow {
    id: i64,
    code: String,
    #[diesel(select_expression = regions::id)]
    region_id: i64,
    #[diesel(select_expression = regions::code)]
    region: String,
    kind: String,
}

/// Money as stored (TEXT), normalised.
pub(crate) fn money_text(value: Decimal) -> String {
    value.normalize().to_string()
}

/// Money in whole cents, rounded half away from zero (as SQL `ROUND` does), saturating at the
/// `i64` range: for filtering and sorting in SQL only, never for arithmetic.
pub(crate) fn money_cents(value: Decimal) -> i64 {
    let saturated = if value.is_sign_negative() { i64::MIN } else { i64::MAX };
    value
        .checked_mul(Decimal::ONE_HUNDRED)
        .and_then(|c| {
            c.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
                .to_i64()
        })
        .unwrap_or(saturated)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cents_round_half_away_from_zero_and_saturate() {
        let d = |s: &str| s.parse::<Decimal>().expect("decimal");
        assert_eq!(money_cents(d("125.5")), 12_550);
        assert_eq!(money_cents(d("0.005")), 1);
        assert_eq!(money_cents(d("0.0049")), 0);
        assert_eq!(money_cents(d("-0.005")), -1);
        assert_eq!(money_cents(Decimal::MAX), i64::MAX);
    }
}
