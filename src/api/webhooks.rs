//! Webhook endpoint routes (admin).

use actix_web::{web, HttpResponse};

use super::extract::{need, Caller, Command};
use super::{mutate, ok_json, resource, respond, snapshot, with_conn, AppState, Changed};
use crate::audit::{self, Change};
use crate::error::AppError;
use crate::idempotency::{self, StoredResponse};
use crate::secrets::KEY_FILE_SETTING;
use crate::webhooks::endpoints::{self, Endpoint, NewEndpoint};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/webhooks", "GET, POST")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    );
    cfg.service(resource("/webhooks/{id}", "DELETE").route(web::delete().to(deactivate)));
}

#[utoipa::path(get, path = "/api/v1/webhooks", tag = "webhooks",
    responses((status = 200, description = "Registered endpoints (never their secrets)", body = Vec<Endpoint>)))]
pub async fn list(state: web::Data<AppState>, _caller: Caller<need::Administer>) -> Result<HttpResponse, AppError> {
    let found = with_conn(&state.pool, endpoints::list).await?;
    Ok(ok_json(&found))
}

#[utoipa::path(post, path = "/api/v1/webhooks", tag = "webhooks", request_body = NewEndpoint,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe; a replay withholds the secret")),
    responses(
        (status = 201, description = "Registered; the response shows the signing secret once (it is stored \
            AES-256-GCM encrypted)", body = Endpoint),
        (status = 503, description = "The instance has no secret key file (`SPARES_SECRET_KEY_FILE`), so it \
            cannot store a secret; nothing was registered")))]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller<need::Administer>,
    cmd: Command<NewEndpoint>,
) -> Result<HttpResponse, AppError> {
    let Command { input, idempotency } = cmd;
    let keys = state.secret_keys.clone().ok_or_else(|| AppError::NotConfigured {
        setting: KEY_FILE_SETTING,
        why: "webhook signing secrets are stored encrypted, and this instance has no secret key file".into(),
    })?;
    let Caller { principal, request, .. } = caller;
    let stored = with_conn(&state.pool, move |conn| {
        idempotency::execute(conn, idempotency.as_ref(), |conn| {
            let created = endpoints::create(conn, &input, &keys)?;
            // The secret exists only in the first response: never in the audit trail or the
            // idempotency store.
            let withheld = Endpoint {
                secret: None,
                ..created.clone()
            };
            let change = Change {
                action: "webhook.create",
                entity_type: "webhook_endpoint",
                entity_id: created.id.to_string(),
                before: None,
                after: snapshot(&withheld),
            };
            audit::record(conn, &principal, &request, &change)?;
            let mut response = StoredResponse::json(201, &created)?;
            response.replay_body = Some(serde_json::to_string(&withheld).map_err(|e| AppError::Internal(e.into()))?);
            Ok(response)
        })
    })
    .await?;
    Ok(respond(stored))
}

#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "webhooks",
    params(("id" = i64, Path, description = "Endpoint id")),
    responses(
        (status = 200, description = "Deactivated: nothing more is sent to it", body = Endpoint),
        (status = 404, description = "Unknown endpoint")))]
pub async fn deactivate(
    state: web::Data<AppState>,
    caller: Caller<need::Administer>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let stored = mutate(
        &state,
        caller,
        None,
        200,
        ("webhook.deactivate", "webhook_endpoint"),
        move |conn, _, _| {
            let endpoint = endpoints::deactivate(conn, id)?;
            Ok(Changed::new(id, endpoint))
        },
    )
    .await?;
    Ok(respond(stored))
}
