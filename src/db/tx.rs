//! The one way domains write: a transaction that takes the write lock up front on SQLite.

use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::Connection;

use super::AnyConnection;

/// Runs `work` in a transaction, committing on `Ok` and rolling back on `Err`.
///
/// SQLite read-then-write transactions must begin with `BEGIN IMMEDIATE`: a deferred one that
/// later upgrades to a writer fails with "database is locked" instead of waiting for
/// `busy_timeout`. PostgreSQL uses its default READ COMMITTED transaction; the domains' writes
/// are conditional updates that stay correct under it.
pub fn write_tx<T, E, F>(conn: &mut AnyConnection, work: F) -> Result<T, E>
where
    F: FnOnce(&mut AnyConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    if let AnyConnection::Sqlite(sqlite) = conn {
        // Begin on the inner connection: the enum's transaction manager delegates to it, so
        // diesel still knows a transaction is open (nested calls become savepoints).
        AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")?;
    } else {
        return conn.transaction(work);
    }
    let outcome = work(&mut *conn);
    let AnyConnection::Sqlite(sqlite) = conn else {
        return outcome;
    };
    match outcome {
        Ok(value) => {
            if let Err(commit_error) = AnsiTransactionManager::commit_transaction(sqlite) {
                // A failed COMMIT leaves the transaction open; close it so the pooled
                // connection is clean for the next request.
                let _ = AnsiTransactionManager::rollback_transaction(sqlite);
                return Err(commit_error.into());
            }
            Ok(value)
        }
        Err(error) => {
            AnsiTransactionManager::rollback_transaction(sqlite)?;
            Err(error)
        }
    }
}
