//! The audit trail: who changed what, when, under which request. Written in the same
//! transaction as the change it records; the table rejects updates and deletes (triggers), and
//! each entry is hash-chained to the one before it ([`chain`]) so that changes made behind the
//! service's back show in `spares verify` ([`verify`]).

pub mod chain;
pub mod verify;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub use chain::Content;

use crate::auth::Principal;
use crate::db::{self, AnyConnection};
use crate::error::AppError;
use crate::pagination::PageRequest;
use crate::schema::audit_log as a;

/// The request a change came in with.
#[derive(Debug, Clone, Default)]
pub struct RequestInfo {
    pub method: String,
    /// The route pattern, e.g. `/api/v1/reservations/{id}/consume`.
    pub route: String,
    pub request_id: Option<String>,
    pub idempotency_key: Option<String>,
}

/// One change to record.
#[derive(Debug, Clone)]
pub struct Change<'a> {
    /// What was done, e.g. `movement.create`, `reservation.consume`, `key.revoke`.
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// Appends the audit entry of `change` to its chain: call it in the change's transaction.
pub fn record(
    conn: &mut AnyConnection,
    who: &Principal,
    request: &RequestInfo,
    change: &Change<'_>,
) -> Result<(), AppError> {
    let before = change.before.as_ref().map(|v| v.to_string());
    let after = change.after.as_ref().map(|v| v.to_string());
    chain::append(
        conn,
        &Content {
            occurred_at: db::now(),
            key_id: (who.key_id > 0).then_some(who.key_id),
            actor: &who.name,
            method: &request.method,
            route: &request.route,
            action: change.action,
            entity_type: change.entity_type,
            entity_id: &change.entity_id,
            before_state: before.as_deref(),
            after_state: after.as_deref(),
            request_id: request.request_id.as_deref(),
            idempotency_key: request.idempotency_key.as_deref(),
        },
    )
}

/// A change about to be made, before it has an id: for a statement that writes its own audit
/// row together with the change (see `stock::ledger::post_autocommit`).
#[derive(Debug, Clone, Copy)]
pub struct Pending<'a> {
    pub who: &'a Principal,
    pub request: &'a RequestInfo,
    pub action: &'a str,
    pub entity_type: &'a str,
}

impl<'a> Pending<'a> {
    /// The audit row of the change once its id and resulting state are known.
    pub fn recording(&self, occurred_at: chrono::NaiveDateTime, entity_id: String, after: String) -> Record<'a> {
        Record {
            occurred_at,
            key_id: (self.who.key_id > 0).then_some(self.who.key_id),
            actor: &self.who.name,
            method: &self.request.method,
            route: &self.request.route,
            action: self.action,
            entity_type: self.entity_type,
            entity_id,
            after,
            request_id: self.request.request_id.as_deref(),
            idempotency_key: self.request.idempotency_key.as_deref(),
        }
    }
}

/// Every value of an audit row for a creation (no `before` state).
#[derive(Debug, Clone)]
pub struct Record<'a> {
    pub occurred_at: chrono::NaiveDateTime,
    pub key_id: Option<i64>,
    pub actor: &'a str,
    pub method: &'a str,
    pub route: &'a str,
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: String,
    pub after: String,
    pub request_id: Option<&'a str>,
    pub idempotency_key: Option<&'a str>,
}

impl Record<'_> {
    /// What the chain covers of this row.
    pub fn content(&self) -> Content<'_> {
        Content {
            occurred_at: self.occurred_at,
            key_id: self.key_id,
            actor: self.actor,
            method: self.method,
            route: self.route,
            action: self.action,
            entity_type: self.entity_type,
            entity_id: &self.entity_id,
            before_state: None,
            after_state: Some(&self.after),
            request_id: self.request_id,
            idempotency_key: self.idempotency_key,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    /// The API key that made the change (absent for the service's own work).
    pub key_id: Option<i64>,
    pub actor: String,
    pub method: String,
    pub route: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    #[schema(value_type = Option<Object>)]
    pub before: Option<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    pub after: Option<serde_json::Value>,
    pub request_id: Option<String>,
    pub idempotency_key: Option<String>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = a)]
struct AuditRow {
    id: i64,
    occurred_at: chrono::NaiveDateTime,
    key_id: Option<i64>,
    actor: String,
    method: String,
    route: String,
    action: String,
    entity_type: String,
    entity_id: String,
    before_state: Option<String>,
    after_state: Option<String>,
    request_id: Option<String>,
    idempotency_key: Option<String>,
}

impl From<AuditRow> for AuditEntry {
    fn from(r: AuditRow) -> Self {
        let parse = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
        AuditEntry {
            id: r.id,
            occurred_at: r.occurred_at.and_utc(),
            key_id: r.key_id,
            actor: r.actor,
            method: r.method,
            route: r.route,
            action: r.action,
            entity_type: r.entity_type,
            entity_id: r.entity_id,
            before: parse(r.before_state),
            after: parse(r.after_state),
            request_id: r.request_id,
            idempotency_key: r.idempotency_key,
        }
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditFilter {
    pub action: Option<String>,
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub key_id: Option<i64>,
    pub request_id: Option<String>,
    /// At or after this instant (RFC 3339, or `YYYY-MM-DD` for the start of that day, UTC).
    #[serde(default, deserialize_with = "crate::validate::instant::option")]
    pub from: Option<DateTime<Utc>>,
    /// Before this instant (RFC 3339, or `YYYY-MM-DD` for the start of that day, UTC).
    #[serde(default, deserialize_with = "crate::validate::instant::option")]
    pub to: Option<DateTime<Utc>>,
    /// `oldest` first (the default) or `newest` first; the cursor follows the order asked for.
    #[param(inline)]
    pub sort: Option<crate::pagination::ListOrder>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

pub fn list(conn: &mut AnyConnection, filter: &AuditFilter) -> Result<(Vec<AuditEntry>, Option<String>), AppError> {
    let page = PageRequest::parse(filter.limit, filter.cursor.as_deref())?;
    let mut query = a::table
        .select(AuditRow::as_select())
        .limit(page.fetch_limit())
        .into_boxed();
    if let Some(v) = &filter.action {
        query = query.filter(a::action.eq(v.clone()));
    }
    if let Some(v) = &filter.entity_type {
        query = query.filter(a::entity_type.eq(v.clone()));
    }
    if let Some(v) = &filter.entity_id {
        query = query.filter(a::entity_id.eq(v.clone()));
    }
    if let Some(v) = filter.key_id {
        query = query.filter(a::key_id.eq(v));
    }
    if let Some(v) = &filter.request_id {
        query = query.filter(a::request_id.eq(v.clone()));
    }
    if let Some(v) = filter.from {
        query = query.filter(a::occurred_at.ge(v.naive_utc()));
    }
    if let Some(v) = filter.to {
        query = query.filter(a::occurred_at.lt(v.naive_utc()));
    }
    let order = filter.sort.unwrap_or(crate::pagination::ListOrder::Oldest);
    let query = crate::order_by_id!(query, a::id, order, page.id_cursor()?);
    let rows: Vec<AuditRow> = query.load(conn)?;
    let (rows, next) = page.finish(rows, |r| r.id.to_string());
    Ok((rows.into_iter().map(AuditEntry::from).collect(), next))
}
