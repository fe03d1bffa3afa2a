//! Metrics, read from a service process of the test's own: the recorder is process-wide, so
//! in this test binary every in-process app shares one and a count there proves nothing.

use serde_json::json;

use crate::helpers::spawn_app;
use crate::process;

/// The value of the unlabelled series `name`, 0 when it was never recorded.
fn series(text: &str, name: &str) -> f64 {
    text.lines()
        .filter_map(|line| line.split_once(' '))
        .find(|(series, _)| *series == name)
        .map(|(_, value)| value.trim().parse().expect("a number"))
        .unwrap_or(0.0)
}

#[actix_web::test]
async fn a_refused_reservation_is_counted_once_and_every_request_by_its_route() {
    let app = spawn_app(spares::db::Backend::Sqlite).await;
    app.seed_network().await;
    app.receive("N-01", "P-1", 1).await;
    let service = process::start(&app).await;
    let scrape = || async {
        let reply = app
            .client
            .get(format!("{}/metrics", service.address))
            .send()
            .await
            .expect("metrics answered");
        assert_eq!(reply.status().as_u16(), 200);
        reply.text().await.expect("metrics text")
    };
    assert_eq!(series(&scrape().await, "spares_reservations_refused_total"), 0.0);
    let body =
        json!({ "repair_order": "RO-1", "warehouse": "N-01", "lines": [{ "part_number": "P-1", "quantity": 2 }] });
    let refused = app
        .client
        .post(format!("{}/api/v1/reservations", service.address))
        .bearer_auth(&app.admin_key)
        .json(&body)
        .send()
        .await
        .expect("reservation answered");
    assert_eq!(refused.status().as_u16(), 409);
    let text = scrape().await;
    assert_eq!(series(&text, "spares_reservations_refused_total"), 1.0, "{text}");
    let refusals = r#"http_requests_total{method="POST",route="/api/v1/reservations",status="409"}"#;
    assert_eq!(series(&text, refusals), 1.0, "{text}");
    assert!(
        text.contains(r#"http_request_duration_seconds_bucket{route="/api/v1/reservations",le="0.001"}"#),
        "{text}"
    );
}
