//! TLS in the service: HTTPS with a certificate the test makes (rcgen), HSTS, and a SIGHUP that
//! swaps the certificate for new connections while open ones carry on.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::helpers::TestApp;
use crate::on_both_backends;

on_both_backends!(https_with_hsts_and_sighup_swaps_the_certificate_without_dropping_connections);

/// Writes a fresh self-signed certificate for `localhost` and 127.0.0.1 and its key; returns the PEM.
fn certificate(dir: &Path) -> String {
    let made =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).expect("certificate");
    std::fs::write(dir.join("cert.pem"), made.cert.pem()).expect("cert written");
    std::fs::write(dir.join("key.pem"), made.signing_key.serialize_pem()).expect("key written");
    made.cert.pem()
}

/// A client that trusts this one certificate and nothing else.
fn trusting(pem: &str) -> reqwest::Client {
    let cert = reqwest::Certificate::from_pem(pem.as_bytes()).expect("pem");
    reqwest::Client::builder()
        .tls_certs_only([cert])
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client")
}

async fn answers(client: &reqwest::Client, url: &str) -> bool {
    matches!(client.get(url).send().await, Ok(reply) if reply.status().is_success())
}

async fn https_with_hsts_and_sighup_swaps_the_certificate_without_dropping_connections(app: TestApp) {
    let dir = tempfile::tempdir().expect("dir");
    let first = certificate(dir.path());
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let mut command = Command::new(env!("CARGO_BIN_EXE_spares"));
    command
        .args(["serve", "--bind", "127.0.0.1:0", "--tls-cert"])
        .arg(&cert)
        .arg("--tls-key")
        .arg(&key)
        .env("DATABASE_URL", &app.database_url);
    let old = trusting(&first);
    // Waits for `/ready` over TLS with the client that trusts only the first certificate.
    let service = crate::process::spawn(command, &old).await;
    assert!(service.address.starts_with("https://"), "{}", service.address);
    let url = format!("{}/health", service.address);
    let port = service.address.rsplit(':').next().expect("port").to_owned();
    let reply = old.get(&url).send().await.expect("https");
    assert_eq!(
        reply
            .headers()
            .get("strict-transport-security")
            .and_then(|v| v.to_str().ok()),
        Some("max-age=31536000")
    );
    let plain = reqwest::Client::new();
    assert!(
        !answers(&plain, &format!("http://127.0.0.1:{port}/health")).await,
        "no plain HTTP on the TLS port"
    );
    let other_dir = tempfile::tempdir().expect("dir");
    assert!(
        !answers(&trusting(&certificate(other_dir.path())), &url).await,
        "a client trusting another certificate refuses"
    );

    let second = certificate(dir.path());
    let hup = Command::new("kill")
        .args(["-HUP", &service.child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(hup.success());
    let new = trusting(&second);
    let mut reloaded = false;
    for _ in 0..100 {
        if answers(&new, &url).await {
            reloaded = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(reloaded, "new connections are shown the second certificate");
    // `old` trusts only the first certificate: it can still talk only over the connection it
    // opened before the reload, which therefore was not dropped.
    assert!(
        answers(&old, &url).await,
        "the connection opened before the reload carries on"
    );
    assert!(
        !answers(&trusting(&first), &url).await,
        "a new connection no longer gets the first certificate"
    );
}
