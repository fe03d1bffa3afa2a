//! Rate limits: failed authentications per client address, requests per key; 429
//! problem+json with Retry-After, counted in /metrics.

use std::net::{IpAddr, Ipv4Addr};

use reqwest::Method;

use crate::helpers::{Reply, TestApp};
use crate::on_both_backends_with;

on_both_backends_with!(
    a_guessing_address_gets_429_while_a_valid_key_from_another_address_is_served =>
        |s| s.security.limits.auth_failures_per_minute = 3,
    a_key_past_its_request_budget_gets_429_and_another_key_is_served =>
        |s| s.security.limits.key_requests_per_second = 5,
);

/// A client whose connections come from another loopback address: another machine, to the
/// service.
fn from_elsewhere() -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)))
        .build()
        .expect("client")
}

async fn get_as(app: &TestApp, client: &reqwest::Client, secret: &str) -> (u16, Option<String>, serde_json::Value) {
    let reply = client
        .get(format!("{}/api/v1/regions", app.address))
        .bearer_auth(secret)
        .send()
        .await
        .expect("sent");
    let status = reply.status().as_u16();
    let retry_after = reply
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = reply.json().await.unwrap_or(serde_json::Value::Null);
    (status, retry_after, body)
}

fn assert_rate_limited((status, retry_after, body): &(u16, Option<String>, serde_json::Value)) {
    assert_eq!(*status, 429, "{body}");
    let seconds: u64 = retry_after
        .as_deref()
        .and_then(|s| s.parse().ok())
        .expect("Retry-After in seconds");
    assert!((1..=60).contains(&seconds), "{seconds}");
    assert_eq!(body["type"], "/problems/rate-limited");
    assert_eq!(body["retry_after_seconds"].as_u64(), Some(seconds));
}

async fn metric(app: &TestApp, limit: &str) -> f64 {
    let text = app
        .client
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    let prefix = format!("spares_rate_limited_total{{limit=\"{limit}\"}} ");
    text.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0)
}

async fn a_guessing_address_gets_429_while_a_valid_key_from_another_address_is_served(app: TestApp) {
    let guesser = from_elsewhere();
    let before = metric(&app, "auth_failures").await;
    let mut answers = Vec::new();
    for n in 0..6 {
        answers.push(get_as(&app, &guesser, &format!("spk_guess_{n}")).await);
    }
    assert!(
        answers[..3].iter().all(|a| a.0 == 401),
        "the budget's failures are plain 401s"
    );
    assert_rate_limited(&answers[5]);
    // The address is refused whatever it sends, or guessing would learn from 200 vs 429.
    assert_rate_limited(&get_as(&app, &guesser, &app.admin_key).await);
    assert!(
        metric(&app, "auth_failures").await >= before + 2.0,
        "counted in /metrics"
    );

    let valid = get_as(&app, &app.client, &app.admin_key).await;
    assert_eq!(valid.0, 200, "a valid key elsewhere is never blocked by the guesser");
    let wrong_here = get_as(&app, &app.client, "spk_not_a_key").await;
    assert_eq!(wrong_here.0, 401, "this address has its own budget");
}

async fn a_key_past_its_request_budget_gets_429_and_another_key_is_served(app: TestApp) {
    let viewer = app.key("viewer", "viewer", None).await;
    let burst = futures::future::join_all((0..20).map(|_| get_as(&app, &app.client, &app.admin_key))).await;
    let refused: Vec<_> = burst.iter().filter(|a| a.0 == 429).collect();
    assert!(!refused.is_empty(), "20 requests at once exceed 5 per second");
    assert!(burst.iter().all(|a| a.0 == 200 || a.0 == 429));
    assert_rate_limited(refused[0]);
    let other: Reply = app
        .request_as(Some(&viewer), Method::GET, "/api/v1/regions", None, None)
        .await;
    assert_eq!(other.status, 200, "another key has its own budget");
    assert!(metric(&app, "key").await >= refused.len() as f64);
}
