//! What the people in the browser do, each step checked through the page and the API.

use fantoccini::{Client, Locator};
use serde_json::Value;

use crate::Api;

/// The path (and query) the browser is on.
pub async fn here(client: &Client) -> String {
    let url = client.current_url().await.expect("current url");
    match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    }
}

/// Clicks what `css` names and waits for the page it leads to: until the old document is gone
/// (its root element goes stale) and the new one has its `main`. A click returns before the
/// navigation it starts has finished, so reading the URL at once would race it.
pub async fn follow(client: &Client, css: &str) {
    let old = client.find(Locator::Css("html")).await.expect("a page");
    click(client, css).await;
    for _ in 0..400 {
        if old.attr("lang").await.is_err() {
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    client
        .wait()
        .at_most(std::time::Duration::from_secs(20))
        .for_element(Locator::Css("main"))
        .await
        .unwrap_or_else(|e| panic!("no page after clicking {css}: {e}"));
}

pub async fn click(client: &Client, css: &str) {
    let found = client.find(Locator::Css(css)).await;
    let page = here(client).await;
    found
        .unwrap_or_else(|e| panic!("no {css} on {page}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("{css} cannot be clicked: {e}"));
}

pub async fn type_into(client: &Client, css: &str, text: &str) {
    let field = client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"));
    field.clear().await.expect("clear");
    field.send_keys(text).await.expect("type");
}

async fn language(client: &Client) -> String {
    let root = client.find(Locator::Css("html")).await.expect("html");
    root.attr("lang").await.expect("lang").unwrap_or_default()
}

/// Opens the console, which leads to the sign-in form, and signs in with `key`.
pub async fn sign_in(client: &Client, base: &str, key: &str) {
    client.goto(&format!("{base}/")).await.expect("open the console");
    assert_eq!(
        here(client).await,
        "/console/login",
        "the console asks to sign in first"
    );
    type_into(client, "input#key", key).await;
    follow(client, "form.card button[type=submit]").await;
    if here(client).await == "/console/login" {
        let main = client.find(Locator::Css("main")).await.expect("main");
        panic!("the sign-in failed: {}", main.text().await.unwrap_or_default());
    }
}

pub async fn sign_out(client: &Client) {
    follow(client, "form.inline button[type=submit]").await;
    assert_eq!(here(client).await, "/console/login");
}

async fn proposal(api: &Api, id: i64) -> Value {
    api.get(&format!("/api/v1/proposals/{id}")).await
}

/// The ids of the proposals the page offers for selection, in page order.
async fn selectable(client: &Client) -> Vec<i64> {
    let mut ids = Vec::new();
    for input in client.find_all(Locator::Css("input[name=ids]")).await.expect("rows") {
        let value = input.attr("value").await.expect("value").unwrap_or_default();
        ids.push(value.parse().expect("a proposal id"));
    }
    ids
}

/// Filters the worklist to one warehouse's purchases through the form, as a planner would, and
/// checks the page shows what the API lists for that filter; returns the ids shown.
async fn filter_to_one_warehouses_purchases(client: &Client, api: &Api) -> Vec<i64> {
    let open = api.get("/api/v1/proposals?status=open&kind=purchase&limit=1").await;
    let warehouse = open["items"][0]["warehouse"]
        .as_str()
        .expect("the demo proposes purchases")
        .to_owned();
    for (name, value) in [("warehouse", warehouse.as_str()), ("kind", "purchase")] {
        let css = format!("form.filters select[name={name}]");
        let select = client.find(Locator::Css(&css)).await.expect("a filter");
        select.select_by_value(value).await.expect("choose");
    }
    follow(client, "form.filters button[type=submit]").await;
    let url = here(client).await;
    assert!(
        url.contains(&format!("warehouse={warehouse}")) && url.contains("kind=purchase"),
        "{url}"
    );
    let expected = api
        .get(&format!(
            "/api/v1/proposals?status=open&kind=purchase&warehouse={warehouse}&limit=100"
        ))
        .await;
    let expected: Vec<i64> = expected["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| p["id"].as_i64().expect("id"))
        .collect();
    let shown = selectable(client).await;
    assert_eq!(
        shown.len(),
        expected.len(),
        "the page shows the API's filtered proposals"
    );
    assert!(
        shown.iter().all(|id| expected.contains(id)),
        "{shown:?} vs {expected:?}"
    );
    assert!(
        shown.len() >= 3,
        "the demo gives {warehouse} at least three purchases: {shown:?}"
    );
    shown
}

pub async fn planner_filters_approves_rejects_and_edits(client: &Client, api: &Api, base: &str, key: &str) {
    sign_in(client, base, key).await;
    assert_eq!(
        here(client).await,
        "/console/proposals",
        "a planner starts at the worklist"
    );
    assert_eq!(language(client).await, "en");

    let shown = filter_to_one_warehouses_purchases(client, api).await;
    let (approve, reject, edit) = (shown[0], shown[1], shown[2]);

    click(client, &format!("input[name=ids][value='{approve}']")).await;
    follow(client, "button[name=action][value=approve]").await;
    assert!(
        here(client).await.contains("done=approved&n=1"),
        "{}",
        here(client).await
    );
    let approved = proposal(api, approve).await;
    assert_eq!(approved["status"], "approved", "{approved}");
    assert!(
        approved["purchase_order_id"].is_i64(),
        "an approved purchase joins a PO: {approved}"
    );

    click(client, &format!("input[name=ids][value='{reject}']")).await;
    type_into(client, "input[name=reason]", "stock count first").await;
    follow(client, "button[name=action][value=reject]").await;
    assert!(
        here(client).await.contains("done=rejected&n=1"),
        "{}",
        here(client).await
    );
    let rejected = proposal(api, reject).await;
    assert_eq!(rejected["status"], "rejected", "{rejected}");
    assert_eq!(rejected["reason"], "stock count first");

    // Twice the engine's quantity keeps the supplier's MOQ and pack.
    let was = proposal(api, edit).await["quantity"].as_i64().expect("quantity");
    let field = format!("//tr[td/input[@name='ids' and @value='{edit}']]//input[@name='qty']");
    let qty = client
        .find(Locator::XPath(&field))
        .await
        .expect("the row's quantity field");
    qty.clear().await.expect("clear");
    qty.send_keys(&(was * 2).to_string()).await.expect("type");
    follow(client, "button[name=action][value=save]").await;
    assert!(here(client).await.contains("done=saved&n=1"), "{}", here(client).await);
    let edited = proposal(api, edit).await;
    assert_eq!(edited["quantity"], was * 2, "{edited}");
    assert_eq!(
        edited["locked"], true,
        "an edit locks the proposal against the next run"
    );
    assert_eq!(edited["status"], "open");
    let page = client.source().await.expect("source");
    assert!(
        !page.contains(&format!("name=\"ids\" value=\"{approve}\"")),
        "the approved one left the open list"
    );
}

pub async fn technician_sees_no_procurement_page(client: &Client, base: &str, key: &str) {
    sign_in(client, base, key).await;
    assert_eq!(
        here(client).await,
        "/console/availability",
        "a technician starts at availability"
    );
    let page = client.source().await.expect("source");
    assert!(
        !page.contains("/console/proposals"),
        "no worklist link for a technician"
    );
    client.goto(&format!("{base}/console/proposals")).await.expect("open");
    let title = client
        .find(Locator::Css("main h1"))
        .await
        .expect("title")
        .text()
        .await
        .expect("text");
    assert_eq!(title, "Not allowed", "the worklist is refused");
    assert!(
        client.find(Locator::Css("input[name=ids]")).await.is_err(),
        "no proposal is shown"
    );
    client
        .goto(&format!("{base}/console/availability"))
        .await
        .expect("open");
}

pub async fn the_switch_turns_the_pages_into_chinese_and_back(client: &Client) {
    let before = here(client).await;
    follow(client, "a.lang").await;
    assert_eq!(here(client).await, before, "the switch returns to the same page");
    assert_eq!(language(client).await, "zh-CN");
    let nav = client
        .find(Locator::Css("header.top"))
        .await
        .expect("header")
        .text()
        .await
        .expect("text");
    assert!(nav.contains("退出"), "the page is in Chinese: {nav}");
    client.refresh().await.expect("reload");
    assert_eq!(language(client).await, "zh-CN", "the choice is remembered");
    follow(client, "a.lang").await;
    assert_eq!(language(client).await, "en");
}
