//! API consistency across routes (issue 14, point 8): unknown filter values are a 400 naming the
//! parameter on every list route, dates take `YYYY-MM-DD` or RFC 3339 in every query and body,
//! an adjustment keeps its sign, money always shows two decimals, lists take a `sort` whose
//! cursor follows the order, and run scopes are JSON objects.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::TestApp;
use crate::on_both_backends;
use crate::purchase_orders::approved_order;
use crate::replenishment::{proposals, replenish};

on_both_backends!(
    every_list_route_refuses_an_unknown_filter_value_naming_the_parameter,
    dates_are_taken_as_a_day_or_an_rfc_3339_time_in_every_query_and_body,
    an_adjustment_of_minus_two_answers_minus_two_wherever_it_is_read,
    money_shows_two_decimals_in_proposals_orders_and_the_catalog,
    lists_take_a_sort_and_their_cursor_follows_it_with_movements_newest_first,
    run_scopes_are_json_objects,
);

/// (query, the parameter the 400 must name); each route also answers 200 to `known`.
const UNKNOWN_FILTERS: &[(&str, &str)] = &[
    ("/api/v1/movements?warehouse=NOPE", "warehouse"),
    ("/api/v1/movements?part_number=NOPE", "part_number"),
    ("/api/v1/movements?kind=teleport", "kind"),
    ("/api/v1/movements?document_type=invoice", "document_type"),
    ("/api/v1/movements?colour=red", "colour"),
    ("/api/v1/movements?sort=sideways", "sort"),
    ("/api/v1/transfers?from=NOPE", "from"),
    ("/api/v1/transfers?to=NOPE", "to"),
    ("/api/v1/transfers?status=lost", "status"),
    ("/api/v1/transfers?colour=red", "colour"),
    ("/api/v1/transfers?sort=sideways", "sort"),
    ("/api/v1/forecasts?warehouse=NOPE", "warehouse"),
    ("/api/v1/forecasts?part_number=NOPE", "part_number"),
    ("/api/v1/forecasts?demand_class=weird", "demand_class"),
    ("/api/v1/forecasts?method=magic", "method"),
    ("/api/v1/demand-history?warehouse=NOPE&part_number=P-1", "warehouse"),
    ("/api/v1/demand-history?warehouse=N-01&part_number=NOPE", "part_number"),
    (
        "/api/v1/demand-history?warehouse=N-01&part_number=P-1&colour=red",
        "colour",
    ),
    ("/api/v1/stock?warehouse=NOPE", "warehouse"),
    ("/api/v1/stock?region=NOPE", "region"),
    ("/api/v1/stock?part_number=NOPE", "part_number"),
    ("/api/v1/proposals?warehouse=NOPE", "warehouse"),
    ("/api/v1/proposals?region=NOPE", "region"),
    ("/api/v1/proposals?supplier=NOPE", "supplier"),
    ("/api/v1/proposals?part_number=NOPE", "part_number"),
    ("/api/v1/proposals?status=lost", "status"),
    ("/api/v1/purchase-orders?warehouse=NOPE", "warehouse"),
    ("/api/v1/purchase-orders?supplier=NOPE", "supplier"),
    ("/api/v1/purchase-orders?status=lost", "status"),
    ("/api/v1/purchase-orders?sort=sideways", "sort"),
    ("/api/v1/reservations?warehouse=NOPE", "warehouse"),
    ("/api/v1/reservations?status=lost", "status"),
    ("/api/v1/reservations?sort=sideways", "sort"),
    ("/api/v1/policies?warehouse=NOPE", "warehouse"),
    ("/api/v1/policies?part_number=NOPE", "part_number"),
    ("/api/v1/warehouses?region=NOPE", "region"),
    ("/api/v1/warehouses?kind=giant", "kind"),
    ("/api/v1/parts?criticality=vital", "criticality"),
    ("/api/v1/parts?colour=red", "colour"),
    ("/api/v1/suppliers?colour=red", "colour"),
    ("/api/v1/kpis?warehouse=NOPE", "warehouse"),
    ("/api/v1/kpis?region=NOPE", "region"),
    ("/api/v1/kpis?part_number=NOPE", "part_number"),
    ("/api/v1/kpis?by=planet", "by"),
    ("/api/v1/at-risk?warehouse=NOPE", "warehouse"),
    ("/api/v1/at-risk?region=NOPE", "region"),
    ("/api/v1/at-risk?part_number=NOPE", "part_number"),
    ("/api/v1/replenishment/runs?trigger=cron", "trigger"),
    ("/api/v1/replenishment/runs?status=lost", "status"),
    ("/api/v1/replenishment/runs?sort=sideways", "sort"),
    ("/api/v1/audit?sort=sideways", "sort"),
    ("/api/v1/audit?colour=red", "colour"),
];

/// The same routes with known values: each answers 200.
const KNOWN_FILTERS: &[&str] = &[
    "/api/v1/movements?warehouse=N-01&part_number=P-1&kind=receipt&document_type=repair_order&sort=oldest",
    "/api/v1/transfers?from=N-RDC&to=N-01&status=created&sort=newest",
    "/api/v1/forecasts?warehouse=N-01&part_number=P-1&demand_class=smooth&method=ses",
    "/api/v1/demand-history?warehouse=N-01&part_number=P-1",
    "/api/v1/stock?warehouse=N-01&region=north&part_number=P-1",
    "/api/v1/proposals?warehouse=N-01&region=north&supplier=SUP-1&part_number=P-1&status=open",
    "/api/v1/purchase-orders?warehouse=N-01&supplier=SUP-1&status=open&sort=newest",
    "/api/v1/reservations?warehouse=N-01&status=active",
    "/api/v1/policies?warehouse=N-01&part_number=P-1",
    "/api/v1/warehouses?region=north&kind=local",
    "/api/v1/parts?criticality=medium",
    "/api/v1/suppliers?active=true",
    "/api/v1/kpis?warehouse=N-01&part_number=P-1&by=warehouse",
    "/api/v1/at-risk?warehouse=N-01&region=north&part_number=P-1",
    "/api/v1/replenishment/runs?trigger=manual&status=succeeded&sort=oldest",
    "/api/v1/audit?sort=newest",
];

async fn every_list_route_refuses_an_unknown_filter_value_naming_the_parameter(app: TestApp) {
    app.seed_network().await;
    let mut wrong = Vec::new();
    for (path, field) in UNKNOWN_FILTERS {
        let reply = app.get(path).await;
        let named =
            reply.status == 400 && reply.content_type == "application/problem+json" && reply.body["field"] == *field;
        if !named {
            wrong.push(format!(
                "{path}: expected 400 naming {field}, got {} {}",
                reply.status, reply.body
            ));
        }
    }
    for path in KNOWN_FILTERS {
        let reply = app.get(path).await;
        if reply.status != 200 {
            wrong.push(format!("{path}: expected 200, got {} {}", reply.status, reply.body));
        }
    }
    assert!(wrong.is_empty(), "{} routes differ:\n{}", wrong.len(), wrong.join("\n"));
}

/// The first item of a page, or a panic naming the path.
fn items(reply: &crate::helpers::Reply, path: &str) -> Vec<Value> {
    assert_eq!(reply.status, 200, "{path}: {}", reply.body);
    reply.body["items"].as_array().cloned().unwrap_or_default()
}

async fn dates_are_taken_as_a_day_or_an_rfc_3339_time_in_every_query_and_body(app: TestApp) {
    app.seed_network().await;
    app.receive("E-RDC", "P-2", 3).await;
    let today = chrono::Utc::now().date_naive();
    let (yesterday, tomorrow) = (today.pred_opt().expect("a day"), today.succ_opt().expect("a day"));
    // Query parameters: the same window as a day and as a time.
    for path in [
        format!("/api/v1/movements?from={yesterday}&to={tomorrow}"),
        format!("/api/v1/movements?from={yesterday}T00:00:00Z&to={tomorrow}T00:00:00%2B00:00"),
        format!("/api/v1/audit?from={yesterday}&to={tomorrow}T00:00:00Z"),
    ] {
        assert!(!items(&app.get(&path).await, &path).is_empty(), "{path} found nothing");
    }
    replenish(&app).await;
    for path in [
        format!("/api/v1/replenishment/runs?from={yesterday}&to={tomorrow}"),
        format!("/api/v1/replenishment/runs?from={yesterday}T00:00:00Z&to={tomorrow}T00:00:00Z"),
    ] {
        assert_eq!(items(&app.get(&path).await, &path).len(), 1, "{path}");
    }
    for path in [
        format!("/api/v1/movements?from={tomorrow}"),
        format!("/api/v1/replenishment/runs?to={yesterday}"),
    ] {
        assert!(items(&app.get(&path).await, &path).is_empty(), "{path}");
    }
    for path in [
        format!("/api/v1/kpis?from={yesterday}T10:00:00Z&to={today}"),
        format!("/api/v1/demand-history?warehouse=N-01&part_number=P-1&from={yesterday}T10:00:00Z&to={today}"),
    ] {
        let reply = app.get(&path).await;
        assert_eq!(reply.status, 200, "{path}: {}", reply.body);
    }
    for (path, field) in [
        ("/api/v1/movements?from=yesterday", "from"),
        ("/api/v1/movements?to=2026-13-01", "to"),
        ("/api/v1/kpis?from=31.01.2026", "from"),
    ] {
        let reply = app.get(path).await;
        assert_eq!(
            (reply.status, reply.body["field"].as_str()),
            (400, Some(field)),
            "{path}"
        );
        let detail = reply.body["detail"].as_str().unwrap_or_default();
        assert!(
            detail.contains("YYYY-MM-DD") && detail.contains("RFC 3339"),
            "{path}: {detail}"
        );
    }
    dates_in_bodies(&app, (yesterday, tomorrow)).await;
}

/// A forecast run's as_of and a key's expiry as a time, a purchase order line's expected date
/// as a time (its UTC day); a value in neither format is refused naming its field.
async fn dates_in_bodies(app: &TestApp, (yesterday, tomorrow): (chrono::NaiveDate, chrono::NaiveDate)) {
    // Bodies: a forecast run's as_of and a key's expiry as a time, a purchase order line's
    // expected date as a time (its UTC day).
    let run = app
        .post(
            "/api/v1/forecasts/run",
            &json!({ "as_of": format!("{yesterday}T23:30:00Z") }),
        )
        .await;
    assert_eq!(
        (run.status, run.body["as_of"].as_str()),
        (200, Some(yesterday.to_string().as_str())),
        "{}",
        run.body
    );
    let key = app
        .post(
            "/api/v1/keys",
            &json!({ "name": "dated", "role": "viewer", "expires_at": format!("{tomorrow}") }),
        )
        .await;
    assert_eq!(key.status, 201, "{}", key.body);
    let line = amend_expected_date(app, json!("2030-01-31T08:00:00Z")).await;
    assert_eq!(line.status, 200, "{}", line.body);
    assert_eq!(
        line.body["lines"][0]["expected_at"], "2030-01-31T00:00:00Z",
        "{}",
        line.body
    );
    let bad = amend_expected_date(app, json!("31/01/2030")).await;
    assert_eq!(
        (bad.status, bad.body["field"].as_str()),
        (400, Some("expected_date")),
        "{}",
        bad.body
    );
    let bad = app.post("/api/v1/forecasts/run", &json!({ "as_of": "soon" })).await;
    assert_eq!(
        (bad.status, bad.body["field"].as_str()),
        (400, Some("as_of")),
        "{}",
        bad.body
    );
}

async fn amend_expected_date(app: &TestApp, date: Value) -> crate::helpers::Reply {
    let orders = app.get("/api/v1/purchase-orders").await;
    let order = match orders.body["items"].as_array().and_then(|o| o.first()) {
        Some(order) => order.clone(),
        None => approved_order(app, "12.5").await,
    };
    let path = format!("/api/v1/purchase-orders/{}/lines/P-1", order["id"]);
    app.patch(&path, &json!({ "expected_date": date })).await
}

async fn an_adjustment_of_minus_two_answers_minus_two_wherever_it_is_read(app: TestApp) {
    app.seed_network().await;
    app.receive("N-01", "P-1", 5).await;
    let body = json!({ "kind": "adjustment", "warehouse": "N-01", "part_number": "P-1", "quantity": -2, "reason_code": "count" });
    for key in [None, Some("adjust-once")] {
        let posted = app.request(Method::POST, "/api/v1/movements", Some(&body), key).await;
        assert_eq!(posted.status, 201, "{}", posted.body);
        assert_eq!(
            (
                posted.body["quantity"].as_i64(),
                posted.body["delta"]["on_hand"].as_i64()
            ),
            (Some(-2), Some(-2)),
            "{} (idempotency key {key:?})",
            posted.body
        );
        let read = app.get(&format!("/api/v1/movements/{}", posted.body["id"])).await;
        assert_eq!(read.body["quantity"], -2, "{}", read.body);
    }
    let up = json!({ "kind": "adjustment", "warehouse": "N-01", "part_number": "P-1", "quantity": 1, "reason_code": "count" });
    assert_eq!(app.post("/api/v1/movements", &up).await.body["quantity"], 1);
    let listed = items(
        &app.get("/api/v1/movements?kind=adjustment&sort=oldest").await,
        "adjustments",
    );
    let quantities: Vec<_> = listed.iter().map(|m| m["quantity"].as_i64()).collect();
    assert_eq!(quantities, [Some(-2), Some(-2), Some(1)]);
    let csv = app
        .client
        .get(format!(
            "{}/api/v1/movements?kind=adjustment&sort=oldest&format=csv",
            app.address
        ))
        .bearer_auth(&app.admin_key)
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("read");
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let column = reader
        .headers()
        .expect("a header")
        .iter()
        .position(|h| h == "quantity")
        .expect("quantity");
    let rows: Vec<String> = reader.records().map(|r| r.expect("a row")[column].to_owned()).collect();
    assert_eq!(rows, ["-2", "-2", "1"]);
    assert_eq!(app.balance("N-01", "P-1").await["on_hand"], 2);
}

/// A money string with exactly two decimals.
fn two_decimals(value: &Value) -> bool {
    value
        .as_str()
        .and_then(|s| s.split_once('.'))
        .is_some_and(|(whole, cents)| !whole.is_empty() && cents.len() == 2)
}

async fn money_shows_two_decimals_in_proposals_orders_and_the_catalog(app: TestApp) {
    app.seed_network().await;
    let order = approved_order(&app, "12.5").await;
    let proposal = &proposals(&app, "kind=purchase").await[0];
    assert_eq!(proposal["unit_price"], "12.50", "{proposal}");
    assert!(two_decimals(&proposal["value"]), "{proposal}");
    assert_eq!(order["lines"][0]["unit_price"], "12.50", "{order}");
    assert!(two_decimals(&order["value"]), "{order}");
    let listed = app.get("/api/v1/purchase-orders").await;
    assert_eq!(listed.body["items"][0]["value"], order["value"]);
    let terms = app.get("/api/v1/parts/P-1/suppliers").await;
    assert_eq!(terms.body[0]["unit_price"], "12.50", "{}", terms.body);
    let part = app.patch("/api/v1/parts/P-2", &json!({ "unit_cost": "7.5" })).await;
    assert_eq!(part.body["unit_cost"], "7.50", "{}", part.body);
    let kpis = app.get("/api/v1/kpis").await;
    assert!(two_decimals(&kpis.body["inventory_value"]), "{}", kpis.body);
}

/// The `quantity` of each item of a page and its next cursor.
async fn page(app: &TestApp, path: &str) -> (Vec<i64>, Option<String>) {
    let reply = app.get(path).await;
    let quantities = items(&reply, path)
        .iter()
        .filter_map(|m| m["quantity"].as_i64())
        .collect();
    (quantities, reply.body["next_cursor"].as_str().map(str::to_owned))
}

/// Every page of `path` (which ends in a query), following the cursors.
async fn every_page(app: &TestApp, path: &str) -> Vec<Vec<i64>> {
    let mut pages = Vec::new();
    let (mut items, mut next) = page(app, path).await;
    loop {
        pages.push(items);
        let Some(cursor) = next else { break };
        (items, next) = page(app, &format!("{path}&cursor={cursor}")).await;
    }
    pages
}

async fn lists_take_a_sort_and_their_cursor_follows_it_with_movements_newest_first(app: TestApp) {
    app.seed_network().await;
    for q in 1..=5 {
        app.receive("N-01", "P-1", q).await;
    }
    let newest = every_page(&app, "/api/v1/movements?limit=2").await;
    assert_eq!(newest, vec![vec![5, 4], vec![3, 2], vec![1]]);
    let named = every_page(&app, "/api/v1/movements?limit=2&sort=newest").await;
    assert_eq!(named, newest);
    let oldest = every_page(&app, "/api/v1/movements?limit=2&sort=oldest").await;
    assert_eq!(oldest, vec![vec![1, 2], vec![3, 4], vec![5]]);
    // Filters and order together: only P-1 at N-01 after a receipt elsewhere.
    app.receive("E-RDC", "P-1", 9).await;
    let filtered = every_page(&app, "/api/v1/movements?warehouse=N-01&limit=3").await;
    assert_eq!(filtered, vec![vec![5, 4, 3], vec![2, 1]]);
    // The audit trail and the runs turn round the same way.
    let ids = |reply: crate::helpers::Reply| -> Vec<i64> {
        let list = items(&reply, "list");
        list.iter().filter_map(|e| e["id"].as_i64()).collect()
    };
    let audit_oldest = ids(app.get("/api/v1/audit?limit=500").await);
    let mut audit_newest = ids(app.get("/api/v1/audit?limit=500&sort=newest").await);
    audit_newest.reverse();
    assert!(audit_oldest.len() > 5);
    assert_eq!(audit_oldest, audit_newest);
    replenish(&app).await;
    replenish(&app).await;
    let runs = ids(app.get("/api/v1/replenishment/runs").await);
    let mut runs_oldest = ids(app.get("/api/v1/replenishment/runs?sort=oldest").await);
    runs_oldest.reverse();
    assert_eq!((runs.len(), &runs), (2, &runs_oldest));
    assert!(runs[0] > runs[1], "runs are newest first by default: {runs:?}");
}

async fn run_scopes_are_json_objects(app: TestApp) {
    app.seed_network().await;
    let run = app
        .post("/api/v1/replenishment/runs", &json!({ "part_number": "P-1" }))
        .await;
    assert_eq!(run.status, 200, "{}", run.body);
    assert_eq!(run.body["scope"]["part_number"], "P-1", "{}", run.body);
    let listed = app.get("/api/v1/replenishment/runs").await;
    assert!(listed.body["items"][0]["scope"].is_object(), "{}", listed.body);
    let forecast = app.post("/api/v1/forecasts/run", &json!({ "warehouse": "N-01" })).await;
    assert_eq!(forecast.status, 200, "{}", forecast.body);
    assert_eq!(forecast.body["scope"]["warehouse"], "N-01", "{}", forecast.body);
}
