//! The service as a separate process, for tests that kill, restart or multiply it.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::helpers::TestApp;

/// A `spares serve` child process; killed and reaped when dropped.
pub struct Service {
    pub child: Child,
    pub address: String,
    /// Holds the key file the service seals secrets with, as a deployment would.
    _key_dir: tempfile::TempDir,
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Starts `spares serve` on a free loopback port against the test's database.
pub async fn start(app: &TestApp) -> Service {
    start_with(app, &[]).await
}

/// [`start`] with extra `serve` flags.
pub async fn start_with(app: &TestApp, flags: &[&str]) -> Service {
    let port = free_port();
    let key_dir = tempfile::tempdir().expect("key dir");
    let key_file = key_dir.path().join("secret-keys");
    std::fs::write(&key_file, crate::helpers::TEST_KEY_FILE).expect("key file");
    let child = Command::new(env!("CARGO_BIN_EXE_spares"))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .args(flags)
        .env("DATABASE_URL", &app.database_url)
        .env("SPARES_SECRET_KEY_FILE", &key_file)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spares starts");
    let service = Service {
        child,
        address: format!("http://127.0.0.1:{port}"),
        _key_dir: key_dir,
    };
    for _ in 0..200 {
        if let Ok(reply) = app.client.get(format!("{}/ready", service.address)).send().await {
            if reply.status().is_success() {
                return service;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the service did not become ready");
}
