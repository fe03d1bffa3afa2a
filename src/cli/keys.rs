//! `spares keys`: API keys from the command line; this is how the first admin key is made.

use clap::Subcommand;

use super::cli_request;
use crate::audit::{self, Change};
use crate::auth::{keys, Principal, Role};
use crate::db;
use crate::error::AppError;

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create a key and print its secret (shown only this once).
    Create {
        #[arg(long)]
        name: String,
        #[arg(long, value_enum)]
        role: Role,
        /// Limit the key to a warehouse (repeatable).
        #[arg(long = "warehouse")]
        warehouses: Vec<String>,
        /// Expire the key after this many days.
        #[arg(long)]
        expires_in_days: Option<i64>,
    },
    /// List keys (never their secrets).
    List,
    /// Revoke a key, effective at once.
    Revoke { id: i64 },
}

/// Creates a key from the command line, audited as the CLI's own work.
pub fn create_key(
    conn: &mut db::AnyConnection,
    name: &str,
    role: Role,
    warehouses: Vec<String>,
    expires_in_days: Option<i64>,
) -> anyhow::Result<keys::CreatedKey> {
    if expires_in_days.is_some_and(|d| d < 1) {
        anyhow::bail!("--expires-in-days must be at least 1");
    }
    let input = keys::NewKey {
        name: name.to_owned(),
        role,
        warehouses: (!warehouses.is_empty()).then_some(warehouses),
        expires_at: expires_in_days.map(|d| chrono::Utc::now() + chrono::Duration::days(d)),
    };
    let created = db::write_tx(conn, |conn| {
        let created = keys::create(conn, &input, "cli")?;
        let change = Change {
            action: "key.create",
            entity_type: "api_key",
            entity_id: created.key.id.to_string(),
            before: None,
            after: serde_json::to_value(&created.key).ok(),
        };
        audit::record(conn, &Principal::system("cli"), &cli_request("keys create"), &change)?;
        Ok::<_, AppError>(created)
    })?;
    Ok(created)
}

fn revoke_key(conn: &mut db::AnyConnection, id: i64) -> anyhow::Result<keys::ApiKey> {
    let revoked = db::write_tx(conn, |conn| {
        let before = serde_json::to_value(keys::get(conn, id)?).ok();
        let after = keys::revoke(conn, id)?;
        let change = Change {
            action: "key.revoke",
            entity_type: "api_key",
            entity_id: id.to_string(),
            before,
            after: serde_json::to_value(&after).ok(),
        };
        audit::record(conn, &Principal::system("cli"), &cli_request("keys revoke"), &change)?;
        Ok::<_, AppError>(after)
    })?;
    Ok(revoked)
}

pub fn run(conn: &mut db::AnyConnection, action: &KeysCommand) -> anyhow::Result<()> {
    match action {
        KeysCommand::Create {
            name,
            role,
            warehouses,
            expires_in_days,
        } => {
            let created = create_key(conn, name, *role, warehouses.clone(), *expires_in_days)?;
            eprintln!(
                "created key {} ({}, role {}); the secret below is shown only this once",
                created.key.id,
                created.key.name,
                created.key.role.as_str()
            );
            println!("{}", created.secret);
        }
        KeysCommand::List => {
            println!("{}", serde_json::to_string_pretty(&keys::list(conn)?)?);
        }
        KeysCommand::Revoke { id } => {
            let revoked = revoke_key(conn, *id)?;
            println!("revoked key {} ({})", revoked.id, revoked.name);
        }
    }
    Ok(())
}
