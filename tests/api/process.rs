//! The service as a separate process, for tests that kill, restart or multiply it, or that
//! need a process of its own (its own metrics recorder, its own command line).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, TryRecvError};
use std::time::Duration;

use crate::helpers::TestApp;

/// A `spares` child process; killed and reaped when dropped.
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

/// Starts `spares serve` on a loopback port of its choosing against the test's database.
pub async fn start(app: &TestApp) -> Service {
    start_with(app, &[]).await
}

/// [`start`] with extra `serve` flags.
pub async fn start_with(app: &TestApp, flags: &[&str]) -> Service {
    let mut command = Command::new(env!("CARGO_BIN_EXE_spares"));
    command
        .args(["serve", "--bind", "127.0.0.1:0"])
        .args(flags)
        .env("DATABASE_URL", &app.database_url);
    spawn(command, &app.client).await
}

/// Runs `command` (a `spares` that serves) with a key file for its secrets, reads the address
/// it reports on stdout (`listening on http://ADDR`: it binds the port itself, so no other
/// process can take it first) and waits until it answers `/ready`.
pub async fn spawn(mut command: Command, client: &reqwest::Client) -> Service {
    let key_dir = tempfile::tempdir().expect("key dir");
    let key_file = key_dir.path().join("secret-keys");
    std::fs::write(&key_file, crate::helpers::TEST_KEY_FILE).expect("key file");
    let mut child = command
        .env("SPARES_SECRET_KEY_FILE", &key_file)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spares starts");
    let stdout = child.stdout.take().expect("stdout is piped");
    let (sender, addresses) = mpsc::channel();
    std::thread::spawn(move || {
        // Read to the end: with the pipe closed, the service's next line of output would fail.
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(address) = line.strip_prefix("listening on ") {
                let _ = sender.send(address.to_owned());
            }
        }
    });
    let mut service = Service {
        child,
        address: String::new(),
        _key_dir: key_dir,
    };
    for _ in 0..400 {
        match addresses.try_recv() {
            Ok(address) => {
                service.address = address;
                break;
            }
            Err(TryRecvError::Empty) => actix_web::rt::time::sleep(Duration::from_millis(50)).await,
            Err(TryRecvError::Disconnected) => panic!("the service exited without listening"),
        }
    }
    assert!(!service.address.is_empty(), "the service did not report its address");
    for _ in 0..200 {
        if let Ok(reply) = client.get(format!("{}/ready", service.address)).send().await {
            if reply.status().is_success() {
                return service;
            }
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the service did not become ready");
}
