//! The transfers page: what to ship from the key's warehouses and what to receive at them;
//! shipping and receiving (with a discrepancy) through the API's own steps, role and scope,
//! CSRF, one action per rendered form, both languages.

use super::*;
use crate::on_both_backends;

on_both_backends!(
    staff_ship_from_their_warehouse_and_receive_at_theirs_recording_the_discrepancy,
    transfer_actions_are_refused_outside_the_keys_end_without_csrf_or_with_bad_quantities,
    the_transfers_page_renders_in_both_languages_and_only_for_keys_that_read_stock,
);

/// N-RDC holds 10 of P-1 and 4 of P-2; a transfer of 6 P-1 and 3 P-2 to N-01 is created.
async fn one_transfer(app: &TestApp) -> i64 {
    app.seed_network().await;
    app.receive("N-RDC", "P-1", 10).await;
    app.receive("N-RDC", "P-2", 4).await;
    let body = json!({ "from": "N-RDC", "to": "N-01", "lines": [
        { "part_number": "P-1", "quantity": 6 }, { "part_number": "P-2", "quantity": 3 } ] });
    let created = app.post("/api/v1/transfers", &body).await;
    assert_eq!(created.status, 201, "{}", created.body);
    created.body["id"].as_i64().expect("id")
}

async fn signed_in(app: &TestApp, role: &str, warehouses: Option<&[&str]>) -> Browser {
    let name = format!("{role}-{}", warehouses.map(|w| w.join("-")).unwrap_or_default());
    let key = app.key(&name, role, warehouses).await;
    let mut browser = Browser::new(app);
    let signed = browser.sign_in(&key).await;
    assert_eq!(signed.status, 303, "{}", signed.html);
    browser
}

/// A receipt form: tokens, then (part, units arrived) per line.
fn receipt(csrf: &str, token: &str, lines: &[(&str, &str)]) -> Vec<(&'static str, String)> {
    let mut form = vec![("csrf", csrf.to_owned()), ("token", token.to_owned())];
    for (part, qty) in lines {
        form.push(("part", (*part).to_owned()));
        form.push(("qty", (*qty).to_owned()));
    }
    form
}

/// The hidden token of the form whose action is `action`.
fn token_of(html: &str, action: &str) -> String {
    let start = html
        .find(&format!("action=\"{action}\""))
        .unwrap_or_else(|| panic!("no form for {action} in {html}"));
    hidden(&html[start..], "token")
}

async fn staff_ship_from_their_warehouse_and_receive_at_theirs_recording_the_discrepancy(app: TestApp) {
    let id = one_transfer(&app).await;
    let (ship, receive) = (
        format!("/console/transfers/{id}/ship"),
        format!("/console/transfers/{id}/receive"),
    );
    let mut shipper = signed_in(&app, "warehouse", Some(&["N-RDC"])).await;
    let page = shipper.get("/console/transfers").await;
    assert_eq!(page.status, 200, "{}", page.html);
    let form = [
        ("csrf", hidden(&page.html, "csrf")),
        ("token", token_of(&page.html, &ship)),
    ];
    let shipped = shipper.post(&ship, &form).await;
    assert_eq!(shipped.status, 303, "{}", shipped.html);
    let after = shipper.get(&shipped.location).await;
    assert!(
        after.html.contains("<span class=\"status\">shipped</span>"),
        "{}",
        after.html
    );
    let again = shipper.post(&ship, &form).await;
    assert!(
        again.location.contains("done=replayed"),
        "a double click ships once: {}",
        again.location
    );
    assert_eq!(app.balance("N-RDC", "P-1").await["on_hand"], 4);
    assert_eq!(app.balance("N-01", "P-1").await["in_transit_in"], 6);

    let mut receiver = signed_in(&app, "warehouse", Some(&["N-01"])).await;
    let page = receiver.get("/console/transfers").await;
    assert!(!page.html.contains(&ship), "nothing to ship from N-01");
    let form = [
        ("csrf", hidden(&page.html, "csrf")),
        ("token", token_of(&page.html, &receive)),
        ("part", "P-1".into()),
        ("qty", "4".into()),
        ("part", "P-2".into()),
        ("qty", "3".into()),
        ("close", "yes".into()),
    ];
    let received = receiver.post(&receive, &form).await;
    assert_eq!(received.status, 303, "{}", received.html);
    let after = receiver.get(&received.location).await;
    assert!(
        after.html.contains("<span class=\"status\">received</span>"),
        "{}",
        after.html
    );
    assert!(
        after.html.contains("<span class=\"discrepancy\">P-1 2</span>"),
        "{}",
        after.html
    );
    let api = app.get(&format!("/api/v1/transfers/{id}")).await;
    assert_eq!(api.body["status"], "received", "{}", api.body);
    let p1 = &api.body["lines"][0];
    assert_eq!(
        (p1["received"].as_i64(), p1["discrepancy"].as_i64()),
        (Some(4), Some(2)),
        "{}",
        api.body
    );
    let balance = app.balance("N-01", "P-1").await;
    assert_eq!(
        (balance["on_hand"].as_i64(), balance["in_transit_in"].as_i64()),
        (Some(4), Some(0))
    );
    assert_eq!(app.balance("N-01", "P-2").await["on_hand"], 3);
    app.assert_ledger_agrees();
}

async fn transfer_actions_are_refused_outside_the_keys_end_without_csrf_or_with_bad_quantities(app: TestApp) {
    let id = one_transfer(&app).await;
    let (ship, receive) = (
        format!("/console/transfers/{id}/ship"),
        format!("/console/transfers/{id}/receive"),
    );
    let mut receiver = signed_in(&app, "warehouse", Some(&["N-01"])).await;
    let page = receiver.get("/console/transfers").await;
    let csrf = hidden(&page.html, "csrf");
    let refused = receiver
        .post(&ship, &[("csrf", csrf.clone()), ("token", "t1".into())])
        .await;
    assert_eq!(refused.status, 403, "only the source ships: {}", refused.html);
    let mut shipper = signed_in(&app, "warehouse", Some(&["N-RDC"])).await;
    let page = shipper.get("/console/transfers").await;
    let token = token_of(&page.html, &ship);
    let forged = shipper
        .post(&ship, &[("csrf", "forged".into()), ("token", token.clone())])
        .await;
    assert_eq!(forged.status, 403, "{}", forged.html);
    let early = receiver.post(&receive, &receipt(&csrf, "t2", &[("P-1", "1")])).await;
    assert_eq!(early.status, 409, "not shipped yet: {}", early.html);
    assert!(
        early.html.contains("only shipped transfers can be received"),
        "{}",
        early.html
    );
    assert_eq!(
        app.get(&format!("/api/v1/transfers/{id}")).await.body["status"],
        "created"
    );

    let csrf_n_rdc = hidden(&page.html, "csrf");
    assert_eq!(
        shipper
            .post(&ship, &[("csrf", csrf_n_rdc.clone()), ("token", token)])
            .await
            .status,
        303
    );
    let bad: [(&str, &str, u16, &str); 3] = [
        ("x", "0", 400, "whole number"),
        ("0", "0", 400, "at least one line"),
        ("7", "0", 400, "outstanding"),
    ];
    for (i, (p1, p2, status, words)) in bad.into_iter().enumerate() {
        let form = receipt(&csrf, &format!("bad-{i}"), &[("P-1", p1), ("P-2", p2)]);
        let page = receiver.post(&receive, &form).await;
        assert_eq!(page.status.as_u16(), status, "{p1}: {}", page.html);
        assert!(page.html.contains(words), "{p1} should say {words:?}: {}", page.html);
    }
    let elsewhere = shipper
        .post(&receive, &receipt(&csrf_n_rdc, "t3", &[("P-1", "1")]))
        .await;
    assert_eq!(
        elsewhere.status, 403,
        "only the destination receives: {}",
        elsewhere.html
    );
    assert_eq!(app.balance("N-01", "P-1").await["on_hand"], 0, "nothing received");
}

async fn the_transfers_page_renders_in_both_languages_and_only_for_keys_that_read_stock(app: TestApp) {
    let id = one_transfer(&app).await;
    let mut viewer = signed_in(&app, "viewer", None).await;
    let page = viewer.get("/console/transfers").await;
    assert_eq!(page.status, 200, "{}", page.html);
    assert!(page.html.contains("<td>N-RDC</td>"), "{}", page.html);
    assert!(!page.html.contains("/ship\""), "a viewer gets no buttons");
    viewer.language = Some("zh-CN");
    let page = viewer.get("/console/transfers").await;
    assert!(page.html.contains("待发出"), "{}", page.html);
    let mut east = signed_in(&app, "warehouse", Some(&["E-RDC"])).await;
    let page = east.get("/console/transfers").await;
    assert!(
        !page.html.contains(&format!("/console/transfers/{id}/")),
        "not E-RDC's transfer"
    );
    let mut technician = signed_in(&app, "repair", None).await;
    assert_eq!(technician.get("/console/transfers").await.status, 403);
    let page = technician.get("/console/availability").await;
    assert!(!page.html.contains("/console/transfers"), "no link for a technician");
}
