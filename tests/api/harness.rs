//! The helpers' own checks: a helper that reads the service must fail when the read fails,
//! or the tests built on it could pass without the service answering.

use crate::helpers::spawn_app;

/// Without a valid key the movements list answers 401; `ledger_len` must not count that as an
/// empty ledger.
#[actix_web::test]
#[should_panic(expected = "the ledger could not be read")]
async fn ledger_len_fails_when_the_ledger_cannot_be_read() {
    let mut app = spawn_app(spares::db::Backend::Sqlite).await;
    app.admin_key = "not-a-key".to_owned();
    app.ledger_len().await;
}
