//! Console sessions in the database: opened with an API key, each names its key, whose role and
//! warehouse scope decide every page. A session ends when it is unused for the idle period, when
//! its key is revoked or expires (checked on every request by the same code as bearer keys), or
//! at sign-out. The cookie carries a random token; only its SHA-256 is stored.

use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use rand::RngCore;

use crate::auth::{keys, Principal};
use crate::db::{self, AnyConnection};
use crate::error::AppError;
use crate::schema::console_sessions as cs;

/// How stale `last_seen_at` may get before a request writes it again: the idle period is
/// measured to within this, and a page view is not a write each time.
const TOUCH_AFTER: chrono::TimeDelta = chrono::TimeDelta::seconds(60);

/// A signed-in session.
#[derive(Debug, Clone)]
pub struct Session {
    pub id: i64,
    pub principal: Principal,
    /// Every state-changing form sends it back.
    pub csrf: String,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = cs)]
struct SessionRow {
    id: i64,
    key_id: i64,
    csrf_token: String,
    last_seen_at: NaiveDateTime,
}

/// 256 random bits as hex: session tokens and CSRF tokens.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Opens a session for the key `secret` (401 as the API answers for a bad key); returns the
/// cookie token with the session.
pub fn open(conn: &mut AnyConnection, secret: &str) -> Result<(String, Session), AppError> {
    let principal = keys::authenticate(conn, secret)?;
    let token = random_token();
    let csrf = random_token();
    let now = db::now();
    let id: i64 = diesel::insert_into(cs::table)
        .values((
            cs::token_hash.eq(keys::hash_secret(&token)),
            cs::key_id.eq(principal.key_id),
            cs::csrf_token.eq(&csrf),
            cs::created_at.eq(now),
            cs::last_seen_at.eq(now),
        ))
        .returning(cs::id)
        .get_result(conn)?;
    Ok((token, Session { id, principal, csrf }))
}

/// The live session behind a cookie token, or `None` (unknown, idle too long, or its key no
/// longer valid: such a session is deleted).
pub fn resume(conn: &mut AnyConnection, token: &str, idle: Duration) -> Result<Option<Session>, AppError> {
    let row: Option<SessionRow> = cs::table
        .filter(cs::token_hash.eq(keys::hash_secret(token)))
        .select(SessionRow::as_select())
        .first(conn)
        .optional()?;
    let Some(row) = row else { return Ok(None) };
    let now = db::now();
    let idle = chrono::TimeDelta::from_std(idle).unwrap_or(chrono::TimeDelta::MAX);
    if now - row.last_seen_at > idle {
        end(conn, row.id)?;
        return Ok(None);
    }
    let principal = match keys::authenticate_id(conn, row.key_id) {
        Ok(principal) => principal,
        Err(AppError::Unauthorized(_)) => {
            end(conn, row.id)?;
            return Ok(None);
        }
        Err(other) => return Err(other),
    };
    if now - row.last_seen_at > TOUCH_AFTER {
        diesel::update(cs::table.find(row.id))
            .set(cs::last_seen_at.eq(now))
            .execute(conn)?;
    }
    Ok(Some(Session {
        id: row.id,
        principal,
        csrf: row.csrf_token,
    }))
}

/// Ends a session (sign-out, or found dead).
pub fn end(conn: &mut AnyConnection, id: i64) -> Result<(), AppError> {
    diesel::delete(cs::table.find(id)).execute(conn)?;
    Ok(())
}
