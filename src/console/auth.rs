//! Sign-in with an API key, the signed-in extractor, CSRF checks and sign-out.
//!
//! The session cookie is HttpOnly and SameSite=Strict (and Secure when the service serves
//! TLS). Every state-changing form carries the session's CSRF token, compared in constant time;
//! the sign-in form carries a token of its own, double-submitted in a short-lived cookie, so a
//! foreign page cannot sign a browser in under someone else's key.

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{time::Duration as CookieAge, Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::http::{header, StatusCode};
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use maud::html;
use serde::Deserialize;
use subtle::ConstantTimeEq;

use super::i18n::Lang;
use super::layout::{error_page, page, respond};
use super::session::{self, Session};
use crate::api::{with_conn, AppState};
use crate::error::AppError;

pub const SESSION_COOKIE: &str = "spares_session";
const LOGIN_COOKIE: &str = "spares_login";
pub const SIGN_IN_PATH: &str = "/console/login";

/// A request from a signed-in browser: its live session, language and the page it asked for.
pub struct SignedIn {
    pub session: Session,
    pub lang: Lang,
    /// Path and query, for the language switch to come back to.
    pub here: String,
    pub secure_cookies: bool,
}

impl SignedIn {
    /// 403 unless `given` is this session's CSRF token.
    pub fn check_csrf(&self, given: &str) -> Result<(), AppError> {
        if same_token(&self.session.csrf, given) {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "the form's CSRF token does not belong to this session; reload the page and try again".into(),
            ))
        }
    }

    /// The HTML page for an error of this request.
    pub fn error(&self, error: &AppError) -> HttpResponse {
        error_page(self.lang, Some(self), error)
    }
}

fn same_token(expected: &str, given: &str) -> bool {
    !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(given.as_bytes()))
}

fn to_sign_in() -> actix_web::Error {
    let response = HttpResponse::SeeOther()
        .insert_header((header::LOCATION, SIGN_IN_PATH))
        .finish();
    actix_web::error::InternalError::from_response("sign in first", response).into()
}

impl FromRequest for SignedIn {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let token = req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned());
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let lang = Lang::of(req);
        let here = match req.uri().path_and_query() {
            Some(pq) => pq.as_str().to_owned(),
            None => req.path().to_owned(),
        };
        Box::pin(async move {
            let (Some(token), Some(state)) = (token, state) else {
                return Err(to_sign_in());
            };
            let idle = state.console.idle;
            let secure_cookies = state.console.secure_cookies;
            match with_conn(&state.pool, move |conn| session::resume(conn, &token, idle)).await {
                Ok(Some(session)) => Ok(SignedIn {
                    session,
                    lang,
                    here,
                    secure_cookies,
                }),
                Ok(None) => Err(to_sign_in()),
                Err(e) => Err(actix_web::error::InternalError::from_response("", error_page(lang, None, &e)).into()),
            }
        })
    }
}

/// A cookie for the console's paths only, never readable by scripts nor sent cross-site.
pub fn console_cookie(name: &'static str, value: String, secure: bool) -> Cookie<'static> {
    Cookie::build(name, value)
        .path("/console")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .finish()
}

fn removal(name: &'static str, secure: bool) -> Cookie<'static> {
    let mut cookie = console_cookie(name, String::new(), secure);
    cookie.make_removal();
    cookie
}

fn sign_in_page(lang: Lang, token: &str, failure: Option<&str>) -> maud::Markup {
    let body = html! {
        @if let Some(why) = failure { p.problem role="alert" { (lang.t("login.failed")) " " (why) } }
        form.card method="post" action=(SIGN_IN_PATH) {
            input type="hidden" name="csrf" value=(token);
            label for="key" { (lang.t("login.key")) }
            input #key type="password" name="key" autocomplete="off" required;
            p.hint { (lang.t("login.hint")) }
            button type="submit" { (lang.t("login.submit")) }
        }
    };
    page(lang, None, SIGN_IN_PATH, &lang.t("login.title"), body)
}

pub async fn sign_in_form(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let lang = Lang::of(&req);
    let token = session::random_token();
    let mut cookie = console_cookie(LOGIN_COOKIE, token.clone(), state.console.secure_cookies);
    cookie.set_max_age(CookieAge::minutes(30));
    let mut response = respond(StatusCode::OK, sign_in_page(lang, &token, None));
    let _ = response.add_cookie(&cookie);
    response
}

#[derive(Deserialize)]
struct SignInForm {
    key: String,
    csrf: String,
}

pub async fn sign_in(req: HttpRequest, state: web::Data<AppState>, body: web::Bytes) -> HttpResponse {
    let lang = Lang::of(&req);
    let expected = req
        .cookie(LOGIN_COOKIE)
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    let form: SignInForm = match super::parse_form(&body) {
        Ok(form) => form,
        Err(e) => return error_page(lang, None, &e),
    };
    if !same_token(&expected, &form.csrf) {
        let refused = AppError::Forbidden("the sign-in form has expired; open it again".into());
        return error_page(lang, None, &refused);
    }
    let secret = form.key.trim().to_owned();
    match with_conn(&state.pool, move |conn| session::open(conn, &secret)).await {
        Ok((token, _)) => {
            let secure = state.console.secure_cookies;
            let mut response = HttpResponse::SeeOther()
                .insert_header((header::LOCATION, "/console/"))
                .finish();
            let _ = response.add_cookie(&console_cookie(SESSION_COOKIE, token, secure));
            let _ = response.add_removal_cookie(&removal(LOGIN_COOKIE, secure));
            response
        }
        // 401 as for a bad bearer key, so the rate limit on failed authentications counts it.
        Err(AppError::Unauthorized(why)) => {
            respond(StatusCode::UNAUTHORIZED, sign_in_page(lang, &form.csrf, Some(&why)))
        }
        Err(other) => error_page(lang, None, &other),
    }
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    pub csrf: String,
}

pub async fn sign_out(who: SignedIn, state: web::Data<AppState>, body: web::Bytes) -> HttpResponse {
    let checked = super::parse_form::<CsrfOnly>(&body).and_then(|form| who.check_csrf(&form.csrf));
    if let Err(e) = checked {
        return who.error(&e);
    }
    let id = who.session.id;
    if let Err(e) = with_conn(&state.pool, move |conn| session::end(conn, id)).await {
        return who.error(&e);
    }
    let mut response = HttpResponse::SeeOther()
        .insert_header((header::LOCATION, SIGN_IN_PATH))
        .finish();
    let _ = response.add_removal_cookie(&removal(SESSION_COOKIE, who.secure_cookies));
    response
}
