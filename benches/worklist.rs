//! The console's procurement worklist with 100,000 open proposals in the database: how long
//! the real service takes to answer `GET /console/proposals` with a filtered page of 100 rows.
//!
//! 20 warehouses in two regions x 5,000 parts (a quarter of them critical), four suppliers.
//! One proposal is made by a real replenishment run (so its explanation is the engine's);
//! the other 99,999 are copies of it over every (warehouse, part) in one set-based
//! `INSERT ... SELECT`, with value, days of cover, fill rate without, supplier and the edited
//! mark varied per pair. The service is started as `spares serve` starts it (port 0), a
//! procurement key signs in to the console, and each filter is requested
//! `WORKLIST_BENCH_ITERATIONS` times (default 200) after 5 warm-up requests. The time is taken
//! around each request at the client on loopback (request sent to body read), so it is the
//! server's time plus one local round trip: an upper bound of server time.
//! It prints median, p95 and max per filter, and checks each page has 100 rows.
//!
//! `cargo bench --bench worklist` (SQLite, a temporary file), or on PostgreSQL:
//! `WORKLIST_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/<empty database> cargo bench --bench worklist`

use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use rust_decimal::Decimal;
use spares::catalog::{parts, regions, suppliers, warehouses};
use spares::config::Settings;
use spares::db::{self, AnyConnection, DatabaseUrl, DbPool};
use spares::replenishment::model::{PolicyOverride, RunRequest};
use spares::replenishment::{planning, policies, ReplenishmentSettings};
use spares::startup;
use spares::stock::ledger::Actor;

const WAREHOUSES: usize = 20;
const PARTS: usize = 5_000;
const SUPPLIERS: usize = 4;

/// The filters a planner uses, each giving a full page of 100.
const FILTERS: [(&str, &str); 5] = [
    ("region, by value", "region=north&sort=value"),
    ("warehouse, by urgency", "warehouse=W03&sort=urgency"),
    ("supplier and minimum value", "supplier=SUP-2&min_value=2000.00"),
    ("critical parts, by days of cover", "criticality=critical&sort=cover"),
    (
        "unedited purchases of one region",
        "region=east&kind=purchase&edited=no&sort=value",
    ),
];

fn settings(url: &str) -> anyhow::Result<Settings> {
    Ok(Settings {
        database: DatabaseUrl::parse(url)?,
        read_database: None,
        bind: "127.0.0.1:0".to_owned(),
        pool_size: Some(8),
        reservation_ttl: chrono::Duration::hours(72),
        expiry_interval: Duration::from_secs(3600),
        workers: Some(2),
        request_timeout: Duration::from_secs(60),
        cors_origins: Vec::new(),
        metrics_public: true,
        forecast: Default::default(),
        forecast_interval: None,
        replenishment: Default::default(),
        replenishment_interval: None,
        webhook_interval: None,
        urgent_interval: None,
        security: Default::default(),
    })
}

fn catalog(conn: &mut AnyConnection) -> anyhow::Result<()> {
    for code in ["north", "east"] {
        let name = code.to_owned();
        regions::create(
            conn,
            &regions::NewRegion {
                code: code.into(),
                name,
            },
        )?;
    }
    for w in 0..WAREHOUSES {
        warehouses::create(
            conn,
            &warehouses::NewWarehouse {
                code: format!("W{w:02}"),
                name: format!("warehouse {w}"),
                region: if w < WAREHOUSES / 2 { "north" } else { "east" }.into(),
                kind: warehouses::WarehouseKind::Local,
                active: None,
            },
        )?;
    }
    for s in 0..SUPPLIERS {
        let input = suppliers::NewSupplier {
            code: format!("SUP-{s}"),
            name: format!("supplier {s}"),
            active: None,
        };
        suppliers::create(conn, &input)?;
    }
    db::write_tx(conn, |conn| {
        for p in 0..PARTS {
            let part = parts::NewPart {
                part_number: format!("P{p:05}"),
                description: format!("bench part {p}"),
                unit_of_measure: None,
                unit_cost: Decimal::new(1250, 2),
                criticality: None,
                superseded_by: None,
                active: None,
            };
            parts::create(conn, &part)?;
        }
        Ok::<_, spares::error::AppError>(())
    })?;
    conn.batch_execute(
        "UPDATE parts SET criticality = CASE id % 4 WHEN 0 THEN 'critical' WHEN 1 THEN 'high' \
         WHEN 2 THEN 'medium' ELSE 'low' END",
    )?;
    Ok(())
}

/// One proposal from a real run: a min/max on (W00, P00000) with supplier terms.
fn first_proposal(conn: &mut AnyConnection) -> anyhow::Result<()> {
    let terms = suppliers::TermsInput {
        lead_time_days: 7,
        moq: Some(1),
        pack_size: Some(1),
        unit_price: Decimal::new(1000, 2),
        preferred: Some(true),
    };
    suppliers::put_terms(conn, "SUP-0", "P00000", &terms)?;
    policies::set_override(conn, "W00", "P00000", &PolicyOverride { min: 5, max: 20 })?;
    let actor = Actor {
        name: "bench".into(),
        request_id: None,
    };
    let run = planning::run(
        conn,
        &ReplenishmentSettings::default(),
        &RunRequest::default(),
        "bench",
        &actor,
    )?;
    anyhow::ensure!(run.purchases == 1, "the run proposed {} purchases", run.purchases);
    Ok(())
}

/// The other 99,999 proposals in one statement: copies of the first over every other pair.
fn copies(conn: &mut AnyConnection) -> anyhow::Result<()> {
    let cents = "(100 + (w.id * 7919 + p.id * 104729) % 500000)";
    let value = match conn {
        AnyConnection::Sqlite(_) => format!("printf('%d.%02d', {cents} / 100, {cents} % 100)"),
        AnyConnection::Postgresql(_) => {
            format!("({cents} / 100)::text || '.' || lpad(({cents} % 100)::text, 2, '0')")
        }
    };
    let sql = format!(
        "INSERT INTO proposals (run_id, kind, status, warehouse_id, part_id, supplier_id, region_id, \
             quantity, unit_price, value, explanation, auto_approved, created_at, value_cents, revision, \
             revised_run_id, locked, binding, cover_days, fill_rate_without) \
         SELECT s.run_id, s.kind, 'open', w.id, p.id, \
             (SELECT id FROM suppliers WHERE code = 'SUP-' || (p.id % {SUPPLIERS})), w.region_id, \
             1 + (p.id * 7 + w.id) % 40, s.unit_price, {value}, s.explanation, s.auto_approved, \
             s.created_at, {cents}, 1, s.revised_run_id, (p.id % 10 = 0), s.binding, \
             ((p.id * 13 + w.id * 7) % 600) / 10.0, ((p.id * 31 + w.id * 17) % 1000) / 1000.0 \
         FROM proposals s CROSS JOIN warehouses w CROSS JOIN parts p \
         WHERE s.id = (SELECT MIN(id) FROM proposals) AND NOT (w.id = s.warehouse_id AND p.id = s.part_id)"
    );
    let analyze = match conn {
        AnyConnection::Sqlite(_) => "ANALYZE",
        AnyConnection::Postgresql(_) => "ANALYZE proposals",
    };
    conn.batch_execute(&sql)?;
    conn.batch_execute(analyze)?;
    Ok(())
}

fn seed(pool: &DbPool) -> anyhow::Result<String> {
    let mut conn = pool.get()?;
    let started = Instant::now();
    catalog(&mut conn)?;
    first_proposal(&mut conn)?;
    copies(&mut conn)?;
    let open: i64 = spares::schema::proposals::table
        .filter(spares::schema::proposals::status.eq("open"))
        .count()
        .get_result(&mut conn)?;
    println!(
        "seeded {open} open proposals ({WAREHOUSES} warehouses x {PARTS} parts) in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    anyhow::ensure!(open == (WAREHOUSES * PARTS) as i64, "expected 100,000 open proposals");
    let input = spares::auth::keys::NewKey {
        name: "bench-planner".into(),
        role: spares::auth::Role::Procurement,
        warehouses: None,
        expires_at: None,
    };
    Ok(spares::auth::keys::create(&mut conn, &input, "bench")?.secret)
}

/// The `name=value` of a `Set-Cookie` header named `name`.
fn cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response.headers().get_all("set-cookie").iter().find_map(|v| {
        let pair = v.to_str().ok()?.split(';').next()?.to_owned();
        pair.starts_with(&format!("{name}=")).then_some(pair)
    })
}

/// Signs in through the console's form; returns the session cookie.
async fn sign_in(client: &reqwest::Client, base: &str, secret: &str) -> anyhow::Result<String> {
    let form = client.get(format!("{base}/console/login")).send().await?;
    let login = cookie(&form, "spares_login").ok_or_else(|| anyhow::anyhow!("no login cookie"))?;
    let html = form.text().await?;
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).ok_or_else(|| anyhow::anyhow!("no csrf"))? + marker.len();
    let csrf = html[start..].split('"').next().unwrap_or_default().to_owned();
    let signed = client
        .post(format!("{base}/console/login"))
        .header("cookie", login)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_html_form::to_string([("key", secret), ("csrf", csrf.as_str())])?)
        .send()
        .await?;
    cookie(&signed, "spares_session").ok_or_else(|| anyhow::anyhow!("sign-in refused: {}", signed.status()))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

async fn measure(settings: Settings, pool: DbPool, secret: String, iterations: usize) -> anyhow::Result<()> {
    let app = startup::build(&settings, pool)?;
    actix_web::rt::spawn(app.server);
    let base = format!("http://{}", app.address);
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let session = sign_in(&client, &base, &secret).await?;
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    for (label, query) in FILTERS {
        let mut times = Vec::with_capacity(iterations);
        let mut size = 0;
        for i in 0..iterations + 5 {
            let started = Instant::now();
            let response = client
                .get(format!("{base}/console/proposals?{query}"))
                .header("cookie", &session)
                .send()
                .await?;
            let status = response.status();
            let html = response.text().await?;
            let elapsed = started.elapsed();
            anyhow::ensure!(status == 200, "{query}: {status}");
            let rows = html.matches("name=\"ids\"").count();
            anyhow::ensure!(rows == 100, "{query}: {rows} rows, not a full page");
            size = html.len();
            if i >= 5 {
                times.push(elapsed);
            }
        }
        times.sort();
        println!(
            "{label:<34} ?{query:<48} median {:6.1} ms  p95 {:6.1} ms  max {:6.1} ms  ({iterations} requests, 100 rows, {} KiB)",
            ms(percentile(&times, 0.5)),
            ms(percentile(&times, 0.95)),
            ms(times[times.len() - 1]),
            size / 1024
        );
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let iterations: usize = std::env::var("WORKLIST_BENCH_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let dir = tempfile::tempdir()?;
    let url = std::env::var("WORKLIST_BENCH_DATABASE_URL")
        .unwrap_or_else(|_| dir.path().join("worklist.db").to_string_lossy().into_owned());
    let settings = settings(&url)?;
    let pool = startup::prepare_database(&settings)?;
    let secret = seed(&pool)?;
    println!("backend {:?}", settings.database.backend);
    actix_web::rt::System::new().block_on(measure(settings, pool, secret, iterations))
}
