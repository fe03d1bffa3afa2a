//! The page shell every console page shares: head, navigation by role, language switch and
//! sign-out; and the HTML error page.

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use maud::{html, Markup, DOCTYPE};

use super::i18n::Lang;
use super::SignedIn;
use crate::auth::Permission;

/// The navigation: each entry shows only to roles that may open it.
const NAV: [(&str, &str, Permission); 7] = [
    ("/console/stock", "nav.stock", Permission::StockRead),
    ("/console/transfers", "wh.nav_transfers", Permission::StockRead),
    ("/console/proposals", "nav.worklist", Permission::ReplenishmentRead),
    ("/console/orders", "nav.orders", Permission::ReplenishmentRead),
    ("/console/kpis", "nav.kpis", Permission::ReplenishmentRead),
    ("/console/runs", "nav.runs", Permission::ReplenishmentRead),
    (
        "/console/availability",
        "nav.availability",
        Permission::AvailabilityRead,
    ),
];

/// A full page around `body`.
pub fn page(lang: Lang, who: Option<&SignedIn>, here: &str, title: &str, body: Markup) -> Markup {
    let other = lang.other();
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · spares" }
                link rel="stylesheet" href="/console/console.css";
            }
            body {
                header.top {
                    a.brand href="/console/" { "spares" }
                    @if let Some(who) = who {
                        nav {
                            @for (href, key, need) in NAV {
                                @if who.session.principal.role.allows(need) {
                                    a href=(href) { (lang.t(key)) }
                                }
                            }
                        }
                    }
                    span.spacer {}
                    a.lang href={ "/console/lang/" (other.code()) "?back=" (encode(here)) } hreflang=(other.code()) {
                        (other.t("lang.name"))
                    }
                    @if let Some(who) = who {
                        span.who { (who.session.principal.name) " (" (lang.t(&format!("role.{}", who.session.principal.role.as_str()))) ")" }
                        form.inline method="post" action="/console/logout" {
                            input type="hidden" name="csrf" value=(who.session.csrf);
                            button type="submit" { (lang.t("nav.sign_out")) }
                        }
                    }
                }
                main { h1 { (title) } (body) }
            }
        }
    }
}

/// `text/html` with the given status.
pub fn respond(status: StatusCode, markup: Markup) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(markup.into_string())
}

/// A query-string value.
pub fn encode(value: &str) -> String {
    serde_html_form::to_string([("v", value)])
        .map(|s| s.trim_start_matches("v=").to_owned())
        .unwrap_or_default()
}

/// The page for a refused or failed request: the status and the problem's plain words.
pub fn error_page(lang: Lang, who: Option<&SignedIn>, error: &crate::error::AppError) -> HttpResponse {
    let problem = error.problem();
    if problem.status >= 500 {
        tracing::error!(error = ?error, "console request failed");
    }
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let key = match status.as_u16() {
        code @ (400 | 401 | 403 | 404 | 409 | 429 | 503) => format!("error.{code}"),
        _ => "error.other".to_owned(),
    };
    let title = lang.t(&key);
    let body = html! {
        p.problem { (problem.detail) }
        @if let Some(field) = &problem.field { p { (lang.t("error.field")) ": " code { (field) } } }
        p { a href="/console/" { (lang.t("error.back")) } }
    };
    respond(status, page(lang, who, "/console/", &title, body))
}
