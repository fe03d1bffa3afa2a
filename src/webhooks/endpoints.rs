//! Webhook endpoints: where events go and the secret their signatures use.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::EVENT_TYPES;
use crate::db::{self, AnyConnection, MultiBackend};
use crate::error::AppError;
use crate::schema::webhook_endpoints as e;
use crate::secrets::store::WEBHOOK_SECRET;
use crate::secrets::KeyRing;

/// A registered endpoint (its secret is shown only when it is created).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Endpoint {
    pub id: i64,
    pub url: String,
    /// Subscribed event types; `*` is every event.
    pub events: Vec<String>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    /// The signing secret; present only in the creation response.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEndpoint {
    /// `http://` or `https://` URL receiving POSTed JSON events.
    #[schema(max_length = 500, example = "https://erp.example.com/hooks/spares")]
    pub url: String,
    /// Event types (`proposal.created`, `proposal.approved`, `purchase_order.created`,
    /// `stock.below_reorder_point`, `reservation.refused`) or `*`; default every event.
    pub events: Option<Vec<String>>,
    /// Signing secret (16-200 characters); generated when absent.
    #[schema(min_length = 16, max_length = 200)]
    pub secret: Option<String>,
}

/// An endpoint as stored, without its sealed secret.
#[derive(Queryable, Selectable)]
#[diesel(table_name = e)]
struct Row {
    id: i64,
    url: String,
    events: String,
    active: bool,
    created_at: chrono::NaiveDateTime,
}

/// [`Row`]'s columns, for the `RETURNING` clauses (`as_returning` does not compile on the
/// multi-backend connection; the selection the struct derives does).
fn columns() -> <Row as Selectable<MultiBackend>>::SelectExpression {
    <Row as Selectable<MultiBackend>>::construct_selection()
}

fn to_endpoint(row: Row) -> Endpoint {
    Endpoint {
        id: row.id,
        url: row.url,
        events: row.events.split(',').map(str::to_owned).collect(),
        active: row.active,
        created_at: row.created_at.and_utc(),
        secret: None,
    }
}

/// Registers an endpoint; its secret is stored sealed under the active key of `keys`.
pub fn create(conn: &mut AnyConnection, input: &NewEndpoint, keys: &KeyRing) -> Result<Endpoint, AppError> {
    let url = crate::validate::text("url", &input.url, 500)?;
    if !(url.starts_with("http://") || url.starts_with("https://")) || url.contains(char::is_whitespace) {
        return Err(AppError::validation("url", "must be an http:// or https:// URL"));
    }
    let events = match &input.events {
        None => vec!["*".to_owned()],
        Some(list) if list.is_empty() => return Err(AppError::validation("events", "must not be empty")),
        Some(list) => {
            for (i, event) in list.iter().enumerate() {
                if event != "*" && !EVENT_TYPES.contains(&event.as_str()) {
                    return Err(AppError::validation(
                        format!("events[{i}]"),
                        format!("must be * or one of {}", EVENT_TYPES.join(", ")),
                    ));
                }
            }
            list.clone()
        }
    };
    let secret = match &input.secret {
        Some(s) if !(16..=200).contains(&s.chars().count()) => {
            return Err(AppError::validation("secret", "must be 16-200 characters"))
        }
        Some(s) => s.clone(),
        None => {
            let mut bytes = [0u8; 32];
            rand::rng().fill_bytes(&mut bytes);
            format!("whsec_{}", hex::encode(bytes))
        }
    };
    let sealed = keys.seal(WEBHOOK_SECRET, &secret);
    let row: Row = diesel::insert_into(e::table)
        .values((
            e::url.eq(&url),
            e::secret.eq(&sealed.ciphertext),
            e::secret_key_id.eq(&sealed.key_id),
            e::events.eq(events.join(",")),
            e::active.eq(true),
            e::created_at.eq(db::now()),
        ))
        .returning(columns())
        .get_result(conn)?;
    Ok(Endpoint {
        secret: Some(secret),
        ..to_endpoint(row)
    })
}

pub fn list(conn: &mut AnyConnection) -> Result<Vec<Endpoint>, AppError> {
    let rows: Vec<Row> = e::table.select(Row::as_select()).order(e::id).load(conn)?;
    Ok(rows.into_iter().map(to_endpoint).collect())
}

/// Deactivates an endpoint: nothing new is queued for it and its pending deliveries stop.
pub fn deactivate(conn: &mut AnyConnection, id: i64) -> Result<Endpoint, AppError> {
    let row: Option<Row> = diesel::update(e::table.find(id))
        .set(e::active.eq(false))
        .returning(columns())
        .get_result(conn)
        .optional()?;
    row.map(to_endpoint)
        .ok_or_else(|| AppError::not_found("webhook endpoint", id.to_string()))
}
