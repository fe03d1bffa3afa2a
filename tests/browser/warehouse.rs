//! Warehouse staff in a real browser: sign in, record a receipt on the stock page and see the
//! balance change (the API agrees); ship a transfer and receive it short, the API recording the
//! discrepancy.

use fantoccini::{Client, Locator};
use serde_json::{json, Value};

use crate::steps::{follow, here, sign_in, sign_out, type_into};
use crate::{in_browser, Api};

async fn post(api: &Api, path: &str, body: &Value) -> Value {
    let reply = api
        .client
        .post(format!("{}{path}", api.base))
        .bearer_auth(&api.key)
        .json(body)
        .send()
        .await
        .expect("API request");
    assert!(reply.status().is_success(), "POST {path}: {}", reply.status());
    reply.json().await.expect("JSON")
}

async fn text_of(client: &Client, css: &str) -> String {
    let found = client.find(Locator::Css(css)).await;
    let page = here(client).await;
    let element = found.unwrap_or_else(|e| panic!("no {css} on {page}: {e}"));
    element.text().await.expect("text")
}

/// A demo balance with stock on hand: (warehouse, part, on hand).
async fn stocked(api: &Api) -> (String, String, i64) {
    let page = api.get("/api/v1/stock?available_below=1000000&limit=50").await;
    let row = page["items"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["available"].as_i64().unwrap_or(0) >= 3))
        .cloned()
        .expect("the demo holds stock somewhere");
    let text = |k: &str| row[k].as_str().expect("code").to_owned();
    (
        text("warehouse"),
        text("part_number"),
        row["on_hand"].as_i64().expect("on hand"),
    )
}

async fn records_a_receipt_and_sees_the_balance_change(
    client: &Client,
    api: &Api,
    base: &str,
    at: &(String, String, i64),
) {
    let (warehouse, part, on_hand) = at;
    client
        .goto(&format!(
            "{base}/console/stock?warehouse={warehouse}&part_number={part}"
        ))
        .await
        .expect("open the stock page");
    let kind = client
        .find(Locator::Css("form.movement select[name=kind]"))
        .await
        .expect("kind");
    kind.select_by_value("receipt").await.expect("receipt");
    let site = client
        .find(Locator::Css("form.movement select[name=warehouse]"))
        .await
        .expect("warehouse");
    site.select_by_value(warehouse).await.expect("choose the warehouse");
    type_into(client, "form.movement input[name=part_number]", part).await;
    type_into(client, "form.movement input[name=quantity]", "3").await;
    follow(client, "form.movement button[type=submit]").await;
    let shown: i64 = text_of(client, "p.notice strong.balance")
        .await
        .parse()
        .expect("a number");
    assert_eq!(shown, on_hand + 3, "the page shows the new balance");
    let api_row = api
        .get(&format!("/api/v1/stock?warehouse={warehouse}&part_number={part}"))
        .await;
    assert_eq!(api_row["items"][0]["on_hand"], on_hand + 3, "the API agrees");
}

async fn ships_and_receives_a_transfer_short(client: &Client, api: &Api, base: &str, from: &str, part: &str) {
    let warehouses = api.get("/api/v1/warehouses?limit=50").await;
    let to = warehouses["items"]
        .as_array()
        .and_then(|ws| {
            ws.iter()
                .filter(|w| w["active"] == true)
                .filter_map(|w| w["code"].as_str())
                .find(|c| *c != from)
        })
        .expect("a second warehouse")
        .to_owned();
    let body = json!({ "from": from, "to": to, "lines": [{ "part_number": part, "quantity": 3 }] });
    let id = post(api, "/api/v1/transfers", &body).await["id"].as_i64().expect("id");
    client
        .goto(&format!("{base}/console/transfers"))
        .await
        .expect("open transfers");
    follow(client, &format!("form[action=\"/console/transfers/{id}/ship\"] button")).await;
    assert_eq!(text_of(client, "p.notice span.status").await, "shipped");
    let receipt = format!("form[action=\"/console/transfers/{id}/receive\"]");
    type_into(client, &format!("{receipt} input[name=qty]"), "2").await;
    client
        .find(Locator::Css(&format!("{receipt} input[name=close]")))
        .await
        .expect("close box")
        .click()
        .await
        .expect("tick");
    follow(client, &format!("{receipt} button[type=submit]")).await;
    assert_eq!(text_of(client, "p.notice span.status").await, "received");
    assert_eq!(text_of(client, "p.notice span.discrepancy").await, format!("{part} 1"));
    let transfer = api.get(&format!("/api/v1/transfers/{id}")).await;
    assert_eq!(transfer["status"], "received", "{transfer}");
    assert_eq!(transfer["lines"][0]["discrepancy"], 1, "{transfer}");
}

#[actix_web::test]
async fn warehouse_staff_record_a_receipt_and_ship_and_receive_a_transfer_in_a_real_browser() {
    in_browser(|client, api, base| async move {
        let clerk = api.key("browser-clerk", "warehouse").await;
        let at = stocked(&api).await;
        sign_in(&client, &base, &clerk).await;
        assert_eq!(here(&client).await, "/console/stock", "staff start on the stock page");
        records_a_receipt_and_sees_the_balance_change(&client, &api, &base, &at).await;
        ships_and_receives_a_transfer_short(&client, &api, &base, &at.0, &at.1).await;
        sign_out(&client).await;
    })
    .await;
}
