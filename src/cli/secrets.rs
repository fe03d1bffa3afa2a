//! `spares secrets`: the keys that encrypt the secrets stored in the database.

use clap::Subcommand;

use super::Cli;
use crate::startup;

#[derive(Debug, Subcommand)]
pub enum SecretsCommand {
    /// Print a new key line `ID BASE64KEY`; appended to the key file it becomes the active key.
    GenerateKey {
        /// The key's id (default `key-` and the UTC time).
        #[arg(long)]
        id: Option<String>,
    },
    /// Re-encrypt every stored secret under the key file's active (last) key.
    Rotate,
}

pub fn run(cli: &Cli, action: &SecretsCommand) -> anyhow::Result<()> {
    match action {
        SecretsCommand::GenerateKey { id } => {
            let id = id
                .clone()
                .unwrap_or_else(|| format!("key-{}", chrono::Utc::now().format("%Y%m%dT%H%M%SZ")));
            println!(
                "{}",
                crate::secrets::KeyRing::generate_line(&id).map_err(anyhow::Error::msg)?
            );
        }
        SecretsCommand::Rotate => {
            let settings = cli.serve.settings(cli)?;
            let Some(keys) = settings.security.secret_keys.clone() else {
                anyhow::bail!("rotate needs {}", crate::secrets::KEY_FILE_SETTING);
            };
            // Starting already seals plain values; rotate re-seals the rest.
            let pool = startup::prepare_database(&settings)?;
            let resealed = crate::secrets::store::rotate(&mut *pool.get()?, &keys)?;
            println!("{resealed} secret(s) re-encrypted under key {}", keys.active_id());
        }
    }
    Ok(())
}
