//! Where a short part can be found now, for the dispatcher.

use crate::catalog::warehouses::Warehouse;
use crate::db::AnyConnection;
use crate::error::{AppError, AvailableAt};
use crate::stock::balances;

/// Warehouses other than `at` with available stock of the part: same region first, then the
/// others, each group largest first. `visible` limits them to the warehouses the caller may see.
pub fn available_elsewhere(
    conn: &mut AnyConnection,
    at: &Warehouse,
    part_id: i64,
    visible: Option<&[String]>,
) -> Result<Vec<AvailableAt>, AppError> {
    let mut found: Vec<AvailableAt> = balances::available_by_warehouse(conn, part_id)?
        .into_iter()
        .filter(|row| row.warehouse != at.code && visible.is_none_or(|codes| codes.contains(&row.warehouse)))
        .map(|row| AvailableAt {
            same_region: row.region == at.region,
            warehouse: row.warehouse,
            region: row.region,
            available: row.available,
        })
        .collect();
    found.sort_by(|a, b| {
        b.same_region
            .cmp(&a.same_region)
            .then_with(|| b.available.cmp(&a.available))
            .then_with(|| a.warehouse.cmp(&b.warehouse))
    });
    Ok(found)
}
