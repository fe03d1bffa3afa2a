//! Movements posted by warehouse staff (receipt, issue, adjustment, return, scrap) and the
//! ledger listing.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::ledger::{self, Actor, Delta, DocumentRef, MovementKind, MovementRow, NewMovement};
use crate::catalog::{suppliers, Stockpoint};
use crate::db::AnyConnection;
use crate::error::AppError;
use crate::pagination::PageRequest;
use crate::schema::{movements as m, parts as part_t, suppliers as supplier_t, warehouses as wh};
use crate::validate;

/// Reason codes an adjustment may carry.
pub const ADJUSTMENT_REASONS: &[&str] = &["count", "damage", "found", "loss", "theft", "expiry", "correction"];

/// Condition of a part returned from a repair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReturnCondition {
    /// Back to `on_hand`, available again.
    Good,
    /// To the `defective` quantity, never available.
    Defective,
}

/// Which quantity a scrap takes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ScrapSource {
    OnHand,
    Defective,
}

/// A movement recorded by warehouse staff. Which optional fields apply depends on `kind`:
/// `receipt` takes `supplier`, `purchase_order`, `lot`; `issue` takes `repair_order`;
/// `adjustment` takes a signed `quantity` and a mandatory `reason_code`; `return` takes
/// `condition` and `repair_order`; `scrap` takes `source` (default `on_hand`) and `reason_code`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MovementInput {
    #[schema(value_type = String, example = "receipt")]
    pub kind: StaffMovementKind,
    /// Warehouse code.
    pub warehouse: String,
    pub part_number: String,
    /// Units; positive, except adjustments, which are signed and non-zero.
    #[serde(deserialize_with = "validate::integer::deserialize")]
    #[schema(value_type = i64, example = 10)]
    pub quantity: i64,
    /// Adjustments: one of count, damage, found, loss, theft, expiry, correction.
    #[schema(max_length = 32)]
    pub reason_code: Option<String>,
    pub condition: Option<ReturnCondition>,
    pub source: Option<ScrapSource>,
    /// Supplier code (receipts).
    pub supplier: Option<String>,
    #[schema(max_length = 64)]
    pub purchase_order: Option<String>,
    #[schema(max_length = 64)]
    pub repair_order: Option<String>,
    #[schema(max_length = 64)]
    pub lot: Option<String>,
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

/// The kinds staff may post through `POST /movements`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StaffMovementKind {
    Receipt,
    Issue,
    Adjustment,
    Return,
    Scrap,
}

/// A ledger entry as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Movement {
    pub id: i64,
    pub warehouse: String,
    pub part_number: String,
    pub kind: String,
    pub quantity: i64,
    pub delta: Delta,
    pub reason_code: Option<String>,
    pub document: Option<DocumentRef>,
    pub supplier: Option<String>,
    pub lot: Option<String>,
    pub note: Option<String>,
    pub actor: String,
    pub request_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

fn reference(field: &str, value: Option<&str>) -> Result<Option<String>, AppError> {
    validate::optional_text(field, value, 64)
}

fn document(kind: &str, reference: Option<String>) -> Option<DocumentRef> {
    reference.map(|reference| DocumentRef {
        kind: kind.to_owned(),
        reference,
    })
}

/// The optional fields each kind takes; any other optional field present is refused, so a
/// client's mistake (a supplier on an issue) is not silently dropped.
fn check_applicable(input: &MovementInput) -> Result<(), AppError> {
    let allowed: &[&str] = match input.kind {
        StaffMovementKind::Receipt => &["supplier", "purchase_order", "lot", "note", "reason_code"],
        StaffMovementKind::Issue => &["repair_order", "note", "reason_code", "lot"],
        StaffMovementKind::Adjustment => &["reason_code", "note", "lot"],
        StaffMovementKind::Return => &["condition", "repair_order", "lot", "note", "reason_code"],
        StaffMovementKind::Scrap => &["source", "reason_code", "lot", "note"],
    };
    let present = [
        ("reason_code", input.reason_code.is_some()),
        ("condition", input.condition.is_some()),
        ("source", input.source.is_some()),
        ("supplier", input.supplier.is_some()),
        ("purchase_order", input.purchase_order.is_some()),
        ("repair_order", input.repair_order.is_some()),
        ("lot", input.lot.is_some()),
        ("note", input.note.is_some()),
    ];
    match present.iter().find(|(name, given)| *given && !allowed.contains(name)) {
        Some((name, _)) => Err(AppError::validation(
            *name,
            format!("does not apply to {} movements", kind_name(input.kind)),
        )),
        None => Ok(()),
    }
}

fn kind_name(kind: StaffMovementKind) -> &'static str {
    match kind {
        StaffMovementKind::Receipt => "receipt",
        StaffMovementKind::Issue => "issue",
        StaffMovementKind::Adjustment => "adjustment",
        StaffMovementKind::Return => "return",
        StaffMovementKind::Scrap => "scrap",
    }
}

/// Validates a staff movement and posts it.
pub fn record(conn: &mut AnyConnection, actor: &Actor, input: &MovementInput) -> Result<Movement, AppError> {
    check_applicable(input)?;
    let at = crate::catalog::resolve_stockpoint(
        conn,
        ("warehouse", &input.warehouse),
        ("part_number", &input.part_number),
    )?;
    let planned = plan(conn, input, at)?;
    let row = ledger::post(conn, actor, &planned.movement)?;
    Ok(planned.into_movement(row))
}

/// PostgreSQL, a movement without a purchase order: validated and resolved, then posted by one
/// statement in its own implicit transaction together with its audit row (see
/// [`ledger::post_autocommit`]): two round trips instead of a transaction's six. `Ok(None)`
/// when this path does not apply or the balance refused the movement; nothing was written then,
/// and the caller takes the transactional path, which gives the refusal its full answer.
pub fn record_autocommit(
    conn: &mut AnyConnection,
    actor: &Actor,
    input: &MovementInput,
    audit: &crate::audit::Pending<'_>,
) -> Result<Option<Movement>, AppError> {
    if input.purchase_order.is_some() || !matches!(conn, AnyConnection::Postgresql(_)) {
        return Ok(None);
    }
    check_applicable(input)?;
    let (code, part_number) = (input.warehouse.trim(), input.part_number.trim());
    let (warehouse_id, part_id, id) = ledger::resolve_with_new_id(conn, code, part_number)?;
    let at = Stockpoint::from_ids(
        ("warehouse", code),
        ("part_number", part_number),
        (warehouse_id, part_id),
    )?;
    let planned = plan(conn, input, at)?;
    let created_at = crate::db::now();
    let movement = planned.preview(id, actor, created_at);
    let after = serde_json::to_string(&movement).map_err(|e| AppError::Internal(e.into()))?;
    let audit = audit.recording(created_at, id.to_string(), after);
    let posted = ledger::post_autocommit(conn, actor, &planned.movement, (id, created_at), &audit)?;
    Ok(posted.map(|_| movement))
}

/// A validated staff movement, ready to post.
struct Planned {
    movement: NewMovement,
    supplier: Option<String>,
}

impl Planned {
    fn into_movement(self, row: MovementRow) -> Movement {
        to_movement(
            row,
            self.movement.warehouse_code,
            self.movement.part_number,
            self.supplier,
        )
    }

    /// The movement as it will read once posted with this id and time.
    fn preview(&self, id: i64, actor: &Actor, created_at: chrono::NaiveDateTime) -> Movement {
        let m = &self.movement;
        Movement {
            id,
            warehouse: m.warehouse_code.clone(),
            part_number: m.part_number.clone(),
            kind: m.kind.as_str().to_owned(),
            quantity: m.quantity,
            delta: m.delta,
            reason_code: m.reason_code.clone(),
            document: m.document.clone(),
            supplier: self.supplier.clone(),
            lot: m.lot.clone(),
            note: m.note.clone(),
            actor: actor.name.clone(),
            request_id: actor.request_id.clone(),
            created_at: created_at.and_utc(),
        }
    }
}

/// Validates the kind's fields and works out its effect; a receipt against one of our purchase
/// orders books the arrival on the order (a write: the caller's transaction must be open).
fn plan(conn: &mut AnyConnection, input: &MovementInput, at: Stockpoint) -> Result<Planned, AppError> {
    let note = validate::optional_text("note", input.note.as_deref(), 500)?;
    let lot = reference("lot", input.lot.as_deref())?;
    let q = input.quantity;
    let mut supplier = None;
    let mut reason_code = validate::optional_text("reason_code", input.reason_code.as_deref(), 32)?;
    let (kind, delta, doc) = match input.kind {
        StaffMovementKind::Receipt => {
            validate::positive("quantity", q)?;
            if let Some(code) = &input.supplier {
                supplier = Some(suppliers::resolve(conn, "supplier", code)?);
            }
            let po = reference("purchase_order", input.purchase_order.as_deref())?;
            // A receipt against one of our purchase orders brings its units off `on_order`.
            let arrived = match &po {
                Some(number) => {
                    let at_pair = (at.warehouse_id, at.part_id);
                    crate::replenishment::receipts::on_receipt(conn, number, at_pair, (&at.part_number, q))?
                }
                None => 0,
            };
            (
                MovementKind::Receipt,
                Delta {
                    on_hand: q,
                    on_order: -arrived,
                    ..Delta::default()
                },
                document("purchase_order", po),
            )
        }
        StaffMovementKind::Issue => {
            validate::positive("quantity", q)?;
            let ro = reference("repair_order", input.repair_order.as_deref())?;
            (
                MovementKind::Issue,
                Delta {
                    on_hand: -q,
                    ..Delta::default()
                },
                document("repair_order", ro),
            )
        }
        StaffMovementKind::Adjustment => {
            if q == 0 {
                return Err(AppError::validation("quantity", "an adjustment must not be zero"));
            }
            if q.abs() > validate::MAX_QUANTITY {
                return Err(AppError::validation("quantity", "is too large"));
            }
            match reason_code.as_deref() {
                None => return Err(AppError::validation("reason_code", "is required for adjustments")),
                Some(r) if !ADJUSTMENT_REASONS.contains(&r) => {
                    return Err(AppError::validation(
                        "reason_code",
                        format!("must be one of {}", ADJUSTMENT_REASONS.join(", ")),
                    ))
                }
                Some(_) => {}
            }
            (
                MovementKind::Adjustment,
                Delta {
                    on_hand: q,
                    ..Delta::default()
                },
                None,
            )
        }
        StaffMovementKind::Return => {
            validate::positive("quantity", q)?;
            let condition = input
                .condition
                .ok_or_else(|| AppError::validation("condition", "is required for returns (good or defective)"))?;
            let delta = match condition {
                ReturnCondition::Good => Delta {
                    on_hand: q,
                    ..Delta::default()
                },
                ReturnCondition::Defective => Delta {
                    defective: q,
                    ..Delta::default()
                },
            };
            let ro = reference("repair_order", input.repair_order.as_deref())?;
            (MovementKind::Return, delta, document("repair_order", ro))
        }
        StaffMovementKind::Scrap => {
            validate::positive("quantity", q)?;
            let delta = match input.source.unwrap_or(ScrapSource::OnHand) {
                ScrapSource::OnHand => Delta {
                    on_hand: -q,
                    ..Delta::default()
                },
                ScrapSource::Defective => Delta {
                    defective: -q,
                    ..Delta::default()
                },
            };
            reason_code = reason_code.or_else(|| Some("scrap".to_owned()));
            (MovementKind::Scrap, delta, None)
        }
    };
    Ok(Planned {
        movement: NewMovement {
            warehouse_id: at.warehouse_id,
            part_id: at.part_id,
            warehouse_code: at.warehouse,
            part_number: at.part_number,
            kind,
            quantity: q.abs(),
            delta,
            reason_code,
            document: doc,
            supplier_id: supplier.as_ref().map(|s| s.id),
            lot,
            note,
        },
        supplier: supplier.map(|s| s.code),
    })
}

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

/// The ledger in posting order, filtered.
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
