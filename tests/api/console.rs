//! The web console: sign-in with an API key, sessions in the database (ended by sign-out, by
//! the key's revocation), CSRF on every form, security headers, roles and warehouse scope as
//! the API has them, both languages, and the worklist's actions agreeing with the API.

use reqwest::{redirect, Method, StatusCode};
use serde_json::json;

use crate::helpers::TestApp;
use crate::on_both_backends;
use crate::replenishment::{proposals, terms};

on_both_backends!(
    signing_in_with_a_procurement_key_opens_the_worklist_with_the_open_proposals,
    a_wrong_key_is_refused_with_401_and_opens_no_session,
    pages_without_a_session_lead_to_the_sign_in_page,
    a_form_without_the_sessions_csrf_token_is_refused_and_changes_nothing,
    revoking_the_key_ends_its_console_session_at_once,
    signing_out_ends_the_session_in_the_database,
    a_repair_key_sees_no_procurement_pages_and_a_viewer_cannot_act,
    a_warehouse_scoped_key_sees_only_its_warehouses_proposals,
    approving_rejecting_and_editing_from_the_worklist_agree_with_the_api,
    pages_render_in_chinese_or_english_and_the_switch_remembers_the_choice,
    a_technician_sees_where_a_part_is_available_within_the_keys_scope,
    warehouse_staff_see_the_stock_of_their_warehouses_only,
);

/// A browser stand-in: no redirects followed, cookies kept by hand.
struct Browser {
    client: reqwest::Client,
    base: String,
    cookies: Vec<(String, String)>,
    language: Option<&'static str>,
}

struct Page {
    status: StatusCode,
    location: String,
    headers: reqwest::header::HeaderMap,
    html: String,
}

impl Browser {
    fn new(app: &TestApp) -> Self {
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

    async fn send(&mut self, method: Method, path: &str, form: Option<&[(&str, String)]>) -> Page {
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

    async fn get(&mut self, path: &str) -> Page {
        self.send(Method::GET, path, None).await
    }

    async fn post(&mut self, path: &str, form: &[(&str, String)]) -> Page {
        self.send(Method::POST, path, Some(form)).await
    }

    /// Opens the sign-in form and submits `secret`.
    async fn sign_in(&mut self, secret: &str) -> Page {
        let form = self.get("/console/login").await;
        assert_eq!(form.status, 200, "{}", form.html);
        let token = hidden(&form.html, "csrf");
        self.post("/console/login", &[("key", secret.to_owned()), ("csrf", token)])
            .await
    }

    fn has_cookie(&self, name: &str) -> bool {
        self.cookies.iter().any(|(n, _)| n == name)
    }
}

/// The value of the first hidden input named `name`.
fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no {name} in {html}")) + marker.len();
    html[start..].split('"').next().expect("value").to_owned()
}

/// Nine open purchase proposals (P-1..P-3 at N-RDC, N-01, E-RDC).
async fn nine_proposals(app: &TestApp) -> Vec<i64> {
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

async fn session_count(app: &TestApp) -> i64 {
    use diesel::prelude::*;
    let mut conn = app.pool.get().expect("conn");
    spares::schema::console_sessions::table
        .count()
        .get_result(&mut conn)
        .expect("count")
}

async fn signing_in_with_a_procurement_key_opens_the_worklist_with_the_open_proposals(app: TestApp) {
    let ids = nine_proposals(&app).await;
    let key = app.key("buyer", "procurement", None).await;
    let mut browser = Browser::new(&app);
    let root = browser.get("/").await;
    assert_eq!(root.location, "/console/");

    let signed_in = browser.sign_in(&key).await;
    assert_eq!(signed_in.status, 303, "{}", signed_in.html);
    let cookie = signed_in.headers.get_all("set-cookie").iter().find_map(|c| {
        let c = c.to_str().ok()?;
        c.starts_with("spares_session=").then(|| c.to_owned())
    });
    let cookie = cookie.expect("a session cookie");
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/console"] {
        assert!(cookie.contains(flag), "{cookie} lacks {flag}");
    }
    assert!(!cookie.contains("Secure"), "no TLS here, so no Secure flag: {cookie}");
    assert_eq!(session_count(&app).await, 1);

    let home = browser.get(&signed_in.location).await;
    assert_eq!(home.location, "/console/proposals");
    let worklist = browser.get("/console/proposals").await;
    assert_eq!(worklist.status, 200);
    let csp = worklist.headers["content-security-policy"].to_str().expect("csp");
    assert!(
        csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert!(!csp.contains("script-src"), "no script source at all: {csp}");
    assert_eq!(worklist.headers["x-content-type-options"], "nosniff");
    for id in &ids {
        assert!(
            worklist.html.contains(&format!("name=\"ids\" value=\"{id}\"")),
            "proposal {id} missing"
        );
    }
    assert!(!worklist.html.contains("<script"), "no scripts in the page");
    let first = app.get(&format!("/api/v1/proposals/{}", ids[0])).await;
    let sentence = first.body["explanation"]["sentence"].as_str().expect("sentence");
    let plain = sentence.split(['\'', '"', '&', '<']).next().expect("text");
    assert!(
        !plain.is_empty() && worklist.html.contains(plain),
        "the explanation is shown: {sentence}"
    );
    let filtered = browser.get("/console/proposals?warehouse=E-RDC").await;
    assert_eq!(filtered.html.matches("name=\"ids\"").count(), 3, "{}", filtered.html);
}

async fn a_wrong_key_is_refused_with_401_and_opens_no_session(app: TestApp) {
    let mut browser = Browser::new(&app);
    let refused = browser.sign_in("spk_not-a-key").await;
    assert_eq!(refused.status, 401);
    assert!(!browser.has_cookie("spares_session"));
    assert_eq!(session_count(&app).await, 0);
    // The sign-in form's own token is required too: a foreign page cannot sign a browser in.
    let mut stranger = Browser::new(&app);
    let forged = stranger
        .post(
            "/console/login",
            &[("key", app.admin_key.clone()), ("csrf", "guess".into())],
        )
        .await;
    assert_eq!(forged.status, 403);
    assert_eq!(session_count(&app).await, 0);
}

async fn pages_without_a_session_lead_to_the_sign_in_page(app: TestApp) {
    let mut browser = Browser::new(&app);
    for path in ["/console/", "/console/proposals"] {
        let page = browser.get(path).await;
        assert_eq!(page.status, 303, "{path}");
        assert_eq!(page.location, "/console/login", "{path}");
    }
    browser.cookies.push(("spares_session".into(), "forged".into()));
    assert_eq!(browser.get("/console/proposals").await.location, "/console/login");
}

async fn a_form_without_the_sessions_csrf_token_is_refused_and_changes_nothing(app: TestApp) {
    let ids = nine_proposals(&app).await;
    let key = app.key("buyer", "procurement", None).await;
    let mut browser = Browser::new(&app);
    browser.sign_in(&key).await;
    for csrf in ["", "0123456789abcdef"] {
        let form = [
            ("csrf", csrf.to_owned()),
            ("action", "approve".into()),
            ("ids", ids[0].to_string()),
        ];
        let refused = browser.post("/console/proposals", &form).await;
        assert_eq!(refused.status, 403, "{}", refused.html);
    }
    assert_eq!(proposals(&app, "status=open&limit=500").await.len(), 9);
    let out = browser.post("/console/logout", &[("csrf", "nope".into())]).await;
    assert_eq!(out.status, 403);
    assert_eq!(session_count(&app).await, 1, "a forged sign-out ends nothing");
}

async fn revoking_the_key_ends_its_console_session_at_once(app: TestApp) {
    let key = app.key("buyer", "procurement", None).await;
    let mut browser = Browser::new(&app);
    browser.sign_in(&key).await;
    assert_eq!(browser.get("/console/proposals").await.status, 200);
    let keys = app.get("/api/v1/keys").await;
    let id = keys
        .body
        .as_array()
        .expect("keys")
        .iter()
        .find(|k| k["name"] == "buyer")
        .expect("buyer")["id"]
        .as_i64()
        .expect("id");
    let revoked = app.post(&format!("/api/v1/keys/{id}/revoke"), &json!({})).await;
    assert_eq!(revoked.status, 200, "{}", revoked.body);
    let after = browser.get("/console/proposals").await;
    assert_eq!(after.status, 303);
    assert_eq!(after.location, "/console/login");
    assert_eq!(session_count(&app).await, 0, "the dead session is deleted");
}

async fn signing_out_ends_the_session_in_the_database(app: TestApp) {
    let key = app.key("buyer", "procurement", None).await;
    let mut browser = Browser::new(&app);
    browser.sign_in(&key).await;
    let page = browser.get("/console/proposals").await;
    let out = browser
        .post("/console/logout", &[("csrf", hidden(&page.html, "csrf"))])
        .await;
    assert_eq!(out.status, 303);
    assert_eq!(session_count(&app).await, 0);
    assert_eq!(browser.get("/console/proposals").await.location, "/console/login");
}

async fn a_repair_key_sees_no_procurement_pages_and_a_viewer_cannot_act(app: TestApp) {
    let ids = nine_proposals(&app).await;
    let technician = app.key("tech", "repair", Some(&["N-01"])).await;
    let mut browser = Browser::new(&app);
    browser.sign_in(&technician).await;
    let home = browser.get("/console/").await;
    assert_eq!(home.location, "/console/availability");
    let page = browser.get("/console/availability").await;
    assert_eq!(page.status, 200);
    assert!(
        !page.html.contains("/console/proposals"),
        "no worklist link for a technician"
    );
    assert_eq!(browser.get("/console/proposals").await.status, 403);

    let viewer = app.key("auditor", "viewer", None).await;
    let mut browser = Browser::new(&app);
    browser.sign_in(&viewer).await;
    let page = browser.get("/console/proposals").await;
    assert_eq!(page.status, 200);
    assert!(
        !page.html.contains("value=\"approve\""),
        "a viewer gets no action buttons"
    );
    let form = [
        ("csrf", hidden(&page.html, "csrf")),
        ("action", "approve".into()),
        ("ids", ids[0].to_string()),
    ];
    assert_eq!(browser.post("/console/proposals", &form).await.status, 403);
    assert_eq!(proposals(&app, "status=open&limit=500").await.len(), 9);
}

async fn a_warehouse_scoped_key_sees_only_its_warehouses_proposals(app: TestApp) {
    nine_proposals(&app).await;
    let key = app.key("north-buyer", "procurement", Some(&["N-01"])).await;
    let east = proposals(&app, "warehouse=E-RDC").await;
    let mut browser = Browser::new(&app);
    browser.sign_in(&key).await;
    let page = browser.get("/console/proposals").await;
    assert_eq!(page.html.matches("name=\"ids\"").count(), 3, "{}", page.html);
    let form = [
        ("csrf", hidden(&page.html, "csrf")),
        ("action", "approve".into()),
        ("ids", east[0]["id"].to_string()),
    ];
    assert_eq!(browser.post("/console/proposals", &form).await.status, 403);
    assert_eq!(proposals(&app, "warehouse=E-RDC&status=open").await.len(), 3);
}

async fn approving_rejecting_and_editing_from_the_worklist_agree_with_the_api(app: TestApp) {
    let ids = nine_proposals(&app).await;
    let key = app.key("buyer", "procurement", None).await;
    let mut browser = Browser::new(&app);
    browser.sign_in(&key).await;
    let page = browser.get("/console/proposals?warehouse=N-01").await;
    let csrf = hidden(&page.html, "csrf");
    let north: Vec<i64> = proposals(&app, "warehouse=N-01")
        .await
        .iter()
        .map(|p| p["id"].as_i64().expect("id"))
        .collect();

    let approve = [
        ("csrf", csrf.clone()),
        ("action", "approve".into()),
        ("ids", north[0].to_string()),
        ("back", "warehouse=N-01".into()),
    ];
    let done = browser.post("/console/proposals", &approve).await;
    assert_eq!(done.status, 303, "{}", done.html);
    assert_eq!(done.location, "/console/proposals?warehouse=N-01&done=approved&n=1");
    let approved = app.get(&format!("/api/v1/proposals/{}", north[0])).await;
    assert_eq!(approved.body["status"], "approved");
    let po = approved.body["purchase_order_id"].as_i64().expect("a purchase order");
    let order = app.get(&format!("/api/v1/purchase-orders/{po}")).await;
    let shown = browser.get("/console/proposals?status=approved").await;
    assert!(
        shown.html.contains(order.body["number"].as_str().expect("number")),
        "the PO is shown"
    );

    let no_reason = [
        ("csrf", csrf.clone()),
        ("action", "reject".into()),
        ("ids", north[1].to_string()),
    ];
    assert_eq!(browser.post("/console/proposals", &no_reason).await.status, 400);
    let reject = [
        ("csrf", csrf.clone()),
        ("action", "reject".into()),
        ("ids", north[1].to_string()),
        ("reason", "count first".into()),
    ];
    assert_eq!(browser.post("/console/proposals", &reject).await.status, 303);
    let rejected = app.get(&format!("/api/v1/proposals/{}", north[1])).await;
    assert_eq!(rejected.body["status"], "rejected");
    assert_eq!(rejected.body["reason"], "count first");

    let before = app.get(&format!("/api/v1/proposals/{}", north[2])).await;
    let was = before.body["quantity"].as_i64().expect("quantity");
    let edit = [
        ("csrf", csrf.clone()),
        ("action", "save".into()),
        ("row", north[2].to_string()),
        ("was", was.to_string()),
        ("qty", (was + 7).to_string()),
    ];
    assert_eq!(browser.post("/console/proposals", &edit).await.status, 303);
    let edited = app.get(&format!("/api/v1/proposals/{}", north[2])).await;
    assert_eq!(edited.body["quantity"], was + 7);
    assert_eq!(edited.body["locked"], true);

    let audit = app.get("/api/v1/audit?action=proposal.approve").await;
    let entry = &audit.body["items"][0];
    assert_eq!(entry["entity_id"], north[0].to_string(), "{}", audit.body);
    assert!(entry["actor"].as_str().expect("actor").contains("buyer"), "{entry}");
    assert_eq!(proposals(&app, "status=open&limit=500").await.len(), ids.len() - 2);
}

async fn pages_render_in_chinese_or_english_and_the_switch_remembers_the_choice(app: TestApp) {
    let mut browser = Browser::new(&app);
    browser.language = Some("zh-CN,zh;q=0.9,en;q=0.5");
    let chinese = browser.get("/console/login").await;
    assert!(
        chinese.html.contains("lang=\"zh-CN\"") && chinese.html.contains("登录"),
        "{}",
        chinese.html
    );
    browser.language = Some("en-GB,en;q=0.9");
    let english = browser.get("/console/login").await;
    assert!(english.html.contains("lang=\"en\"") && english.html.contains("Sign in"));

    let switched = browser.get("/console/lang/zh-CN?back=/console/login").await;
    assert_eq!(switched.status, 303);
    assert_eq!(switched.location, "/console/login");
    assert!(
        browser.get("/console/login").await.html.contains("lang=\"zh-CN\""),
        "the cookie wins"
    );
    let away = browser.get("/console/lang/zh-CN?back=https://evil.example/").await;
    assert_eq!(away.location, "/console/", "never a redirect off the console");

    let key = app.key("buyer", "procurement", None).await;
    browser.sign_in(&key).await;
    let worklist = browser.get("/console/proposals").await;
    assert!(worklist.html.contains("采购工作台"), "{}", worklist.html);
}

async fn a_technician_sees_where_a_part_is_available_within_the_keys_scope(app: TestApp) {
    app.seed_network().await;
    app.receive("N-01", "P-1", 2).await;
    app.receive("E-RDC", "P-1", 5).await;
    let technician = app.key("tech", "repair", Some(&["N-01"])).await;
    let mut browser = Browser::new(&app);
    browser.sign_in(&technician).await;
    let page = browser.get("/console/availability?part_number=P-1").await;
    assert_eq!(page.status, 200, "{}", page.html);
    assert!(page.html.contains("<td>N-01</td>"), "{}", page.html);
    assert!(
        !page.html.contains("E-RDC"),
        "the key sees only its warehouses, as in the API"
    );
    let everywhere = app.key("dispatcher", "repair", None).await;
    let mut browser = Browser::new(&app);
    browser.sign_in(&everywhere).await;
    let page = browser.get("/console/availability?part_number=P-1").await;
    let (east, north) = (page.html.find("<td>E-RDC</td>"), page.html.find("<td>N-01</td>"));
    assert!(
        east.is_some() && north.is_some() && east < north,
        "most available first: {}",
        page.html
    );
    assert_eq!(browser.get("/console/availability?part_number=NOPE").await.status, 404);
}

async fn warehouse_staff_see_the_stock_of_their_warehouses_only(app: TestApp) {
    app.seed_network().await;
    app.receive("N-01", "P-1", 4).await;
    app.receive("E-RDC", "P-2", 6).await;
    let clerk = app.key("clerk", "warehouse", Some(&["N-01"])).await;
    let mut browser = Browser::new(&app);
    browser.sign_in(&clerk).await;
    assert_eq!(browser.get("/console/").await.location, "/console/stock");
    let page = browser.get("/console/stock").await;
    assert_eq!(page.status, 200, "{}", page.html);
    assert!(page.html.contains("<td>N-01</td>"), "{}", page.html);
    assert!(!page.html.contains("<td>E-RDC</td>"), "only the key's warehouses");
    assert_eq!(browser.get("/console/proposals").await.status, 403);
    let searched = browser.get("/console/stock?part_number=P-2").await;
    assert!(!searched.html.contains("<td>N-01</td>"), "the search narrows the list");
}
