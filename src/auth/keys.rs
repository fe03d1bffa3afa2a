//! API keys: creation (the secret is returned once), lookup by hash, listing, revocation and
//! expiry.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::{Principal, Role};
use crate::catalog::warehouses;
use crate::db::{self, AnyConnection};
use crate::error::AppError;
use crate::schema::api_keys as k;
use crate::validate;

const SECRET_PREFIX: &str = "spk_";

/// A key as listed: never its secret.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApiKey {
    pub id: i64,
    pub name: String,
    pub role: Role,
    /// The first characters of the secret, to recognise a key.
    pub prefix: String,
    /// Warehouse codes the key is limited to; absent means every warehouse.
    pub warehouses: Option<Vec<String>>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A new key with its secret, shown only in the creation response.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CreatedKey {
    #[serde(flatten)]
    pub key: ApiKey,
    /// The secret to send as `Authorization: Bearer <secret>`. It is not stored and cannot be
    /// shown again.
    pub secret: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewKey {
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    pub role: Role,
    /// Limit the key to these warehouse codes.
    #[schema(max_items = 500)]
    pub warehouses: Option<Vec<String>>,
    /// When the key stops working (RFC 3339, or `YYYY-MM-DD` for the start of that day, UTC;
    /// in the future).
    #[serde(default, deserialize_with = "crate::validate::instant::option")]
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyChanges {
    /// New expiry (RFC 3339 or `YYYY-MM-DD`); `null` removes it.
    #[serde(default, deserialize_with = "crate::validate::instant::option")]
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = k)]
struct KeyRow {
    id: i64,
    name: String,
    role: String,
    key_prefix: String,
    warehouses: Option<String>,
    created_by: String,
    created_at: NaiveDateTime,
    expires_at: Option<NaiveDateTime>,
    revoked_at: Option<NaiveDateTime>,
}

impl KeyRow {
    fn into_key(self) -> ApiKey {
        ApiKey {
            id: self.id,
            name: self.name,
            role: Role::parse(&self.role).unwrap_or(Role::Viewer),
            prefix: self.key_prefix,
            warehouses: split_codes(self.warehouses.as_deref()),
            created_by: self.created_by,
            created_at: self.created_at.and_utc(),
            expires_at: self.expires_at.map(|t| t.and_utc()),
            revoked_at: self.revoked_at.map(|t| t.and_utc()),
        }
    }
}

fn split_codes(stored: Option<&str>) -> Option<Vec<String>> {
    stored.map(|s| s.split(',').filter(|c| !c.is_empty()).map(str::to_owned).collect())
}

pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{SECRET_PREFIX}{}", hex::encode(bytes))
}

pub fn create(conn: &mut AnyConnection, input: &NewKey, created_by: &str) -> Result<CreatedKey, AppError> {
    let name = validate::text("name", &input.name, 100)?;
    let scope = match &input.warehouses {
        None => None,
        Some(codes) if codes.is_empty() => {
            return Err(AppError::validation(
                "warehouses",
                "must list at least one warehouse, or be omitted",
            ))
        }
        Some(codes) => {
            let mut checked = Vec::with_capacity(codes.len());
            for (i, code) in codes.iter().enumerate() {
                checked.push(warehouses::resolve(conn, &format!("warehouses[{i}]"), code)?.code);
            }
            checked.sort();
            checked.dedup();
            Some(checked.join(","))
        }
    };
    if let Some(at) = input.expires_at {
        if at <= chrono::Utc::now() {
            return Err(AppError::validation("expires_at", "must be in the future"));
        }
    }
    let secret = new_secret();
    let id: i64 = diesel::insert_into(k::table)
        .values((
            k::name.eq(&name),
            k::role.eq(input.role.as_str()),
            k::key_hash.eq(hash_secret(&secret)),
            k::key_prefix.eq(&secret[..SECRET_PREFIX.len() + 8]),
            k::warehouses.eq(scope),
            k::created_by.eq(created_by),
            k::created_at.eq(db::now()),
            k::expires_at.eq(input.expires_at.map(|t| t.naive_utc())),
        ))
        .returning(k::id)
        .get_result(conn)?;
    Ok(CreatedKey {
        key: get(conn, id)?,
        secret,
    })
}

/// The principal behind a secret: 401 when it is unknown, revoked or expired.
pub fn authenticate(conn: &mut AnyConnection, secret: &str) -> Result<Principal, AppError> {
    let row: Option<KeyRow> = k::table
        .filter(k::key_hash.eq(hash_secret(secret)))
        .select(KeyRow::as_select())
        .first(conn)
        .optional()?;
    principal_of(row)
}

/// The principal of a key already identified (a console session names its key): the same
/// checks as [`authenticate`], so a revoked or expired key ends its sessions at once.
pub fn authenticate_id(conn: &mut AnyConnection, id: i64) -> Result<Principal, AppError> {
    let row: Option<KeyRow> = k::table.find(id).select(KeyRow::as_select()).first(conn).optional()?;
    principal_of(row)
}

fn principal_of(row: Option<KeyRow>) -> Result<Principal, AppError> {
    let key = row
        .ok_or_else(|| AppError::Unauthorized("unknown API key".into()))?
        .into_key();
    if key.revoked_at.is_some() {
        return Err(AppError::Unauthorized("this API key was revoked".into()));
    }
    if key.expires_at.is_some_and(|at| at <= chrono::Utc::now()) {
        return Err(AppError::Unauthorized("this API key has expired".into()));
    }
    Ok(Principal {
        key_id: key.id,
        name: key.name,
        role: key.role,
        warehouses: key.warehouses,
    })
}

pub fn list(conn: &mut AnyConnection) -> Result<Vec<ApiKey>, AppError> {
    Ok(k::table
        .select(KeyRow::as_select())
        .order(k::id)
        .load::<KeyRow>(conn)?
        .into_iter()
        .map(KeyRow::into_key)
        .collect())
}

pub fn get(conn: &mut AnyConnection, id: i64) -> Result<ApiKey, AppError> {
    k::table
        .find(id)
        .select(KeyRow::as_select())
        .first::<KeyRow>(conn)
        .optional()?
        .map(KeyRow::into_key)
        .ok_or_else(|| AppError::not_found("API key", id.to_string()))
}

/// Revokes a key at once; revoking twice keeps the first revocation time.
pub fn revoke(conn: &mut AnyConnection, id: i64) -> Result<ApiKey, AppError> {
    get(conn, id)?;
    diesel::update(k::table.find(id).filter(k::revoked_at.is_null()))
        .set(k::revoked_at.eq(Some(db::now())))
        .execute(conn)?;
    get(conn, id)
}

pub fn set_expiry(conn: &mut AnyConnection, id: i64, expires_at: Option<DateTime<Utc>>) -> Result<ApiKey, AppError> {
    get(conn, id)?;
    diesel::update(k::table.find(id))
        .set(k::expires_at.eq(expires_at.map(|t| t.naive_utc())))
        .execute(conn)?;
    get(conn, id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_carry_256_random_bits_and_hash_to_hex() {
        let a = new_secret();
        let b = new_secret();
        assert_ne!(a, b);
        assert_eq!(a.len(), SECRET_PREFIX.len() + 64);
        assert_eq!(hash_secret(&a).len(), 64);
        assert_ne!(hash_secret(&a), hash_secret(&b));
    }
}
