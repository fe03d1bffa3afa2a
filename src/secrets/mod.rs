//! Secrets encrypted at rest: AES-256-GCM (the `aes-gcm` crate) under a key ring read from
//! `SPARES_SECRET_KEY_FILE` (`--secret-key-file`).
//!
//! The file holds one key per line, `ID BASE64KEY` (32 bytes, standard base64); blank lines and
//! lines starting with `#` are skipped. The last key is the active one: new values are sealed
//! under it, older keys stay so values sealed under them still open until `spares secrets
//! rotate` re-seals them. Each stored value carries the id of its key. Without a key file the
//! service refuses to store secrets; it never falls back to plain text.

pub mod store;

use std::path::Path;

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;

/// The setting that names the key file, as operators see it in errors.
pub const KEY_FILE_SETTING: &str = "SPARES_SECRET_KEY_FILE";

const NONCE_LEN: usize = 12;

/// The keys secrets are sealed and opened with; the last one seals.
#[derive(Clone)]
pub struct KeyRing {
    keys: Vec<(String, Aes256Gcm)>,
}

impl std::fmt::Debug for KeyRing {
    // Never the key material, only which keys there are.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRing").field("ids", &self.ids()).finish()
    }
}

/// A sealed value as stored: the key's id and base64 of nonce followed by ciphertext and tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub key_id: String,
    pub ciphertext: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("the value was sealed under key {0}, which the key file does not hold")]
    UnknownKey(String),
    #[error("the value sealed under key {0} does not decrypt (altered, or another value's ciphertext)")]
    Corrupt(String),
}

impl KeyRing {
    /// Reads and parses a key file.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text =
            std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("{KEY_FILE_SETTING} {}: {e}", path.display()))?;
        Self::parse(&text).map_err(|e| anyhow::anyhow!("{KEY_FILE_SETTING} {}: {e}", path.display()))
    }

    /// Parses `ID BASE64KEY` lines; the error names the offending line.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut keys: Vec<(String, Aes256Gcm)> = Vec::new();
        for (number, line) in text.lines().enumerate().map(|(i, l)| (i + 1, l.trim())) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (id, encoded) = line
                .split_once(char::is_whitespace)
                .ok_or_else(|| format!("line {number}: expected `ID BASE64KEY`"))?;
            if !valid_id(id) {
                return Err(format!(
                    "line {number}: a key id is 1-64 letters, digits, `-`, `_` or `.`"
                ));
            }
            if keys.iter().any(|(known, _)| known == id) {
                return Err(format!("line {number}: key id {id} appears twice"));
            }
            let bytes = BASE64
                .decode(encoded.trim())
                .map_err(|_| format!("line {number}: the key is not valid base64"))?;
            if bytes.len() != 32 {
                return Err(format!(
                    "line {number}: the key must be 32 bytes (AES-256), got {}",
                    bytes.len()
                ));
            }
            keys.push((id.to_owned(), Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&bytes))));
        }
        if keys.is_empty() {
            return Err("holds no key".into());
        }
        Ok(KeyRing { keys })
    }

    /// A new random key as a key-file line.
    pub fn generate_line(id: &str) -> Result<String, String> {
        if !valid_id(id) {
            return Err("a key id is 1-64 letters, digits, `-`, `_` or `.`".into());
        }
        Ok(format!("{id} {}", BASE64.encode(Aes256Gcm::generate_key(OsRng))))
    }

    pub fn ids(&self) -> Vec<&str> {
        self.keys.iter().map(|(id, _)| id.as_str()).collect()
    }

    /// The id new values are sealed under.
    pub fn active_id(&self) -> &str {
        &self.active().0
    }

    fn active(&self) -> &(String, Aes256Gcm) {
        // `parse` refuses an empty ring.
        &self.keys[self.keys.len() - 1]
    }

    /// Seals `plain` for the column `purpose` (authenticated as associated data, so a value
    /// copied into another column does not open there).
    pub fn seal(&self, purpose: &str, plain: &str) -> Sealed {
        let (id, cipher) = self.active();
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let payload = Payload {
            msg: plain.as_bytes(),
            aad: purpose.as_bytes(),
        };
        // Encryption fails only for inputs beyond GCM's length limit (64 GiB).
        let sealed = cipher
            .encrypt(&nonce, payload)
            .unwrap_or_else(|_| unreachable!("values are far below GCM's length limit"));
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        Sealed {
            key_id: id.clone(),
            ciphertext: BASE64.encode(bytes),
        }
    }

    /// Opens a value sealed under `key_id` for `purpose`.
    pub fn open(&self, purpose: &str, key_id: &str, ciphertext: &str) -> Result<String, SecretError> {
        let (_, cipher) = self
            .keys
            .iter()
            .find(|(id, _)| id == key_id)
            .ok_or_else(|| SecretError::UnknownKey(key_id.to_owned()))?;
        let corrupt = || SecretError::Corrupt(key_id.to_owned());
        let bytes = BASE64.decode(ciphertext).map_err(|_| corrupt())?;
        if bytes.len() < NONCE_LEN {
            return Err(corrupt());
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let payload = Payload {
            msg: sealed,
            aad: purpose.as_bytes(),
        };
        let plain = cipher
            .decrypt(Nonce::from_slice(nonce), payload)
            .map_err(|_| corrupt())?;
        String::from_utf8(plain).map_err(|_| corrupt())
    }
}

fn valid_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(lines: &[String]) -> KeyRing {
        KeyRing::parse(&lines.join("\n")).expect("valid key file")
    }

    #[test]
    fn a_value_opens_under_its_key_after_a_newer_key_becomes_active() {
        let old = KeyRing::generate_line("old").expect("line");
        let sealed = ring(std::slice::from_ref(&old)).seal("t.c", "whsec_1");
        let rotated = ring(&[old, KeyRing::generate_line("new").expect("line")]);
        assert_eq!(rotated.active_id(), "new");
        assert_eq!(
            rotated.open("t.c", "old", &sealed.ciphertext).expect("opens"),
            "whsec_1"
        );
        assert_eq!(rotated.seal("t.c", "x").key_id, "new");
    }

    #[test]
    fn the_ciphertext_hides_the_value_and_differs_each_time() {
        let keys = ring(&[KeyRing::generate_line("k").expect("line")]);
        let (a, b) = (keys.seal("t.c", "whsec_same"), keys.seal("t.c", "whsec_same"));
        assert_ne!(a.ciphertext, b.ciphertext, "a fresh nonce each time");
        assert!(!a.ciphertext.contains("whsec"));
    }

    #[test]
    fn an_altered_ciphertext_another_column_or_a_missing_key_does_not_open() {
        let keys = ring(&[KeyRing::generate_line("k").expect("line")]);
        let sealed = keys.seal("t.c", "whsec_1");
        let mut bytes = BASE64.decode(&sealed.ciphertext).expect("base64");
        bytes[NONCE_LEN] ^= 1;
        let altered = BASE64.encode(bytes);
        assert!(matches!(keys.open("t.c", "k", &altered), Err(SecretError::Corrupt(_))));
        assert!(matches!(
            keys.open("t.other", "k", &sealed.ciphertext),
            Err(SecretError::Corrupt(_))
        ));
        assert!(matches!(
            keys.open("t.c", "gone", &sealed.ciphertext),
            Err(SecretError::UnknownKey(_))
        ));
    }

    #[test]
    fn a_bad_key_file_names_the_line() {
        let err = KeyRing::parse("# comment\n\nk1 c2hvcnQ=\n").expect_err("short key");
        assert!(err.starts_with("line 3:"), "{err}");
        assert!(KeyRing::parse("# only a comment\n").is_err());
        let line = KeyRing::generate_line("k").expect("line");
        assert!(KeyRing::parse(&format!("{line}\n{line}"))
            .expect_err("twice")
            .contains("twice"));
    }
}
