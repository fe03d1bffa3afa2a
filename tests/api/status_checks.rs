//! Stored statuses: the database refuses one the code does not know, and the code never reads
//! one as another (it used to fall back to a default, `active` for a reservation).

use diesel::connection::SimpleConnection;
use serde_json::json;
use spares::db::AnyConnection;

use crate::helpers::TestApp;
use crate::on_both_backends;

on_both_backends!(an_unknown_stored_status_is_refused_by_the_database_and_never_read_as_another);

async fn an_unknown_stored_status_is_refused_by_the_database_and_never_read_as_another(app: TestApp) {
    app.seed_network().await;
    app.receive("N-01", "P-1", 2).await;
    let body =
        json!({ "repair_order": "RO-1", "warehouse": "N-01", "lines": [{ "part_number": "P-1", "quantity": 1 }] });
    let created = app.post("/api/v1/reservations", &body).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["id"].as_i64().expect("id");
    let mut conn = app.pool.get().expect("connection");
    let on_hold = format!("UPDATE reservations SET status = 'on_hold' WHERE id = {id}");
    assert!(
        conn.batch_execute(&on_hold).is_err(),
        "the database stored a status the code does not know"
    );
    // Written behind the constraint's back (another version, a hand edit): reading it fails
    // loudly instead of passing it off as `active`.
    let unguard = match &*conn {
        AnyConnection::Sqlite(_) => "DROP TRIGGER reservations_status_known_update",
        AnyConnection::Postgresql(_) => "ALTER TABLE reservations DROP CONSTRAINT reservations_status_known",
    };
    conn.batch_execute(unguard).expect("constraint dropped");
    conn.batch_execute(&on_hold).expect("unknown status written");
    drop(conn);
    let read = app.get(&format!("/api/v1/reservations/{id}")).await;
    assert_eq!(
        read.status, 500,
        "an unknown status was read as a known one: {}",
        read.body
    );
}
