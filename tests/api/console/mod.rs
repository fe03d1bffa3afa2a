//! The web console: sign-in with an API key, sessions in the database (ended by sign-out, by
//! the key's revocation), CSRF on every form, security headers, roles and warehouse scope as
//! the API has them, both languages, and the worklist's actions agreeing with the API.

use reqwest::{redirect, Method, StatusCode};
use serde_json::json;

use crate::helpers::TestApp;
use crate::replenishment::{proposals, terms};

mod detail;
mod kpis;
mod movements;
mod orders;
mod pages;
mod runs;
mod session;
mod sorting;
mod technicians;
mod transfers;
mod worklist;

/// A browser stand-in: no redirects followed, cookies kept by hand.
pub struct Browser {
    pub client: reqwest::Client,
    pub base: String,
    pub cookies: Vec<(String, String)>,
    pub language: Option<&'static str>,
}

pub struct Page {
    pub status: StatusCode,
    pub location: String,
    pub headers: reqwest::header::HeaderMap,
    pub html: String,
}

impl Browser {
    pub fn new(app: &TestApp) -> Self {
        Browser {
            client: reqwest::Client::builder()
                .redirect(redirect::Policy::none())
                .build()
                .expect("client"),
            base: app.address.clone(),
            cookies: Vec::new(),
            language: None,
        }
    }

    pub async fn send(&mut self, method: Method, path: &str, form: Option<&[(&str, String)]>) -> Page {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if !self.cookies.is_empty() {
            let jar: Vec<String> = self.cookies.iter().map(|(n, v)| format!("{n}={v}")).collect();
            request = request.header("cookie", jar.join("; "));
        }
        if let Some(language) = self.language {
            request = request.header("accept-language", language);
        }
        if let Some(form) = form {
            let body = serde_html_form::to_string(form).expect("form");
            request = request
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body);
        }
        let response = request.send().await.expect("request sent");
        for set in response.headers().get_all("set-cookie") {
            let set = set.to_str().expect("cookie text");
            let (pair, _) = set.split_once(';').unwrap_or((set, ""));
            let (name, value) = pair.split_once('=').expect("name=value");
            self.cookies.retain(|(n, _)| n != name);
            if !value.is_empty() {
                self.cookies.push((name.to_owned(), value.to_owned()));
            }
        }
        let status = response.status();
        let headers = response.headers().clone();
        let location = headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let html = response.text().await.expect("body");
        Page {
            status,
            location,
            headers,
            html,
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        self.send(Method::GET, path, None).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, String)]) -> Page {
        self.send(Method::POST, path, Some(form)).await
    }

    /// Opens the sign-in form and submits `secret`.
    pub async fn sign_in(&mut self, secret: &str) -> Page {
        let form = self.get("/console/login").await;
        assert_eq!(form.status, 200, "{}", form.html);
        let token = hidden(&form.html, "csrf");
        self.post("/console/login", &[("key", secret.to_owned()), ("csrf", token)])
            .await
    }

    pub fn has_cookie(&self, name: &str) -> bool {
        self.cookies.iter().any(|(n, _)| n == name)
    }
}

/// The value of the first hidden input named `name`.
pub fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no {name} in {html}")) + marker.len();
    html[start..].split('"').next().expect("value").to_owned()
}

/// Nine open purchase proposals (P-1..P-3 at N-RDC, N-01, E-RDC).
pub async fn nine_proposals(app: &TestApp) -> Vec<i64> {
    app.seed_network().await;
    for part in ["P-1", "P-2", "P-3"] {
        terms(app, part, 1, 1).await;
        for warehouse in ["N-RDC", "N-01", "E-RDC"] {
            let path = format!("/api/v1/policies/{warehouse}/{part}");
            let set = app
                .request(Method::PUT, &path, Some(&json!({ "min": 5, "max": 10 })), None)
                .await;
            assert_eq!(set.status, 200, "{}", set.body);
        }
    }
    let run = app.post("/api/v1/replenishment/runs", &json!({})).await;
    assert_eq!(run.body["purchases"], 9, "{}", run.body);
    proposals(app, "status=open&limit=500")
        .await
        .iter()
        .map(|p| p["id"].as_i64().expect("id"))
        .collect()
}

pub async fn session_count(app: &TestApp) -> i64 {
    use diesel::prelude::*;
    let mut conn = app.pool.get().expect("conn");
    spares::schema::console_sessions::table
        .count()
        .get_result(&mut conn)
        .expect("count")
}

/// A page of one East warehouse's document (`path`) is refused to a technician and to a buyer
/// limited to N-01; answers that buyer's browser, signed in, for the checks that follow.
pub async fn refused_to_a_technician_and_another_warehouses_buyer(app: &TestApp, path: &str) -> Browser {
    let technician = app.key("tech", "repair", None).await;
    let mut browser = Browser::new(app);
    browser.sign_in(&technician).await;
    assert_eq!(browser.get(path).await.status, 403, "a technician");

    let north = app.key("north-buyer", "procurement", Some(&["N-01"])).await;
    let mut browser = Browser::new(app);
    browser.sign_in(&north).await;
    assert_eq!(browser.get(path).await.status, 403, "another warehouse's document");
    browser
}
