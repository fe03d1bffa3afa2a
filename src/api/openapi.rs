//! The OpenAPI document, generated from the handlers and types; `openapi.yaml` at the repo
//! root is this document, and a test fails when the committed copy is stale.

use utoipa::OpenApi;

use super::{catalog, reservations, stock, system, transfers};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "spares",
        description = "Spare-parts inventory and replenishment service. Errors are RFC 7807 \
            `application/problem+json`. Every mutating POST honours an `Idempotency-Key` header: \
            the same key with the same request returns the first response; with another request, 422.",
        version = "0.1.0"
    ),
    paths(
        system::health, system::ready, system::prometheus,
        catalog::list_regions, catalog::create_region,
        catalog::list_warehouses, catalog::create_warehouse, catalog::get_warehouse, catalog::update_warehouse,
        catalog::list_parts, catalog::create_part, catalog::get_part, catalog::update_part, catalog::part_suppliers,
        catalog::list_suppliers, catalog::create_supplier, catalog::get_supplier, catalog::update_supplier,
        catalog::supplier_terms, catalog::put_terms, catalog::delete_terms,
        stock::post_movement, stock::list_movements, stock::get_movement, stock::list_stock, stock::availability,
        transfers::create, transfers::list, transfers::get, transfers::ship, transfers::receive, transfers::cancel,
        reservations::reserve, reservations::list, reservations::get, reservations::consume, reservations::release,
    ),
    tags(
        (name = "catalog", description = "Regions, warehouses, parts, suppliers and their terms"),
        (name = "stock", description = "The movement ledger, balances and availability"),
        (name = "transfers", description = "Stock moving between warehouses"),
        (name = "reservations", description = "Parts reserved and consumed by repair orders"),
        (name = "system", description = "Health, readiness and metrics"),
    )
)]
pub struct ApiDoc;

/// The document as committed in `openapi.yaml`.
pub fn yaml() -> anyhow::Result<String> {
    Ok(ApiDoc::openapi().to_yaml()?)
}
