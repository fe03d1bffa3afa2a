//! Master data routes: regions, warehouses, parts, suppliers and supplier terms.

mod parts;
mod regions;
mod suppliers;
mod warehouses;

use actix_web::web;

use super::resource;
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
