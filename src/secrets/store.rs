//! The sealed columns in the database: today the webhook signing secrets. A row whose
//! `secret_key_id` is NULL still holds a plain value written before encryption existed; the
//! service seals such rows when it starts with a key file and never signs with them unsealed.

use diesel::prelude::*;

use super::{KeyRing, SecretError};
use crate::db::{self, AnyConnection};
use crate::error::AppError;
use crate::schema::webhook_endpoints as e;

/// Associated data of webhook signing secrets: a ciphertext opens only in this column.
pub const WEBHOOK_SECRET: &str = "webhook_endpoints.secret";

#[derive(Queryable, Selectable)]
#[diesel(table_name = e)]
struct StoredSecret {
    id: i64,
    secret: String,
    secret_key_id: Option<String>,
}

/// How many webhook secrets are still plain text.
pub fn count_plain(conn: &mut AnyConnection) -> Result<i64, AppError> {
    Ok(e::table.filter(e::secret_key_id.is_null()).count().get_result(conn)?)
}

/// Seals every plain webhook secret under the active key; returns how many.
pub fn seal_plain(conn: &mut AnyConnection, keys: &KeyRing) -> Result<usize, AppError> {
    reseal(conn, keys, false)
}

/// Re-seals every webhook secret not under the active key (plain ones included) under it;
/// returns how many. Fails, changing nothing, when a value's key is missing from the ring.
pub fn rotate(conn: &mut AnyConnection, keys: &KeyRing) -> Result<usize, AppError> {
    reseal(conn, keys, true)
}

fn reseal(conn: &mut AnyConnection, keys: &KeyRing, sealed_too: bool) -> Result<usize, AppError> {
    let active = keys.active_id().to_owned();
    db::write_tx(conn, |conn| {
        let mut query = e::table.select(StoredSecret::as_select()).into_boxed();
        query = if sealed_too {
            query.filter(e::secret_key_id.is_null().or(e::secret_key_id.ne(active.clone())))
        } else {
            query.filter(e::secret_key_id.is_null())
        };
        let rows: Vec<StoredSecret> = query.order(e::id).load(conn)?;
        for row in &rows {
            let plain = match &row.secret_key_id {
                None => row.secret.clone(),
                Some(key_id) => keys
                    .open(WEBHOOK_SECRET, key_id, &row.secret)
                    .map_err(|error| unopenable(row.id, error))?,
            };
            let sealed = keys.seal(WEBHOOK_SECRET, &plain);
            diesel::update(e::table.find(row.id))
                .set((e::secret.eq(&sealed.ciphertext), e::secret_key_id.eq(&sealed.key_id)))
                .execute(conn)?;
        }
        Ok(rows.len())
    })
}

fn unopenable(id: i64, error: SecretError) -> AppError {
    AppError::Internal(anyhow::anyhow!("webhook endpoint {id}: {error}"))
}
