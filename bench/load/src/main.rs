//! Load generator for the `spares` service: N concurrent clients for a fixed duration over a
//! network of W warehouses x P parts (codes made by `bench/load.sh`'s seed: `BW-01`..,
//! `BP-00001`..), with a fixed operation mix:
//!
//! * 60% reads: 30% `GET /stock?warehouse=&part_number=`, 30% `GET /parts/{pn}/availability`
//! * 25% reservations: `POST /reservations` (1 line, 1-2 units), then 50/50
//!   `POST /reservations/{id}/consume` or `/release` (the follow-up is part of the same step)
//! * 15% movements: 50/50 `POST /movements` receipt (1-5 units) or issue (1-2 units)
//!
//! `--mix movements` sends only the movements (50/50 receipt or issue): the profile that
//! compares one-to-one with a pgbench TPC-B transaction.
//!
//! 409 is an intended outcome (insufficient stock) and counted apart; any other non-2xx or a
//! transport error is an error. Latencies are per HTTP request, percentiles over a sorted Vec.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

const OPS: [&str; 7] = [
    "read_stock",
    "read_availability",
    "reserve",
    "consume",
    "release",
    "movement_receipt",
    "movement_issue",
];
const READ_STOCK: usize = 0;
const READ_AVAIL: usize = 1;
const RESERVE: usize = 2;
const CONSUME: usize = 3;
const RELEASE: usize = 4;
const RECEIPT: usize = 5;
const ISSUE: usize = 6;

struct Args {
    url: String,
    key: String,
    duration: u64,
    clients: usize,
    warehouses: u32,
    parts: u32,
    /// Only movements (`--mix movements`) instead of the mixed profile.
    movements_only: bool,
}

fn parse_args() -> Args {
    let mut a = Args {
        url: std::env::var("SPARES_URL").unwrap_or_else(|_| "http://127.0.0.1:8080".into()),
        key: std::env::var("SPARES_KEY").unwrap_or_default(),
        duration: 30,
        clients: 32,
        warehouses: 20,
        parts: 10_000,
        movements_only: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut val = || it.next().unwrap_or_else(|| die(&format!("{flag} needs a value")));
        match flag.as_str() {
            "--url" => a.url = val(),
            "--key" => a.key = val(),
            "--duration" => a.duration = val().parse().unwrap_or_else(|_| die("bad --duration")),
            "--clients" => a.clients = val().parse().unwrap_or_else(|_| die("bad --clients")),
            "--warehouses" => a.warehouses = val().parse().unwrap_or_else(|_| die("bad --warehouses")),
            "--parts" => a.parts = val().parse().unwrap_or_else(|_| die("bad --parts")),
            "--mix" => match val().as_str() {
                "mixed" => a.movements_only = false,
                "movements" => a.movements_only = true,
                other => die(&format!("--mix is mixed or movements, not {other}")),
            },
            "-h" | "--help" => {
                println!(
                    "spares-load --url URL --key KEY [--duration SECS=30] [--clients 32] \
                     [--warehouses 20] [--parts 10000] [--mix mixed|movements]   (env SPARES_URL, SPARES_KEY)"
                );
                std::process::exit(0);
            }
            other => die(&format!("unknown argument {other}")),
        }
    }
    if a.key.is_empty() {
        die("--key (or SPARES_KEY) is required");
    }
    a.url = a.url.trim_end_matches('/').to_owned();
    a
}

fn die(msg: &str) -> ! {
    eprintln!("spares-load: {msg}");
    std::process::exit(2)
}

/// xorshift64*: no dependency, good enough to pick keys.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

#[derive(Default)]
struct OpStats {
    lat_us: Vec<u32>,
    ok: u64,
    conflict: u64,
    errors: u64,
    error_kinds: BTreeMap<String, u64>,
}

#[derive(Default)]
struct Stats {
    ops: Vec<OpStats>,
    /// Reservation lines reserved (each writes one `reserve` ledger row).
    reserved_lines: u64,
}

enum Outcome {
    Ok(Value),
    Conflict,
    Error,
}

struct Worker {
    client: Client,
    base: String,
    auth: String,
    stats: Stats,
    rng: Rng,
    warehouses: u32,
    parts: u32,
    movements_only: bool,
    id: usize,
    seq: u64,
}

impl Worker {
    fn wh(&mut self) -> String {
        format!("BW-{:02}", 1 + self.rng.below(self.warehouses as u64))
    }
    fn pn(&mut self) -> String {
        format!("BP-{:05}", 1 + self.rng.below(self.parts as u64))
    }

    async fn call(&mut self, op: usize, req: reqwest::RequestBuilder, want_body: bool) -> Outcome {
        let start = Instant::now();
        let res = req.header("Authorization", &self.auth).send().await;
        let (outcome, kind) = match res {
            Err(e) => (
                Outcome::Error,
                Some(if e.is_timeout() {
                    "timeout".to_owned()
                } else if e.is_connect() {
                    "connect".to_owned()
                } else {
                    "transport".to_owned()
                }),
            ),
            Ok(resp) => {
                let status = resp.status();
                let body = resp.bytes().await;
                match body {
                    Err(_) => (Outcome::Error, Some("body".to_owned())),
                    Ok(bytes) if status.is_success() => {
                        let v = if want_body {
                            serde_json::from_slice(&bytes).unwrap_or(Value::Null)
                        } else {
                            Value::Null
                        };
                        (Outcome::Ok(v), None)
                    }
                    Ok(_) if status == StatusCode::CONFLICT => (Outcome::Conflict, None),
                    Ok(bytes) => {
                        let t = serde_json::from_slice::<Value>(&bytes)
                            .ok()
                            .and_then(|v| v.get("type").and_then(|t| t.as_str()).map(str::to_owned))
                            .unwrap_or_default();
                        (Outcome::Error, Some(format!("{} {}", status.as_u16(), t)))
                    }
                }
            }
        };
        let us = start.elapsed().as_micros().min(u32::MAX as u128) as u32;
        let s = &mut self.stats.ops[op];
        s.lat_us.push(us);
        match &outcome {
            Outcome::Ok(_) => s.ok += 1,
            Outcome::Conflict => s.conflict += 1,
            Outcome::Error => {
                s.errors += 1;
                *s.error_kinds.entry(kind.unwrap_or_default()).or_default() += 1;
            }
        }
        outcome
    }

    async fn step(&mut self) {
        let roll = if self.movements_only { 999 } else { self.rng.below(1000) };
        if roll < 300 {
            let (w, p) = (self.wh(), self.pn());
            let req = self
                .client
                .get(format!("{}/api/v1/stock?warehouse={}&part_number={}", self.base, w, p));
            self.call(READ_STOCK, req, false).await;
        } else if roll < 600 {
            let p = self.pn();
            let req = self
                .client
                .get(format!("{}/api/v1/parts/{}/availability", self.base, p));
            self.call(READ_AVAIL, req, false).await;
        } else if roll < 850 {
            let (w, p) = (self.wh(), self.pn());
            let q = 1 + self.rng.below(2);
            self.seq += 1;
            let body = json!({
                "repair_order": format!("RO-B{}-{}", self.id, self.seq),
                "warehouse": w,
                "lines": [{"part_number": p, "quantity": q}],
            });
            let req = self
                .client
                .post(format!("{}/api/v1/reservations", self.base))
                .json(&body);
            if let Outcome::Ok(v) = self.call(RESERVE, req, true).await {
                self.stats.reserved_lines += 1;
                let Some(id) = v.get("id").and_then(Value::as_i64) else {
                    let s = &mut self.stats.ops[RESERVE];
                    s.errors += 1;
                    *s.error_kinds.entry("2xx without id".into()).or_default() += 1;
                    return;
                };
                let (op, verb) = if self.rng.below(2) == 0 {
                    (CONSUME, "consume")
                } else {
                    (RELEASE, "release")
                };
                let req = self
                    .client
                    .post(format!("{}/api/v1/reservations/{}/{}", self.base, id, verb));
                self.call(op, req, false).await;
            }
        } else {
            let (w, p) = (self.wh(), self.pn());
            self.seq += 1;
            let (op, body) = if self.rng.below(2) == 0 {
                let q = 1 + self.rng.below(5);
                (
                    RECEIPT,
                    json!({"kind": "receipt", "warehouse": w, "part_number": p, "quantity": q,
                                  "lot": format!("L-{}-{}", self.id, self.seq)}),
                )
            } else {
                let q = 1 + self.rng.below(2);
                (
                    ISSUE,
                    json!({"kind": "issue", "warehouse": w, "part_number": p, "quantity": q,
                                "repair_order": format!("RO-I{}-{}", self.id, self.seq)}),
                )
            };
            let req = self.client.post(format!("{}/api/v1/movements", self.base)).json(&body);
            self.call(op, req, false).await;
        }
    }
}

fn pct(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1] as f64 / 1000.0
}

#[tokio::main]
async fn main() {
    let args = parse_args();
    let client = Client::builder()
        .pool_max_idle_per_host(args.clients * 2)
        .timeout(Duration::from_secs(40))
        .build()
        .expect("http client");
    // Fail fast if the service or key is wrong.
    match client
        .get(format!("{}/api/v1/parts/BP-00001/availability", args.url))
        .header("Authorization", format!("Bearer {}", args.key))
        .send()
        .await
    {
        Ok(r) if r.status().is_success() => {}
        Ok(r) => die(&format!("probe: HTTP {}", r.status())),
        Err(e) => die(&format!("probe: {e}")),
    }
    let duration = Duration::from_secs(args.duration);
    let started = Instant::now();
    let deadline = started + duration;
    let seed_base = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(42);
    let args = Arc::new(args);
    let mut handles = Vec::new();
    for id in 0..args.clients {
        let a = args.clone();
        let client = client.clone();
        handles.push(tokio::spawn(async move {
            let mut w = Worker {
                client,
                base: a.url.clone(),
                auth: format!("Bearer {}", a.key),
                stats: Stats {
                    ops: (0..OPS.len()).map(|_| OpStats::default()).collect(),
                    reserved_lines: 0,
                },
                rng: Rng((seed_base ^ (0x9E37_79B9_7F4A_7C15u64.wrapping_mul(id as u64 + 1))) | 1),
                warehouses: a.warehouses,
                parts: a.parts,
                movements_only: a.movements_only,
                id,
                seq: 0,
            };
            while Instant::now() < deadline {
                w.step().await;
            }
            w.stats
        }));
    }
    let mut total = Stats {
        ops: (0..OPS.len()).map(|_| OpStats::default()).collect(),
        reserved_lines: 0,
    };
    for h in handles {
        let s = h.await.expect("worker panicked");
        total.reserved_lines += s.reserved_lines;
        for (t, o) in total.ops.iter_mut().zip(s.ops) {
            t.lat_us.extend(o.lat_us);
            t.ok += o.ok;
            t.conflict += o.conflict;
            t.errors += o.errors;
            for (k, v) in o.error_kinds {
                *t.error_kinds.entry(k).or_default() += v;
            }
        }
    }
    let elapsed = started.elapsed().as_secs_f64();

    let requests: u64 = total.ops.iter().map(|o| o.lat_us.len() as u64).sum();
    let errors: u64 = total.ops.iter().map(|o| o.errors).sum();
    let conflicts: u64 = total.ops.iter().map(|o| o.conflict).sum();
    println!(
        "url {}  clients {}  duration {:.1}s  network {} warehouses x {} parts  mix {}",
        args.url,
        args.clients,
        elapsed,
        args.warehouses,
        args.parts,
        if args.movements_only { "movements" } else { "mixed" }
    );
    println!(
        "requests {requests}  = {:.1} req/s   (2xx {}, 409 {conflicts}, errors {errors})",
        requests as f64 / elapsed,
        requests - conflicts - errors
    );
    println!(
        "{:<18} {:>8} {:>8} {:>7} {:>7} {:>9} {:>9} {:>9} {:>9}",
        "operation", "count", "2xx", "409", "errors", "p50 ms", "p95 ms", "p99 ms", "max ms"
    );
    for (name, o) in OPS.iter().zip(total.ops.iter_mut()) {
        o.lat_us.sort_unstable();
        println!(
            "{:<18} {:>8} {:>8} {:>7} {:>7} {:>9.2} {:>9.2} {:>9.2} {:>9.2}",
            name,
            o.lat_us.len(),
            o.ok,
            o.conflict,
            o.errors,
            pct(&o.lat_us, 50.0),
            pct(&o.lat_us, 95.0),
            pct(&o.lat_us, 99.0),
            o.lat_us.last().copied().unwrap_or(0) as f64 / 1000.0
        );
        for (k, v) in &o.error_kinds {
            println!("{:<18}   error {k}: {v}", "");
        }
    }
    let o = |i: usize| total.ops[i].ok;
    let ledger_tx = o(RECEIPT) + o(ISSUE) + o(RESERVE) + o(CONSUME);
    let with_release = ledger_tx + o(RELEASE);
    println!(
        "ledger transactions (2xx receipts + issues + reserves + consumes; each commits >=1 movements row): {ledger_tx} = {:.1} movements/s",
        ledger_tx as f64 / elapsed
    );
    println!(
        "  incl. 2xx releases (which also write a ledger row): {with_release} = {:.1}/s; staff movements alone: {:.1}/s",
        with_release as f64 / elapsed,
        (o(RECEIPT) + o(ISSUE)) as f64 / elapsed
    );
    println!("MOVEMENTS_PER_SEC {:.2}", ledger_tx as f64 / elapsed);
    println!("ERRORS {errors}");
}
