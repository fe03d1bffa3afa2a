//! PostgreSQL's posting: one statement writes the balance, the ledger row, the day's demand
//! and (outside a transaction) the audit row linked into its chain.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::balance::{ensure_balance_row, insufficient_stock};
use super::{counts_as_demand, Actor, MovementRow, NewMovement};
use crate::audit::chain::postgres_chain_link;
use crate::audit::Record;
use crate::db::{self, AnyConnection};
use crate::error::AppError;

/// The balance update, the ledger row, the day's demand and (outside a transaction) the audit
/// row, linked into its chain, in one statement: one round trip instead of four, the largest
/// share of a movement's cost under load. The other rows are written only when the conditional
/// update matched, so the outcome is the same as [`super::balance::apply_delta`] followed by the
/// inserts.
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

pub(super) fn post_fused(
    conn: &mut AnyConnection,
    actor: &Actor,
    movement: &NewMovement,
) -> Result<MovementRow, AppError> {
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
