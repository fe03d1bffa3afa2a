//! Posting a movement: the one place that writes ledger rows and balances.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::audit::chain::postgres_chain_link;
use crate::audit::Record;
use crate::db::{self, AnyConnection};
use crate::error::AppError;
use crate::schema::{movements, stock_balances};

/// Every kind of ledger entry. Warehouse staff post the first five directly; the others are
/// written by transfers, reservations and purchase orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MovementKind {
    Receipt,
    Issue,
    Adjustment,
    Return,
    Scrap,
    TransferShip,
    TransferInbound,
    TransferReceive,
    TransferDiscrepancy,
    Reserve,
    Release,
    Consume,
    /// A purchase order placed: on_order +q.
    OrderPlaced,
    /// Units of a purchase order line that will not come (cancelled or short-closed):
    /// on_order -q.
    OrderClosed,
    /// A purchase order line's quantity changed by q (either sign): on_order +q.
    OrderAmended,
}

impl MovementKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MovementKind::Receipt => "receipt",
            MovementKind::Issue => "issue",
            MovementKind::Adjustment => "adjustment",
            MovementKind::Return => "return",
            MovementKind::Scrap => "scrap",
            MovementKind::TransferShip => "transfer_ship",
            MovementKind::TransferInbound => "transfer_inbound",
            MovementKind::TransferReceive => "transfer_receive",
            MovementKind::TransferDiscrepancy => "transfer_discrepancy",
            MovementKind::Reserve => "reserve",
            MovementKind::Release => "release",
            MovementKind::Consume => "consume",
            MovementKind::OrderPlaced => "order_placed",
            MovementKind::OrderClosed => "order_closed",
            MovementKind::OrderAmended => "order_amended",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(s.to_owned())).ok()
    }
}

/// The effect of one movement on each balance column.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Delta {
    pub on_hand: i64,
    pub reserved: i64,
    pub defective: i64,
    pub in_transit_in: i64,
    pub on_order: i64,
}

/// The document a movement belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DocumentRef {
    /// `repair_order`, `purchase_order`, `transfer`, `reservation` or `count`.
    #[serde(rename = "type")]
    pub kind: String,
    pub reference: String,
}

/// Who caused a movement and under which request, recorded on every ledger row.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub name: String,
    pub request_id: Option<String>,
}

/// A movement to post.
#[derive(Debug, Clone)]
pub struct NewMovement {
    pub warehouse_id: i64,
    pub part_id: i64,
    /// Codes for error messages; the ledger stores ids.
    pub warehouse_code: String,
    pub part_number: String,
    pub kind: MovementKind,
    pub quantity: i64,
    pub delta: Delta,
    pub reason_code: Option<String>,
    pub document: Option<DocumentRef>,
    pub supplier_id: Option<i64>,
    pub lot: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = movements)]
pub struct MovementRow {
    pub id: i64,
    pub warehouse_id: i64,
    pub part_id: i64,
    pub kind: String,
    pub quantity: i64,
    pub on_hand_delta: i64,
    pub reserved_delta: i64,
    pub defective_delta: i64,
    pub in_transit_delta: i64,
    pub on_order_delta: i64,
    pub reason_code: Option<String>,
    pub document_type: Option<String>,
    pub document_ref: Option<String>,
    pub supplier_id: Option<i64>,
    pub lot: Option<String>,
    pub note: Option<String>,
    pub actor: String,
    pub request_id: Option<String>,
    pub created_at: NaiveDateTime,
}

impl MovementRow {
    pub fn created_at_utc(&self) -> DateTime<Utc> {
        self.created_at.and_utc()
    }
}

/// Posts a movement: applies its delta to the balance and appends the ledger row. Must run
/// inside a write transaction; fails with 409 `insufficient-stock` (and changes nothing) when
/// the balance would break its invariants.
pub fn post(conn: &mut AnyConnection, actor: &Actor, movement: &NewMovement) -> Result<MovementRow, AppError> {
    if matches!(conn, AnyConnection::Postgresql(_)) {
        return post_fused(conn, actor, movement);
    }
    apply_delta(conn, movement)?;
    let row = diesel::insert_into(movements::table)
        .values((
            movements::warehouse_id.eq(movement.warehouse_id),
            movements::part_id.eq(movement.part_id),
            movements::kind.eq(movement.kind.as_str()),
            movements::quantity.eq(movement.quantity),
            movements::on_hand_delta.eq(movement.delta.on_hand),
            movements::reserved_delta.eq(movement.delta.reserved),
            movements::defective_delta.eq(movement.delta.defective),
            movements::in_transit_delta.eq(movement.delta.in_transit_in),
            movements::on_order_delta.eq(movement.delta.on_order),
            movements::reason_code.eq(movement.reason_code.as_deref()),
            movements::document_type.eq(movement.document.as_ref().map(|d| d.kind.as_str())),
            movements::document_ref.eq(movement.document.as_ref().map(|d| d.reference.as_str())),
            movements::supplier_id.eq(movement.supplier_id),
            movements::lot.eq(movement.lot.as_deref()),
            movements::note.eq(movement.note.as_deref()),
            movements::actor.eq(&actor.name),
            movements::request_id.eq(actor.request_id.as_deref()),
            movements::created_at.eq(db::now()),
        ))
        .returning(movements::all_columns)
        .get_result::<MovementRow>(conn)?;
    if counts_as_demand(movement.kind) {
        let demand = crate::demand::daily::DayDemand {
            warehouse_id: movement.warehouse_id,
            part_id: movement.part_id,
            day: row.created_at.date(),
            quantity: movement.quantity,
            lines: 1,
        };
        crate::demand::daily::add(conn, &[demand])?;
    }
    Ok(row)
}

/// Repairs' consumption is the demand signal forecasting reads.
fn counts_as_demand(kind: MovementKind) -> bool {
    matches!(kind, MovementKind::Issue | MovementKind::Consume)
}

/// PostgreSQL: the balance update, the ledger row, the day's demand and (outside a transaction)
/// the audit row, linked into its chain, in one statement: one round trip instead of four, the largest share of a
/// movement's cost under load. The other rows are written only when the conditional update
/// matched, so the outcome is the same as [`apply_delta`] followed by the inserts.
const FUSED_POST: &str = concat!(
    "WITH balance AS (
    UPDATE stock_balances SET on_hand = on_hand + $3, reserved = reserved + $4,
        defective = defective + $5, in_transit_in = in_transit_in + $6, on_order = on_order + $7,
        updated_at = $18
    WHERE warehouse_id = $1 AND part_id = $2
      AND on_hand + $3 >= 0 AND reserved + $4 >= 0 AND on_hand + $3 - reserved - $4 >= 0
      AND defective + $5 >= 0 AND in_transit_in + $6 >= 0 AND on_order + $7 >= 0
    RETURNING warehouse_id
), ledger AS (
    INSERT INTO movements (id, warehouse_id, part_id, kind, quantity, on_hand_delta,
        reserved_delta, defective_delta, in_transit_delta, on_order_delta, reason_code,
        document_type, document_ref, supplier_id, lot, note, actor, request_id, created_at)
    SELECT COALESCE($20, nextval('movements_id_seq')), $1, $2, $8, $9, $3, $4, $5, $6, $7, $10,
        $11, $12, $13, $14, $15, $16, $17, $18
    FROM balance
    RETURNING *
), demand AS (
    INSERT INTO demand_daily (warehouse_id, part_id, day, quantity, lines)
    SELECT warehouse_id, part_id, created_at::date, quantity, 1 FROM ledger WHERE $19
    ON CONFLICT (warehouse_id, part_id, day) DO UPDATE
    SET quantity = demand_daily.quantity + excluded.quantity, lines = demand_daily.lines + excluded.lines
), ",
    postgres_chain_link!("$32", "$21 AND EXISTS (SELECT 1 FROM ledger)"),
    ", audit AS (
    INSERT INTO audit_log (occurred_at, key_id, actor, method, route, action, entity_type,
        entity_id, after_state, request_id, idempotency_key, chain_id, chain_seq, prev_hash, entry_hash)
    SELECT ledger.created_at, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31,
        link.chain_id, link.seq, link.prev_hash, link.entry_hash
    FROM ledger, link
)
SELECT id, warehouse_id, part_id, kind, quantity, on_hand_delta, reserved_delta, defective_delta,
    in_transit_delta, on_order_delta, reason_code, document_type, document_ref, supplier_id, lot,
    note, actor, request_id, created_at
FROM ledger"
);

/// Runs [`FUSED_POST`]; `None` when the balance refused the delta (or has no row yet).
fn fused_post(
    pg: &mut PgConnection,
    actor: &Actor,
    movement: &NewMovement,
    (id, at): (Option<i64>, NaiveDateTime),
    audit: Option<&Record<'_>>,
) -> QueryResult<Option<MovementRow>> {
    use diesel::sql_types::{BigInt, Bool, Nullable, Text, Timestamp};
    let d = movement.delta;
    diesel::sql_query(FUSED_POST)
        .bind::<BigInt, _>(movement.warehouse_id)
        .bind::<BigInt, _>(movement.part_id)
        .bind::<BigInt, _>(d.on_hand)
        .bind::<BigInt, _>(d.reserved)
        .bind::<BigInt, _>(d.defective)
        .bind::<BigInt, _>(d.in_transit_in)
        .bind::<BigInt, _>(d.on_order)
        .bind::<Text, _>(movement.kind.as_str())
        .bind::<BigInt, _>(movement.quantity)
        .bind::<Nullable<Text>, _>(movement.reason_code.as_deref())
        .bind::<Nullable<Text>, _>(movement.document.as_ref().map(|d| d.kind.as_str()))
        .bind::<Nullable<Text>, _>(movement.document.as_ref().map(|d| d.reference.as_str()))
        .bind::<Nullable<BigInt>, _>(movement.supplier_id)
        .bind::<Nullable<Text>, _>(movement.lot.as_deref())
        .bind::<Nullable<Text>, _>(movement.note.as_deref())
        .bind::<Text, _>(actor.name.as_str())
        .bind::<Nullable<Text>, _>(actor.request_id.as_deref())
        .bind::<Timestamp, _>(at)
        .bind::<Bool, _>(counts_as_demand(movement.kind))
        .bind::<Nullable<BigInt>, _>(id)
        .bind::<Bool, _>(audit.is_some())
        .bind::<Nullable<BigInt>, _>(audit.and_then(|a| a.key_id))
        .bind::<Text, _>(audit.map_or("", |a| a.actor))
        .bind::<Text, _>(audit.map_or("", |a| a.method))
        .bind::<Text, _>(audit.map_or("", |a| a.route))
        .bind::<Text, _>(audit.map_or("", |a| a.action))
        .bind::<Text, _>(audit.map_or("", |a| a.entity_type))
        .bind::<Text, _>(audit.map_or("", |a| a.entity_id.as_str()))
        .bind::<Nullable<Text>, _>(audit.map(|a| a.after.as_str()))
        .bind::<Nullable<Text>, _>(audit.and_then(|a| a.request_id))
        .bind::<Nullable<Text>, _>(audit.and_then(|a| a.idempotency_key))
        .bind::<Text, _>(audit.map_or_else(String::new, |a| hex::encode(a.content().digest())))
        .get_result::<MovementRow>(pg)
        .optional()
}

fn post_fused(conn: &mut AnyConnection, actor: &Actor, movement: &NewMovement) -> Result<MovementRow, AppError> {
    for attempt in 0..2 {
        if attempt == 1 {
            // As in `apply_delta`: the balance row may be missing, or a concurrent transaction
            // may just have created it.
            ensure_balance_row(conn, movement.warehouse_id, movement.part_id)?;
        }
        let AnyConnection::Postgresql(pg) = &mut *conn else {
            break;
        };
        if let Some(row) = fused_post(pg, actor, movement, (None, db::now()), None)? {
            return Ok(row);
        }
    }
    Err(insufficient_stock(conn, movement)?)
}

/// PostgreSQL, outside any transaction: posts a movement whose id was reserved with
/// [`resolve_with_new_id`], with its audit row, as one statement, so all of it commits or none
/// does. `None` when the balance refused (no row yet, or not enough stock): nothing was written.
pub fn post_autocommit(
    conn: &mut AnyConnection,
    actor: &Actor,
    movement: &NewMovement,
    (id, at): (i64, NaiveDateTime),
    audit: &Record<'_>,
) -> Result<Option<MovementRow>, AppError> {
    match conn {
        AnyConnection::Postgresql(pg) => Ok(fused_post(pg, actor, movement, (Some(id), at), Some(audit))?),
        AnyConnection::Sqlite(_) => Ok(None),
    }
}

/// PostgreSQL: the ids of a warehouse and a part by code (`None` when unknown) and a fresh
/// movement id, in one round trip.
pub fn resolve_with_new_id(
    conn: &mut AnyConnection,
    warehouse_code: &str,
    part_number: &str,
) -> Result<(Option<i64>, Option<i64>, i64), AppError> {
    use diesel::sql_types::{BigInt, Nullable, Text};

    #[derive(QueryableByName)]
    struct Resolved {
        #[diesel(sql_type = Nullable<BigInt>)]
        warehouse_id: Option<i64>,
        #[diesel(sql_type = Nullable<BigInt>)]
        part_id: Option<i64>,
        #[diesel(sql_type = BigInt)]
        movement_id: i64,
    }

    let AnyConnection::Postgresql(pg) = conn else {
        return Err(AppError::Internal(anyhow::anyhow!(
            "movement ids are reserved on PostgreSQL only"
        )));
    };
    let found: Resolved = diesel::sql_query(
        "SELECT (SELECT id FROM warehouses WHERE code = $1) AS warehouse_id, \
         (SELECT id FROM parts WHERE part_number = $2) AS part_id, \
         nextval('movements_id_seq') AS movement_id",
    )
    .bind::<Text, _>(warehouse_code)
    .bind::<Text, _>(part_number)
    .get_result(pg)?;
    Ok((found.warehouse_id, found.part_id, found.movement_id))
}

/// Applies a delta with one conditional UPDATE; creates the balance row on first use.
fn apply_delta(conn: &mut AnyConnection, movement: &NewMovement) -> Result<(), AppError> {
    let (warehouse_id, part_id, delta) = (movement.warehouse_id, movement.part_id, movement.delta);
    if conditional_update(conn, warehouse_id, part_id, delta)? == 1 {
        return Ok(());
    }
    // The row may be missing, or (on PostgreSQL) a concurrent transaction may just have created
    // it: either way it exists after this, so the update is worth one more try.
    ensure_balance_row(conn, warehouse_id, part_id)?;
    if conditional_update(conn, warehouse_id, part_id, delta)? == 1 {
        return Ok(());
    }
    Err(insufficient_stock(conn, movement)?)
}

/// The refusal of a movement the balance cannot take, with what is available.
fn insufficient_stock(conn: &mut AnyConnection, movement: &NewMovement) -> QueryResult<AppError> {
    let available = stock_balances::table
        .find((movement.warehouse_id, movement.part_id))
        .select(stock_balances::on_hand - stock_balances::reserved)
        .first::<i64>(conn)
        .optional()?
        .unwrap_or(0);
    Ok(AppError::InsufficientStock {
        warehouse: movement.warehouse_code.clone(),
        part_number: movement.part_number.clone(),
        requested: movement.quantity,
        available,
    })
}

fn conditional_update(conn: &mut AnyConnection, warehouse_id: i64, part_id: i64, d: Delta) -> QueryResult<usize> {
    use stock_balances as b;
    diesel::update(
        b::table
            .filter(b::warehouse_id.eq(warehouse_id))
            .filter(b::part_id.eq(part_id))
            .filter((b::on_hand + d.on_hand).ge(0i64))
            .filter((b::reserved + d.reserved).ge(0i64))
            .filter((b::on_hand + d.on_hand - b::reserved - d.reserved).ge(0i64))
            .filter((b::defective + d.defective).ge(0i64))
            .filter((b::in_transit_in + d.in_transit_in).ge(0i64))
            .filter((b::on_order + d.on_order).ge(0i64)),
    )
    .set((
        b::on_hand.eq(b::on_hand + d.on_hand),
        b::reserved.eq(b::reserved + d.reserved),
        b::defective.eq(b::defective + d.defective),
        b::in_transit_in.eq(b::in_transit_in + d.in_transit_in),
        b::on_order.eq(b::on_order + d.on_order),
        b::updated_at.eq(db::now()),
    ))
    .execute(conn)
}

/// Inserts an all-zero balance row if none exists.
fn ensure_balance_row(conn: &mut AnyConnection, warehouse_id: i64, part_id: i64) -> QueryResult<()> {
    let values = (
        stock_balances::warehouse_id.eq(warehouse_id),
        stock_balances::part_id.eq(part_id),
        stock_balances::updated_at.eq(db::now()),
    );
    match conn {
        AnyConnection::Postgresql(c) => diesel::insert_into(stock_balances::table)
            .values(values)
            .on_conflict_do_nothing()
            .execute(c)?,
        AnyConnection::Sqlite(c) => diesel::insert_or_ignore_into(stock_balances::table)
            .values(values)
            .execute(c)?,
    };
    Ok(())
}
