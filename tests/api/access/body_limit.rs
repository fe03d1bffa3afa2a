//! The body-size limit on every JSON write route, driven from the access matrix.

use serde_json::{json, Value};

use super::matrix;
use crate::helpers::TestApp;
use crate::on_both_backends;

on_both_backends!(every_json_write_route_refuses_a_body_over_256_kib_with_413);

/// Every route that takes a JSON body (those the matrix sends one) refuses one over the limit
/// with a 413 problem, as the caller who may use it (the demand import has its own, larger
/// limit).
async fn every_json_write_route_refuses_a_body_over_256_kib_with_413(app: TestApp) {
    app.seed_network().await;
    let padding = "x".repeat(300 * 1024);
    let body = json!({ "note": padding }).to_string();
    let mut wrong = Vec::new();
    let mut checked = 0;
    for (method, path, sample, _) in matrix(1, 1, 1) {
        if sample.is_none() || path.ends_with("/demand-history") {
            continue;
        }
        let reply = app
            .client
            .request(method.clone(), format!("{}{path}", app.address))
            .bearer_auth(&app.admin_key)
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
            .expect("sent");
        let status = reply.status().as_u16();
        let problem: Value = reply.json().await.unwrap_or(Value::Null);
        checked += 1;
        if status != 413 || problem["type"] != "/problems/payload-too-large" {
            wrong.push(format!("{method} {path}: {status} {problem}"));
        }
    }
    assert!(checked >= 20, "write routes tried: {checked}");
    assert!(
        wrong.is_empty(),
        "{} routes took the body:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
