//! The runs pages: the list newest first, a run's summary with the API's figures (what became
//! of the open proposals included), and the start form as the API's run, with its permission
//! and its refusal of keys limited to some warehouses.

use super::*;
use crate::on_both_backends;

on_both_backends!(
    the_runs_page_lists_the_apis_runs_newest_first_and_a_summary_shows_its_figures,
    a_run_started_from_the_console_is_the_apis_run_and_counts_what_it_changed,
    starting_a_run_keeps_the_apis_roles_scope_and_csrf,
);

fn run_ids(html: &str) -> Vec<i64> {
    html.split("href=\"/console/runs/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next()?.parse().ok())
        .collect()
}

async fn the_runs_page_lists_the_apis_runs_newest_first_and_a_summary_shows_its_figures(app: TestApp) {
    nine_proposals(&app).await;
    let second = app
        .post("/api/v1/replenishment/runs", &json!({ "part_number": "P-2" }))
        .await;
    assert_eq!(second.status, 200, "{}", second.body);
    let api = app.get("/api/v1/replenishment/runs").await;
    let expected: Vec<i64> = api.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|r| r["id"].as_i64().expect("id"))
        .collect();
    assert_eq!(expected.len(), 2);

    let key = app.key("buyer", "procurement", None).await;
    let mut browser = Browser::new(&app);
    browser.sign_in(&key).await;
    let page = browser.get("/console/runs").await;
    assert_eq!(page.status, 200, "{}", page.html);
    assert_eq!(run_ids(&page.html), expected, "newest first, as the API lists them");
    assert!(page.html.contains("href=\"/console/runs\""), "a nav entry");

    let first = &api.body["items"][1];
    let id = first["id"].as_i64().expect("id");
    let summary = browser.get(&format!("/console/runs/{id}")).await;
    assert_eq!(summary.status, 200, "{}", summary.html);
    assert_eq!(first["purchases"], 9);
    assert_eq!(first["proposals_created"], 9, "{first}");
    for (label, value) in [
        ("Purchases", first["purchases"].to_string()),
        ("Proposals created", first["proposals_created"].to_string()),
        ("Proposals revised", first["proposals_revised"].to_string()),
        ("Proposals withdrawn", first["proposals_withdrawn"].to_string()),
        ("Pairs planned", first["pairs"].to_string()),
    ] {
        let row = format!("<th>{label}</th><td class=\"num\">{value}</td>");
        assert!(summary.html.contains(&row), "{row}: {}", summary.html);
    }
    let newest = browser.get(&format!("/console/runs/{}", expected[0])).await;
    assert!(newest.html.contains("<td class=\"num\">P-2</td>"), "the run's scope");
    assert_eq!(browser.get("/console/runs/999999").await.status, 404);
    assert_eq!(browser.get("/console/runs?cursor=nonsense").await.status, 400);

    browser.language = Some("zh-CN");
    let chinese = browser.get(&format!("/console/runs/{id}")).await;
    assert!(
        chinese.html.contains("新建议") && chinese.html.contains("校准"),
        "{}",
        chinese.html
    );
    assert!(browser.get("/console/runs").await.html.contains("开始运行"));
}

async fn a_run_started_from_the_console_is_the_apis_run_and_counts_what_it_changed(app: TestApp) {
    nine_proposals(&app).await;
    // N-01 has P-1 up to its order-up-to level (its proposal is withdrawn, with nothing to
    // give away); P-2's levels rise everywhere (three proposals revised).
    app.receive("N-01", "P-1", 10).await;
    for warehouse in ["N-RDC", "N-01", "E-RDC"] {
        let path = format!("/api/v1/policies/{warehouse}/P-2");
        let set = app
            .request(Method::PUT, &path, Some(&json!({ "min": 8, "max": 20 })), None)
            .await;
        assert_eq!(set.status, 200, "{}", set.body);
    }
    let key = app.key("buyer", "procurement", None).await;
    let mut browser = Browser::new(&app);
    browser.sign_in(&key).await;
    let csrf = hidden(&browser.get("/console/runs").await.html, "csrf");
    let form = [
        ("csrf", csrf),
        ("part_number", String::new()),
        ("replan", "yes".to_owned()),
    ];
    let started = browser.post("/console/runs", &form).await;
    assert_eq!(started.status, 303, "{}", started.html);
    let runs = app.get("/api/v1/replenishment/runs").await;
    let run = &runs.body["items"][0];
    let id = run["id"].as_i64().expect("id");
    assert_eq!(started.location, format!("/console/runs/{id}?done=started"));
    assert_eq!(run["trigger"], "manual");
    assert_eq!(run["status"], "succeeded");
    assert_eq!(
        (
            run["proposals_created"].as_i64(),
            run["proposals_revised"].as_i64(),
            run["proposals_withdrawn"].as_i64()
        ),
        (Some(0), Some(3), Some(1)),
        "{run}"
    );
    let page = browser.get(&started.location).await;
    assert!(page.html.contains("The run has finished."), "{}", page.html);
    assert!(
        page.html
            .contains("<th>Proposals withdrawn</th><td class=\"num\">1</td>"),
        "{}",
        page.html
    );
    let audit = app.get("/api/v1/audit?action=replenishment.run").await;
    let audited = audit.body["items"].as_array().expect("items");
    assert!(
        audited
            .iter()
            .any(|a| a["entity_id"].as_str() == Some(id.to_string().as_str())),
        "audited as the API's run: {audited:?}"
    );
}

async fn starting_a_run_keeps_the_apis_roles_scope_and_csrf(app: TestApp) {
    nine_proposals(&app).await;
    let runs = || async {
        app.get("/api/v1/replenishment/runs").await.body["items"]
            .as_array()
            .map(Vec::len)
    };
    let before = runs().await;

    let technician = app.key("tech", "repair", None).await;
    let mut browser = Browser::new(&app);
    browser.sign_in(&technician).await;
    assert_eq!(browser.get("/console/runs").await.status, 403);

    let viewer = app.key("auditor", "viewer", None).await;
    let mut browser = Browser::new(&app);
    browser.sign_in(&viewer).await;
    let page = browser.get("/console/runs").await;
    assert_eq!(page.status, 200, "{}", page.html);
    assert!(!page.html.contains("start-run"), "a viewer gets no start form");
    let csrf = hidden(&page.html, "csrf");
    assert_eq!(browser.post("/console/runs", &[("csrf", csrf)]).await.status, 403);

    let north = app.key("north-buyer", "procurement", Some(&["N-01"])).await;
    let mut browser = Browser::new(&app);
    browser.sign_in(&north).await;
    let page = browser.get("/console/runs").await;
    assert!(page.html.contains("without warehouse limits"), "{}", page.html);
    let csrf = hidden(&page.html, "csrf");
    let refused = browser.post("/console/runs", &[("csrf", csrf)]).await;
    assert_eq!(refused.status, 403, "as the API refuses it");
    assert!(
        refused.html.contains("use a key without warehouse limits"),
        "{}",
        refused.html
    );

    let key = app.key("buyer", "procurement", None).await;
    let mut browser = Browser::new(&app);
    browser.sign_in(&key).await;
    assert_eq!(
        browser
            .post("/console/runs", &[("csrf", "forged".to_owned())])
            .await
            .status,
        403
    );
    let csrf = hidden(&browser.get("/console/runs").await.html, "csrf");
    let bad = browser
        .post(
            "/console/runs",
            &[("csrf", csrf.clone()), ("replan", "maybe".to_owned())],
        )
        .await;
    assert_eq!(bad.status, 400, "{}", bad.html);
    assert!(bad.html.contains("<code>replan</code>"), "{}", bad.html);
    let unknown = browser
        .post("/console/runs", &[("csrf", csrf), ("part_number", "NOPE".to_owned())])
        .await;
    assert_eq!(
        unknown.status, 404,
        "an unknown part, as the API says: {}",
        unknown.html
    );
    assert_eq!(runs().await, before, "no run was started");
}
