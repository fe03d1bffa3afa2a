//! Screenshots of the console's main pages in both languages, taken by the browser test itself:
//! written under target/screenshots/ on every run, and to docs/screenshots/ (shown in the
//! README) with `UPDATE_SCREENSHOTS=1`.

use std::path::PathBuf;

use fantoccini::Client;

use crate::steps::{follow, sign_in, sign_out};
use crate::Api;

/// The pages to show, by file name; `{proposal}` is an open proposal of the demo, `{order}`
/// a purchase order (an open one when there is one).
const PAGES: [(&str, &str); 5] = [
    ("worklist", "/console/proposals?sort=value"),
    ("proposal", "/console/proposals/{proposal}"),
    ("kpis", "/console/kpis"),
    ("order", "/console/orders/{order}"),
    ("runs", "/console/runs"),
];

fn folders() -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut folders = vec![root.join("target").join("screenshots")];
    if std::env::var_os("UPDATE_SCREENSHOTS").is_some() {
        folders.push(root.join("docs").join("screenshots"));
    }
    folders
}

pub async fn take(client: &Client, api: &Api, base: &str, key: &str) {
    let open = api.get("/api/v1/proposals?status=open&kind=purchase&limit=1").await;
    let proposal = open["items"][0]["id"].as_i64().expect("an open proposal").to_string();
    let open = api.get("/api/v1/purchase-orders?status=open&limit=1").await;
    let any = api.get("/api/v1/purchase-orders?limit=1").await;
    let order = open["items"][0]["id"]
        .as_i64()
        .or(any["items"][0]["id"].as_i64())
        .expect("the planner's approval placed an order")
        .to_string();
    sign_in(client, base, key).await;
    for language in ["en", "zh-CN"] {
        if language == "zh-CN" {
            follow(client, "a.lang").await;
        }
        for (name, path) in PAGES {
            let path = path.replace("{proposal}", &proposal).replace("{order}", &order);
            client.goto(&format!("{base}{path}")).await.expect("open");
            let png = client.screenshot().await.expect("screenshot");
            assert!(png.starts_with(b"\x89PNG"), "a PNG image of {path}");
            for folder in folders() {
                std::fs::create_dir_all(&folder).expect("screenshot folder");
                std::fs::write(folder.join(format!("{name}-{language}.png")), &png).expect("write screenshot");
            }
        }
    }
    follow(client, "a.lang").await;
    sign_out(client).await;
}
