//! A proposal's page: explanation, server-drawn charts, suppliers, stock elsewhere, and an edit
//! previewed before it is saved, with the API's roles, scope and CSRF.

use super::*;
use crate::on_both_backends;

on_both_backends!(
    a_proposal_page_explains_draws_its_charts_and_previews_an_edit_before_saving_it,
    a_proposal_page_keeps_the_apis_roles_scope_and_csrf,
);

async fn a_proposal_page_explains_draws_its_charts_and_previews_an_edit_before_saving_it(app: TestApp) {
    nine_proposals(&app).await;
    let p = proposals(&app, "warehouse=N-01&part_number=P-1").await.remove(0);
    let id = p["id"].as_i64().expect("id");
    let was = p["quantity"].as_i64().expect("quantity");
    let key = app.key("buyer", "procurement", None).await;
    let mut browser = Browser::new(&app);
    browser.sign_in(&key).await;

    let page = browser.get(&format!("/console/proposals/{id}")).await;
    assert_eq!(page.status, 200, "{}", page.html);
    assert_eq!(page.html.matches("<svg").count(), 2, "two charts");
    assert!(page.html.contains("<polyline"), "lines drawn on the server");
    assert!(
        !page.html.contains("<script") && !page.html.contains("style="),
        "no script, no inline style"
    );
    let sentence = p["explanation"]["sentence"].as_str().expect("sentence");
    let plain = sentence.split(['\'', '"', '&', '<']).next().expect("text");
    assert!(page.html.contains(plain), "the explanation: {sentence}");
    for text in ["SUP-1", "<td>E-RDC</td>", "Inventory position", "reorder point"] {
        assert!(page.html.contains(text), "{text} missing: {}", page.html);
    }

    let preview = browser.get(&format!("/console/proposals/{id}?qty={}", was + 5)).await;
    assert_eq!(preview.status, 200, "{}", preview.html);
    let api = app
        .post(
            &format!("/api/v1/proposals/{id}/preview"),
            &json!({ "quantity": was + 5 }),
        )
        .await;
    assert_eq!(api.status, 200, "{}", api.body);
    let value = api.body["value"].as_str().expect("value");
    assert!(
        preview.html.contains("With this change") && preview.html.contains(value),
        "{}",
        preview.html
    );
    assert_eq!(
        app.get(&format!("/api/v1/proposals/{id}")).await.body["quantity"],
        was,
        "a preview changes nothing"
    );

    let form = [("csrf", hidden(&page.html, "csrf")), ("qty", (was + 5).to_string())];
    let saved = browser.post(&format!("/console/proposals/{id}/edit"), &form).await;
    assert_eq!(saved.status, 303, "{}", saved.html);
    assert_eq!(saved.location, format!("/console/proposals/{id}?done=saved"));
    let after = app.get(&format!("/api/v1/proposals/{id}")).await;
    assert_eq!(after.body["quantity"], was + 5);
    assert_eq!(after.body["locked"], true);
    let bad = browser.get(&format!("/console/proposals/{id}?qty=-3")).await;
    assert_eq!(bad.status, 400, "a bad quantity is named");

    browser.language = Some("zh-CN");
    browser.cookies.retain(|(n, _)| n != "spares_lang");
    let chinese = browser.get(&format!("/console/proposals/{id}")).await;
    assert!(chinese.html.contains("建议依据"), "{}", chinese.html);
}

async fn a_proposal_page_keeps_the_apis_roles_scope_and_csrf(app: TestApp) {
    nine_proposals(&app).await;
    let east = proposals(&app, "warehouse=E-RDC").await.remove(0);
    let id = east["id"].as_i64().expect("id");
    let path = format!("/console/proposals/{id}");

    let mut browser = refused_to_a_technician_and_another_warehouses_buyer(&app, &path).await;
    assert_eq!(browser.get("/console/proposals/999999").await.status, 404);

    let viewer = app.key("auditor", "viewer", None).await;
    let mut browser = Browser::new(&app);
    browser.sign_in(&viewer).await;
    let page = browser.get(&format!("{path}?qty=20")).await;
    assert_eq!(page.status, 200, "{}", page.html);
    assert!(!page.html.contains("/edit\""), "a viewer gets no save form");
    let form = [("csrf", hidden(&page.html, "csrf")), ("qty", "20".to_owned())];
    assert_eq!(browser.post(&format!("{path}/edit"), &form).await.status, 403);

    let buyer = app.key("buyer", "procurement", None).await;
    let mut browser = Browser::new(&app);
    browser.sign_in(&buyer).await;
    let forged = [("csrf", "forged".to_owned()), ("qty", "20".to_owned())];
    assert_eq!(browser.post(&format!("{path}/edit"), &forged).await.status, 403);
    let unchanged = app.get(&format!("/api/v1/proposals/{id}")).await;
    assert_eq!(unchanged.body["quantity"], east["quantity"], "nothing changed");
    assert_eq!(unchanged.body["locked"], false);
}
