//! The daily demand series: recording and reading.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::upsert::excluded;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::db::AnyConnection;
use crate::error::AppError;
use crate::schema::demand_daily as d;

/// Demand added to one (warehouse, part, day): units and the demand lines behind them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayDemand {
    pub warehouse_id: i64,
    pub part_id: i64,
    pub day: NaiveDate,
    pub quantity: i64,
    pub lines: i64,
}

/// Adds demand to (warehouse, part, day) rows; several rows for one key must be summed first
/// (PostgreSQL refuses to update one row twice in a statement).
pub fn add(conn: &mut AnyConnection, rows: &[DayDemand]) -> QueryResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    if let AnyConnection::Postgresql(pg) = conn {
        return add_unnested(pg, rows);
    }
    let values: Vec<_> = rows
        .iter()
        .map(|r| {
            (
                d::warehouse_id.eq(r.warehouse_id),
                d::part_id.eq(r.part_id),
                d::day.eq(r.day),
                d::quantity.eq(r.quantity),
                d::lines.eq(r.lines),
            )
        })
        .collect();
    let statement = diesel::insert_into(d::table)
        .values(values)
        .on_conflict((d::warehouse_id, d::part_id, d::day))
        .do_update()
        .set((
            d::quantity.eq(d::quantity + excluded(d::quantity)),
            d::lines.eq(d::lines + excluded(d::lines)),
        ));
    match conn {
        AnyConnection::Postgresql(c) => statement.execute(c)?,
        AnyConnection::Sqlite(c) => statement.execute(c)?,
    };
    Ok(())
}

/// PostgreSQL: the rows as one array per column, so that any number of rows is one statement
/// with five parameters (planned once and cached) instead of five parameters per row.
fn add_unnested(pg: &mut diesel::PgConnection, rows: &[DayDemand]) -> QueryResult<()> {
    use diesel::sql_types::{Array, BigInt, Date};
    diesel::sql_query(
        "INSERT INTO demand_daily (warehouse_id, part_id, day, quantity, lines) \
         SELECT * FROM unnest($1::int8[], $2::int8[], $3::date[], $4::int8[], $5::int8[]) \
         ON CONFLICT (warehouse_id, part_id, day) DO UPDATE \
         SET quantity = demand_daily.quantity + excluded.quantity, lines = demand_daily.lines + excluded.lines",
    )
    .bind::<Array<BigInt>, _>(rows.iter().map(|r| r.warehouse_id).collect::<Vec<_>>())
    .bind::<Array<BigInt>, _>(rows.iter().map(|r| r.part_id).collect::<Vec<_>>())
    .bind::<Array<Date>, _>(rows.iter().map(|r| r.day).collect::<Vec<_>>())
    .bind::<Array<BigInt>, _>(rows.iter().map(|r| r.quantity).collect::<Vec<_>>())
    .bind::<Array<BigInt>, _>(rows.iter().map(|r| r.lines).collect::<Vec<_>>())
    .execute(pg)?;
    Ok(())
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SeriesQuery {
    /// Warehouse code.
    pub warehouse: String,
    pub part_number: String,
    /// First day (`YYYY-MM-DD` or an RFC 3339 time; default: 730 days before `to`).
    #[serde(default, deserialize_with = "crate::validate::day::option")]
    pub from: Option<NaiveDate>,
    /// Last day (`YYYY-MM-DD` or an RFC 3339 time; default: today).
    #[serde(default, deserialize_with = "crate::validate::day::option")]
    pub to: Option<NaiveDate>,
}

/// One (warehouse, part) demand series, one value per day from `from` to `to`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DemandSeries {
    pub warehouse: String,
    pub part_number: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub total: i64,
    pub demand_days: usize,
    /// Quantity per day, oldest first (zeros included).
    pub daily: Vec<i64>,
}

/// One non-zero day of a pair's demand series.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = d)]
pub struct DemandDay {
    pub warehouse_id: i64,
    pub part_id: i64,
    pub day: NaiveDate,
    pub quantity: i64,
}

/// Non-zero demand days of the given pairs within [from, to], ordered by pair then day.
pub fn load(
    conn: &mut AnyConnection,
    warehouse_ids: &[i64],
    part_ids: &[i64],
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<DemandDay>, AppError> {
    Ok(d::table
        .filter(d::warehouse_id.eq_any(warehouse_ids))
        .filter(d::part_id.eq_any(part_ids))
        .filter(d::day.ge(from))
        .filter(d::day.le(to))
        .select(DemandDay::as_select())
        .order((d::warehouse_id, d::part_id, d::day))
        .load(conn)?)
}

/// Spreads sparse (day, quantity) rows over a dense daily vector from `from` to `to`.
pub fn densify(rows: impl IntoIterator<Item = (NaiveDate, i64)>, from: NaiveDate, to: NaiveDate) -> Vec<f64> {
    let days = (to - from).num_days().max(-1) + 1;
    let mut dense = vec![0.0; days.max(0) as usize];
    for (day, quantity) in rows {
        let index = (day - from).num_days();
        if (0..days).contains(&index) {
            dense[index as usize] += quantity as f64;
        }
    }
    dense
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn densify_places_each_day_and_sums_duplicates() {
        let from = NaiveDate::from_ymd_opt(2026, 1, 1).expect("date");
        let to = NaiveDate::from_ymd_opt(2026, 1, 5).expect("date");
        let rows = [(from, 2), (to, 1), (to, 3), (from - chrono::Duration::days(1), 9)];
        assert_eq!(densify(rows, from, to), vec![2.0, 0.0, 0.0, 0.0, 4.0]);
    }
}
