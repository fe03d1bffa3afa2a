//! The worklist's order (value, urgency, days of cover) across pages, its criticality and
//! edited filters, and approving or rejecting every proposal matching the filter at once.

use serde_json::Value;

use super::*;
use crate::on_both_backends;
use crate::replenishment::terms_at;

on_both_backends!(
    the_worklist_sorts_by_value_urgency_and_cover_across_pages,
    criticality_and_edited_filters_narrow_the_worklist,
    all_matching_the_filter_approves_or_rejects_the_whole_filter_and_nothing_else,
);

/// Nine purchases of differing value (with ties): three prices times three order-up-to levels.
async fn nine_valued_proposals(app: &TestApp) -> Vec<Value> {
    app.seed_network().await;
    for (part, price) in [("P-1", "10.00"), ("P-2", "30.00"), ("P-3", "20.00")] {
        terms_at(app, part, 1, 1, price).await;
        for (warehouse, max) in [("N-RDC", 10), ("N-01", 20), ("E-RDC", 15)] {
            let path = format!("/api/v1/policies/{warehouse}/{part}");
            let body = json!({ "min": 5, "max": max });
            let set = app.request(Method::PUT, &path, Some(&body), None).await;
            assert_eq!(set.status, 200, "{}", set.body);
        }
    }
    let run = app.post("/api/v1/replenishment/runs", &json!({})).await;
    assert_eq!(run.body["purchases"], 9, "{}", run.body);
    proposals(app, "status=open&limit=500").await
}

/// Every page of `query` two at a time, in order.
async fn paged(app: &TestApp, query: &str) -> Vec<Value> {
    let mut all = Vec::new();
    let mut cursor = String::new();
    loop {
        let reply = app.get(&format!("/api/v1/proposals?{query}&limit=2{cursor}")).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        all.extend(reply.body["items"].as_array().expect("items").iter().cloned());
        match reply.body["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={}", next.replace(':', "%3A")),
            None => return all,
        }
    }
}

fn ids(list: &[Value]) -> Vec<i64> {
    list.iter().map(|p| p["id"].as_i64().expect("id")).collect()
}

fn cents(p: &Value) -> i64 {
    let value: f64 = p["value"].as_str().expect("value").parse().expect("amount");
    (value * 100.0).round() as i64
}

async fn the_worklist_sorts_by_value_urgency_and_cover_across_pages(app: TestApp) {
    let all = nine_valued_proposals(&app).await;
    let mut expected = all.clone();
    expected.sort_by_key(|p| (-cents(p), p["id"].as_i64()));
    let by_value = paged(&app, "sort=value").await;
    assert_eq!(
        ids(&by_value),
        ids(&expected),
        "highest value first, ties by id, every row once"
    );
    assert!(
        by_value.windows(2).any(|w| cents(&w[0]) == cents(&w[1])),
        "the data has ties, so the cursor's tie-break is exercised"
    );

    // Days of cover come from forecasts; give the rows known covers (one without demand).
    let ids_all = ids(&all);
    {
        use diesel::prelude::*;
        use spares::schema::proposals as pr;
        let mut conn = app.pool.get().expect("conn");
        for (i, id) in ids_all.iter().enumerate() {
            let cover = (i != 4).then_some(((i * 7) % 5) as f64 + 0.5);
            diesel::update(pr::table.find(id))
                .set((
                    pr::cover_days.eq(cover),
                    pr::fill_rate_without.eq(1.0 - (i % 3) as f64 / 4.0),
                ))
                .execute(&mut conn)
                .expect("set keys");
        }
    }
    let cover_of = |i: usize| (i != 4).then_some(((i * 7) % 5) as f64 + 0.5);
    let mut expected: Vec<(bool, f64, i64)> = ids_all
        .iter()
        .enumerate()
        .map(|(i, id)| (cover_of(i).is_none(), cover_of(i).unwrap_or(0.0), *id))
        .collect();
    expected.sort_by(|a, b| a.partial_cmp(b).expect("numbers"));
    let by_cover = paged(&app, "sort=cover").await;
    let expected_ids: Vec<i64> = expected.iter().map(|e| e.2).collect();
    assert_eq!(ids(&by_cover), expected_ids, "fewest days first, no demand last");

    let by_urgency = paged(&app, "sort=urgency").await;
    let rank = |id: i64| ids_all.iter().position(|x| *x == id).expect("known") % 3;
    let ranks: Vec<usize> = ids(&by_urgency).into_iter().map(rank).collect();
    assert_eq!(ranks, [2, 2, 2, 1, 1, 1, 0, 0, 0], "lowest fill rate without first");

    let key = app.key("buyer", "procurement", None).await;
    let mut browser = Browser::new(&app);
    browser.sign_in(&key).await;
    let page = browser.get("/console/proposals?sort=cover").await;
    let positions: Vec<usize> = expected_ids
        .iter()
        .map(|id| {
            page.html
                .find(&format!("name=\"ids\" value=\"{id}\""))
                .expect("row shown")
        })
        .collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "the page shows the API's order"
    );
    assert_eq!(browser.get("/console/proposals?sort=price").await.status, 400);
    assert_eq!(app.get("/api/v1/proposals?sort=price").await.status, 400);
}

async fn criticality_and_edited_filters_narrow_the_worklist(app: TestApp) {
    nine_proposals(&app).await;
    let critical = app
        .patch("/api/v1/parts/P-2", &json!({ "criticality": "critical" }))
        .await;
    assert_eq!(critical.status, 200, "{}", critical.body);
    let p2 = proposals(&app, "part_number=P-2").await;
    let edited = app
        .patch(
            &format!("/api/v1/proposals/{}", p2[0]["id"]),
            &json!({ "quantity": 40 }),
        )
        .await;
    assert_eq!(edited.status, 200, "{}", edited.body);

    let key = app.key("buyer", "procurement", None).await;
    let mut browser = Browser::new(&app);
    browser.sign_in(&key).await;
    let rows = |html: &str| html.matches("name=\"ids\"").count();
    let page = browser.get("/console/proposals?criticality=critical").await;
    assert_eq!(rows(&page.html), 3, "{}", page.html);
    assert_eq!(rows(&browser.get("/console/proposals?edited=yes").await.html), 1);
    assert_eq!(rows(&browser.get("/console/proposals?edited=no").await.html), 8);
    let both = browser.get("/console/proposals?criticality=critical&edited=no").await;
    assert_eq!(rows(&both.html), 2);
    assert_eq!(
        proposals(&app, "criticality=critical&edited=true").await.len(),
        1,
        "the API filters alike"
    );
    assert_eq!(browser.get("/console/proposals?criticality=vital").await.status, 400);
    assert_eq!(browser.get("/console/proposals?edited=maybe").await.status, 400);
}

async fn all_matching_the_filter_approves_or_rejects_the_whole_filter_and_nothing_else(app: TestApp) {
    nine_proposals(&app).await;
    let key = app.key("buyer", "procurement", None).await;
    let mut browser = Browser::new(&app);
    browser.sign_in(&key).await;
    let page = browser.get("/console/proposals?warehouse=E-RDC").await;
    let csrf = hidden(&page.html, "csrf");
    let approve = [
        ("csrf", csrf.clone()),
        ("action", "approve".into()),
        ("all", "yes".into()),
        ("back", "warehouse=E-RDC".into()),
    ];
    let done = browser.post("/console/proposals", &approve).await;
    assert_eq!(done.status, 303, "{}", done.html);
    assert_eq!(done.location, "/console/proposals?warehouse=E-RDC&done=approved&n=3");
    assert_eq!(proposals(&app, "warehouse=E-RDC&status=approved").await.len(), 3);
    assert_eq!(
        proposals(&app, "status=open").await.len(),
        6,
        "nothing outside the filter"
    );

    let reject = [
        ("csrf", csrf.clone()),
        ("action", "reject".into()),
        ("all", "yes".into()),
        ("reason", "north buys next month".into()),
        ("back", "region=north&part_number=P-1".into()),
    ];
    let done = browser.post("/console/proposals", &reject).await;
    assert_eq!(done.status, 303, "{}", done.html);
    assert!(done.location.ends_with("done=rejected&n=2"), "{}", done.location);
    let rejected = proposals(&app, "status=rejected").await;
    assert_eq!(rejected.len(), 2);
    assert!(rejected
        .iter()
        .all(|p| p["part_number"] == "P-1" && p["reason"] == "north buys next month"));

    let nothing = [
        ("csrf", csrf),
        ("action", "approve".into()),
        ("all", "yes".into()),
        ("back", "warehouse=E-RDC".into()),
    ];
    assert_eq!(
        browser.post("/console/proposals", &nothing).await.status,
        400,
        "none left open there"
    );
    let scoped = app.key("north-buyer", "procurement", Some(&["N-01"])).await;
    let mut north = Browser::new(&app);
    north.sign_in(&scoped).await;
    let page = north.get("/console/proposals").await;
    let all = [
        ("csrf", hidden(&page.html, "csrf")),
        ("action", "approve".into()),
        ("all", "yes".into()),
        ("back", String::new()),
    ];
    let done = north.post("/console/proposals", &all).await;
    assert!(
        done.location.ends_with("done=approved&n=2"),
        "only the key's warehouse: {}",
        done.location
    );
    assert_eq!(proposals(&app, "status=open").await.len(), 2, "N-RDC's two stay open");
}
