//! The procurement worklist: roles and scope as in the API, and its actions agreeing with it.

use super::*;
use crate::on_both_backends;

on_both_backends!(
    a_repair_key_sees_no_procurement_pages_and_a_viewer_cannot_act,
    a_warehouse_scoped_key_sees_only_its_warehouses_proposals,
    approving_rejecting_and_editing_from_the_worklist_agree_with_the_api,
);

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
    money_is_shown_as_the_api_shows_it(&app, &page.html).await;

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

/// Unit price and value cells read as the API writes them (two decimals).
async fn money_is_shown_as_the_api_shows_it(app: &TestApp, html: &str) {
    for p in proposals(app, "warehouse=N-01").await {
        for field in ["unit_price", "value"] {
            let money = p[field].as_str().expect("money is a string");
            assert_eq!(money.split_once('.').map(|(_, cents)| cents.len()), Some(2), "{money}");
            let cell = format!("<td class=\"num\">{money}</td>");
            assert!(html.contains(&cell), "{cell} on the page");
        }
    }
}
