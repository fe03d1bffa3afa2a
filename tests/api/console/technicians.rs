//! The technicians' availability page: their warehouse first, then their region, then the
//! network, within the key's scope; and no procurement or warehouse pages for them.

use super::*;
use crate::on_both_backends;

on_both_backends!(
    a_technician_sees_their_warehouse_first_then_their_region_then_the_network,
    a_technician_key_gets_no_procurement_or_warehouse_pages_nor_links_to_them,
);

/// Rows of the availability table: (nearness label, warehouse) in page order.
fn rows(html: &str) -> Vec<(String, String)> {
    html.split("<tr")
        .skip(1)
        .filter_map(|row| {
            let cells: Vec<&str> = row
                .split("<td>")
                .skip(1)
                .map(|c| c.split('<').next().unwrap_or(""))
                .collect();
            (cells.len() >= 2).then(|| (cells[0].to_owned(), cells[1].to_owned()))
        })
        .collect()
}

async fn a_technician_sees_their_warehouse_first_then_their_region_then_the_network(app: TestApp) {
    app.seed_network().await;
    app.receive("N-01", "P-1", 1).await;
    app.receive("N-RDC", "P-1", 3).await;
    app.receive("E-RDC", "P-1", 9).await;
    let dispatcher = app.key("dispatcher", "repair", None).await;
    let mut browser = Browser::new(&app);
    browser.sign_in(&dispatcher).await;
    let page = browser.get("/console/availability?part_number=P-1&at=N-01").await;
    assert_eq!(page.status, 200, "{}", page.html);
    let order: Vec<(String, String)> = rows(&page.html);
    let expected = [
        ("Your warehouse", "N-01"),
        ("Your region", "N-RDC"),
        ("Network", "E-RDC"),
    ];
    let expected: Vec<(String, String)> = expected.iter().map(|(a, b)| ((*a).into(), (*b).into())).collect();
    assert_eq!(
        order, expected,
        "nearest first even though E-RDC holds most: {}",
        page.html
    );
    let api = app.get("/api/v1/parts/P-1/availability").await;
    assert!(
        page.html.contains(&format!(": {}</p>", api.body["total_available"])),
        "{}",
        page.html
    );
    let east = rows(&browser.get("/console/availability?part_number=P-1&at=E-RDC").await.html);
    assert_eq!(east[0].1, "E-RDC");
    assert_eq!(east.iter().filter(|(near, _)| near == "Network").count(), 2);
    browser.language = Some("zh-CN");
    let page = browser.get("/console/availability?part_number=P-1&at=N-01").await;
    assert!(
        page.html.contains("本仓") && page.html.contains("全网"),
        "{}",
        page.html
    );

    let travelling = app.key("tech", "repair", Some(&["N-01", "E-RDC"])).await;
    let mut browser = Browser::new(&app);
    browser.sign_in(&travelling).await;
    let page = browser.get("/console/availability?part_number=P-1&at=N-01").await;
    let order: Vec<String> = rows(&page.html).into_iter().map(|(_, w)| w).collect();
    assert_eq!(order, ["N-01", "E-RDC"], "N-RDC is outside the key's scope");
    let page = browser.get("/console/availability?part_number=P-1").await;
    let order: Vec<String> = rows(&page.html).into_iter().map(|(_, w)| w).collect();
    assert_eq!(
        order,
        ["E-RDC", "N-01"],
        "by default the first of the key's warehouses (by code)"
    );
    let outside = browser.get("/console/availability?part_number=P-1&at=N-RDC").await;
    assert_eq!(outside.status, 400, "{}", outside.html);
}

async fn a_technician_key_gets_no_procurement_or_warehouse_pages_nor_links_to_them(app: TestApp) {
    let ids = nine_proposals(&app).await;
    let technician = app.key("tech", "repair", Some(&["N-01"])).await;
    let mut browser = Browser::new(&app);
    browser.sign_in(&technician).await;
    assert_eq!(browser.get("/console/").await.location, "/console/availability");
    let page = browser.get("/console/availability").await;
    assert_eq!(page.status, 200);
    let closed = [
        "/console/proposals".to_owned(),
        format!("/console/proposals/{}", ids[0]),
        "/console/orders".to_owned(),
        "/console/kpis".to_owned(),
        "/console/stock".to_owned(),
        "/console/transfers".to_owned(),
    ];
    for path in &closed {
        assert_eq!(browser.get(path).await.status, 403, "{path}");
        assert!(!page.html.contains(&format!("href=\"{path}\"")), "no link to {path}");
    }
    let csrf = hidden(&page.html, "csrf");
    let approve = [
        ("csrf", csrf.clone()),
        ("action", "approve".to_owned()),
        ("ids", ids[0].to_string()),
    ];
    assert_eq!(browser.post("/console/proposals", &approve).await.status, 403);
    assert_eq!(proposals(&app, "status=open&limit=500").await.len(), 9);
}
