//! The KPI page's at-risk list (the API's pairs, order and scope) and the demo's history in
//! the KPIs (its repair history counts as the served demand it was, so the stock-out and
//! fill-rate charts have weeks to draw).

use super::*;
use crate::on_both_backends;

on_both_backends!(
    the_kpi_page_lists_the_apis_pairs_at_risk_in_its_order_within_the_keys_scope,
    the_demos_history_counts_in_the_kpis_so_every_weekly_chart_has_points,
);

/// (warehouse, part) of each at-risk row, in page order.
fn risk_rows(html: &str) -> Vec<(String, String)> {
    let Some(start) = html.find("<table class=\"at-risk\">") else {
        return Vec::new();
    };
    let table = &html[start..html[start..].find("</table>").map_or(html.len(), |e| start + e)];
    table
        .split("<tr><td>")
        .skip(1)
        .map(|row| {
            let warehouse = row.split('<').next().unwrap_or_default().to_owned();
            let part = row
                .split("<code>")
                .nth(1)
                .and_then(|r| r.split('<').next())
                .unwrap_or_default();
            (warehouse, part.to_owned())
        })
        .collect()
}

fn api_rows(body: &serde_json::Value) -> Vec<(String, String)> {
    body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| {
            let field = |name: &str| p[name].as_str().expect("text").to_owned();
            (field("warehouse"), field("part_number"))
        })
        .collect()
}

async fn the_kpi_page_lists_the_apis_pairs_at_risk_in_its_order_within_the_keys_scope(app: TestApp) {
    nine_proposals(&app).await;
    app.receive("N-01", "P-2", 3).await;
    let key = app.key("buyer", "procurement", None).await;
    let mut browser = Browser::new(&app);
    browser.sign_in(&key).await;
    for sort in ["days_of_cover", "value_at_risk"] {
        let page = browser.get(&format!("/console/kpis?sort={sort}")).await;
        assert_eq!(page.status, 200, "{}", page.html);
        let api = app.get(&format!("/api/v1/at-risk?sort={sort}&limit=50")).await;
        assert_eq!(api.status, 200, "{}", api.body);
        let expected = api_rows(&api.body);
        assert_eq!(expected.len(), 9, "no stock anywhere but 3 of P-2 at N-01, below s = 5");
        assert_eq!(risk_rows(&page.html), expected, "{sort}");
    }
    let north = browser.get("/console/kpis?region=north").await;
    let api = app.get("/api/v1/at-risk?region=north&limit=50").await;
    assert_eq!(risk_rows(&north.html), api_rows(&api.body), "the region filter applies");
    assert_eq!(browser.get("/console/kpis?sort=cheapest").await.status, 400);

    let scoped = app.key("north-buyer", "procurement", Some(&["N-01"])).await;
    let mut browser = Browser::new(&app);
    browser.sign_in(&scoped).await;
    let page = browser.get("/console/kpis").await;
    let rows = risk_rows(&page.html);
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert!(
        rows.iter().all(|(w, _)| w == "N-01"),
        "the key's warehouses only: {rows:?}"
    );
    browser.language = Some("zh-CN");
    let chinese = browser.get("/console/kpis").await;
    assert!(
        chinese.html.contains("缺货风险") && chinese.html.contains("风险金额"),
        "{}",
        chinese.html
    );
}

/// The points of the chart whose series has `class`.
fn series_points<'a>(html: &'a str, class: &str) -> &'a str {
    let marker = format!("class=\"series {class}\" points=\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no {class} series")) + marker.len();
    html[start..].split('"').next().unwrap_or_default()
}

async fn the_demos_history_counts_in_the_kpis_so_every_weekly_chart_has_points(app: TestApp) {
    {
        let mut conn = app.pool.get().expect("conn");
        spares::demo::seed(&mut conn).expect("the demo seeds");
    }
    let kpis = app.get("/api/v1/kpis").await;
    assert_eq!(kpis.status, 200, "{}", kpis.body);
    let lines = {
        use diesel::prelude::*;
        use spares::schema::demand_daily as d;
        let mut conn = app.pool.get().expect("conn");
        let from =
            chrono::NaiveDate::parse_from_str(kpis.body["from"].as_str().expect("from"), "%Y-%m-%d").expect("day");
        let daily: Vec<i64> = d::table
            .filter(d::day.ge(from))
            .select(d::lines)
            .load(&mut conn)
            .expect("lines");
        daily.iter().sum::<i64>()
    };
    assert!(lines > 0, "the demo has history in the last 30 days");
    assert_eq!(
        kpis.body["demand_lines"], lines,
        "every line of the demo's history: {}",
        kpis.body
    );
    assert_eq!(kpis.body["stockout_rate"], 0.0, "history is demand that was served");
    assert_eq!(kpis.body["unit_fill_rate"], 1.0);

    let key = app.key("buyer", "procurement", None).await;
    let mut browser = Browser::new(&app);
    browser.sign_in(&key).await;
    let page = browser.get("/console/kpis").await;
    for class in ["stockouts", "rate"] {
        let points = series_points(&page.html, class);
        assert_eq!(points.split(' ').count(), 12, "twelve weeks of {class}: {points}");
    }
}
