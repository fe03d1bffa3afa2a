//! A planner opens a purchase order from the orders page, amends a line's quantity,
//! short-closes it and cancels what is left, each through the page's forms and checked
//! through the API.

use fantoccini::{Client, Locator};
use serde_json::Value;

use crate::steps::{follow, here};
use crate::Api;

fn first_open_line(order: &Value) -> (String, i64) {
    let line = order["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .find(|l| l["outstanding"].as_i64() > Some(0))
        .expect("an open order has a line with units outstanding");
    let part = line["part_number"].as_str().expect("part").to_owned();
    (part, line["quantity"].as_i64().expect("quantity"))
}

fn line<'a>(order: &'a Value, part: &str) -> &'a Value {
    order["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .find(|l| l["part_number"] == part)
        .expect("the line")
}

/// Opens the first open order the orders page lists; returns its id.
async fn open_an_order(client: &Client, base: &str) -> i64 {
    client
        .goto(&format!("{base}/console/orders?status=open"))
        .await
        .expect("open the orders");
    follow(client, "main table tbody a[href^='/console/orders/']").await;
    let path = here(client).await;
    path.trim_start_matches("/console/orders/")
        .parse()
        .unwrap_or_else(|_| panic!("an order's page: {path}"))
}

pub async fn planner_amends_short_closes_and_cancels_an_order(client: &Client, api: &Api, base: &str) {
    let id = open_an_order(client, base).await;
    let order = api.get(&format!("/api/v1/purchase-orders/{id}")).await;
    let (part, quantity) = first_open_line(&order);
    let row = format!("tr[data-part='{part}']");

    let field = client
        .find(Locator::Css(&format!("{row} form.amend input[name=quantity]")))
        .await
        .expect("the line's quantity field");
    field.clear().await.expect("clear");
    field.send_keys(&(quantity + 1).to_string()).await.expect("type");
    follow(client, &format!("{row} form.amend button[type=submit]")).await;
    assert_eq!(here(client).await, format!("/console/orders/{id}?done=amended"));
    let amended = api.get(&format!("/api/v1/purchase-orders/{id}")).await;
    assert_eq!(line(&amended, &part)["quantity"], quantity + 1, "{amended}");

    follow(client, &format!("{row} form.close-line button[type=submit]")).await;
    assert_eq!(here(client).await, format!("/console/orders/{id}?done=closed"));
    let closed = api.get(&format!("/api/v1/purchase-orders/{id}")).await;
    let closed_line = line(&closed, &part);
    assert_eq!(closed_line["outstanding"], 0, "{closed}");
    assert_eq!(
        closed_line["closed"].as_i64(),
        Some(quantity + 1 - closed_line["received"].as_i64().unwrap_or_default()),
        "{closed}"
    );

    if closed["status"] == "open" || closed["status"] == "partially_received" {
        follow(client, "form.cancel-order button[type=submit]").await;
        assert_eq!(here(client).await, format!("/console/orders/{id}?done=cancelled"));
        let cancelled = api.get(&format!("/api/v1/purchase-orders/{id}")).await;
        assert!(
            cancelled["status"] == "cancelled" || cancelled["status"] == "closed",
            "{cancelled}"
        );
    }
    let page = client.source().await.expect("source");
    assert!(
        !page.contains("form class=\"cancel-order\""),
        "nothing is left to change"
    );
}
