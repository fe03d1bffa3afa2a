//! The technicians' availability page and warehouse staff's stock page.

use super::*;
use crate::on_both_backends;

on_both_backends!(
    a_technician_sees_where_a_part_is_available_within_the_keys_scope,
    warehouse_staff_see_the_stock_of_their_warehouses_only,
    the_kpi_page_charts_the_apis_figures_for_planners_only,
    the_purchase_orders_page_lists_the_apis_orders_within_the_keys_scope,
);

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

async fn the_kpi_page_charts_the_apis_figures_for_planners_only(app: TestApp) {
    nine_proposals(&app).await;
    let key = app.key("buyer", "procurement", None).await;
    let mut browser = Browser::new(&app);
    browser.sign_in(&key).await;
    let page = browser.get("/console/kpis").await;
    assert_eq!(page.status, 200, "{}", page.html);
    assert_eq!(page.html.matches("<svg").count(), 4, "four charts drawn on the server");
    let api = app.get("/api/v1/kpis?region=north").await;
    assert_eq!(api.status, 200, "{}", api.body);
    let north = format!("<td>north</td><td class=\"num\">{}</td>", api.body["demand_lines"]);
    assert!(
        page.html.contains(&north),
        "the API's figures per region: {}",
        page.html
    );
    let open = format!("<td class=\"num\">{}</td>", api.body["open_proposals"]);
    assert!(page.html.contains(&open), "{}", page.html);
    assert_eq!(browser.get("/console/kpis?region=east").await.status, 200);
    browser.language = Some("zh-CN");
    assert!(browser.get("/console/kpis").await.html.contains("缺货率"));

    let technician = app.key("tech", "repair", None).await;
    let mut browser = Browser::new(&app);
    browser.sign_in(&technician).await;
    assert_eq!(browser.get("/console/kpis").await.status, 403);
    assert!(!browser
        .get("/console/availability")
        .await
        .html
        .contains("/console/kpis"));
}

async fn the_purchase_orders_page_lists_the_apis_orders_within_the_keys_scope(app: TestApp) {
    nine_proposals(&app).await;
    let all = proposals(&app, "status=open&limit=500").await;
    let ids: Vec<i64> = all.iter().map(|p| p["id"].as_i64().expect("id")).collect();
    let approved = app.post("/api/v1/proposals/approve", &json!({ "ids": ids })).await;
    assert_eq!(approved.status, 200, "{}", approved.body);
    let orders = app.get("/api/v1/purchase-orders?limit=500").await;
    let orders = orders.body["items"].as_array().cloned().expect("items");
    assert!(!orders.is_empty());
    let key = app.key("buyer", "procurement", None).await;
    let mut browser = Browser::new(&app);
    browser.sign_in(&key).await;
    let page = browser.get("/console/orders").await;
    assert_eq!(page.status, 200, "{}", page.html);
    for order in &orders {
        assert!(page.html.contains(order["number"].as_str().expect("number")), "{order}");
    }
    assert_eq!(browser.get("/console/orders?status=bogus").await.status, 400);
    let north = app.key("north-buyer", "procurement", Some(&["N-01"])).await;
    let mut browser = Browser::new(&app);
    browser.sign_in(&north).await;
    let page = browser.get("/console/orders").await;
    for order in &orders {
        let number = order["number"].as_str().expect("number");
        assert_eq!(
            page.html.contains(number),
            order["warehouse"] == "N-01",
            "scope: {number}"
        );
    }
    let technician = app.key("tech", "repair", None).await;
    let mut browser = Browser::new(&app);
    browser.sign_in(&technician).await;
    assert_eq!(browser.get("/console/orders").await.status, 403);
}
