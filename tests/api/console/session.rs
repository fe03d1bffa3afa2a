//! Sign-in, sessions (sign-out, revocation), CSRF, security headers and the two languages.

use super::*;
use crate::on_both_backends;

on_both_backends!(
    signing_in_with_a_procurement_key_opens_the_worklist_with_the_open_proposals,
    a_wrong_key_is_refused_with_401_and_opens_no_session,
    pages_without_a_session_lead_to_the_sign_in_page,
    a_form_without_the_sessions_csrf_token_is_refused_and_changes_nothing,
    revoking_the_key_ends_its_console_session_at_once,
    signing_out_ends_the_session_in_the_database,
    pages_render_in_chinese_or_english_and_the_switch_remembers_the_choice,
);

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
