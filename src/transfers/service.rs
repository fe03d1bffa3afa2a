//! Transfer use-cases. Each runs inside the caller's write transaction.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::*;
use crate::catalog::{parts, warehouses};
use crate::db::{self, AnyConnection};
use crate::error::AppError;
use crate::pagination::PageRequest;
use crate::reservations::model::check_lines;
use crate::schema::{parts as part_t, transfer_lines as tl, transfers as t, warehouses as wh};
use crate::stock::ledger::{self, Actor, Delta, DocumentRef, MovementKind, NewMovement};
use crate::validate;

#[derive(Queryable, Selectable)]
#[diesel(table_name = t)]
struct TransferRow {
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
struct LineRow {
    id: i64,
    transfer_id: i64,
    part_id: i64,
    #[diesel(select_expression = part_t::part_number)]
    part_number: String,
    quantity: i64,
    received_qty: i64,
    discrepancy_qty: i64,
}

impl LineRow {
    fn outstanding(&self) -> i64 {
        self.quantity - self.received_qty - self.discrepancy_qty
    }
}

pub fn create(conn: &mut AnyConnection, actor: &Actor, input: &TransferInput) -> Result<Transfer, AppError> {
    let from = warehouses::resolve(conn, "from", &input.from)?;
    let to = warehouses::resolve(conn, "to", &input.to)?;
    if from.id == to.id {
        return Err(AppError::validation("to", "must differ from the source warehouse"));
    }
    if !from.active || !to.active {
        return Err(AppError::validation(
            if from.active { "to" } else { "from" },
            "the warehouse is inactive",
        ));
    }
    let note = validate::optional_text("note", input.note.as_deref(), 500)?;
    let wanted = check_lines(&input.lines)?;
    let mut lines = Vec::with_capacity(wanted.len());
    for (i, (part_number, quantity)) in wanted.iter().enumerate() {
        lines.push((
            parts::resolve(conn, &format!("lines[{i}].part_number"), part_number)?,
            *quantity,
        ));
    }
    let id: i64 = diesel::insert_into(t::table)
        .values((
            t::from_warehouse_id.eq(from.id),
            t::to_warehouse_id.eq(to.id),
            t::status.eq(TransferStatus::Created.as_str()),
            t::note.eq(note),
            t::created_by.eq(&actor.name),
            t::created_at.eq(db::now()),
        ))
        .returning(t::id)
        .get_result(conn)?;
    for (part, quantity) in &lines {
        diesel::insert_into(tl::table)
            .values((
                tl::transfer_id.eq(id),
                tl::part_id.eq(part.id),
                tl::quantity.eq(quantity),
            ))
            .execute(conn)?;
    }
    get(conn, id)
}

/// Moves the status from one of `from` to `to`; a conditional update, so two concurrent
/// state changes cannot both succeed.
fn change_status(
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

fn transfer_doc(id: i64) -> DocumentRef {
    DocumentRef {
        kind: "transfer".to_owned(),
        reference: id.to_string(),
    }
}

struct Ends {
    from_id: i64,
    to_id: i64,
    from_code: String,
    to_code: String,
}

fn ends(conn: &mut AnyConnection, transfer: &Transfer) -> Result<Ends, AppError> {
    let from = warehouses::get(conn, &transfer.from)?;
    let to = warehouses::get(conn, &transfer.to)?;
    Ok(Ends {
        from_id: from.id,
        to_id: to.id,
        from_code: from.code,
        to_code: to.code,
    })
}

#[allow(clippy::too_many_arguments)]
fn post(
    conn: &mut AnyConnection,
    actor: &Actor,
    transfer_id: i64,
    (warehouse_id, warehouse_code): (i64, &str),
    line: &LineRow,
    kind: MovementKind,
    quantity: i64,
    delta: Delta,
) -> Result<(), AppError> {
    ledger::post(
        conn,
        actor,
        &NewMovement {
            warehouse_id,
            part_id: line.part_id,
            warehouse_code: warehouse_code.to_owned(),
            part_number: line.part_number.clone(),
            kind,
            quantity,
            delta,
            reason_code: None,
            document: Some(transfer_doc(transfer_id)),
            supplier_id: None,
            lot: None,
            note: None,
        },
    )?;
    Ok(())
}

/// Ships every line: stock leaves the source's `on_hand` and appears in the destination's
/// `in_transit_in`. All lines or none.
pub fn ship(conn: &mut AnyConnection, actor: &Actor, id: i64) -> Result<Transfer, AppError> {
    let transfer = get(conn, id)?;
    change_status(
        conn,
        id,
        &[TransferStatus::Created],
        TransferStatus::Shipped,
        Some((true, db::now())),
    )?;
    let ends = ends(conn, &transfer)?;
    let mut lines = load_lines(conn, &[id])?;
    lines.sort_by_key(|l| l.part_id);
    for line in &lines {
        let q = line.quantity;
        post(
            conn,
            actor,
            id,
            (ends.from_id, &ends.from_code),
            line,
            MovementKind::TransferShip,
            q,
            Delta {
                on_hand: -q,
                ..Delta::default()
            },
        )?;
    }
    for line in &lines {
        let q = line.quantity;
        post(
            conn,
            actor,
            id,
            (ends.to_id, &ends.to_code),
            line,
            MovementKind::TransferInbound,
            q,
            Delta {
                in_transit_in: q,
                ..Delta::default()
            },
        )?;
    }
    get(conn, id)
}

/// Receives lines (or everything outstanding) at the destination; see [`ReceiveInput`].
pub fn receive(conn: &mut AnyConnection, actor: &Actor, id: i64, input: &ReceiveInput) -> Result<Transfer, AppError> {
    let transfer = get(conn, id)?;
    if !matches!(
        transfer.status,
        TransferStatus::Shipped | TransferStatus::PartiallyReceived
    ) {
        return Err(AppError::InvalidState(format!(
            "transfer {id} is {}; only shipped transfers can be received",
            transfer.status.as_str()
        )));
    }
    let ends = ends(conn, &transfer)?;
    let lines = load_lines(conn, &[id])?;
    let receipts: Vec<(LineRow, i64)> = match input.lines.as_deref() {
        None | Some([]) => lines
            .iter()
            .filter(|l| l.outstanding() > 0)
            .map(|l| (l.clone(), l.outstanding()))
            .collect(),
        Some(wanted) => {
            let mut receipts = Vec::with_capacity(wanted.len());
            for (i, (part_number, quantity)) in check_lines(wanted)?.into_iter().enumerate() {
                let line = lines.iter().find(|l| l.part_number == part_number).ok_or_else(|| {
                    AppError::validation(format!("lines[{i}].part_number"), "is not on this transfer")
                })?;
                if quantity > line.outstanding() {
                    return Err(AppError::validation(
                        format!("lines[{i}].quantity"),
                        format!("exceeds the {} outstanding", line.outstanding()),
                    ));
                }
                receipts.push((line.clone(), quantity));
            }
            receipts
        }
    };
    let to = (ends.to_id, ends.to_code.as_str());
    for (line, q) in &receipts {
        let changed = diesel::update(
            tl::table
                .filter(tl::id.eq(line.id))
                .filter((tl::quantity - tl::received_qty - tl::discrepancy_qty).ge(*q)),
        )
        .set(tl::received_qty.eq(tl::received_qty + *q))
        .execute(conn)?;
        if changed == 0 {
            return Err(AppError::InvalidState(
                "the line was received by a concurrent request".into(),
            ));
        }
        post(
            conn,
            actor,
            id,
            to,
            line,
            MovementKind::TransferReceive,
            *q,
            Delta {
                on_hand: *q,
                in_transit_in: -*q,
                ..Delta::default()
            },
        )?;
    }
    if input.close.unwrap_or(false) {
        for line in load_lines(conn, &[id])? {
            let short = line.outstanding();
            if short > 0 {
                diesel::update(tl::table.filter(tl::id.eq(line.id)))
                    .set(tl::discrepancy_qty.eq(tl::discrepancy_qty + short))
                    .execute(conn)?;
                post(
                    conn,
                    actor,
                    id,
                    to,
                    &line,
                    MovementKind::TransferDiscrepancy,
                    short,
                    Delta {
                        in_transit_in: -short,
                        ..Delta::default()
                    },
                )?;
            }
        }
    }
    let open = load_lines(conn, &[id])?.iter().any(|l| l.outstanding() > 0);
    let (next, stamp) = if open {
        (TransferStatus::PartiallyReceived, None)
    } else {
        (TransferStatus::Received, Some((false, db::now())))
    };
    change_status(
        conn,
        id,
        &[TransferStatus::Shipped, TransferStatus::PartiallyReceived],
        next,
        stamp,
    )?;
    get(conn, id)
}

pub fn cancel(conn: &mut AnyConnection, id: i64) -> Result<Transfer, AppError> {
    change_status(
        conn,
        id,
        &[TransferStatus::Created],
        TransferStatus::Cancelled,
        Some((false, db::now())),
    )?;
    get(conn, id)
}

fn load_lines(conn: &mut AnyConnection, ids: &[i64]) -> Result<Vec<LineRow>, AppError> {
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
    let mut query = t::table
        .select(TransferRow::as_select())
        .order(t::id)
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
    if let Some(after) = page.id_cursor()? {
        query = query.filter(t::id.gt(after));
    }
    let rows: Vec<TransferRow> = query.load(conn)?;
    let (rows, next) = page.finish(rows, |r| r.id.to_string());
    Ok((assemble(conn, rows)?, next))
}
