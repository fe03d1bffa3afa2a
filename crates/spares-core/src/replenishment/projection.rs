//! What a planner's charts show: demand summed per week, and the stock a proposal's position
//! is projected to hold day by day at the forecast rate, without and with the proposal (which
//! arrives after its lead time). Pure arithmetic, for the console's charts.

/// Daily quantities summed into weeks of seven days, oldest first; a last, partial week
/// (fewer than seven days) is dropped so every point covers the same span.
pub fn weekly(daily: &[f64]) -> Vec<f64> {
    daily.chunks_exact(7).map(|week| week.iter().sum()).collect()
}

/// One day of the projection.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProjectedDay {
    /// Days from now (0 = today).
    pub day: i64,
    pub without: f64,
    pub with: f64,
}

/// The position drawn down by `daily_rate` a day for days `0..=horizon_days`; the proposal's
/// `quantity` joins the "with" line from day `arrives_in_days` on. Stock may go below zero
/// (unmet demand), which is what a planner needs to see.
pub fn projected_stock(
    position: i64,
    daily_rate: f64,
    quantity: i64,
    arrives_in_days: i64,
    horizon_days: i64,
) -> Vec<ProjectedDay> {
    (0..=horizon_days.max(0))
        .map(|day| {
            let without = position as f64 - daily_rate * day as f64;
            let arrived = if day >= arrives_in_days { quantity as f64 } else { 0.0 };
            ProjectedDay {
                day,
                without,
                with: without + arrived,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_sum_seven_days_and_drop_a_partial_week() {
        let daily: Vec<f64> = (1..=16).map(f64::from).collect();
        assert_eq!(weekly(&daily), vec![28.0, 77.0]);
        assert!(weekly(&[1.0; 6]).is_empty());
    }

    #[test]
    fn the_order_lifts_the_with_line_from_its_arrival_day() {
        let days = projected_stock(10, 2.0, 20, 3, 6);
        assert_eq!(days.len(), 7);
        assert_eq!((days[0].without, days[0].with), (10.0, 10.0));
        assert_eq!((days[2].without, days[2].with), (6.0, 6.0));
        assert_eq!((days[3].without, days[3].with), (4.0, 24.0));
        assert_eq!((days[6].without, days[6].with), (-2.0, 18.0), "below zero is shown");
    }
}
