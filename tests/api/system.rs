use crate::helpers::TestApp;
use crate::on_both_backends;

on_both_backends!(health_ready_metrics_and_unknown_routes_answer_as_documented);

async fn health_ready_metrics_and_unknown_routes_answer_as_documented(app: TestApp) {
    assert_eq!(app.get("/health").await.status, 200);
    let ready = app.get("/ready").await;
    assert_eq!((ready.status, ready.body["status"].as_str()), (200, Some("ready")));
    app.seed_network().await;
    let metrics = app
        .client
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .expect("metrics");
    let text = metrics.text().await.expect("body");
    assert!(text.contains("http_requests_total"), "{text}");
    assert!(text.contains("http_request_duration_seconds_bucket"), "{text}");
    let missing = app.get("/api/v1/nothing-here").await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.content_type, "application/problem+json");
    let doc = app.get("/openapi.json").await;
    assert_eq!(doc.status, 200);
    assert!(doc.body["paths"]["/api/v1/reservations"].is_object());
    let docs = app
        .client
        .get(format!("{}/docs/", app.address))
        .send()
        .await
        .expect("docs");
    assert_eq!(docs.status().as_u16(), 200);
}
