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
        quantity: shown_quantity(&row.kind, row.quantity, row.on_hand_delta),
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

/// The quantity a reader sees: the ledger stores every quantity as a positive count, and an
/// adjustment's direction lives in its delta; the caller asked for -2 and reads -2 back.
pub(super) fn shown_quantity(kind: &str, quantity: i64, on_hand_delta: i64) -> i64 {
    if kind == MovementKind::Adjustment.as_str() && on_hand_delta < 0 {
        -quantity
    } else {
        quantity
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

/// Document types a movement can quote.
pub const DOCUMENT_TYPES: [&str; 4] = ["repair_order", "purchase_order", "transfer", "reservation"];

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MovementFilter {
    pub warehouse: Option<String>,
    pub part_number: Option<String>,
    /// Movement kind, e.g. `receipt`, `issue`, `consume`, `transfer_ship`.
    pub kind: Option<String>,
    /// Document type: `repair_order`, `purchase_order`, `transfer`, `reservation`.
    pub document_type: Option<String>,
    pub document_ref: Option<String>,
    /// Only movements at or after this instant (RFC 3339, or `YYYY-MM-DD` for the start of
    /// that day, UTC).
    #[serde(default, deserialize_with = "crate::validate::instant::option")]
    pub from: Option<DateTime<Utc>>,
    /// Only movements before this instant (RFC 3339, or `YYYY-MM-DD` for the start of that
    /// day, UTC).
    #[serde(default, deserialize_with = "crate::validate::instant::option")]
    pub to: Option<DateTime<Utc>>,
    /// `newest` first (the default) or `oldest` first; the cursor follows the order asked for.
    #[param(inline)]
    pub sort: Option<crate::pagination::ListOrder>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// The ledger, newest or oldest first, filtered; `scope` limits it to those warehouse codes.
pub fn list(
    conn: &mut AnyConnection,
    filter: &MovementFilter,
    scope: Option<&[String]>,
) -> Result<(Vec<Movement>, Option<String>), AppError> {
    let page = PageRequest::parse(filter.limit, filter.cursor.as_deref())?;
    crate::catalog::filters::require_known(conn, filter.warehouse.as_deref(), None, filter.part_number.as_deref())?;
    let mut query = m::table
        .inner_join(wh::table)
        .inner_join(part_t::table)
        .left_join(supplier_t::table)
        .select(ListedMovement::as_select())
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
        crate::validate::one_of("document_type", Some(t), &DOCUMENT_TYPES)?;
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
    let order = filter.sort.unwrap_or(crate::pagination::ListOrder::Newest);
    let query = crate::order_by_id!(query, m::id, order, page.id_cursor()?);
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
