//! Whether a (warehouse, part) pair is at risk: its position is at or below the reorder point,
//! or the forecast demand empties it before an order placed today could arrive (inside the
//! lead time). Used by the at-risk list, where pairs without a stock row count with position 0.

/// What one pair is judged on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Inputs {
    /// On hand - reserved + everything in flight.
    pub position: i64,
    pub reorder_point: i64,
    /// Forecast units per day (0 without forecast demand).
    pub daily_rate: f64,
    /// The policy's lead time in days.
    pub lead_days: i64,
}

/// Why and how much a pair is at risk.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Risk {
    pub at_or_below_reorder_point: bool,
    pub stockout_inside_lead_time: bool,
    /// Days the position lasts at the forecast rate; `None` without forecast demand.
    pub days_of_cover: Option<f64>,
    /// Whole days from today until the position runs out; `None` without forecast demand.
    pub stockout_in_days: Option<i64>,
    /// Units the position lacks to reach the larger of the reorder point and the forecast
    /// demand over the lead time (rounded up); 0 when it reaches both.
    pub units_short: i64,
}

/// The pair's risk, or `None` when it is neither at or below its reorder point nor projected
/// to run out inside its lead time.
pub fn assess(x: &Inputs) -> Option<Risk> {
    let days_of_cover = (x.daily_rate > 0.0).then(|| x.position.max(0) as f64 / x.daily_rate);
    let at_or_below_reorder_point = x.position <= x.reorder_point;
    let stockout_inside_lead_time = days_of_cover.is_some_and(|days| days < x.lead_days.max(0) as f64);
    if !at_or_below_reorder_point && !stockout_inside_lead_time {
        return None;
    }
    let lead_time_demand = (x.daily_rate.max(0.0) * x.lead_days.max(0) as f64).ceil() as i64;
    Some(Risk {
        at_or_below_reorder_point,
        stockout_inside_lead_time,
        days_of_cover,
        stockout_in_days: days_of_cover.map(|days| days.floor() as i64),
        units_short: (x.reorder_point.max(lead_time_demand) - x.position).max(0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(position: i64, reorder_point: i64, daily_rate: f64, lead_days: i64) -> Inputs {
        Inputs {
            position,
            reorder_point,
            daily_rate,
            lead_days,
        }
    }

    #[test]
    fn a_position_at_the_reorder_point_is_at_risk_and_one_above_is_not_without_demand() {
        let at = assess(&pair(3, 3, 0.0, 5)).expect("at the reorder point");
        assert!(at.at_or_below_reorder_point && !at.stockout_inside_lead_time);
        assert_eq!((at.days_of_cover, at.stockout_in_days, at.units_short), (None, None, 0));
        assert_eq!(assess(&pair(4, 3, 0.0, 5)), None);
    }

    #[test]
    fn a_position_above_the_reorder_point_that_runs_out_inside_the_lead_time_is_at_risk() {
        // 10 units at 2.5 a day last 4 days; the lead time is 6 days (15 units).
        let r = assess(&pair(10, 2, 2.5, 6)).expect("runs out in 4 days");
        assert!(!r.at_or_below_reorder_point && r.stockout_inside_lead_time);
        assert_eq!(
            (r.days_of_cover, r.stockout_in_days, r.units_short),
            (Some(4.0), Some(4), 5)
        );
        // 15 units last exactly the lead time: not inside it.
        assert_eq!(assess(&pair(15, 2, 2.5, 6)), None);
    }

    #[test]
    fn a_pair_without_stock_is_short_by_its_reorder_point_and_covers_no_day() {
        let r = assess(&pair(0, 4, 0.5, 2)).expect("empty");
        assert_eq!(
            (r.days_of_cover, r.stockout_in_days, r.units_short),
            (Some(0.0), Some(0), 4)
        );
        // A negative position (more reserved than held) is short by that much more.
        assert_eq!(assess(&pair(-2, 4, 0.0, 2)).map(|r| r.units_short), Some(6));
    }
}
