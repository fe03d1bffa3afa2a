//! The two processes a browser test needs: `spares serve --demo` on a fresh SQLite file, and
//! chromedriver (Debian's `chromium-driver`) on a free loopback port. Both die with their guard.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

/// A child process killed and reaped when dropped.
pub struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `spares serve --demo`: its address and the admin key it printed.
pub struct Demo {
    pub address: String,
    pub admin_key: String,
    _process: Guard,
    _data: tempfile::TempDir,
}

/// Seeding and planning the demo in a debug build takes a while on two cores.
const DEMO_START_LIMIT: Duration = Duration::from_secs(900);

/// Starts the service with the demo network loaded into a fresh SQLite database.
pub async fn start_demo() -> Demo {
    let data = tempfile::tempdir().expect("data dir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_spares"))
        .args(["serve", "--demo", "--bind", "127.0.0.1:0"])
        .env("DATABASE_URL", data.path().join("spares.db"))
        .env("RUST_LOG", "warn")
        // No scheduled runs while the browser works: the proposals stay as the demo made them.
        .env("SPARES_FORECAST_INTERVAL_HOURS", "0")
        .env("SPARES_REPLENISHMENT_INTERVAL_HOURS", "0")
        .stdout(Stdio::piped())
        .stderr(if std::env::var_os("TEST_LOG").is_some() {
            Stdio::inherit()
        } else {
            Stdio::null()
        })
        .spawn()
        .expect("spares starts");
    let stdout = child.stdout.take().expect("stdout is piped");
    let process = Guard(child);
    let (sender, lines) = mpsc::channel();
    std::thread::spawn(move || {
        // Read to the end: with the pipe closed, the service's next line of output would fail.
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = sender.send(line);
        }
    });
    let (mut address, mut admin_key) = (None, None);
    let deadline = Instant::now() + DEMO_START_LIMIT;
    while address.is_none() {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) => {
                if let Some(key) = line.strip_prefix("demo admin key (shown once): ") {
                    admin_key = Some(key.trim().to_owned());
                }
                if let Some(a) = line.strip_prefix("listening on ") {
                    address = Some(a.trim().to_owned());
                }
            }
            Err(RecvTimeoutError::Timeout) => panic!("serve --demo did not listen within {DEMO_START_LIMIT:?}"),
            Err(RecvTimeoutError::Disconnected) => panic!("serve --demo exited before listening"),
        }
    }
    let demo = Demo {
        address: address.expect("address"),
        admin_key: admin_key.expect("serve --demo prints an admin key on a fresh database"),
        _process: process,
        _data: data,
    };
    let client = reqwest::Client::new();
    for _ in 0..400 {
        if let Ok(reply) = client.get(format!("{}/ready", demo.address)).send().await {
            if reply.status().is_success() {
                return demo;
            }
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("serve --demo did not become ready");
}

/// A program named by an environment variable, else found on `PATH` under one of `names`.
fn program(variable: &str, names: &[&str]) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(variable) {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|candidate| candidate.is_file())
}

/// The browser binary chromedriver should start.
pub fn chromium() -> PathBuf {
    program("SPARES_CHROMIUM", &["chromium", "chromium-browser", "google-chrome"]).unwrap_or_else(|| {
        panic!(
            "no chromium found: the browser tests need Debian's chromium and chromium-driver \
             (`apt-get install chromium chromium-driver`), or SPARES_CHROMIUM naming the browser; \
             see README.md, \"Browser tests\""
        )
    })
}

/// chromedriver on a free loopback port.
pub struct Driver {
    pub url: String,
    _process: Guard,
}

pub async fn start_chromedriver() -> Driver {
    let binary = program("SPARES_CHROMEDRIVER", &["chromedriver"]).unwrap_or_else(|| {
        panic!(
            "no chromedriver found: the browser tests need Debian's chromium and chromium-driver \
             (`apt-get install chromium chromium-driver`), or SPARES_CHROMEDRIVER naming the \
             driver; see README.md, \"Browser tests\""
        )
    });
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let child = Command::new(&binary)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{} does not start: {e}", binary.display()));
    let driver = Driver {
        url: format!("http://127.0.0.1:{port}"),
        _process: Guard(child),
    };
    let client = reqwest::Client::new();
    for _ in 0..200 {
        if let Ok(reply) = client.get(format!("{}/status", driver.url)).send().await {
            if reply.status().is_success() {
                return driver;
            }
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("chromedriver did not answer on {}", driver.url);
}
