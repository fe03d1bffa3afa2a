//! The OpenAPI document, generated from the handlers and types; `openapi.yaml` at the repo
//! root is this document, and a test fails when the committed copy is stale.

use utoipa::openapi::path::{Operation, ParameterIn, PathItem};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use super::extract::IDEMPOTENCY_HEADER;
use super::problem::{FieldError, Problem, PROBLEM_JSON};
use super::{
    audit, catalog, demand, forecasts, keys, proposals, replenishment, reservations, stock, system, transfers, webhooks,
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "spares",
        description = "Spare-parts inventory and replenishment service. Errors are RFC 7807 \
            `application/problem+json`. Every mutating POST honours an `Idempotency-Key` header: \
            the same key with the same request returns the first response; with another request, 422. \
            With `--tls-cert`/`--tls-key` the service speaks only HTTPS (rustls; the certificate is \
            reloaded on SIGHUP) and every response carries `Strict-Transport-Security`. Audit entries \
            are hash-chained: `spares verify` names any entry altered, removed or inserted.",
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
        replenishment::run, replenishment::list_runs, replenishment::get_run, replenishment::list_policies, replenishment::set_override, replenishment::clear_override,
        proposals::list_proposals, proposals::get_proposal, proposals::edit_proposal, proposals::preview_proposal,
        proposals::approve, proposals::bulk_approve, proposals::reject, proposals::accept_engine, proposals::unlock,
        replenishment::list_orders, replenishment::get_order, replenishment::cancel_order, replenishment::close_line,
        replenishment::amend_line, replenishment::kpis, replenishment::list_at_risk,
        webhooks::list, webhooks::create, webhooks::deactivate,
    ),
    components(schemas(Problem, FieldError)),
    modifiers(&SharedAnswers),
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

/// The problem answers every operation under `/api/v1` can give, declared once in
/// `components.responses` and referred to by each operation that does not declare its own.
const SHARED: [(&str, &str, &str); 5] = [
    (
        "400",
        "BadRequest",
        "Invalid request: a parameter or body member is missing, malformed or out of range; \
         `field` names it and nothing was changed",
    ),
    ("401", "Unauthorized", "Missing, unknown, revoked or expired API key"),
    (
        "403",
        "Forbidden",
        "The key's role or warehouse scope does not allow this",
    ),
    (
        "422",
        "IdempotencyKeyReused",
        "The Idempotency-Key was already used with a different request",
    ),
    (
        "429",
        "TooManyRequests",
        "Too many failed authentications from this address, or too many requests with this key; \
         `Retry-After` says when to retry, in seconds",
    ),
];

fn problem_response(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            PROBLEM_JSON,
            ContentBuilder::new()
                .schema(Some(RefOr::Ref(Ref::from_schema_name("Problem"))))
                .build(),
        )
        .build()
}

fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.post,
        &mut item.put,
        &mut item.patch,
        &mut item.delete,
    ]
    .into_iter()
    .flatten()
}

fn takes_idempotency_key(operation: &Operation) -> bool {
    operation.parameters.iter().flatten().any(|parameter| {
        matches!(parameter, RefOr::T(p) if p.name == IDEMPOTENCY_HEADER && p.parameter_in == ParameterIn::Header)
    })
}

/// Declares the bearer API key and puts it on every operation under `/api/v1` (which role each
/// needs is in the README's roles x routes table) with the shared problem answers; gives every
/// error an operation declares by its description alone (its 404s and 409s say which entity or
/// state) the [`Problem`] body.
struct SharedAnswers;

impl Modify for SharedAnswers {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("api_key", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
        for (_, name, description) in SHARED {
            components
                .responses
                .insert(name.to_owned(), RefOr::T(problem_response(description)));
        }
        for (path, item) in openapi.paths.paths.iter_mut() {
            let api = path.starts_with("/api/v1");
            for operation in operations(item) {
                let idempotent = takes_idempotency_key(operation);
                for (status, response) in operation.responses.responses.iter_mut() {
                    let error = status.as_str() >= "400";
                    if let RefOr::T(declared) = response {
                        if error && declared.content.is_empty() {
                            *declared = problem_response(&declared.description);
                        }
                    }
                }
                if !api {
                    continue;
                }
                operation.security = Some(vec![SecurityRequirement::new("api_key", Vec::<String>::new())]);
                for (status, name, _) in SHARED {
                    if status != "422" || idempotent {
                        let shared = RefOr::Ref(Ref::from_response_name(name));
                        operation.responses.responses.entry(status.to_owned()).or_insert(shared);
                    }
                }
            }
        }
    }
}

/// The document as committed in `openapi.yaml`.
pub fn yaml() -> anyhow::Result<String> {
    Ok(ApiDoc::openapi().to_yaml()?)
}
