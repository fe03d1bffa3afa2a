//! Reservation use-cases. Each runs inside the caller's write transaction. Consuming and
//! releasing, which settle a reservation, are in `settle`.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::model::*;
pub use super::settle::{consume, release, release_visible};
use super::shortage;
use crate::catalog::parts::{self, Part};
use crate::catalog::warehouses::{self, Warehouse};
use crate::db::{self, AnyConnection};
use crate::error::{AppError, ShortageLine};
use crate::pagination::PageRequest;
use crate::schema::{parts as part_t, reservation_lines as rl, reservations as r, warehouses as wh};
use crate::stock::ledger::{self, Actor, Delta, DocumentRef, MovementKind, NewMovement};
use crate::validate;

/// A reservation's row with its warehouse's code (joined).
#[derive(Queryable, Selectable)]
#[diesel(table_name = r)]
pub(super) struct ReservationRow {
    pub id: i64,
    pub repair_order: String,
    pub warehouse_id: i64,
    pub status: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub closed_at: Option<NaiveDateTime>,
    #[diesel(select_expression = wh::code)]
    pub warehouse_code: String,
}

/// A reservation line with its part's number (joined).
#[derive(Clone, Queryable, Selectable)]
#[diesel(table_name = rl)]
pub(super) struct LineRow {
    pub id: i64,
    pub reservation_id: i64,
    pub part_id: i64,
    #[diesel(select_expression = part_t::part_number)]
    pub part_number: String,
    pub quantity: i64,
    #[diesel(column_name = consumed_qty)]
    pub consumed: i64,
    #[diesel(column_name = released_qty)]
    pub released: i64,
}

impl LineRow {
    /// What is still reserved on the line.
    pub fn remaining(&self) -> i64 {
        self.quantity - self.consumed - self.released
    }
}

/// Reserves every line or none; on shortage the error lists each short line and where the
/// part is available now. The caller's transaction rolls back on a shortage; it then passes
/// the refusal to [`super::refused::record`].
pub fn reserve(
    conn: &mut AnyConnection,
    actor: &Actor,
    input: &ReservationInput,
    default_ttl: Duration,
    visible: Option<&[String]>,
) -> Result<Reservation, AppError> {
    let repair_order = validate::text("repair_order", &input.repair_order, 64)?;
    let warehouse = warehouses::resolve(conn, "warehouse", &input.warehouse)?;
    if !warehouse.active {
        return Err(AppError::validation("warehouse", "the warehouse is inactive"));
    }
    let ttl = ttl(input, default_ttl)?;
    let wanted = check_lines(&input.lines)?;
    let numbers: Vec<&str> = wanted.iter().map(|(number, _)| number.as_str()).collect();
    let found = parts::resolve_all(conn, &numbers, |i| format!("lines[{i}].part_number"))?;
    let lines: Vec<_> = found.into_iter().zip(wanted.iter().map(|(_, q)| *q)).collect();
    let now = db::now();
    let id: i64 = diesel::insert_into(r::table)
        .values((
            r::repair_order.eq(&repair_order),
            r::warehouse_id.eq(warehouse.id),
            r::status.eq(ReservationStatus::Active.as_str()),
            r::created_by.eq(&actor.name),
            r::created_at.eq(now),
            r::expires_at.eq(now + ttl),
        ))
        .returning(r::id)
        .get_result(conn)?;
    hold_lines(conn, actor, id, &warehouse, &lines, visible)?;
    let rows: Vec<_> = lines
        .iter()
        .map(|(part, quantity)| {
            (
                rl::reservation_id.eq(id),
                rl::part_id.eq(part.id),
                rl::quantity.eq(*quantity),
            )
        })
        .collect();
    // One multi-row INSERT; the backends' own connections build it (the enum cannot).
    let insert = diesel::insert_into(rl::table).values(&rows);
    match conn {
        AnyConnection::Postgresql(pg) => insert.execute(pg)?,
        AnyConnection::Sqlite(sqlite) => insert.execute(sqlite)?,
    };
    // What the statements above wrote, without reading it back.
    Ok(Reservation {
        id,
        repair_order,
        warehouse: warehouse.code,
        status: ReservationStatus::Active,
        lines: lines
            .into_iter()
            .map(|(part, quantity)| ReservationLine {
                part_number: part.part_number,
                quantity,
                consumed: 0,
                released: 0,
                remaining: quantity,
            })
            .collect(),
        created_by: actor.name.clone(),
        created_at: now.and_utc(),
        expires_at: (now + ttl).and_utc(),
        closed_at: None,
    })
}

/// How long the reservation holds its stock: the request's minutes or the service's default.
pub(super) fn ttl(input: &ReservationInput, default_ttl: Duration) -> Result<Duration, AppError> {
    match input.expires_in_minutes {
        Some(m) if (1..=525_600).contains(&m) => Ok(Duration::minutes(m)),
        Some(_) => Err(AppError::validation(
            "expires_in_minutes",
            "must be between 1 and 525600",
        )),
        None => Ok(default_ttl),
    }
}

/// Moves each line's quantity into `reserved` (one `reserve` movement a line). Every line is
/// tried, so a shortage lists all the short lines in request order, each with where the part
/// is available now.
fn hold_lines(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: i64,
    warehouse: &Warehouse,
    lines: &[(Part, i64)],
    visible: Option<&[String]>,
) -> Result<(), AppError> {
    // Balance rows are touched in part-id order so concurrent reservations cannot deadlock.
    let mut order: Vec<usize> = (0..lines.len()).collect();
    order.sort_by_key(|&i| lines[i].0.id);
    let mut short: Vec<(usize, ShortageLine)> = Vec::new();
    for i in order {
        let (part, quantity) = &lines[i];
        let posted = ledger::post(
            conn,
            actor,
            &NewMovement {
                warehouse_id: warehouse.id,
                part_id: part.id,
                warehouse_code: warehouse.code.clone(),
                part_number: part.part_number.clone(),
                kind: MovementKind::Reserve,
                quantity: *quantity,
                delta: Delta {
                    reserved: *quantity,
                    ..Delta::default()
                },
                reason_code: None,
                document: Some(reservation_doc(id)),
                supplier_id: None,
                lot: None,
                note: None,
            },
        );
        match posted {
            Ok(_) => {}
            Err(AppError::InsufficientStock { available, .. }) => short.push((
                i,
                ShortageLine {
                    part_number: part.part_number.clone(),
                    requested: *quantity,
                    available,
                    shortage: quantity - available.max(0),
                    available_elsewhere: shortage::available_elsewhere(conn, warehouse, part.id, visible)?,
                },
            )),
            Err(other) => return Err(other),
        }
    }
    if short.is_empty() {
        return Ok(());
    }
    short.sort_by_key(|(i, _)| *i);
    Err(AppError::Shortage {
        lines: short.into_iter().map(|(_, line)| line).collect(),
    })
}

pub(super) fn reservation_doc(id: i64) -> DocumentRef {
    DocumentRef {
        kind: "reservation".to_owned(),
        reference: id.to_string(),
    }
}

pub(super) fn load_lines(conn: &mut AnyConnection, ids: &[i64]) -> Result<Vec<LineRow>, AppError> {
    Ok(rl::table
        .inner_join(part_t::table)
        .filter(rl::reservation_id.eq_any(ids))
        .select(LineRow::as_select())
        .order(rl::id)
        .load(conn)?)
}

pub(super) fn assemble(rows: Vec<ReservationRow>, lines: &[LineRow]) -> Result<Vec<Reservation>, AppError> {
    rows.into_iter()
        .map(|row| {
            Ok(Reservation {
                id: row.id,
                repair_order: row.repair_order,
                status: ReservationStatus::from_stored(&row.status)?,
                created_by: row.created_by,
                created_at: row.created_at.and_utc(),
                expires_at: row.expires_at.and_utc(),
                closed_at: row.closed_at.map(|t| t.and_utc()),
                warehouse: row.warehouse_code,
                lines: assemble_lines(lines, row.id),
            })
        })
        .collect()
}

pub(super) fn assemble_lines(lines: &[LineRow], reservation_id: i64) -> Vec<ReservationLine> {
    lines
        .iter()
        .filter(|l| l.reservation_id == reservation_id)
        .map(|l| ReservationLine {
            part_number: l.part_number.clone(),
            quantity: l.quantity,
            consumed: l.consumed,
            released: l.released,
            remaining: l.remaining(),
        })
        .collect()
}

pub fn get(conn: &mut AnyConnection, id: i64) -> Result<Reservation, AppError> {
    Ok(read(conn, id)?.reservation)
}

/// A reservation as stored, with what a change to it needs beside the API's view.
pub(super) struct Stored {
    pub reservation: Reservation,
    pub warehouse_id: i64,
    pub lines: Vec<LineRow>,
}

/// Reads reservation `id` and its lines in one query (every reservation has a line); unknown
/// is 404.
pub(super) fn read(conn: &mut AnyConnection, id: i64) -> Result<Stored, AppError> {
    let rows: Vec<(ReservationRow, LineRow)> = rl::table
        .inner_join(r::table.inner_join(wh::table))
        .inner_join(part_t::table)
        .filter(r::id.eq(id))
        .select((ReservationRow::as_select(), LineRow::as_select()))
        .order(rl::id)
        .load(conn)?;
    let mut rows = rows.into_iter();
    let found = rows.next().map(|(row, first)| {
        let lines = std::iter::once(first).chain(rows.map(|(_, line)| line)).collect();
        (row, lines)
    });
    stored(id, found)
}

/// A reservation's row and lines as [`Stored`]; nothing found is 404.
pub(super) fn stored(id: i64, found: Option<(ReservationRow, Vec<LineRow>)>) -> Result<Stored, AppError> {
    let (row, lines) = found.ok_or_else(|| AppError::not_found("reservation", id.to_string()))?;
    let warehouse_id = row.warehouse_id;
    let reservation = assemble(vec![row], &lines)?
        .pop()
        .ok_or_else(|| AppError::not_found("reservation", id.to_string()))?;
    Ok(Stored {
        reservation,
        warehouse_id,
        lines,
    })
}

/// Reservations matching the filter; `scope` limits them to those warehouse codes.
pub fn list(
    conn: &mut AnyConnection,
    filter: &ReservationFilter,
    scope: Option<&[String]>,
) -> Result<(Vec<Reservation>, Option<String>), AppError> {
    let page = PageRequest::parse(filter.limit, filter.cursor.as_deref())?;
    crate::catalog::filters::require(
        conn,
        &[crate::catalog::filters::Code::Warehouse(
            "warehouse",
            filter.warehouse.as_deref(),
        )],
    )?;
    let mut query = r::table
        .inner_join(wh::table)
        .select(ReservationRow::as_select())
        .limit(page.fetch_limit())
        .into_boxed();
    if let Some(ro) = &filter.repair_order {
        query = query.filter(r::repair_order.eq(ro.clone()));
    }
    if let Some(code) = &filter.warehouse {
        query = query.filter(wh::code.eq(code.clone()));
    }
    if let Some(status) = filter.status {
        query = query.filter(r::status.eq(status.as_str()));
    }
    if let Some(codes) = scope {
        query = query.filter(wh::code.eq_any(codes.to_vec()));
    }
    let order = filter.sort.unwrap_or(crate::pagination::ListOrder::Oldest);
    let query = crate::order_by_id!(query, r::id, order, page.id_cursor()?);
    let rows: Vec<ReservationRow> = query.load(conn)?;
    let (rows, next) = page.finish(rows, |row| row.id.to_string());
    let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
    let lines = load_lines(conn, &ids)?;
    Ok((assemble(rows, &lines)?, next))
}

/// Ids of active reservations whose time is up, oldest first.
pub fn due_for_expiry(conn: &mut AnyConnection, now: NaiveDateTime, batch: i64) -> Result<Vec<i64>, AppError> {
    Ok(r::table
        .filter(r::status.eq(ReservationStatus::Active.as_str()))
        .filter(r::expires_at.le(now))
        .order(r::expires_at)
        .select(r::id)
        .limit(batch)
        .load(conn)?)
}
