//! The hash chain that makes the audit trail tamper-evident. Each entry stores
//! `entry_hash = SHA-256(prev_hash ‖ seq as 8 bytes big-endian ‖ SHA-256(content))`, the hash
//! of the entry before it in its chain (`prev_hash`, 64 zeros for the first) and its place
//! (`chain_seq`); `audit_chains` holds each chain's last seq and hash. An entry is appended in
//! the transaction of the change it records, with the chain head locked until that
//! transaction ends, so concurrent writers can neither fork a chain nor leave a gap.
//!
//! SQLite has one writer at a time and one chain. PostgreSQL has [`POSTGRES_CHAINS`]: a writer
//! takes the first chain no one else holds (an advisory lock tried per chain), so writers wait
//! on one another only when every chain is busy.

use chrono::NaiveDateTime;
use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::db::{self, AnyConnection};
use crate::error::AppError;
use crate::schema::{audit_chains as c, audit_log as a};

/// `prev_hash` of a chain's first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Chains the PostgreSQL migration creates (ids 0..64), also the fallback modulus below.
pub const POSTGRES_CHAINS: i32 = 64;

/// Advisory lock class of the chain heads (`pg_try_advisory_xact_lock(class, chain_id)`): the
/// ASCII of "audi", apart from the migrations' single-key lock.
pub const POSTGRES_LOCK_CLASS: i32 = 0x6175_6469;

/// PostgreSQL CTEs `pick` (a chain no other transaction is appending to) and `link` (its head
/// advanced: the new entry's chain id, seq, prev_hash and entry_hash) for an entry whose
/// content digest is the hex parameter `$digest`, made only when the SQL condition `$when`
/// holds (nothing is locked or advanced otherwise).
///
/// A writer takes the first chain whose advisory lock is free, starting from its backend's pid
/// so that writers spread over the chains; the lock lives in memory until the transaction ends
/// and, unlike `SELECT ... FOR UPDATE`, writes nothing to the row. The head is then advanced by
/// one UPDATE whose SET reads the old row (`prev_hash = head_hash`), so no read comes first.
/// Correctness rests on that UPDATE's row lock, not on the advisory lock: when all
/// [`POSTGRES_CHAINS`] are taken the writer falls back to the chain of its pid without one and
/// waits for the row, and READ COMMITTED re-evaluates the SET on the newest head.
macro_rules! postgres_chain_link {
    ($digest:literal, $when:literal) => {
        concat!(
            "pick AS (
    SELECT COALESCE(
        (SELECT (pg_backend_pid() + n) % 64 FROM generate_series(0, 63) AS n
         WHERE pg_try_advisory_xact_lock(1635083369, (pg_backend_pid() + n) % 64) LIMIT 1),
        pg_backend_pid() % 64) AS chain_id
    WHERE ",
            $when,
            "
), link AS (
    UPDATE audit_chains AS c SET seq = c.seq + 1, prev_hash = c.head_hash,
        head_hash = encode(sha256(decode(c.head_hash, 'hex') || int8send(c.seq + 1) || decode(",
            $digest,
            ", 'hex')), 'hex')
    FROM pick WHERE c.chain_id = pick.chain_id
    RETURNING c.chain_id, c.seq, c.prev_hash, c.head_hash AS entry_hash
)"
        )
    };
}
pub(crate) use postgres_chain_link;

/// Everything of an entry the chain covers.
#[derive(Debug, Clone, Copy)]
pub struct Content<'a> {
    pub occurred_at: NaiveDateTime,
    pub key_id: Option<i64>,
    pub actor: &'a str,
    pub method: &'a str,
    pub route: &'a str,
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: &'a str,
    pub before_state: Option<&'a str>,
    pub after_state: Option<&'a str>,
    pub request_id: Option<&'a str>,
    pub idempotency_key: Option<&'a str>,
}

impl Content<'_> {
    /// SHA-256 over every field, each length-prefixed (and NULL distinct from empty), so no
    /// two different entries encode alike.
    pub fn digest(&self) -> [u8; 32] {
        let mut hasher = Sha256::new();
        let at = self.occurred_at.format("%Y-%m-%d %H:%M:%S%.6f").to_string();
        let key = self.key_id.map(|k| k.to_string());
        let fields = [
            Some(at.as_str()),
            key.as_deref(),
            Some(self.actor),
            Some(self.method),
            Some(self.route),
            Some(self.action),
            Some(self.entity_type),
            Some(self.entity_id),
            self.before_state,
            self.after_state,
            self.request_id,
            self.idempotency_key,
        ];
        for field in fields {
            match field {
                None => hasher.update([0u8]),
                Some(value) => {
                    hasher.update([1u8]);
                    hasher.update((value.len() as u64).to_be_bytes());
                    hasher.update(value.as_bytes());
                }
            }
        }
        hasher.finalize().into()
    }
}

/// The hash of entry `seq` with content `digest` following an entry hashed `prev` (hex);
/// `None` when `prev` is not hex.
pub fn link(prev: &str, seq: i64, digest: &[u8; 32]) -> Option<String> {
    let prev = hex::decode(prev).ok()?;
    let hash = Sha256::new()
        .chain_update(prev)
        .chain_update(seq.to_be_bytes())
        .chain_update(digest)
        .finalize();
    Some(hex::encode(hash))
}

const APPEND_POSTGRES: &str = concat!(
    "WITH ",
    postgres_chain_link!("$13", "TRUE"),
    "
INSERT INTO audit_log (occurred_at, key_id, actor, method, route, action, entity_type, entity_id,
    before_state, after_state, request_id, idempotency_key, chain_id, chain_seq, prev_hash, entry_hash)
SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, chain_id, seq, prev_hash, entry_hash FROM link"
);

/// Appends an entry to a chain. Call it inside the transaction of the change it records: the
/// chain head stays locked until that transaction ends.
pub fn append(conn: &mut AnyConnection, entry: &Content<'_>) -> Result<(), AppError> {
    let digest = entry.digest();
    let pg = match conn {
        AnyConnection::Postgresql(pg) => pg,
        AnyConnection::Sqlite(sqlite) => {
            // The head is read and advanced under the write lock: the caller's transaction's,
            // or one of its own (BEGIN IMMEDIATE) when called outside any.
            let depth = AnsiTransactionManager::transaction_manager_status_mut(sqlite).transaction_depth();
            return match depth {
                Ok(Some(_)) => append_sqlite(conn, entry, &digest),
                _ => db::write_tx(conn, |conn| append_sqlite(conn, entry, &digest)),
            };
        }
    };
    use diesel::sql_types::{BigInt, Nullable, Text, Timestamp};
    let written = diesel::sql_query(APPEND_POSTGRES)
        .bind::<Timestamp, _>(entry.occurred_at)
        .bind::<Nullable<BigInt>, _>(entry.key_id)
        .bind::<Text, _>(entry.actor)
        .bind::<Text, _>(entry.method)
        .bind::<Text, _>(entry.route)
        .bind::<Text, _>(entry.action)
        .bind::<Text, _>(entry.entity_type)
        .bind::<Text, _>(entry.entity_id)
        .bind::<Nullable<Text>, _>(entry.before_state)
        .bind::<Nullable<Text>, _>(entry.after_state)
        .bind::<Nullable<Text>, _>(entry.request_id)
        .bind::<Nullable<Text>, _>(entry.idempotency_key)
        .bind::<Text, _>(hex::encode(digest))
        .execute(pg)?;
    if written != 1 {
        return Err(AppError::Internal(anyhow::anyhow!("no audit chain head to append to")));
    }
    Ok(())
}

/// A chain's head as `audit_chains` keeps it.
#[derive(Queryable, Selectable)]
#[diesel(table_name = c)]
struct HeadRow {
    chain_id: i32,
    seq: i64,
    head_hash: String,
}

fn append_sqlite(conn: &mut AnyConnection, entry: &Content<'_>, digest: &[u8; 32]) -> Result<(), AppError> {
    let head: HeadRow = c::table.order(c::chain_id).select(HeadRow::as_select()).first(conn)?;
    let (chain_id, seq, prev) = (head.chain_id, head.seq + 1, head.head_hash);
    let hash = link(&prev, seq, digest)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("audit chain {chain_id}: its head is not a hash")))?;
    diesel::insert_into(a::table)
        .values((
            (
                a::occurred_at.eq(entry.occurred_at),
                a::key_id.eq(entry.key_id),
                a::actor.eq(entry.actor),
                a::method.eq(entry.method),
                a::route.eq(entry.route),
                a::action.eq(entry.action),
                a::entity_type.eq(entry.entity_type),
                a::entity_id.eq(entry.entity_id),
            ),
            (
                a::before_state.eq(entry.before_state),
                a::after_state.eq(entry.after_state),
                a::request_id.eq(entry.request_id),
                a::idempotency_key.eq(entry.idempotency_key),
                a::chain_id.eq(chain_id),
                a::chain_seq.eq(seq),
                a::prev_hash.eq(&prev),
                a::entry_hash.eq(&hash),
            ),
        ))
        .execute(conn)?;
    diesel::update(c::table.find(chain_id))
        .set((c::seq.eq(seq), c::prev_hash.eq(&prev), c::head_hash.eq(&hash)))
        .execute(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(after: Option<&str>) -> Content<'_> {
        Content {
            occurred_at: chrono::DateTime::from_timestamp(1_764_000_000, 123_456_000)
                .map(|t| t.naive_utc())
                .unwrap_or_default(),
            key_id: Some(1),
            actor: "admin",
            method: "POST",
            route: "/api/v1/parts",
            action: "part.create",
            entity_type: "part",
            entity_id: "7",
            before_state: None,
            after_state: after,
            request_id: None,
            idempotency_key: None,
        }
    }

    #[test]
    fn any_change_to_content_place_or_predecessor_changes_the_hash() {
        let digest = entry(Some("{}")).digest();
        let hash = link(GENESIS, 1, &digest).expect("hex");
        assert_ne!(entry(Some("{} ")).digest(), digest);
        assert_ne!(entry(None).digest(), entry(Some("")).digest(), "NULL is not empty");
        assert_ne!(link(GENESIS, 2, &digest).expect("hex"), hash);
        assert_ne!(link(&hash, 1, &digest).expect("hex"), hash);
        assert_eq!(link("not hex", 1, &digest), None);
    }

    #[test]
    fn the_postgres_append_locks_in_the_chain_heads_own_lock_class() {
        let class = format!("pg_try_advisory_xact_lock({POSTGRES_LOCK_CLASS},");
        assert!(APPEND_POSTGRES.contains(&class), "{APPEND_POSTGRES}");
        assert!(APPEND_POSTGRES.contains(&format!("% {POSTGRES_CHAINS}")));
    }
}
