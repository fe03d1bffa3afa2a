//! The web console: server-rendered pages for planners, warehouse staff and technicians under
//! `/console`, in the same binary as the API. Handlers are thin: they call the same domain
//! functions, the same authorization (a session names an API key, checked as a bearer key is)
//! and the same audited mutations as the API. Every action is a plain form (no script needed);
//! pages carry no inline script or style, so the Content-Security-Policy forbids both.

mod auth;
mod availability;
mod chart;
mod detail;
mod i18n;
mod kpis;
mod layout;
mod movements;
mod once;
mod order;
mod orders;
mod request;
mod runs;
pub mod session;
mod stock;
mod trail;
mod transfers;
mod worklist;

use std::time::Duration;

use actix_web::http::{header, Method, StatusCode};
use actix_web::middleware::DefaultHeaders;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::html;
use serde::de::DeserializeOwned;
use serde::Deserialize;

pub use auth::SignedIn;
use i18n::Lang;

use crate::error::AppError;

/// Only our own stylesheet, our own forms, no script at all, never inside a frame.
const CONSOLE_CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; \
    base-uri 'none'; frame-ancestors 'none'";

const STYLESHEET: &str = include_str!("console.css");

/// What console requests need from the running service.
#[derive(Debug, Clone, Copy)]
pub struct ConsoleState {
    /// A session unused this long ends.
    pub idle: Duration,
    /// Mark cookies `Secure` (the service serves TLS).
    pub secure_cookies: bool,
}

/// Whether a request is a console sign-in (it presents an API key in its body).
pub fn is_sign_in(method: &Method, path: &str) -> bool {
    method == Method::POST && path == auth::SIGN_IN_PATH
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(|| async { see_other("/console/") }))
        .service(
            web::scope("/console")
                .wrap(DefaultHeaders::new().add((header::CONTENT_SECURITY_POLICY, CONSOLE_CSP)))
                .route("", web::get().to(|| async { see_other("/console/") }))
                .route("/", web::get().to(home))
                .route("/console.css", web::get().to(stylesheet))
                .route("/login", web::get().to(auth::sign_in_form))
                .route("/login", web::post().to(auth::sign_in))
                .route("/logout", web::post().to(auth::sign_out))
                .route("/lang/{code}", web::get().to(switch_language))
                .configure(worklist::configure)
                .configure(detail::configure)
                .configure(kpis::configure)
                .configure(orders::configure)
                .configure(order::configure)
                .configure(runs::configure)
                .configure(availability::configure)
                .configure(stock::configure)
                .configure(movements::configure)
                .configure(transfers::configure)
                .default_service(web::to(not_found)),
        );
}

pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// A form body (`application/x-www-form-urlencoded`; repeated names make a list), its bad
/// parts named in a 400.
pub fn parse_form<T: DeserializeOwned>(body: &[u8]) -> Result<T, AppError> {
    serde_html_form::from_bytes(body).map_err(|e| AppError::validation("form", e.to_string()))
}

async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(STYLESHEET)
}

/// The start page: what this role may open.
async fn home(who: SignedIn) -> HttpResponse {
    let lang = who.lang;
    let role = who.session.principal.role;
    if role.allows(crate::auth::Permission::ReplenishmentRead) {
        return see_other("/console/proposals");
    }
    if role.allows(crate::auth::Permission::MovementsWrite) {
        return see_other("/console/stock");
    }
    if role.allows(crate::auth::Permission::AvailabilityRead) {
        return see_other("/console/availability");
    }
    let scope = match who.session.principal.visible_warehouses() {
        Some(codes) => codes.join(", "),
        None => lang.t("home.every_warehouse"),
    };
    let body = html! {
        p { (lang.t("home.scope")) ": " (scope) }
        p { (lang.t("home.nothing_yet")) }
    };
    layout::respond(
        StatusCode::OK,
        layout::page(lang, Some(&who), &who.here, &lang.t("home.title"), body),
    )
}

#[derive(Deserialize)]
struct Back {
    back: Option<String>,
}

/// Remembers the chosen language in a cookie and returns to the page the switch was on (only a
/// console page: the switch is no open redirect).
async fn switch_language(req: HttpRequest, code: web::Path<String>, back: web::Query<Back>) -> HttpResponse {
    let Some(lang) = Lang::parse(&code) else {
        let error = AppError::validation("code", "must be en or zh-CN");
        return layout::error_page(Lang::of(&req), None, &error);
    };
    let target = back
        .back
        .as_deref()
        .filter(|b| b.starts_with("/console") && !b.contains("//") && !b.contains('\\'))
        .unwrap_or("/console/");
    let secure = req
        .app_data::<web::Data<crate::api::AppState>>()
        .is_some_and(|s| s.console.secure_cookies);
    let mut cookie = auth::console_cookie(i18n::COOKIE, lang.code().to_owned(), secure);
    cookie.set_max_age(actix_web::cookie::time::Duration::days(365));
    let mut response = see_other(target);
    let _ = response.add_cookie(&cookie);
    response
}

async fn not_found(req: HttpRequest) -> HttpResponse {
    layout::error_page(
        Lang::of(&req),
        None,
        &AppError::not_found("page", req.path().to_owned()),
    )
}
