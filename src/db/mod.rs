//! Storage shared by every domain: one connection type over SQLite and PostgreSQL, the pool,
//! the embedded migrations, and the transaction helper every write goes through.
//!
//! Domains write their queries against [`AnyConnection`] with the SQL types both backends
//! share (no NUMERIC, no timestamptz): money is TEXT holding a `rust_decimal` string and times
//! are UTC `Timestamp`s. Where a statement differs per backend, code matches on the variant.

pub mod backup;
pub mod lease;
mod migrate;
mod pool;
mod tx;

pub use migrate::run_migrations;
pub use pool::{connect_pool, connect_read_pool, DatabaseUrl, DbPool, PoolSettings};
pub use tx::write_tx;

/// One connection to whichever backend the configured URL names.
#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    Postgresql(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

/// Which database engine a URL or connection talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl AnyConnection {
    pub fn backend(&self) -> Backend {
        match self {
            AnyConnection::Postgresql(_) => Backend::Postgres,
            AnyConnection::Sqlite(_) => Backend::Sqlite,
        }
    }
}

/// Current UTC time truncated to microseconds, the precision both backends store.
pub fn now() -> chrono::NaiveDateTime {
    let now = chrono::Utc::now().naive_utc();
    let micros = now.and_utc().timestamp_micros();
    chrono::DateTime::from_timestamp_micros(micros)
        .map(|t| t.naive_utc())
        .unwrap_or(now)
}
