//! Online copies of the embedded SQLite database (`spares backup`) and putting one back
//! (`spares restore`). PostgreSQL has its own tools for this (pg_dump, pg_basebackup and WAL
//! archiving, see docs/OPERATIONS.md): both commands refuse it and say which to use.
//!
//! The copy is SQLite's `VACUUM INTO`: one read transaction, so the copy is the database as
//! of the moment it began (every commit acknowledged before is in it) while the service goes on
//! writing through WAL. It is written under a temporary name, synced and then renamed, so a
//! crash never leaves a half-written file under the name asked for.

use std::path::{Path, PathBuf};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel::SqliteConnection;
use serde::Serialize;

use super::{Backend, DatabaseUrl};

const POSTGRES_BACKUP: &str = "spares backup copies the embedded SQLite database; on PostgreSQL use the \
     server's own tools: pg_dump -Fc for a logical copy, pg_basebackup with WAL archiving for point-in-time \
     recovery (docs/OPERATIONS.md, \"Backups and restore\")";
const POSTGRES_RESTORE: &str = "spares restore puts back a SQLite copy; on PostgreSQL restore a pg_dump \
     with pg_restore or a base backup with its WAL archive (docs/OPERATIONS.md, \"Backups and restore\")";

/// What a copy holds, printed by both commands.
#[derive(Debug, Clone, Serialize)]
pub struct CopyReport {
    pub file: PathBuf,
    pub bytes: u64,
    pub movements: i64,
    pub audit_entries: i64,
    /// SQLite's `PRAGMA integrity_check` of the written file: `ok` or what is wrong.
    pub integrity: String,
    /// `restore` only: where the database it replaced was kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replaced_kept_as: Option<PathBuf>,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// A row of `PRAGMA journal_mode`.
#[derive(QueryableByName)]
struct JournalMode {
    #[diesel(sql_type = Text)]
    journal_mode: String,
}

/// A row of `PRAGMA integrity_check`.
#[derive(QueryableByName)]
struct IntegrityCheck {
    #[diesel(sql_type = Text)]
    integrity_check: String,
}

/// Copies the running database at `database` to the new file `to`.
pub fn backup(database: &DatabaseUrl, to: &Path) -> anyhow::Result<CopyReport> {
    if database.backend == Backend::Postgres {
        anyhow::bail!(POSTGRES_BACKUP);
    }
    let source = Path::new(&database.url);
    if !source.is_file() {
        anyhow::bail!("there is no SQLite database at {}", source.display());
    }
    if to.exists() {
        anyhow::bail!(
            "{} already exists: a backup never overwrites a file, name a new one",
            to.display()
        );
    }
    let mut conn = open(source)?;
    let partial = write_copy(&mut conn, to)?;
    drop(conn);
    publish(&partial, to)?;
    report(to, None)
}

/// Replaces the database at `database` with the copy `from`. Refuses while anything (a
/// running service) has the database open; the database it replaces is kept beside it.
pub fn restore(database: &DatabaseUrl, from: &Path) -> anyhow::Result<CopyReport> {
    if database.backend == Backend::Postgres {
        anyhow::bail!(POSTGRES_RESTORE);
    }
    if !from.is_file() {
        anyhow::bail!("there is no backup file at {}", from.display());
    }
    let mut copy = open(from)?;
    let integrity = integrity(&mut copy)?;
    if integrity != "ok" {
        anyhow::bail!("{} fails SQLite's integrity check: {integrity}", from.display());
    }
    let migrated: Count =
        diesel::sql_query("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = '__diesel_schema_migrations'")
            .get_result(&mut copy)?;
    if migrated.n == 0 {
        anyhow::bail!("{} is a SQLite file but not a spares database", from.display());
    }
    let target = Path::new(&database.url);
    // Held until the swap is done: nothing can open the old database in between.
    let mut held = match target.exists() {
        true => Some(take_exclusively(target)?),
        false => None,
    };
    let partial = write_copy(&mut copy, target)?;
    drop(copy);
    let kept = match held.is_some() {
        true => {
            let kept = kept_name(target);
            std::fs::rename(target, &kept)?;
            Some(kept)
        }
        false => None,
    };
    publish(&partial, target)?;
    if let Some(conn) = held.as_mut() {
        conn.batch_execute("ROLLBACK")?;
    }
    drop(held);
    report(target, kept)
}

fn open(path: &Path) -> anyhow::Result<SqliteConnection> {
    let url = path
        .to_str()
        .ok_or_else(|| anyhow::anyhow!("{} is not a UTF-8 path", path.display()))?;
    let mut conn = SqliteConnection::establish(url)?;
    conn.batch_execute("PRAGMA busy_timeout = 15000;")?;
    Ok(conn)
}

/// `VACUUM INTO` a temporary file beside `to`, synced; returns its path.
fn write_copy(conn: &mut SqliteConnection, to: &Path) -> anyhow::Result<PathBuf> {
    let mut partial = to.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    // Left by a copy that crashed: never a file anyone asked for.
    if partial.exists() {
        std::fs::remove_file(&partial)?;
    }
    let name = partial
        .to_str()
        .ok_or_else(|| anyhow::anyhow!("{} is not a UTF-8 path", partial.display()))?;
    diesel::sql_query("VACUUM INTO ?").bind::<Text, _>(name).execute(conn)?;
    std::fs::File::open(&partial)?.sync_all()?;
    Ok(partial)
}

/// Renames the synced copy to its final name and syncs the folder, so the rename survives a
/// power cut.
fn publish(partial: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::rename(partial, to)?;
    let folder = match to.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::File::open(folder)?.sync_all()?;
    Ok(())
}

/// Opens the database to be replaced and takes it for this process alone: leaving WAL mode
/// needs every other connection closed (SQLite keeps the WAL mode otherwise), and the
/// exclusive transaction then keeps new ones out until the swap is done.
fn take_exclusively(target: &Path) -> anyhow::Result<SqliteConnection> {
    let mut conn = open(target)?;
    conn.batch_execute("PRAGMA busy_timeout = 0;")?;
    let mode: JournalMode = diesel::sql_query("PRAGMA journal_mode = DELETE")
        .get_result(&mut conn)
        .map_err(|e| in_use(target, &e.to_string()))?;
    if !mode.journal_mode.eq_ignore_ascii_case("delete") {
        return Err(in_use(target, &format!("it stays in {} mode", mode.journal_mode)));
    }
    conn.batch_execute("BEGIN EXCLUSIVE")
        .map_err(|e| in_use(target, &e.to_string()))?;
    Ok(conn)
}

fn in_use(target: &Path, why: &str) -> anyhow::Error {
    anyhow::anyhow!(
        "{} is in use ({why}): stop the service (and anything else using the database) before restoring",
        target.display()
    )
}

/// `spares.db` -> `spares.db.before-restore-20261205T031500Z`.
fn kept_name(target: &Path) -> PathBuf {
    let mut name = target.as_os_str().to_owned();
    name.push(format!(
        ".before-restore-{}",
        chrono::Utc::now().format("%Y%m%dT%H%M%SZ")
    ));
    PathBuf::from(name)
}

fn integrity(conn: &mut SqliteConnection) -> anyhow::Result<String> {
    let rows: Vec<IntegrityCheck> = diesel::sql_query("PRAGMA integrity_check").load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| r.integrity_check)
        .collect::<Vec<_>>()
        .join("; "))
}

fn report(file: &Path, replaced_kept_as: Option<PathBuf>) -> anyhow::Result<CopyReport> {
    let mut conn = open(file)?;
    let count = |conn: &mut SqliteConnection, table: &str| -> anyhow::Result<i64> {
        let found: Count = diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}")).get_result(conn)?;
        Ok(found.n)
    };
    Ok(CopyReport {
        file: file.to_owned(),
        bytes: std::fs::metadata(file)?.len(),
        movements: count(&mut conn, "movements")?,
        audit_entries: count(&mut conn, "audit_log")?,
        integrity: integrity(&mut conn)?,
        replaced_kept_as,
    })
}
