//! Stored (s, S) policies per (warehouse, part) and their manual min/max overrides.

use diesel::prelude::*;

use super::model::{Policy, PolicyFilter, PolicyOverride};
use crate::catalog::{parts, warehouses};
use crate::db::{self, AnyConnection};
use crate::error::AppError;
use crate::pagination::PageRequest;
use crate::schema::{parts as p, replenishment_policies as rp, warehouses as w};

/// A stored policy with its warehouse code and part number (joined).
#[derive(Queryable, Selectable)]
#[diesel(table_name = rp)]
struct Row {
    #[diesel(select_expression = w::code)]
    warehouse: String,
    #[diesel(select_expression = p::part_number)]
    part_number: String,
    reorder_point: i64,
    order_up_to: i64,
    expected_fill_rate: f64,
    daily_rate: f64,
    lead_time_days: i32,
    demand_class: String,
    method: String,
    manual: bool,
    manual_min: Option<i64>,
    manual_max: Option<i64>,
    computed_at: chrono::NaiveDateTime,
}

fn to_policy(r: Row) -> Policy {
    Policy {
        warehouse: r.warehouse,
        part_number: r.part_number,
        reorder_point: r.reorder_point,
        order_up_to: r.order_up_to,
        expected_fill_rate: r.expected_fill_rate,
        daily_rate: r.daily_rate,
        lead_time_days: r.lead_time_days,
        demand_class: r.demand_class,
        method: r.method,
        manual: r.manual,
        manual_min: r.manual_min,
        manual_max: r.manual_max,
        computed_at: r.computed_at.and_utc(),
    }
}

/// Policies matching the filter; an unknown warehouse or part in it is a 400 naming it.
pub fn list(
    conn: &mut AnyConnection,
    filter: &PolicyFilter,
    scope: Option<&[String]>,
) -> Result<(Vec<Policy>, Option<String>), AppError> {
    crate::catalog::filters::require_known(conn, filter.warehouse.as_deref(), None, filter.part_number.as_deref())?;
    load(conn, filter, scope)
}

fn load(
    conn: &mut AnyConnection,
    filter: &PolicyFilter,
    scope: Option<&[String]>,
) -> Result<(Vec<Policy>, Option<String>), AppError> {
    let page = PageRequest::parse(filter.limit, filter.cursor.as_deref())?;
    let mut query = rp::table
        .inner_join(w::table)
        .inner_join(p::table)
        .select(Row::as_select())
        .order((w::code, p::part_number))
        .limit(page.fetch_limit())
        .into_boxed();
    if let Some(code) = &filter.warehouse {
        query = query.filter(w::code.eq(code.clone()));
    }
    if let Some(pn) = &filter.part_number {
        query = query.filter(p::part_number.eq(pn.clone()));
    }
    if let Some(manual) = filter.manual {
        query = query.filter(rp::manual.eq(manual));
    }
    if let Some(codes) = scope {
        query = query.filter(w::code.eq_any(codes.to_vec()));
    }
    if let Some(cursor) = page.cursor.as_deref() {
        let (wc, pn) = cursor
            .split_once('|')
            .ok_or_else(|| AppError::validation("cursor", "is not a valid cursor"))?;
        query = query.filter(
            w::code
                .gt(wc.to_owned())
                .or(w::code.eq(wc.to_owned()).and(p::part_number.gt(pn.to_owned()))),
        );
    }
    let rows: Vec<Row> = query.load(conn)?;
    let items = rows.into_iter().map(to_policy).collect();
    Ok(page.finish(items, |x: &Policy| format!("{}|{}", x.warehouse, x.part_number)))
}

pub fn get(conn: &mut AnyConnection, warehouse: &str, part_number: &str) -> Result<Option<Policy>, AppError> {
    let filter = PolicyFilter {
        warehouse: Some(warehouse.to_owned()),
        part_number: Some(part_number.to_owned()),
        limit: Some(1),
        ..PolicyFilter::default()
    };
    Ok(load(conn, &filter, None)?.0.into_iter().next())
}

/// Sets a manual min/max: from now on s = min and S = max for this pair, until cleared.
pub fn set_override(
    conn: &mut AnyConnection,
    warehouse: &str,
    part_number: &str,
    input: &PolicyOverride,
) -> Result<Policy, AppError> {
    let site = warehouses::get(conn, warehouse)?;
    let part = parts::get(conn, part_number)?;
    crate::validate::non_negative("min", input.min)?;
    if input.max < input.min {
        return Err(AppError::validation("max", "must be at least min"));
    }
    if input.max > crate::validate::MAX_QUANTITY {
        return Err(AppError::validation("max", "is too large"));
    }
    let now = db::now();
    let updated = diesel::update(rp::table.find((site.id, part.id)))
        .set((
            rp::manual.eq(true),
            rp::manual_min.eq(Some(input.min)),
            rp::manual_max.eq(Some(input.max)),
            rp::reorder_point.eq(input.min),
            rp::order_up_to.eq(input.max),
        ))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(rp::table)
            .values((
                rp::warehouse_id.eq(site.id),
                rp::part_id.eq(part.id),
                rp::reorder_point.eq(input.min),
                rp::order_up_to.eq(input.max),
                rp::expected_fill_rate.eq(0.0),
                rp::daily_rate.eq(0.0),
                rp::lead_time_days.eq(0),
                rp::demand_class.eq("none"),
                rp::method.eq("manual"),
                rp::manual.eq(true),
                rp::manual_min.eq(Some(input.min)),
                rp::manual_max.eq(Some(input.max)),
                rp::computed_at.eq(now),
            ))
            .execute(conn)?;
    }
    get(conn, warehouse, part_number)?
        .ok_or_else(|| AppError::not_found("policy", format!("{warehouse}/{part_number}")))
}

/// Clears a manual override; the computed levels apply again from the next run.
pub fn clear_override(conn: &mut AnyConnection, warehouse: &str, part_number: &str) -> Result<Policy, AppError> {
    let site = warehouses::get(conn, warehouse)?;
    let part = parts::get(conn, part_number)?;
    let updated = diesel::update(rp::table.find((site.id, part.id)).filter(rp::manual.eq(true)))
        .set((
            rp::manual.eq(false),
            rp::manual_min.eq(None::<i64>),
            rp::manual_max.eq(None::<i64>),
        ))
        .execute(conn)?;
    if updated == 0 {
        return Err(AppError::not_found(
            "manual override",
            format!("{warehouse}/{part_number}"),
        ));
    }
    get(conn, warehouse, part_number)?
        .ok_or_else(|| AppError::not_found("policy", format!("{warehouse}/{part_number}")))
}
