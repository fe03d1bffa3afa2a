//! Failover: the service on a multi-host `DATABASE_URL` (libpq's `target_session_attrs =
//! read-write`) over a primary with a synchronous standby, both clusters of the test's own. The
//! primary is SIGKILLed under a write load and the standby promoted; the same service process
//! must serve again, every acknowledged write must be on the new primary exactly once, and the
//! writes the failover interrupted, retried with their Idempotency-Keys, must complete once.

mod checks;
mod cluster;
mod load;

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use cluster::{free_port, promote, psql, Pair};
use load::{attempt, Load, Sent};

const CLIENTS: usize = 8;
pub const STOCK: i64 = 100_000;
/// Writes acknowledged before the kill, and after the promotion, so both sides saw real load.
const WRITES_BEFORE: usize = 150;
const WRITES_AFTER: usize = 150;

/// The `spares serve` process; killed when dropped.
struct Service(Child);

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn spares(url: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_spares"))
        .args(args)
        .env("DATABASE_URL", url)
        .output()
        .expect("spares runs")
}

async fn start_service(client: &reqwest::Client, url: &str) -> (Service, String) {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_spares"))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        // TEST_LOG=1 shows the service's warnings (as in the other tests).
        .stderr(if std::env::var_os("TEST_LOG").is_some() {
            Stdio::inherit()
        } else {
            Stdio::null()
        })
        .spawn()
        .expect("spares starts");
    let (service, address) = (Service(child), format!("http://127.0.0.1:{port}"));
    for _ in 0..300 {
        if let Ok(reply) = client.get(format!("{address}/ready")).send().await {
            if reply.status().is_success() {
                return (service, address);
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the service did not become ready");
}

async fn seed(load: &Load) {
    let setup = [
        ("/api/v1/regions", json!({ "code": "north", "name": "North" })),
        (
            "/api/v1/warehouses",
            json!({ "code": "N-RDC", "name": "North RDC", "region": "north", "kind": "regional" }),
        ),
        (
            "/api/v1/parts",
            json!({ "part_number": "P-1", "description": "part one", "unit_cost": "12.50" }),
        ),
        (
            "/api/v1/movements",
            json!({ "kind": "receipt", "warehouse": "N-RDC", "part_number": "P-1", "quantity": STOCK }),
        ),
    ];
    for (n, (path, body)) in setup.iter().enumerate() {
        let reply = attempt(load, &format!("seed-{n}"), path, body).await;
        assert!(matches!(reply, Some((201, _, _))), "{path}: {reply:?}");
    }
}

async fn wait_for(acknowledged: &AtomicUsize, count: usize, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while acknowledged.load(Ordering::SeqCst) < count {
        assert!(
            Instant::now() < deadline,
            "{what}: only {} writes",
            acknowledged.load(Ordering::SeqCst)
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

pub async fn get(load: &Load, path: &str) -> (u16, Value) {
    let reply = load
        .client
        .get(format!("{}{path}", load.address))
        .bearer_auth(&load.secret)
        .send()
        .await
        .expect("the service answers");
    (reply.status().as_u16(), reply.json().await.unwrap_or_default())
}

#[actix_web::test]
async fn the_service_writes_on_after_the_primary_dies_and_the_standby_is_promoted() {
    let mut pair = Pair::start();
    psql(pair.primary.port, "postgres", "CREATE DATABASE spares");
    let url = format!(
        "postgres://postgres@127.0.0.1:{},127.0.0.1:{}/spares?target_session_attrs=read-write&connect_timeout=2",
        pair.primary.port, pair.standby.port
    );
    let migrated = spares(&url, &["migrate"]);
    assert!(
        migrated.status.success(),
        "{}",
        String::from_utf8_lossy(&migrated.stderr)
    );
    let key = spares(&url, &["keys", "create", "--name", "failover", "--role", "admin"]);
    assert!(key.status.success(), "{}", String::from_utf8_lossy(&key.stderr));
    let client = reqwest::Client::new();
    let (mut service, address) = start_service(&client, &url).await;
    let load = Load {
        client,
        address,
        secret: String::from_utf8_lossy(&key.stdout).trim().to_owned(),
        stop: Arc::new(AtomicBool::new(false)),
        acknowledged: Arc::new(AtomicUsize::new(0)),
    };
    seed(&load).await;
    let clients: Vec<_> = (0..CLIENTS)
        .map(|id| tokio::spawn(load::client(load.clone(), id)))
        .collect();

    wait_for(&load.acknowledged, WRITES_BEFORE, "load before the kill").await;
    let killed_at = Instant::now();
    pair.primary.kill();
    let standby = pair.standby.port;
    tokio::task::spawn_blocking(move || promote(standby))
        .await
        .expect("promotes");
    let promoted_after = killed_at.elapsed();
    let before = load.acknowledged.load(Ordering::SeqCst);
    wait_for(&load.acknowledged, before + WRITES_AFTER, "load after the promotion").await;
    load.stop.store(true, Ordering::SeqCst);
    let mut log: Vec<Sent> = Vec::new();
    for client in clients {
        log.extend(client.await.expect("client task"));
    }
    assert!(
        service.0.try_wait().expect("waits").is_none(),
        "the same service process served throughout"
    );

    let interrupted: Vec<&Sent> = log.iter().filter(|s| s.attempts > 1).collect();
    assert!(!interrupted.is_empty(), "the failover interrupted writes in flight");
    let first_write = log
        .iter()
        .filter(|s| s.last_attempt > killed_at)
        .map(|s| s.acknowledged_at.duration_since(killed_at))
        .min()
        .expect("writes after the kill");
    let refusals: Vec<u16> = log.iter().flat_map(|s| s.refusals.iter().copied()).collect();
    println!(
        "failover: {} writes, {} interrupted and retried ({} attempts answered 503, {} lost their \
         connection); standby promoted {:.2} s after the kill, first write acknowledged {:.2} s after the kill",
        log.len(),
        interrupted.len(),
        refusals.iter().filter(|s| **s == 503).count(),
        refusals.iter().filter(|s| **s == 0).count(),
        promoted_after.as_secs_f64(),
        first_write.as_secs_f64()
    );

    checks::every_write_is_there_once(&load, &log, standby).await;
    let verify = spares(&url, &["verify"]);
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stdout));
    checks::a_dump_restores_into_a_database_that_verifies(standby);
    checks::a_server_fenced_read_only_refuses_writes_with_a_retryable_503(&load, standby).await;
    drop(service);
    drop(pair);
}
