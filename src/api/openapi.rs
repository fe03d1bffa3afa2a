//! The OpenAPI document, generated from the handlers and types; `openapi.yaml` at the repo
//! root is this document, and a test fails when the committed copy is stale.

use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use super::problem::Problem;
use super::{
    audit, catalog, demand, forecasts, keys, proposals, replenishment, reservations, stock, system, transfers, webhooks,
};

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
        keys::create, keys::list, keys::update, keys::revoke, audit::list,
        demand::import_history, demand::series, forecasts::list, forecasts::run,
        replenishment::run, replenishment::get_run, replenishment::list_policies, replenishment::set_override, replenishment::clear_override,
        proposals::list_proposals, proposals::get_proposal, proposals::edit_proposal,
        proposals::approve, proposals::bulk_approve, proposals::reject, proposals::accept_engine, proposals::unlock,
        replenishment::list_orders, replenishment::get_order, replenishment::cancel_order, replenishment::close_line,
        replenishment::amend_line, replenishment::kpis,
        webhooks::list, webhooks::create, webhooks::deactivate,
    ),
    components(schemas(Problem)),
    modifiers(&BearerKeys),
    tags(
        (name = "catalog", description = "Regions, warehouses, parts, suppliers and their terms"),
        (name = "stock", description = "The movement ledger, balances and availability"),
        (name = "transfers", description = "Stock moving between warehouses"),
        (name = "reservations", description = "Parts reserved and consumed by repair orders"),
        (name = "forecasting", description = "Demand history and forecasts"),
        (name = "replenishment", description = "Stock policies, replenishment runs, proposals, purchase orders and KPIs"),
        (name = "webhooks", description = "Event delivery to other systems (admin)"),
        (name = "access", description = "API keys and the audit trail (admin)"),
        (name = "system", description = "Health, readiness and metrics"),
    )
)]
pub struct ApiDoc;

/// Declares the bearer API key and puts it, with its 401 and 403 answers, on every operation
/// under `/api/v1`. Which role each operation needs is in the README's roles x routes table.
struct BearerKeys;

impl Modify for BearerKeys {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("api_key", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
        let problem = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/problem+json",
                    ContentBuilder::new()
                        .schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name("Problem"))))
                        .build(),
                )
                .build()
        };
        for (path, item) in openapi.paths.paths.iter_mut() {
            if !path.starts_with("/api/v1") {
                continue;
            }
            for operation in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                operation.security = Some(vec![SecurityRequirement::new("api_key", Vec::<String>::new())]);
                operation.responses.responses.insert(
                    "401".into(),
                    RefOr::T(problem("Missing, unknown, revoked or expired API key")),
                );
                operation.responses.responses.insert(
                    "403".into(),
                    RefOr::T(problem("The key's role or warehouse scope does not allow this")),
                );
            }
        }
    }
}

/// The document as committed in `openapi.yaml`.
pub fn yaml() -> anyhow::Result<String> {
    Ok(ApiDoc::openapi().to_yaml()?)
}
