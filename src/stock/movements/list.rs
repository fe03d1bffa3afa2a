//! Reading the ledger: one movement or a filtered page, with the codes a reader sees instead of
//! ids.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Deserialize;
use utoipa::IntoParams;

use super::Movement;
use crate::db::AnyConnection;
use crate::error::AppError;
use crate::pagination::PageRequest;
use crate::schema::{movements as m, parts as part_t, suppliers as supplier_t, warehouses as wh};
use crate::stock::ledger::{Delta, DocumentRef, MovementKind, MovementRow};

/// A ledger row as the API shows it, with the codes its ids stand for.
pub fn to_movement(row: MovementRow, warehouse: String, part_number: String, supplier: Option<String>) -> Movement {
    let document = match (row.document_type.clone(), row.document_ref.clone()) {
        (Some(kind), Some(reference)) => Some(DocumentRef { kind, reference }),
        _ => None,
    };
    Movement {
        id: row.id,
        warehouse,
        part_number,
        kind: row.kind.clone(),
        quantity: row.quantity,
        delta: Delta {
            on_hand: row.on_hand_delta,
            reserved: row.reserved_delta,
            defective: row.defective_delta,
            in_transit_in: row.in_transit_delta,
            on_order: row.on_order_delta,
        },
        reason_code: row.reason_code.clone(),
        document,
        supplier,
        lot: row.lot.clone(),
        note: row.note.clone(),
        actor: row.actor.clone(),
        request_id: row.request_id.clone(),
        created_at: row.created_at_utc(),
    }
}

/// A ledger row with the codes a reader sees instead of ids (joined).
#[derive(Queryable, Selectable)]
#[diesel(table_name = m)]
struct ListedMovement {
    #[diesel(embed)]
    row: MovementRow,
    #[diesel(select_expression = wh::code)]
    warehouse_code: String,
    #[diesel(select_expression = part_t::part_number)]
    part_number: String,
    #[diesel(select_expression = supplier_t::code.nullable())]
    #[diesel(select_expression_type = diesel::dsl::Nullable<supplier_t::code>)]
    supplier_code: Option<String>,
}

impl From<ListedMovement> for Movement {
    fn from(l: ListedMovement) -> Self {
        to_movement(l.row, l.warehouse_code, l.part_number, l.supplier_code)
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MovementFilter {
    pub warehouse: Option<String>,
    pub part_number: Option<String>,
    /// Movement kind, e.g. `receipt`, `issue`, `consume`, `transfer_ship`.
    pub kind: Option<String>,
    /// Document type: `repair_order`, `purchase_order`, `transfer`, `reservation`.
    pub document_type: Option<String>,
    pub document_ref: Option<String>,
    /// Only movements at or after this instant (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Only movements before this instant (RFC 3339).
    pub to: Option<DateTime<Utc>>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// The ledger in posting order, filtered; `scope` limits it to those warehouse codes.
pub fn list(
    conn: &mut AnyConnection,
    filter: &MovementFilter,
    scope: Option<&[String]>,
) -> Result<(Vec<Movement>, Option<String>), AppError> {
    let page = PageRequest::parse(filter.limit, filter.cursor.as_deref())?;
    let mut query = m::table
        .inner_join(wh::table)
        .inner_join(part_t::table)
        .left_join(supplier_t::table)
        .select(ListedMovement::as_select())
        .order(m::id)
        .limit(page.fetch_limit())
        .into_boxed();
    if let Some(code) = &filter.warehouse {
        query = query.filter(wh::code.eq(code.clone()));
    }
    if let Some(pn) = &filter.part_number {
        query = query.filter(part_t::part_number.eq(pn.clone()));
    }
    if let Some(codes) = scope {
        query = query.filter(wh::code.eq_any(codes.to_vec()));
    }
    if let Some(kind) = &filter.kind {
        let kind = MovementKind::parse(kind).ok_or_else(|| AppError::validation("kind", "is not a movement kind"))?;
        query = query.filter(m::kind.eq(kind.as_str()));
    }
    if let Some(t) = &filter.document_type {
        query = query.filter(m::document_type.eq(t.clone()));
    }
    if let Some(r) = &filter.document_ref {
        query = query.filter(m::document_ref.eq(r.clone()));
    }
    if let Some(from) = filter.from {
        query = query.filter(m::created_at.ge(from.naive_utc()));
    }
    if let Some(to) = filter.to {
        query = query.filter(m::created_at.lt(to.naive_utc()));
    }
    if let Some(after) = page.id_cursor()? {
        query = query.filter(m::id.gt(after));
    }
    let rows: Vec<ListedMovement> = query.load(conn)?;
    let (rows, next) = page.finish(rows, |r| r.row.id.to_string());
    Ok((rows.into_iter().map(Movement::from).collect(), next))
}

pub fn get(conn: &mut AnyConnection, id: i64) -> Result<Movement, AppError> {
    let row: Option<ListedMovement> = m::table
        .inner_join(wh::table)
        .inner_join(part_t::table)
        .left_join(supplier_t::table)
        .filter(m::id.eq(id))
        .select(ListedMovement::as_select())
        .first(conn)
        .optional()?;
    let row = row.ok_or_else(|| AppError::not_found("movement", id.to_string()))?;
    Ok(row.into())
}
