//! TLS in the service: rustls through actix-web's `rustls-0_23` feature, the certificate chain
//! and key read from PEM files (`--tls-cert`, `--tls-key`) and read again on SIGHUP. The server
//! asks [`ReloadableCert`] for the certificate on each handshake, so a reload changes what new
//! connections are shown while connections already open carry on undisturbed (no restart, no
//! dropped keep-alive connection).

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use rustls::crypto::aws_lc_rs;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls::ServerConfig;

/// Where the PEM certificate chain (leaf first) and its private key are.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// The certificate the server presents, swappable while it runs.
#[derive(Debug)]
pub struct ReloadableCert {
    files: TlsFiles,
    current: RwLock<Arc<CertifiedKey>>,
}

impl ReloadableCert {
    pub fn load(files: TlsFiles) -> anyhow::Result<Self> {
        let current = RwLock::new(Arc::new(read_pair(&files)?));
        Ok(ReloadableCert { files, current })
    }

    /// Reads the files again; on any error the certificate in use stays.
    pub fn reload(&self) -> anyhow::Result<()> {
        let fresh = Arc::new(read_pair(&self.files)?);
        let mut current = self
            .current
            .write()
            .map_err(|_| anyhow::anyhow!("the certificate lock is poisoned"))?;
        *current = fresh;
        Ok(())
    }
}

impl ResolvesServerCert for ReloadableCert {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        // A poisoned lock (a panic mid-swap, which `reload` cannot cause) fails the handshake.
        self.current.read().ok().map(|key| Arc::clone(&key))
    }
}

fn read_pair(files: &TlsFiles) -> anyhow::Result<CertifiedKey> {
    let certs = CertificateDer::pem_file_iter(&files.cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| anyhow::anyhow!("--tls-cert {}: {e}", files.cert.display()))?;
    if certs.is_empty() {
        anyhow::bail!("--tls-cert {}: no PEM certificate in it", files.cert.display());
    }
    let key = PrivateKeyDer::from_pem_file(&files.key)
        .map_err(|e| anyhow::anyhow!("--tls-key {}: {e}", files.key.display()))?;
    let signing_key = aws_lc_rs::sign::any_supported_type(&key)
        .map_err(|e| anyhow::anyhow!("--tls-key {}: {e}", files.key.display()))?;
    let pair = CertifiedKey::new(certs, signing_key);
    pair.keys_match()
        .map_err(|e| anyhow::anyhow!("--tls-key does not belong to --tls-cert: {e}"))?;
    Ok(pair)
}

/// The rustls configuration around a reloadable certificate (TLS 1.2 and 1.3, aws-lc-rs, the
/// provider reqwest already brings).
pub fn server_config(cert: Arc<ReloadableCert>) -> anyhow::Result<ServerConfig> {
    Ok(
        ServerConfig::builder_with_provider(Arc::new(aws_lc_rs::default_provider()))
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_cert_resolver(cert),
    )
}

/// Reloads the certificate on every SIGHUP for as long as the server runs.
pub fn reload_on_sighup(cert: Arc<ReloadableCert>) -> std::io::Result<()> {
    use actix_web::rt::signal::unix::{signal, SignalKind};
    // Registered now, before the server accepts anything: a SIGHUP from then on reloads
    // instead of ending the process.
    let mut hangups = signal(SignalKind::hangup())?;
    actix_web::rt::spawn(async move {
        while hangups.recv().await.is_some() {
            match cert.reload() {
                Ok(()) => tracing::info!("TLS certificate reloaded"),
                Err(error) => tracing::error!(%error, "TLS certificate not reloaded; the previous one stays"),
            }
        }
    });
    Ok(())
}
