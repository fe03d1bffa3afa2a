//! Master data routes: regions, warehouses, parts, suppliers and supplier terms.

mod parts;
mod regions;
mod suppliers;
mod warehouses;

use actix_web::{web, HttpResponse};
use serde::Serialize;

use super::extract::{Caller, Command};
use super::{mutate, resource, respond, AppState, Changed};
use crate::db::AnyConnection;
use crate::error::AppError;
pub use parts::*;
pub use regions::*;
pub use suppliers::*;
pub use warehouses::*;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/regions", "GET, POST")
            .route(web::get().to(list_regions))
            .route(web::post().to(create_region)),
    );
    cfg.service(
        resource("/warehouses", "GET, POST")
            .route(web::get().to(list_warehouses))
            .route(web::post().to(create_warehouse)),
    );
    cfg.service(
        resource("/warehouses/{code}", "GET, PATCH")
            .route(web::get().to(get_warehouse))
            .route(web::patch().to(update_warehouse)),
    );
    cfg.service(
        resource("/parts", "GET, POST")
            .route(web::get().to(list_parts))
            .route(web::post().to(create_part)),
    );
    cfg.service(
        resource("/parts/{part_number}", "GET, PATCH")
            .route(web::get().to(get_part))
            .route(web::patch().to(update_part)),
    );
    cfg.service(resource("/parts/{part_number}/suppliers", "GET").route(web::get().to(part_suppliers)));
    cfg.service(
        resource("/suppliers", "GET, POST")
            .route(web::get().to(list_suppliers))
            .route(web::post().to(create_supplier)),
    );
    cfg.service(
        resource("/suppliers/{code}", "GET, PATCH")
            .route(web::get().to(get_supplier))
            .route(web::patch().to(update_supplier)),
    );
    cfg.service(resource("/suppliers/{code}/parts", "GET").route(web::get().to(supplier_terms)));
    cfg.service(
        resource("/suppliers/{code}/parts/{part_number}", "PUT, DELETE")
            .route(web::put().to(put_terms))
            .route(web::delete().to(delete_terms)),
    );
}

/// Creates one entity (`create`), audited under `action` with the key `key` gives it, and
/// answers 201 with it.
async fn create_entity<P, I, T>(
    state: &AppState,
    caller: Caller<P>,
    cmd: Command<I>,
    action: (&'static str, &'static str),
    create: fn(&mut AnyConnection, &I) -> Result<T, AppError>,
    key: fn(&T) -> String,
) -> Result<HttpResponse, AppError>
where
    I: Send + 'static,
    T: Serialize + 'static,
{
    let Command { input, idempotency } = cmd;
    let stored = mutate(state, caller, idempotency, 201, action, move |conn, _, _| {
        let created = create(conn, &input)?;
        Ok(Changed::new(key(&created), created))
    })
    .await?;
    Ok(respond(stored))
}

/// Reads an entity by its key.
type Get<T> = fn(&mut AnyConnection, &str) -> Result<T, AppError>;
/// Changes the entity with this key.
type Update<I, T> = fn(&mut AnyConnection, &str, &I) -> Result<T, AppError>;

/// Changes the entity with this key (`get` reads it for the audit row's before, `update`
/// changes it) and answers 200 with it.
async fn update_entity<P, I, T>(
    state: &AppState,
    caller: Caller<P>,
    path_key: String,
    cmd: Command<I>,
    action: (&'static str, &'static str),
    (get, update): (Get<T>, Update<I, T>),
    key: fn(&T) -> String,
) -> Result<HttpResponse, AppError>
where
    I: Send + 'static,
    T: Serialize + 'static,
{
    let Command { input, idempotency } = cmd;
    let stored = mutate(state, caller, idempotency, 200, action, move |conn, _, _| {
        let before = get(conn, &path_key)?;
        let after = update(conn, &path_key, &input)?;
        Ok(Changed::replacing(key(&after), &before, after))
    })
    .await?;
    Ok(respond(stored))
}
