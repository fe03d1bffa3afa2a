//! Warehouse staff's movement form on the stock page: the API's posting, role and scope, CSRF,
//! one booking per rendered form, refusals in plain words, both languages.

use super::*;
use crate::on_both_backends;

on_both_backends!(
    warehouse_staff_record_receipt_issue_adjustment_and_return_and_see_the_new_balance,
    a_refused_movement_is_shown_in_plain_words_and_books_nothing,
    a_movement_form_sent_twice_books_once,
    only_keys_that_may_post_movements_get_the_form_and_only_at_their_warehouses,
);

/// The stock page's movement form filled in with `fields` (kind, warehouse, part, quantity
/// and any others), under the page's CSRF and submission tokens.
async fn movement(browser: &mut Browser, fields: &[(&str, &str)]) -> Page {
    let form = browser.get("/console/stock").await;
    assert_eq!(form.status, 200, "{}", form.html);
    let mut sent = vec![
        ("csrf", hidden(&form.html, "csrf")),
        ("token", hidden(&form.html, "token")),
    ];
    sent.extend(fields.iter().map(|(n, v)| (*n, (*v).to_owned())));
    browser.post("/console/stock/movements", &sent).await
}

/// Posts a movement that must succeed and returns the page it leads to.
async fn booked(browser: &mut Browser, fields: &[(&str, &str)]) -> Page {
    let posted = movement(browser, fields).await;
    assert_eq!(posted.status, 303, "{}", posted.html);
    assert!(posted.location.contains("done=recorded"), "{}", posted.location);
    browser.get(&posted.location).await
}

/// Form fields, the status they get and words the page must say.
type Refusal<'a> = (&'a [(&'a str, &'a str)], u16, &'a str);

fn shown_balance(html: &str) -> i64 {
    let marker = "<strong class=\"balance\">";
    let start = html.find(marker).unwrap_or_else(|| panic!("no balance in {html}")) + marker.len();
    html[start..]
        .split('<')
        .next()
        .and_then(|n| n.parse().ok())
        .expect("a number")
}

async fn warehouse_staff_record_receipt_issue_adjustment_and_return_and_see_the_new_balance(app: TestApp) {
    app.seed_network().await;
    let clerk = app.key("clerk", "warehouse", Some(&["N-01"])).await;
    let mut browser = Browser::new(&app);
    browser.sign_in(&clerk).await;
    let at = [("warehouse", "N-01"), ("part_number", "P-1")];
    let steps: [(&[(&str, &str)], i64); 4] = [
        (&[("kind", "receipt"), ("quantity", "7")], 7),
        (&[("kind", "issue"), ("quantity", "2"), ("repair_order", "RO-9")], 5),
        (
            &[("kind", "adjustment"), ("quantity", "-1"), ("reason_code", "count")],
            4,
        ),
        (&[("kind", "return"), ("quantity", "1"), ("condition", "good")], 5),
    ];
    for (fields, on_hand) in steps {
        let all: Vec<(&str, &str)> = at.iter().chain(fields.iter()).copied().collect();
        let page = booked(&mut browser, &all).await;
        assert_eq!(page.status, 200, "{}", page.html);
        assert_eq!(shown_balance(&page.html), on_hand, "{fields:?}: {}", page.html);
        assert_eq!(app.balance("N-01", "P-1").await["on_hand"], on_hand, "the API agrees");
    }
    let defective = [("kind", "return"), ("quantity", "2"), ("condition", "defective")];
    let all: Vec<(&str, &str)> = at.iter().chain(defective.iter()).copied().collect();
    booked(&mut browser, &all).await;
    let balance = app.balance("N-01", "P-1").await;
    assert_eq!(
        (balance["on_hand"].as_i64(), balance["defective"].as_i64()),
        (Some(5), Some(2))
    );
    let ledger = app.get("/api/v1/movements?warehouse=N-01&limit=50").await;
    let mut kinds: Vec<&str> = ledger.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|m| m["kind"].as_str())
        .collect();
    kinds.sort_unstable();
    assert_eq!(
        kinds,
        ["adjustment", "issue", "receipt", "return", "return"],
        "{}",
        ledger.body
    );
    let audit = app.get("/api/v1/audit?action=movement.create&limit=50").await;
    assert_eq!(audit.status, 200, "{}", audit.body);
    assert_eq!(
        audit.body["items"].as_array().map(Vec::len),
        Some(5),
        "one audit row each"
    );
    app.assert_ledger_agrees();
}

async fn a_refused_movement_is_shown_in_plain_words_and_books_nothing(app: TestApp) {
    app.seed_network().await;
    app.receive("N-01", "P-1", 3).await;
    let clerk = app.key("clerk", "warehouse", Some(&["N-01"])).await;
    let mut browser = Browser::new(&app);
    browser.sign_in(&clerk).await;
    let before = app.ledger_len().await;
    let refusals: [Refusal; 6] = [
        (
            &[("kind", "issue"), ("part_number", "P-1"), ("quantity", "two")],
            400,
            "whole number",
        ),
        (
            &[("kind", "receipt"), ("part_number", "P-1"), ("quantity", "0")],
            400,
            "quantity",
        ),
        (
            &[("kind", "receipt"), ("part_number", "NOPE"), ("quantity", "1")],
            400,
            "unknown part &quot;NOPE&quot;",
        ),
        (
            &[("kind", "issue"), ("part_number", "P-1"), ("quantity", "5")],
            409,
            "3 available",
        ),
        (
            &[("kind", "adjustment"), ("part_number", "P-1"), ("quantity", "-1")],
            400,
            "reason_code",
        ),
        (
            &[("kind", "teleport"), ("part_number", "P-1"), ("quantity", "1")],
            400,
            "receipt, issue",
        ),
    ];
    for (fields, status, words) in refusals {
        let mut all = vec![("warehouse", "N-01")];
        all.extend_from_slice(fields);
        let page = movement(&mut browser, &all).await;
        assert_eq!(page.status.as_u16(), status, "{fields:?}: {}", page.html);
        assert!(page.html.contains("role=\"alert\""), "{}", page.html);
        assert!(
            page.html.contains(words),
            "{fields:?} should say {words:?}: {}",
            page.html
        );
        assert!(
            page.html.contains("action=\"/console/stock/movements\""),
            "the form is shown again"
        );
    }
    browser.language = Some("zh-CN");
    let page = movement(
        &mut browser,
        &[
            ("kind", "issue"),
            ("warehouse", "N-01"),
            ("part_number", "P-1"),
            ("quantity", "9"),
        ],
    )
    .await;
    assert_eq!(page.status, 409);
    assert!(page.html.contains("未登记"), "{}", page.html);
    assert_eq!(app.ledger_len().await, before, "nothing was booked");
    assert_eq!(app.balance("N-01", "P-1").await["on_hand"], 3);
}

async fn a_movement_form_sent_twice_books_once(app: TestApp) {
    app.seed_network().await;
    let clerk = app.key("clerk", "warehouse", Some(&["N-01"])).await;
    let mut browser = Browser::new(&app);
    browser.sign_in(&clerk).await;
    let form = browser.get("/console/stock").await;
    let fields = |quantity: &str| {
        vec![
            ("csrf", hidden(&form.html, "csrf")),
            ("token", hidden(&form.html, "token")),
            ("kind", "receipt".to_owned()),
            ("warehouse", "N-01".to_owned()),
            ("part_number", "P-2".to_owned()),
            ("quantity", quantity.to_owned()),
        ]
    };
    let first = browser.post("/console/stock/movements", &fields("4")).await;
    assert!(first.location.contains("done=recorded"), "{}", first.location);
    let again = browser.post("/console/stock/movements", &fields("4")).await;
    assert_eq!(again.status, 303, "{}", again.html);
    assert!(again.location.contains("done=replayed"), "{}", again.location);
    let page = browser.get(&again.location).await;
    assert_eq!(shown_balance(&page.html), 4, "{}", page.html);
    let changed = browser.post("/console/stock/movements", &fields("6")).await;
    assert_eq!(changed.status, 422, "the token with other values: {}", changed.html);
    assert_eq!(app.balance("N-01", "P-2").await["on_hand"], 4, "booked once");

    let mut forged = fields("4");
    forged[0].1 = "not-the-token".into();
    forged[1].1 = "fresh-token".into();
    let refused = browser.post("/console/stock/movements", &forged).await;
    assert_eq!(refused.status, 403, "{}", refused.html);
    let mut tokenless = fields("4");
    tokenless[1].1 = String::new();
    assert_eq!(browser.post("/console/stock/movements", &tokenless).await.status, 400);
    assert_eq!(app.balance("N-01", "P-2").await["on_hand"], 4);
}

async fn only_keys_that_may_post_movements_get_the_form_and_only_at_their_warehouses(app: TestApp) {
    app.seed_network().await;
    let clerk = app.key("clerk", "warehouse", Some(&["N-01"])).await;
    let mut browser = Browser::new(&app);
    browser.sign_in(&clerk).await;
    let page = browser.get("/console/stock").await;
    assert!(page.html.contains("<option value=\"N-01\""), "{}", page.html);
    assert!(
        !page.html.contains("<option value=\"E-RDC\""),
        "only the key's warehouses"
    );
    let elsewhere = movement(
        &mut browser,
        &[
            ("kind", "receipt"),
            ("warehouse", "E-RDC"),
            ("part_number", "P-1"),
            ("quantity", "1"),
        ],
    )
    .await;
    assert_eq!(elsewhere.status, 403, "{}", elsewhere.html);
    assert_eq!(app.balance("E-RDC", "P-1").await["on_hand"], 0);
    browser.language = Some("zh-CN");
    assert!(browser.get("/console/stock").await.html.contains("登记库存变动"));

    let viewer = app.key("auditor", "viewer", None).await;
    let mut browser = Browser::new(&app);
    browser.sign_in(&viewer).await;
    let page = browser.get("/console/stock").await;
    assert_eq!(page.status, 200);
    assert!(!page.html.contains("/console/stock/movements"), "a viewer gets no form");
    let form = [
        ("csrf", hidden(&page.html, "csrf")),
        ("token", "abc".to_owned()),
        ("kind", "receipt".to_owned()),
        ("warehouse", "N-01".to_owned()),
        ("part_number", "P-1".to_owned()),
        ("quantity", "1".to_owned()),
    ];
    assert_eq!(browser.post("/console/stock/movements", &form).await.status, 403);
    let technician = app.key("tech", "repair", None).await;
    let mut browser = Browser::new(&app);
    browser.sign_in(&technician).await;
    assert_eq!(browser.get("/console/stock").await.status, 403);
    assert_eq!(browser.post("/console/stock/movements", &form).await.status, 403);
    assert_eq!(app.ledger_len().await, 0);
}
