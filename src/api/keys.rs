//! API key administration (admin only).

use actix_web::{web, HttpResponse};

use super::extract::{need, Caller, Command};
use super::{mutate, ok_json, resource, respond, snapshot, with_conn, AppState, Changed};
use crate::audit::{self, Change};
use crate::auth::keys::{self, ApiKey, CreatedKey, KeyChanges, NewKey};
use crate::db::AnyConnection;
use crate::error::AppError;
use crate::idempotency::{self, IdempotentRequest, StoredResponse};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/keys", "GET, POST")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    );
    cfg.service(resource("/keys/{id}", "PATCH").route(web::patch().to(update)));
    cfg.service(resource("/keys/{id}/revoke", "POST").route(web::post().to(revoke)));
}

#[utoipa::path(post, path = "/api/v1/keys", tag = "access", request_body = NewKey,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe; a replay withholds the secret")),
    responses(
        (status = 201, description = "Created; `secret` is shown this once", body = CreatedKey)))]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller<need::Administer>,
    cmd: Command<NewKey>,
) -> Result<HttpResponse, AppError> {
    let Command { input, idempotency } = cmd;
    let Caller { principal, request, .. } = caller;
    let stored = with_conn(&state.pool, move |conn| {
        idempotency::execute(conn, idempotency.as_ref(), |conn| {
            let created = keys::create(conn, &input, &principal.name)?;
            let change = Change {
                action: "key.create",
                entity_type: "api_key",
                entity_id: created.key.id.to_string(),
                before: None,
                after: snapshot(&created.key),
            };
            audit::record(conn, &principal, &request, &change)?;
            let mut response = StoredResponse::json(201, &created)?;
            // The secret exists only in this response: never in the idempotency store.
            let withheld = CreatedKey {
                key: created.key.clone(),
                secret: "(withheld: shown only in the first response)".into(),
            };
            response.replay_body = Some(serde_json::to_string(&withheld).map_err(|e| AppError::Internal(e.into()))?);
            Ok(response)
        })
    })
    .await?;
    Ok(respond(stored))
}

/// A key may not revoke or expire itself: that is how the last admin locks everyone out.
fn refuse_self<P>(caller: &Caller<P>, id: i64) -> Result<(), AppError> {
    if caller.principal.key_id == id {
        return Err(AppError::InvalidState(
            "a key cannot revoke or expire itself; use another admin key".into(),
        ));
    }
    Ok(())
}

#[utoipa::path(get, path = "/api/v1/keys", tag = "access",
    responses((status = 200, description = "Every key, without secrets", body = Vec<ApiKey>)))]
pub async fn list(state: web::Data<AppState>, _caller: Caller<need::Administer>) -> Result<HttpResponse, AppError> {
    Ok(ok_json(&with_conn(&state.pool, keys::list).await?))
}

#[utoipa::path(patch, path = "/api/v1/keys/{id}", tag = "access", request_body = KeyChanges,
    params(("id" = i64, Path, description = "Key id")),
    responses(
        (status = 200, description = "Updated", body = ApiKey),
        (status = 404, description = "Unknown key"),
        (status = 409, description = "A key cannot expire itself")))]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller<need::Administer>,
    id: web::Path<i64>,
    cmd: Command<KeyChanges>,
) -> Result<HttpResponse, AppError> {
    let Command { input, idempotency } = cmd;
    let work = move |conn: &mut AnyConnection, id| keys::set_expiry(conn, id, input.expires_at);
    change_key(&state, caller, id.into_inner(), (idempotency, "key.update"), work).await
}

#[utoipa::path(post, path = "/api/v1/keys/{id}/revoke", tag = "access",
    params(("id" = i64, Path, description = "Key id"), ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses(
        (status = 200, description = "Revoked, effective at once", body = ApiKey),
        (status = 404, description = "Unknown key"),
        (status = 409, description = "A key cannot revoke itself")))]
pub async fn revoke(
    state: web::Data<AppState>,
    caller: Caller<need::Administer>,
    id: web::Path<i64>,
    cmd: Command<Option<serde_json::Value>>,
) -> Result<HttpResponse, AppError> {
    change_key(
        &state,
        caller,
        id.into_inner(),
        (cmd.idempotency, "key.revoke"),
        keys::revoke,
    )
    .await
}

/// A change `work` makes to another key, audited with the key before and after.
async fn change_key<F>(
    state: &AppState,
    caller: Caller<need::Administer>,
    id: i64,
    (idempotency, action): (Option<IdempotentRequest>, &'static str),
    work: F,
) -> Result<HttpResponse, AppError>
where
    F: FnOnce(&mut AnyConnection, i64) -> Result<ApiKey, AppError> + Send + 'static,
{
    refuse_self(&caller, id)?;
    let stored = mutate(
        state,
        caller,
        idempotency,
        200,
        (action, "api_key"),
        move |conn, _, _| {
            let before = keys::get(conn, id)?;
            Ok(Changed::replacing(id, &before, work(conn, id)?))
        },
    )
    .await?;
    Ok(respond(stored))
}
