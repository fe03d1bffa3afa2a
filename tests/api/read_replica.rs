//! `--read-database-url`: reports and KPIs read the read database, availability, stock, the key
//! check and every write the primary. The "replica" here is a second database of its own with
//! the same migrations and a different history, so every answer shows which one it came from.

use serde_json::{json, Value};
use spares::db::{Backend, DatabaseUrl};

use crate::helpers::{spawn_app, spawn_app_with, TestApp};

#[actix_web::test]
async fn sqlite_reports_come_from_the_read_database_and_availability_from_the_primary() {
    reports_come_from_the_read_database_and_availability_from_the_primary(Backend::Sqlite).await
}

#[actix_web::test]
async fn postgres_reports_come_from_the_read_database_and_availability_from_the_primary() {
    reports_come_from_the_read_database_and_availability_from_the_primary(Backend::Postgres).await
}

async fn issue(app: &TestApp, warehouse: &str, part: &str, quantity: i64) {
    let body = json!({ "kind": "issue", "warehouse": warehouse, "part_number": part, "quantity": quantity });
    let reply = app.post("/api/v1/movements", &body).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
}

async fn ok(app: &TestApp, path: &str) -> Value {
    let reply = app.get(path).await;
    assert_eq!(reply.status, 200, "{path}: {}", reply.body);
    reply.body
}

/// Each movement of a list as (kind, quantity).
fn moves(list: &Value) -> Vec<(String, i64)> {
    list["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|m| {
                    (
                        m["kind"].as_str().unwrap_or_default().to_owned(),
                        m["quantity"].as_i64().unwrap_or(0),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn reports_come_from_the_read_database_and_availability_from_the_primary(backend: Backend) {
    // The read database: migrated, with 3 received and 1 issued of P-1 at N-01.
    let replica = spawn_app(backend).await;
    replica.seed_network().await;
    replica.receive("N-01", "P-1", 3).await;
    issue(&replica, "N-01", "P-1", 1).await;
    // The primary: 7 received and 2 issued; the same catalog.
    let url = DatabaseUrl::parse(&replica.database_url).expect("replica url");
    let primary = spawn_app_with(backend, move |settings| settings.read_database = Some(url)).await;
    primary.seed_network().await;
    primary.receive("N-01", "P-1", 7).await;
    issue(&primary, "N-01", "P-1", 2).await;

    // Reports (the primary's key, checked on the primary: the read database has no such key).
    let listed = ok(&primary, "/api/v1/movements").await;
    let mut listed = moves(&listed);
    listed.sort();
    assert_eq!(listed, [("issue".to_owned(), 1), ("receipt".to_owned(), 3)]);
    let kpis = ok(&primary, "/api/v1/kpis?warehouse=N-01").await;
    assert_eq!(kpis, ok(&replica, "/api/v1/kpis?warehouse=N-01").await);
    assert_eq!(kpis["units_demanded"].as_i64(), Some(1), "{kpis}");
    let history = ok(&primary, "/api/v1/demand-history?warehouse=N-01&part_number=P-1").await;
    assert_eq!(
        history["daily"]
            .as_array()
            .map(|d| d.iter().filter_map(Value::as_i64).sum::<i64>()),
        Some(1)
    );
    let audit = ok(&primary, "/api/v1/audit?limit=500").await;
    assert_eq!(audit, ok(&replica, "/api/v1/audit?limit=500").await);

    // Availability, stock and writes: the primary (5 on hand there, 2 in the read database).
    let availability = ok(&primary, "/api/v1/parts/P-1/availability").await;
    assert_eq!(availability["total_on_hand"].as_i64(), Some(5), "{availability}");
    let reserve =
        json!({ "repair_order": "RO-1", "warehouse": "N-01", "lines": [{ "part_number": "P-1", "quantity": 4 }] });
    let reply = primary.post("/api/v1/reservations", &reserve).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let stock = primary.balance("N-01", "P-1").await;
    assert_eq!(
        (stock["on_hand"].as_i64(), stock["available"].as_i64()),
        (Some(5), Some(1))
    );
    let untouched = replica.balance("N-01", "P-1").await;
    assert_eq!(
        (untouched["on_hand"].as_i64(), untouched["available"].as_i64()),
        (Some(2), Some(2))
    );
    // The primary's own ledger: its two movements and the reservation's.
    use diesel::prelude::*;
    let mut conn = primary.pool.get().expect("primary connection");
    let rows: i64 = spares::schema::movements::table
        .count()
        .get_result(&mut conn)
        .expect("count");
    assert_eq!(rows, 3);
}
