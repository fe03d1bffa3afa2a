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
    // What it counts is checked in `metrics.rs`, on a process of the test's own.
    assert_eq!(metrics.status().as_u16(), 200);
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

/// Pooled connections are not pinged on checkout; one the server dropped must fail at most
/// one request (503, retryable) and then be replaced, never poison the pool.
#[actix_web::test]
async fn connections_the_database_dropped_are_replaced() {
    use diesel::prelude::*;
    let app = crate::helpers::spawn_app(spares::db::Backend::Postgres).await;
    app.seed_network().await;
    // Check out every connection at once so that each is open, then give them back.
    let held: Vec<_> = (0..8).map(|_| app.pool.get().expect("conn")).collect();
    drop(held);
    let mut admin = app.pool.get().expect("conn");
    let spares::db::AnyConnection::Postgresql(pg) = &mut *admin else {
        panic!("a PostgreSQL connection");
    };
    let killed: Vec<bool> = diesel::sql_query(
        "SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .load::<Killed>(pg)
    .expect("terminate")
    .into_iter()
    .map(|k| k.killed)
    .collect();
    drop(admin);
    assert!(killed.len() >= 7, "the pool's other connections were open: {killed:?}");

    let mut statuses = Vec::new();
    for _ in 0..30 {
        statuses.push(app.get("/api/v1/stock?warehouse=N-01").await.status);
    }
    assert!(statuses.iter().all(|s| *s == 200 || *s == 503), "{statuses:?}");
    assert!(
        statuses.iter().filter(|s| **s == 503).count() <= 8,
        "each dead connection fails at most once: {statuses:?}"
    );
    assert!(
        statuses[statuses.len() - 10..].iter().all(|s| *s == 200),
        "{statuses:?}"
    );
}

#[derive(diesel::QueryableByName)]
struct Killed {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    killed: bool,
}
