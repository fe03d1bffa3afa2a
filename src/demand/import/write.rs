//! Writing a batch of valid rows: records inserted (skipping keys already imported) and the new
//! ones' demand added to the daily series.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;

use super::prepare::ValidRow;
use super::{ImportReport, BATCH};
use crate::db::{self, AnyConnection};
use crate::demand::daily;
use crate::error::AppError;
use crate::schema::demand_records as r;

/// Inserts the batch's records, skipping keys already imported, and adds the new ones' demand
/// to the daily series.
pub(super) fn write_batch(
    conn: &mut AnyConnection,
    batch: &mut Vec<(String, ValidRow)>,
    report: &mut ImportReport,
) -> Result<(), AppError> {
    if batch.is_empty() {
        return Ok(());
    }
    let now = db::now();
    if let AnyConnection::Postgresql(pg) = conn {
        let inserted = insert_unnested(pg, batch, now)?;
        return finish_batch(conn, batch, inserted, report);
    }
    let values: Vec<_> = batch
        .iter()
        .map(|(key, row)| {
            (
                r::row_key.eq(key.as_str()),
                r::day.eq(row.day),
                r::warehouse_id.eq(row.warehouse_id),
                r::part_id.eq(row.part_id),
                r::quantity.eq(row.quantity),
                r::repair_order.eq(row.repair_order.as_deref()),
                r::product_model.eq(row.product_model.as_deref()),
                r::fault_code.eq(row.fault_code.as_deref()),
                r::imported_at.eq(now),
            )
        })
        .collect();
    let statement = diesel::insert_into(r::table)
        .values(values)
        .on_conflict(r::row_key)
        .do_nothing()
        .returning((r::warehouse_id, r::part_id, r::day, r::quantity));
    let inserted: Vec<Inserted> = match conn {
        AnyConnection::Postgresql(c) => statement.get_results(c)?,
        AnyConnection::Sqlite(c) => statement.get_results(c)?,
    };
    finish_batch(conn, batch, inserted, report)
}

/// A record the insert took (not one already imported), as both backends return it.
#[derive(Queryable, QueryableByName)]
#[diesel(table_name = r)]
struct Inserted {
    warehouse_id: i64,
    part_id: i64,
    day: NaiveDate,
    quantity: i64,
}

/// Counts what a batch's insert took and adds it to the daily series.
fn finish_batch(
    conn: &mut AnyConnection,
    batch: &mut Vec<(String, ValidRow)>,
    inserted: Vec<Inserted>,
    report: &mut ImportReport,
) -> Result<(), AppError> {
    report.rows_imported += inserted.len() as u64;
    report.rows_already_imported += (batch.len() - inserted.len()) as u64;
    let mut totals: HashMap<(i64, i64, NaiveDate), (i64, i64)> = HashMap::new();
    for row in inserted {
        report.units_imported += row.quantity;
        let (units, lines) = totals.entry((row.warehouse_id, row.part_id, row.day)).or_default();
        *units += row.quantity;
        *lines += 1;
    }
    let rows: Vec<_> = totals
        .into_iter()
        .map(|((warehouse_id, part_id, day), (quantity, lines))| daily::DayDemand {
            warehouse_id,
            part_id,
            day,
            quantity,
            lines,
        })
        .collect();
    for chunk in rows.chunks(BATCH) {
        daily::add(conn, chunk)?;
    }
    batch.clear();
    Ok(())
}

/// PostgreSQL: the batch as one array per column (see `daily::add`): one cached statement with
/// nine parameters instead of a new 18,000-parameter statement per batch.
fn insert_unnested(
    pg: &mut diesel::PgConnection,
    batch: &[(String, ValidRow)],
    now: chrono::NaiveDateTime,
) -> Result<Vec<Inserted>, AppError> {
    use diesel::sql_types::{Array, BigInt, Date, Nullable, Text, Timestamp};

    let column = |f: fn(&ValidRow) -> Option<&str>| batch.iter().map(|(_, r)| f(r)).collect::<Vec<_>>();
    let rows: Vec<Inserted> = diesel::sql_query(
        "INSERT INTO demand_records (row_key, day, warehouse_id, part_id, quantity, repair_order, \
         product_model, fault_code, imported_at) \
         SELECT k, d, w, p, q, ro, pm, fc, $9 FROM unnest($1::text[], $2::date[], $3::int8[], \
         $4::int8[], $5::int8[], $6::text[], $7::text[], $8::text[]) AS t(k, d, w, p, q, ro, pm, fc) \
         ON CONFLICT (row_key) DO NOTHING \
         RETURNING warehouse_id, part_id, day, quantity",
    )
    .bind::<Array<Text>, _>(batch.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>())
    .bind::<Array<Date>, _>(batch.iter().map(|(_, r)| r.day).collect::<Vec<_>>())
    .bind::<Array<BigInt>, _>(batch.iter().map(|(_, r)| r.warehouse_id).collect::<Vec<_>>())
    .bind::<Array<BigInt>, _>(batch.iter().map(|(_, r)| r.part_id).collect::<Vec<_>>())
    .bind::<Array<BigInt>, _>(batch.iter().map(|(_, r)| r.quantity).collect::<Vec<_>>())
    .bind::<Array<Nullable<Text>>, _>(column(|r| r.repair_order.as_deref()))
    .bind::<Array<Nullable<Text>>, _>(column(|r| r.product_model.as_deref()))
    .bind::<Array<Nullable<Text>>, _>(column(|r| r.fault_code.as_deref()))
    .bind::<Timestamp, _>(now)
    .get_results(pg)?;
    Ok(rows)
}
