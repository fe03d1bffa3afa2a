//! Connection pool. The backend is chosen from the URL scheme here rather than by
//! `MultiConnection::establish`, which tries every backend and hides the real error.

use diesel::connection::SimpleConnection;
use diesel::r2d2::{self, ManageConnection};
use diesel::{Connection, PgConnection, SqliteConnection};
use std::path::Path;
use std::time::Duration;

use super::{AnyConnection, Backend};

pub type DbPool = r2d2::Pool<AnyConnectionManager>;

/// A parsed database URL: `postgres://...` / `postgresql://...`, or a SQLite file given as a
/// path or `sqlite://path`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    pub backend: Backend,
    pub url: String,
}

impl DatabaseUrl {
    pub fn parse(raw: &str) -> anyhow::Result<Self> {
        let raw = raw.trim();
        if raw.is_empty() {
            anyhow::bail!("the database URL is empty");
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            return Ok(Self {
                backend: Backend::Postgres,
                url: raw.to_owned(),
            });
        }
        let path = raw
            .strip_prefix("sqlite://")
            .or_else(|| raw.strip_prefix("sqlite:"))
            .unwrap_or(raw);
        if path.contains("://") {
            anyhow::bail!("unsupported database URL scheme in {raw:?}: use postgres:// or a SQLite file path");
        }
        Ok(Self {
            backend: Backend::Sqlite,
            url: path.to_owned(),
        })
    }

    /// The URL with any password replaced, for logs: the one in the user info and a
    /// `password=` parameter, also in a multi-host URL (`postgres://u:pw@h1,h2/db?...`).
    pub fn redacted(&self) -> String {
        let Some((scheme, rest)) = self.url.split_once("://") else {
            return self.url.clone();
        };
        // The user info ends at the last '@' before the path or query, which may hold '@' too.
        let (authority, tail) = rest.split_at(rest.find(['/', '?']).unwrap_or(rest.len()));
        let authority = match authority.rsplit_once('@') {
            Some((credentials, hosts)) => match credentials.split_once(':') {
                Some((user, _)) => format!("{user}:***@{hosts}"),
                None => authority.to_owned(),
            },
            None => authority.to_owned(),
        };
        let tail = match tail.split_once('?') {
            Some((path, query)) => {
                let parameters: Vec<&str> = query
                    .split('&')
                    .map(|p| if p.starts_with("password=") { "password=***" } else { p })
                    .collect();
                format!("{path}?{}", parameters.join("&"))
            }
            None => tail.to_owned(),
        };
        format!("{scheme}://{authority}{tail}")
    }
}

/// r2d2 manager that opens the backend named by the URL and prepares each new connection.
#[derive(Debug)]
pub struct AnyConnectionManager {
    url: DatabaseUrl,
    /// Connections of a read replica's pool refuse writes, so a write sent there by mistake
    /// fails instead of landing beside the primary.
    read_only: bool,
}

impl ManageConnection for AnyConnectionManager {
    type Connection = AnyConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<AnyConnection, r2d2::Error> {
        match self.url.backend {
            Backend::Postgres => {
                let mut conn = PgConnection::establish(&self.url.url).map_err(r2d2::Error::ConnectionError)?;
                if self.read_only {
                    conn.batch_execute("SET default_transaction_read_only = on")
                        .map_err(r2d2::Error::QueryError)?;
                }
                Ok(AnyConnection::Postgresql(conn))
            }
            Backend::Sqlite => {
                let mut conn = SqliteConnection::establish(&self.url.url).map_err(r2d2::Error::ConnectionError)?;
                // busy_timeout first: switching to WAL itself needs the lock under contention.
                // synchronous=FULL so an acknowledged commit survives power loss, not just a crash.
                conn.batch_execute(
                    "PRAGMA busy_timeout = 15000; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
                )
                .map_err(r2d2::Error::QueryError)?;
                if self.read_only {
                    conn.batch_execute("PRAGMA query_only = ON")
                        .map_err(r2d2::Error::QueryError)?;
                }
                Ok(AnyConnection::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut AnyConnection) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1").map_err(r2d2::Error::QueryError)
    }

    /// A connection whose transaction was left open or whose server went away (diesel puts
    /// its transaction manager in error when libpq reports the connection lost), or one
    /// returned during a panic, is dropped instead of reused.
    fn has_broken(&self, conn: &mut AnyConnection) -> bool {
        std::thread::panicking()
            || match conn {
                AnyConnection::Postgresql(c) => r2d2::R2D2Connection::is_broken(c),
                AnyConnection::Sqlite(c) => r2d2::R2D2Connection::is_broken(c),
            }
    }
}

/// Pool sizing and timeouts.
#[derive(Debug, Clone, Copy)]
pub struct PoolSettings {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
}

/// Opens the pool (creating the SQLite file's folder when needed) and checks one connection.
pub fn connect_pool(url: &DatabaseUrl, settings: PoolSettings) -> anyhow::Result<DbPool> {
    if url.backend == Backend::Sqlite && url.url != ":memory:" {
        if let Some(parent) = Path::new(&url.url).parent() {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent)?;
            }
        }
    }
    build(url, settings, false)
}

/// Opens a pool on a read replica whose connections refuse writes. The replica must exist
/// already (nothing is created or migrated there).
pub fn connect_read_pool(url: &DatabaseUrl, settings: PoolSettings) -> anyhow::Result<DbPool> {
    if url.backend == Backend::Sqlite && !Path::new(&url.url).is_file() {
        anyhow::bail!("the read database {} does not exist", url.redacted());
    }
    build(url, settings, true)
}

fn build(url: &DatabaseUrl, settings: PoolSettings, read_only: bool) -> anyhow::Result<DbPool> {
    let manager = AnyConnectionManager {
        url: url.clone(),
        read_only,
    };
    // No `SELECT 1` on every checkout (r2d2's default): it was a round trip per checkout on
    // the hot path. A dead connection fails one query and is then dropped by `has_broken`.
    let pool = r2d2::Pool::builder()
        .test_on_check_out(false)
        .max_size(settings.max_connections)
        .connection_timeout(settings.acquire_timeout)
        .build(manager)?;
    Ok(pool)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_urls_select_the_postgres_backend() {
        let url = DatabaseUrl::parse("postgresql://u:secret@h/db").expect("valid");
        assert_eq!(url.backend, Backend::Postgres);
        assert_eq!(url.redacted(), "postgresql://u:***@h/db");
    }

    #[test]
    fn multi_host_urls_keep_every_host_and_lose_every_password() {
        let url = DatabaseUrl::parse(
            "postgres://spares:s3cr@t@db1:5432,db2:5432/spares?target_session_attrs=read-write&password=x&sslmode=verify-full",
        )
        .expect("valid");
        assert_eq!(url.backend, Backend::Postgres);
        assert_eq!(
            url.redacted(),
            "postgres://spares:***@db1:5432,db2:5432/spares?target_session_attrs=read-write&password=***&sslmode=verify-full"
        );
        let plain = DatabaseUrl::parse("postgres://h1,h2/db?application_name=a@b").expect("valid");
        assert_eq!(plain.redacted(), "postgres://h1,h2/db?application_name=a@b");
    }

    #[test]
    fn paths_and_sqlite_urls_select_sqlite() {
        assert_eq!(
            DatabaseUrl::parse("./data/x.db").expect("valid").backend,
            Backend::Sqlite
        );
        assert_eq!(DatabaseUrl::parse("sqlite://a.db").expect("valid").url, "a.db");
        assert!(DatabaseUrl::parse("mysql://x").is_err());
        assert!(DatabaseUrl::parse(" ").is_err());
    }
}
