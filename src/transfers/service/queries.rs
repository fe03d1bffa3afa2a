//! The transfer queries the use-cases combine in one transaction: rows and lines read and
//! written, the conditional status change, and the documents assembled for the API.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::catalog::warehouses;
use crate::db::{self, AnyConnection};
use crate::error::AppError;
use crate::pagination::PageRequest;
use crate::schema::{parts as part_t, transfer_lines as tl, transfers as t, warehouses as wh};
use crate::stock::ledger::Actor;
use crate::transfers::model::*;

#[derive(Queryable, Selectable)]
#[diesel(table_name = t)]
pub(super) struct TransferRow {
    id: i64,
    from_warehouse_id: i64,
    to_warehouse_id: i64,
    status: String,
    note: Option<String>,
    created_by: String,
    created_at: NaiveDateTime,
    shipped_at: Option<NaiveDateTime>,
    closed_at: Option<NaiveDateTime>,
}

/// A transfer line with its part number (joined from `parts`).
#[derive(Clone, Queryable, Selectable)]
#[diesel(table_name = tl)]
pub(super) struct LineRow {
    pub(super) id: i64,
    pub(super) transfer_id: i64,
    pub(super) part_id: i64,
    #[diesel(select_expression = part_t::part_number)]
    pub(super) part_number: String,
    pub(super) quantity: i64,
    pub(super) received_qty: i64,
    pub(super) discrepancy_qty: i64,
}

impl LineRow {
    pub(super) fn outstanding(&self) -> i64 {
        self.quantity - self.received_qty - self.discrepancy_qty
    }
}

/// Inserts a transfer document and its lines (part id, quantity) in status `created`.
pub(super) fn insert(
    conn: &mut AnyConnection,
    actor: &Actor,
    (from_id, to_id): (i64, i64),
    note: Option<String>,
    lines: &[(i64, i64)],
) -> Result<i64, AppError> {
    let id: i64 = diesel::insert_into(t::table)
        .values((
            t::from_warehouse_id.eq(from_id),
            t::to_warehouse_id.eq(to_id),
            t::status.eq(TransferStatus::Created.as_str()),
            t::note.eq(note),
            t::created_by.eq(&actor.name),
            t::created_at.eq(db::now()),
        ))
        .returning(t::id)
        .get_result(conn)?;
    for (part_id, quantity) in lines {
        diesel::insert_into(tl::table)
            .values((
                tl::transfer_id.eq(id),
                tl::part_id.eq(part_id),
                tl::quantity.eq(quantity),
            ))
            .execute(conn)?;
    }
    Ok(id)
}

/// Moves the status from one of `from` to `to`; a conditional update, so two concurrent
/// state changes cannot both succeed.
pub(super) fn change_status(
    conn: &mut AnyConnection,
    id: i64,
    from: &[TransferStatus],
    to: TransferStatus,
    stamp: Option<(bool, NaiveDateTime)>,
) -> Result<(), AppError> {
    let current = get(conn, id)?;
    let allowed: Vec<&str> = from.iter().map(|s| s.as_str()).collect();
    let target = t::table.filter(t::id.eq(id)).filter(t::status.eq_any(allowed));
    let changed = match stamp {
        Some((true, at)) => diesel::update(target)
            .set((t::status.eq(to.as_str()), t::shipped_at.eq(Some(at))))
            .execute(conn)?,
        Some((false, at)) => diesel::update(target)
            .set((t::status.eq(to.as_str()), t::closed_at.eq(Some(at))))
            .execute(conn)?,
        None => diesel::update(target).set(t::status.eq(to.as_str())).execute(conn)?,
    };
    if changed == 0 {
        return Err(AppError::InvalidState(format!(
            "transfer {id} is {}; cannot move it to {}",
            current.status.as_str(),
            to.as_str()
        )));
    }
    Ok(())
}

/// Adds `quantity` to a line's received units if that many are still outstanding; false when a
/// concurrent receipt took them first.
pub(super) fn add_received(conn: &mut AnyConnection, line_id: i64, quantity: i64) -> Result<bool, AppError> {
    let changed = diesel::update(
        tl::table
            .filter(tl::id.eq(line_id))
            .filter((tl::quantity - tl::received_qty - tl::discrepancy_qty).ge(quantity)),
    )
    .set(tl::received_qty.eq(tl::received_qty + quantity))
    .execute(conn)?;
    Ok(changed > 0)
}

/// Records `short` units of a line as a discrepancy: they will not arrive.
pub(super) fn add_discrepancy(conn: &mut AnyConnection, line_id: i64, short: i64) -> Result<(), AppError> {
    diesel::update(tl::table.filter(tl::id.eq(line_id)))
        .set(tl::discrepancy_qty.eq(tl::discrepancy_qty + short))
        .execute(conn)?;
    Ok(())
}

pub(super) fn load_lines(conn: &mut AnyConnection, ids: &[i64]) -> Result<Vec<LineRow>, AppError> {
    Ok(tl::table
        .inner_join(part_t::table)
        .filter(tl::transfer_id.eq_any(ids))
        .select(LineRow::as_select())
        .order(tl::id)
        .load(conn)?)
}

fn assemble(conn: &mut AnyConnection, rows: Vec<TransferRow>) -> Result<Vec<Transfer>, AppError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let lines = load_lines(conn, &ids)?;
    let codes: std::collections::HashMap<i64, String> = wh::table
        .select((wh::id, wh::code))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    let code = |id: i64| codes.get(&id).cloned().unwrap_or_default();
    rows.into_iter()
        .map(|row| {
            let status = TransferStatus::from_stored(&row.status)?;
            Ok(Transfer {
                id: row.id,
                from: code(row.from_warehouse_id),
                to: code(row.to_warehouse_id),
                status,
                note: row.note,
                created_by: row.created_by,
                created_at: row.created_at.and_utc(),
                shipped_at: row.shipped_at.map(|t| t.and_utc()),
                closed_at: row.closed_at.map(|t| t.and_utc()),
                lines: lines
                    .iter()
                    .filter(|l| l.transfer_id == row.id)
                    .map(|l| TransferLine {
                        part_number: l.part_number.clone(),
                        quantity: l.quantity,
                        received: l.received_qty,
                        discrepancy: l.discrepancy_qty,
                        outstanding: match status {
                            TransferStatus::Shipped | TransferStatus::PartiallyReceived => l.outstanding(),
                            _ => 0,
                        },
                    })
                    .collect(),
            })
        })
        .collect()
}

pub fn get(conn: &mut AnyConnection, id: i64) -> Result<Transfer, AppError> {
    let row: TransferRow = t::table
        .filter(t::id.eq(id))
        .select(TransferRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("transfer", id.to_string()))?;
    assemble(conn, vec![row])?
        .pop()
        .ok_or_else(|| AppError::not_found("transfer", id.to_string()))
}

/// Transfers matching the filter; `scope` limits them to those touching the given warehouses.
pub fn list(
    conn: &mut AnyConnection,
    filter: &TransferFilter,
    scope: Option<&[String]>,
) -> Result<(Vec<Transfer>, Option<String>), AppError> {
    let page = PageRequest::parse(filter.limit, filter.cursor.as_deref())?;
    use crate::catalog::filters::{require, Code};
    require(
        conn,
        &[
            Code::Warehouse("from", filter.from.as_deref()),
            Code::Warehouse("to", filter.to.as_deref()),
        ],
    )?;
    let mut query = t::table
        .select(TransferRow::as_select())
        .limit(page.fetch_limit())
        .into_boxed();
    if let Some(status) = filter.status {
        query = query.filter(t::status.eq(status.as_str()));
    }
    if let Some(code) = &filter.from {
        let id = warehouses::find(conn, code)?.map(|w| w.id).unwrap_or(-1);
        query = query.filter(t::from_warehouse_id.eq(id));
    }
    if let Some(code) = &filter.to {
        let id = warehouses::find(conn, code)?.map(|w| w.id).unwrap_or(-1);
        query = query.filter(t::to_warehouse_id.eq(id));
    }
    if let Some(codes) = scope {
        let ids: Vec<i64> = wh::table
            .filter(wh::code.eq_any(codes.to_vec()))
            .select(wh::id)
            .load(conn)?;
        query = query.filter(
            t::from_warehouse_id
                .eq_any(ids.clone())
                .or(t::to_warehouse_id.eq_any(ids)),
        );
    }
    let order = filter.sort.unwrap_or(crate::pagination::ListOrder::Oldest);
    let query = crate::order_by_id!(query, t::id, order, page.id_cursor()?);
    let rows: Vec<TransferRow> = query.load(conn)?;
    let (rows, next) = page.finish(rows, |r| r.id.to_string());
    Ok((assemble(conn, rows)?, next))
}
