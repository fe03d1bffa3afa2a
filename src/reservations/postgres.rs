//! PostgreSQL's set-based reservation statements: a reservation of every line in one statement
//! (outside a transaction, with its audit row, as `POST /movements` posts), and the lock and the
//! settlement of a consume or release, one statement each whatever the number of lines.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Nullable, Text, Timestamp};

use super::service::{LineRow, ReservationRow};
use crate::audit::chain::postgres_chain_link;
use crate::audit::Record;
use crate::stock::ledger::Actor;

/// Every line's balance, the reservation, its lines, their `reserve` movements and the audit row
/// in one statement. The balances are locked in part-id order first (as every multi-line writer
/// takes them, so none can deadlock another) and updated only when every line can be covered, so
/// the statement writes all of it or nothing; a shortage or a missing balance row writes nothing
/// and the caller takes the transactional path, which answers the refusal in full. The final
/// division by zero aborts the statement should only some balances take their delta (the locks
/// make that impossible): a partial reservation can never commit.
const RESERVE: &str = concat!(
    "WITH wanted AS (
    SELECT * FROM unnest($2::bigint[], $3::bigint[]) WITH ORDINALITY AS w(part_id, quantity, ord)
), locked AS (
    SELECT b.part_id, b.on_hand - b.reserved AS available FROM stock_balances b
    WHERE b.warehouse_id = $1 AND b.part_id = ANY($2::bigint[])
    ORDER BY b.part_id FOR UPDATE
), covered AS (
    SELECT count(*) = cardinality($2::bigint[]) AND COALESCE(bool_and(l.available >= w.quantity), FALSE) AS ok
    FROM locked l JOIN wanted w USING (part_id)
), balance AS (
    UPDATE stock_balances b SET reserved = b.reserved + w.quantity, updated_at = $4
    FROM wanted w
    WHERE (SELECT ok FROM covered) AND b.warehouse_id = $1 AND b.part_id = w.part_id
      AND b.on_hand - b.reserved - w.quantity >= 0
    RETURNING b.part_id, w.quantity, w.ord
), reservation AS (
    INSERT INTO reservations (id, repair_order, warehouse_id, status, created_by, created_at, expires_at)
    SELECT $5, $6, $1, 'active', $7, $4, $8 WHERE EXISTS (SELECT 1 FROM balance)
    RETURNING id
), lines AS (
    INSERT INTO reservation_lines (reservation_id, part_id, quantity)
    SELECT reservation.id, balance.part_id, balance.quantity FROM reservation, balance ORDER BY balance.ord
), ledger AS (
    INSERT INTO movements (warehouse_id, part_id, kind, quantity, on_hand_delta, reserved_delta,
        defective_delta, in_transit_delta, on_order_delta, document_type, document_ref, actor,
        request_id, created_at)
    SELECT $1, balance.part_id, 'reserve', balance.quantity, 0, balance.quantity, 0, 0, 0,
        'reservation', reservation.id::text, $7, $9, $4
    FROM reservation, balance ORDER BY balance.part_id
), ",
    postgres_chain_link!("$20", "EXISTS (SELECT 1 FROM reservation)"),
    ", audit AS (
    INSERT INTO audit_log (occurred_at, key_id, actor, method, route, action, entity_type,
        entity_id, after_state, request_id, idempotency_key, chain_id, chain_seq, prev_hash, entry_hash)
    SELECT $4, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19,
        link.chain_id, link.seq, link.prev_hash, link.entry_hash
    FROM link
)
SELECT CASE WHEN n IN (0, cardinality($2::bigint[])) THEN n ELSE n / 0 END AS held
FROM (SELECT count(*) AS n FROM balance) AS posted"
);

/// A reservation ready for [`reserve`]: ids resolved, id drawn, answer and audit row made.
pub(super) struct NewReservation<'a> {
    pub id: i64,
    pub warehouse_id: i64,
    /// (part id, quantity) in request order.
    pub lines: &'a [(i64, i64)],
    pub repair_order: &'a str,
    pub at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

#[derive(QueryableByName)]
struct Held {
    #[diesel(sql_type = BigInt)]
    held: i64,
}

/// Runs [`RESERVE`]: `true` when every line was reserved (and the audit row written), `false`
/// when nothing was written.
pub(super) fn reserve(
    pg: &mut PgConnection,
    actor: &Actor,
    new: &NewReservation<'_>,
    audit: &Record<'_>,
) -> QueryResult<bool> {
    let parts: Vec<i64> = new.lines.iter().map(|(part, _)| *part).collect();
    let quantities: Vec<i64> = new.lines.iter().map(|(_, q)| *q).collect();
    let found: Held = diesel::sql_query(RESERVE)
        .bind::<BigInt, _>(new.warehouse_id)
        .bind::<Array<BigInt>, _>(&parts)
        .bind::<Array<BigInt>, _>(&quantities)
        .bind::<Timestamp, _>(new.at)
        .bind::<BigInt, _>(new.id)
        .bind::<Text, _>(new.repair_order)
        .bind::<Text, _>(actor.name.as_str())
        .bind::<Timestamp, _>(new.expires_at)
        .bind::<Nullable<Text>, _>(actor.request_id.as_deref())
        .bind::<Nullable<BigInt>, _>(audit.key_id)
        .bind::<Text, _>(audit.actor)
        .bind::<Text, _>(audit.method)
        .bind::<Text, _>(audit.route)
        .bind::<Text, _>(audit.action)
        .bind::<Text, _>(audit.entity_type)
        .bind::<Text, _>(audit.entity_id.as_str())
        .bind::<Text, _>(audit.after.as_str())
        .bind::<Nullable<Text>, _>(audit.request_id)
        .bind::<Nullable<Text>, _>(audit.idempotency_key)
        .bind::<Text, _>(hex::encode(audit.content().digest()))
        .get_result(pg)?;
    Ok(found.held == parts.len() as i64)
}

/// What [`resolve`] found: the warehouse, a fresh reservation id and the parts named.
pub(super) struct Resolved {
    pub warehouse_id: i64,
    pub warehouse_code: String,
    pub active: bool,
    pub reservation_id: i64,
    /// (part id, part number) of the parts that exist.
    pub parts: Vec<(i64, String)>,
}

#[derive(QueryableByName)]
struct ResolvedRow {
    #[diesel(sql_type = BigInt)]
    warehouse_id: i64,
    #[diesel(sql_type = Text)]
    warehouse_code: String,
    #[diesel(sql_type = Bool)]
    active: bool,
    #[diesel(sql_type = BigInt)]
    reservation_id: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    part_id: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    part_number: Option<String>,
}

/// The warehouse by code, the parts by number and a new reservation id, in one round trip;
/// `None` when the warehouse is unknown.
pub(super) fn resolve(pg: &mut PgConnection, warehouse: &str, numbers: &[&str]) -> QueryResult<Option<Resolved>> {
    let rows: Vec<ResolvedRow> = diesel::sql_query(
        "WITH new_id AS (SELECT nextval('reservations_id_seq') AS id)
         SELECT w.id AS warehouse_id, w.code AS warehouse_code, w.active, new_id.id AS reservation_id,
             p.id AS part_id, p.part_number
         FROM warehouses w CROSS JOIN new_id LEFT JOIN parts p ON p.part_number = ANY($2::text[])
         WHERE w.code = $1",
    )
    .bind::<Text, _>(warehouse)
    .bind::<Array<Text>, _>(numbers)
    .load(pg)?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let mut resolved = Resolved {
        warehouse_id: first.warehouse_id,
        warehouse_code: first.warehouse_code.clone(),
        active: first.active,
        reservation_id: first.reservation_id,
        parts: Vec::with_capacity(rows.len()),
    };
    for row in rows {
        if let (Some(id), Some(number)) = (row.part_id, row.part_number) {
            resolved.parts.push((id, number));
        }
    }
    Ok(Some(resolved))
}

/// A reservation's row and one of its lines, locked.
#[derive(QueryableByName)]
struct LockedRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    repair_order: String,
    #[diesel(sql_type = BigInt)]
    warehouse_id: i64,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Text)]
    created_by: String,
    #[diesel(sql_type = Timestamp)]
    created_at: NaiveDateTime,
    #[diesel(sql_type = Timestamp)]
    expires_at: NaiveDateTime,
    #[diesel(sql_type = Nullable<Timestamp>)]
    closed_at: Option<NaiveDateTime>,
    #[diesel(sql_type = Text)]
    warehouse_code: String,
    #[diesel(sql_type = BigInt)]
    line_id: i64,
    #[diesel(sql_type = BigInt)]
    part_id: i64,
    #[diesel(sql_type = Text)]
    part_number: String,
    #[diesel(sql_type = BigInt)]
    quantity: i64,
    #[diesel(sql_type = BigInt)]
    consumed: i64,
    #[diesel(sql_type = BigInt)]
    released: i64,
}

/// Locks the reservation's row and then its lines (the order every settling writer takes them)
/// and reads them, in one statement: READ COMMITTED hands a locking read the newest committed
/// version of each locked row, so what it returns is what the lock holds. `None` when unknown.
pub(super) fn lock(pg: &mut PgConnection, id: i64) -> QueryResult<Option<(ReservationRow, Vec<LineRow>)>> {
    let rows: Vec<LockedRow> = diesel::sql_query(
        "SELECT r.id, r.repair_order, r.warehouse_id, r.status, r.created_by, r.created_at,
             r.expires_at, r.closed_at, w.code AS warehouse_code, l.id AS line_id, l.part_id,
             p.part_number, l.quantity, l.consumed_qty AS consumed, l.released_qty AS released
         FROM reservations r
         JOIN warehouses w ON w.id = r.warehouse_id
         JOIN reservation_lines l ON l.reservation_id = r.id
         JOIN parts p ON p.id = l.part_id
         WHERE r.id = $1
         ORDER BY l.id
         FOR UPDATE OF r, l",
    )
    .bind::<BigInt, _>(id)
    .load(pg)?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let row = ReservationRow {
        id: first.id,
        repair_order: first.repair_order.clone(),
        warehouse_id: first.warehouse_id,
        status: first.status.clone(),
        created_by: first.created_by.clone(),
        created_at: first.created_at,
        expires_at: first.expires_at,
        closed_at: first.closed_at,
        warehouse_code: first.warehouse_code.clone(),
    };
    let lines = rows
        .into_iter()
        .map(|l| LineRow {
            id: l.line_id,
            reservation_id: l.id,
            part_id: l.part_id,
            part_number: l.part_number,
            quantity: l.quantity,
            consumed: l.consumed,
            released: l.released,
        })
        .collect();
    Ok(Some((row, lines)))
}

/// Moves each target's quantity out of its line (into consumed or released), out of the
/// balance (`reserved`, and `on_hand` for a consumption), writes the movements and, for a
/// consumption, the day's demand, and closes the reservation when asked: one statement. The
/// balances are locked in part-id order, as a reservation takes them. Nothing past the lines
/// is written unless every line still held its quantity.
const SETTLE: &str = "WITH t AS (
    SELECT * FROM unnest($3::bigint[], $4::bigint[], $5::bigint[]) AS t(line_id, part_id, quantity)
), taken AS (
    UPDATE reservation_lines l
    SET consumed_qty = l.consumed_qty + CASE WHEN $6 THEN t.quantity ELSE 0 END,
        released_qty = l.released_qty + CASE WHEN $6 THEN 0 ELSE t.quantity END
    FROM t
    WHERE l.id = t.line_id AND l.quantity - l.consumed_qty - l.released_qty >= t.quantity
    RETURNING l.id
), locked AS (
    SELECT b.part_id FROM stock_balances b
    WHERE b.warehouse_id = $2 AND b.part_id = ANY($4::bigint[])
      AND (SELECT count(*) FROM taken) = cardinality($3::bigint[])
    ORDER BY b.part_id FOR UPDATE
), balance AS (
    UPDATE stock_balances b
    SET on_hand = b.on_hand - CASE WHEN $6 THEN t.quantity ELSE 0 END,
        reserved = b.reserved - t.quantity, updated_at = $12
    FROM t
    WHERE b.warehouse_id = $2 AND b.part_id = t.part_id AND b.part_id IN (SELECT part_id FROM locked)
      AND b.reserved - t.quantity >= 0 AND b.on_hand - CASE WHEN $6 THEN t.quantity ELSE 0 END >= 0
      AND b.on_hand - CASE WHEN $6 THEN t.quantity ELSE 0 END - (b.reserved - t.quantity) >= 0
    RETURNING b.part_id, t.quantity
), ledger AS (
    INSERT INTO movements (warehouse_id, part_id, kind, quantity, on_hand_delta, reserved_delta,
        defective_delta, in_transit_delta, on_order_delta, reason_code, document_type, document_ref,
        note, actor, request_id, created_at)
    SELECT $2, part_id, $7, quantity, CASE WHEN $6 THEN -quantity ELSE 0 END, -quantity, 0, 0, 0,
        $8, 'reservation', $1::text, $9, $10, $11, $12
    FROM balance ORDER BY part_id
), demand AS (
    INSERT INTO demand_daily (warehouse_id, part_id, day, quantity, lines)
    SELECT $2, part_id, $12::date, quantity, 1 FROM balance WHERE $6
    ON CONFLICT (warehouse_id, part_id, day) DO UPDATE
    SET quantity = demand_daily.quantity + excluded.quantity, lines = demand_daily.lines + excluded.lines
), closed AS (
    UPDATE reservations SET status = $14, closed_at = $15
    WHERE id = $1 AND $13 AND (SELECT count(*) FROM balance) = cardinality($3::bigint[])
)
SELECT (SELECT count(*) FROM taken) AS taken, (SELECT array_agg(part_id) FROM balance) AS posted";

/// One settlement for [`settle`]: the targets (line id, part id, quantity), in part-id order.
pub(super) struct Settle<'a> {
    pub reservation_id: i64,
    pub warehouse_id: i64,
    pub targets: &'a [(i64, i64, i64)],
    /// Consumed (the stock leaves) or released (it is available again).
    pub consume: bool,
    pub kind: &'a str,
    pub reason_code: Option<&'a str>,
    pub note: Option<&'a str>,
    pub at: NaiveDateTime,
    /// The reservation's status and closing time afterwards, when the settlement closes it.
    pub close: Option<(&'a str, NaiveDateTime)>,
}

/// What [`settle`] did: the lines taken from and the parts whose balances were posted.
#[derive(QueryableByName)]
pub(super) struct Settled {
    #[diesel(sql_type = BigInt)]
    pub taken: i64,
    #[diesel(sql_type = Nullable<Array<BigInt>>)]
    pub posted: Option<Vec<i64>>,
}

pub(super) fn settle(pg: &mut PgConnection, actor: &Actor, s: &Settle<'_>) -> QueryResult<Settled> {
    let column = |pick: fn(&(i64, i64, i64)) -> i64| s.targets.iter().map(pick).collect::<Vec<i64>>();
    diesel::sql_query(SETTLE)
        .bind::<BigInt, _>(s.reservation_id)
        .bind::<BigInt, _>(s.warehouse_id)
        .bind::<Array<BigInt>, _>(column(|t| t.0))
        .bind::<Array<BigInt>, _>(column(|t| t.1))
        .bind::<Array<BigInt>, _>(column(|t| t.2))
        .bind::<Bool, _>(s.consume)
        .bind::<Text, _>(s.kind)
        .bind::<Nullable<Text>, _>(s.reason_code)
        .bind::<Nullable<Text>, _>(s.note)
        .bind::<Text, _>(actor.name.as_str())
        .bind::<Nullable<Text>, _>(actor.request_id.as_deref())
        .bind::<Timestamp, _>(s.at)
        .bind::<Bool, _>(s.close.is_some())
        .bind::<Text, _>(s.close.map_or("", |(status, _)| status))
        .bind::<Nullable<Timestamp>, _>(s.close.map(|(_, at)| at))
        .get_result(pg)
}
