//! A purchase order's page: its lines and figures as the API has them, and cancel, short-close
//! and amend as plain forms that make the API's own changes, with the API's roles, scope and
//! CSRF; a refused change shows the order again with the refusal, never a 5xx.

use serde_json::Value;

use super::*;
use crate::on_both_backends;

on_both_backends!(
    an_order_page_shows_the_apis_lines_and_figures_in_both_languages,
    amending_short_closing_and_cancelling_on_the_order_page_change_what_the_api_shows,
    a_refused_change_shows_the_order_again_with_the_refusal_and_changes_nothing,
    the_order_page_keeps_the_apis_roles_scope_and_csrf,
);

/// Every proposal approved: one order per warehouse (N-RDC, N-01, E-RDC), three lines each.
async fn three_orders(app: &TestApp) -> Vec<Value> {
    let ids = nine_proposals(app).await;
    let approved = app.post("/api/v1/proposals/approve", &json!({ "ids": ids })).await;
    assert_eq!(approved.status, 200, "{}", approved.body);
    let orders = app.get("/api/v1/purchase-orders?limit=500").await;
    let orders = orders.body["items"].as_array().cloned().expect("items");
    assert_eq!(orders.len(), 3, "{orders:?}");
    orders
}

async fn order_of(app: &TestApp, orders: &[Value], warehouse: &str) -> Value {
    let order = orders.iter().find(|o| o["warehouse"] == warehouse).expect("an order");
    app.get(&format!("/api/v1/purchase-orders/{}", order["id"])).await.body
}

fn line<'a>(order: &'a Value, part: &str) -> &'a Value {
    order["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .find(|l| l["part_number"] == part)
        .expect("the part's line")
}

async fn signed_in_buyer(app: &TestApp) -> Browser {
    let key = app.key("buyer", "procurement", None).await;
    let mut browser = Browser::new(app);
    browser.sign_in(&key).await;
    browser
}

async fn an_order_page_shows_the_apis_lines_and_figures_in_both_languages(app: TestApp) {
    let orders = three_orders(&app).await;
    let order = order_of(&app, &orders, "N-01").await;
    let id = order["id"].as_i64().expect("id");
    let mut browser = signed_in_buyer(&app).await;

    let list = browser.get("/console/orders").await;
    assert!(
        list.html.contains(&format!("href=\"/console/orders/{id}\"")),
        "{}",
        list.html
    );
    let page = browser.get(&format!("/console/orders/{id}")).await;
    assert_eq!(page.status, 200, "{}", page.html);
    assert!(page.html.contains(order["number"].as_str().expect("number")));
    for l in order["lines"].as_array().expect("lines") {
        let part = l["part_number"].as_str().expect("part");
        let row = format!(
            "<td class=\"num\">{}</td><td class=\"num\">0</td><td class=\"num\">0</td><td class=\"num\">{}</td>",
            l["quantity"], l["outstanding"]
        );
        assert!(page.html.contains(&format!("data-part=\"{part}\"")), "{part}");
        assert!(page.html.contains(&row), "{row} in {}", page.html);
        let expected = &l["expected_at"].as_str().expect("expected")[..10];
        assert!(page.html.contains(expected), "{expected}");
    }
    assert!(page.html.contains("SUP-1"), "the supplier");
    assert!(
        page.html.contains("action=\"/console/orders/"),
        "a buyer gets the forms"
    );
    assert!(!page.html.contains("<script"), "no script");

    browser.language = Some("zh-CN");
    let chinese = browser.get(&format!("/console/orders/{id}")).await;
    assert_eq!(chinese.status, 200);
    for text in ["采购订单", "待收货", "短缺关闭", "取消订单"] {
        assert!(chinese.html.contains(text), "{text}: {}", chinese.html);
    }
}

async fn amending_short_closing_and_cancelling_on_the_order_page_change_what_the_api_shows(app: TestApp) {
    let orders = three_orders(&app).await;
    let order = order_of(&app, &orders, "N-01").await;
    let id = order["id"].as_i64().expect("id");
    let mut browser = signed_in_buyer(&app).await;
    let page = browser.get(&format!("/console/orders/{id}")).await;
    let csrf = hidden(&page.html, "csrf");
    let was = line(&order, "P-1")["quantity"].as_i64().expect("quantity");

    let amend = [
        ("csrf", csrf.clone()),
        ("part_number", "P-1".to_owned()),
        ("quantity", (was + 4).to_string()),
        ("expected_date", "2099-01-31".to_owned()),
    ];
    let done = browser.post(&format!("/console/orders/{id}/amend"), &amend).await;
    assert_eq!(done.status, 303, "{}", done.html);
    assert_eq!(done.location, format!("/console/orders/{id}?done=amended"));
    let after = app.get(&format!("/api/v1/purchase-orders/{id}")).await.body;
    assert_eq!(line(&after, "P-1")["quantity"], was + 4, "{after}");
    assert!(line(&after, "P-1")["expected_at"]
        .as_str()
        .is_some_and(|d| d.starts_with("2099-01-31")));
    assert_eq!(app.balance("N-01", "P-1").await["on_order"], was + 4);
    let shown = browser.get(&done.location).await;
    assert!(shown.html.contains("The line is amended."), "{}", shown.html);

    let close = [("csrf", csrf.clone()), ("part_number", "P-2".to_owned())];
    let done = browser.post(&format!("/console/orders/{id}/close"), &close).await;
    assert_eq!(
        done.location,
        format!("/console/orders/{id}?done=closed"),
        "{}",
        done.html
    );
    let after = app.get(&format!("/api/v1/purchase-orders/{id}")).await.body;
    let p2 = line(&after, "P-2");
    assert_eq!(
        (p2["outstanding"].as_i64(), p2["closed"].clone()),
        (Some(0), p2["quantity"].clone())
    );
    assert_eq!(app.balance("N-01", "P-2").await["on_order"], 0);

    let done = browser
        .post(&format!("/console/orders/{id}/cancel"), &[("csrf", csrf)])
        .await;
    assert_eq!(
        done.location,
        format!("/console/orders/{id}?done=cancelled"),
        "{}",
        done.html
    );
    let after = app.get(&format!("/api/v1/purchase-orders/{id}")).await.body;
    assert_eq!(after["status"], "cancelled", "nothing had arrived: {after}");
    assert_eq!(app.balance("N-01", "P-3").await["on_order"], 0);
    let audit = app
        .get(&format!("/api/v1/audit?entity_type=purchase_order&entity_id={id}"))
        .await;
    let actions: Vec<&str> = audit.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|a| a["action"].as_str())
        .collect();
    for action in [
        "purchase_order.amend_line",
        "purchase_order.close_line",
        "purchase_order.cancel",
    ] {
        assert!(actions.contains(&action), "audited as the API audits it: {actions:?}");
    }
    let closed = browser.get(&format!("/console/orders/{id}")).await;
    assert!(!closed.html.contains("/cancel\""), "a cancelled order offers no change");

    let mut admin = Browser::new(&app);
    admin.sign_in(&app.admin_key).await;
    let page = admin.get(&format!("/console/orders/{id}")).await;
    assert!(
        page.html.contains("purchase_order.close_line"),
        "admins see the audit entries"
    );
}

async fn a_refused_change_shows_the_order_again_with_the_refusal_and_changes_nothing(app: TestApp) {
    let orders = three_orders(&app).await;
    let order = order_of(&app, &orders, "N-01").await;
    let id = order["id"].as_i64().expect("id");
    let mut browser = signed_in_buyer(&app).await;
    let csrf = hidden(&browser.get(&format!("/console/orders/{id}")).await.html, "csrf");
    let amend = |part: &str, quantity: &str, date: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("part_number", part.to_owned()),
            ("quantity", quantity.to_owned()),
            ("expected_date", date.to_owned()),
        ]
    };
    let path = format!("/console/orders/{id}/amend");
    for (form, status, field) in [
        (amend("P-1", "0", ""), 400, "quantity"),
        (amend("P-1", "many", ""), 400, "quantity"),
        (amend("P-1", "", "31/01/2099"), 400, "expected_date"),
        (amend("P-1", "", "2000-01-01"), 400, "expected_date"),
        (amend("P-1", "", ""), 400, "quantity"),
        (amend("NOPE", "5", ""), 400, "part_number"),
        (amend("", "5", ""), 400, "part_number"),
    ] {
        let page = browser.post(&path, &form).await;
        assert_eq!(page.status, status, "{form:?}: {}", page.html);
        assert!(page.html.contains("class=\"problem\""), "{}", page.html);
        assert!(
            page.html.contains(&format!("<code>{field}</code>")),
            "{field}: {}",
            page.html
        );
        assert!(page.html.contains("data-part=\"P-1\""), "the order is shown again");
    }
    let after = app.get(&format!("/api/v1/purchase-orders/{id}")).await.body;
    assert_eq!(after["lines"], order["lines"], "nothing changed");

    let cancel = [("csrf", csrf.clone())];
    assert_eq!(
        browser
            .post(&format!("/console/orders/{id}/cancel"), &cancel)
            .await
            .status,
        303
    );
    let again = browser.post(&format!("/console/orders/{id}/cancel"), &cancel).await;
    assert_eq!(again.status, 409, "{}", again.html);
    assert!(again.html.contains("nothing is outstanding"), "{}", again.html);
    let late = browser.post(&path, &amend("P-1", "50", "")).await;
    assert_eq!(late.status, 409, "{}", late.html);
    let close = [("csrf", csrf), ("part_number", "P-1".to_owned())];
    assert_eq!(
        browser
            .post(&format!("/console/orders/{id}/close"), &close)
            .await
            .status,
        409
    );
}

async fn the_order_page_keeps_the_apis_roles_scope_and_csrf(app: TestApp) {
    let orders = three_orders(&app).await;
    let east = order_of(&app, &orders, "E-RDC").await;
    let id = east["id"].as_i64().expect("id");
    let path = format!("/console/orders/{id}");

    let mut browser = refused_to_a_technician_and_another_warehouses_buyer(&app, &path).await;
    let csrf = hidden(&browser.get("/console/orders").await.html, "csrf");
    let refused = browser.post(&format!("{path}/cancel"), &[("csrf", csrf)]).await;
    assert_eq!(refused.status, 403, "{}", refused.html);
    assert_eq!(browser.get("/console/orders/999999").await.status, 404);

    let viewer = app.key("auditor", "viewer", None).await;
    let mut browser = Browser::new(&app);
    browser.sign_in(&viewer).await;
    let page = browser.get(&path).await;
    assert_eq!(page.status, 200, "{}", page.html);
    assert!(!page.html.contains("/cancel\""), "a viewer gets no change form");
    let csrf = hidden(&page.html, "csrf");
    assert_eq!(
        browser.post(&format!("{path}/cancel"), &[("csrf", csrf)]).await.status,
        403
    );

    let mut browser = signed_in_buyer(&app).await;
    for forged in [vec![("csrf", "forged".to_owned())], vec![]] {
        let page = browser.post(&format!("{path}/cancel"), &forged).await;
        assert_eq!(page.status, 403, "{}", page.html);
        let close = [forged.clone(), vec![("part_number", "P-1".to_owned())]].concat();
        assert_eq!(browser.post(&format!("{path}/close"), &close).await.status, 403);
    }
    let unchanged = app.get(&format!("/api/v1/purchase-orders/{id}")).await.body;
    assert_eq!(unchanged, east, "nothing changed");
}
