//! `TestApp`: the real service on port 0 against a fresh database per test, SQLite or
//! PostgreSQL (`SPARES_TEST_POSTGRES_URL`, default the local server as user postgres).

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use serde_json::{json, Value};
use spares::config::Settings;
use spares::db::{Backend, DatabaseUrl, DbPool};
use spares::startup;

pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Runs each named `async fn(TestApp)` once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[actix_web::test]
                async fn sqlite() {
                    super::$name($crate::helpers::spawn_app(spares::db::Backend::Sqlite).await).await
                }

                #[actix_web::test]
                async fn postgres() {
                    super::$name($crate::helpers::spawn_app(spares::db::Backend::Postgres).await).await
                }
            }
        )+
    };
}

/// Like [`on_both_backends!`], with the settings adjusted before the app starts:
/// `name => |settings| ...` runs `async fn name(TestApp)` on both backends.
#[macro_export]
macro_rules! on_both_backends_with {
    ($($name:ident => $adjust:expr),+ $(,)?) => {
        $(
            mod $name {
                #[actix_web::test]
                async fn sqlite() {
                    let app = $crate::helpers::spawn_app_with(spares::db::Backend::Sqlite, $adjust).await;
                    super::$name(app).await
                }

                #[actix_web::test]
                async fn postgres() {
                    let app = $crate::helpers::spawn_app_with(spares::db::Backend::Postgres, $adjust).await;
                    super::$name(app).await
                }
            }
        )+
    };
}

enum TestDatabase {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let TestDatabase::Postgres { admin_url, name } = self {
            if let Ok(mut conn) = PgConnection::establish(admin_url) {
                let _ = conn.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
            }
        }
    }
}

pub struct TestApp {
    pub address: String,
    /// Secret of an admin key, sent by the request helpers unless another is given.
    pub admin_key: String,
    pub client: reqwest::Client,
    pub pool: DbPool,
    pub database_url: String,
    _database: TestDatabase,
}

fn postgres_admin_url() -> String {
    std::env::var("SPARES_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_owned())
}

fn fresh_database(backend: Backend) -> (String, TestDatabase) {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = dir.path().join("spares.db").to_string_lossy().into_owned();
            (url, TestDatabase::Sqlite(dir))
        }
        Backend::Postgres => {
            let admin_url = postgres_admin_url();
            let name = format!("spares_test_{}", uuid::Uuid::new_v4().simple());
            let mut conn = PgConnection::establish(&admin_url)
                .unwrap_or_else(|e| panic!("PostgreSQL must be reachable at {admin_url}: {e}"));
            conn.batch_execute(&format!("CREATE DATABASE \"{name}\""))
                .expect("create test database");
            let base = admin_url.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin_url);
            (format!("{base}/{name}"), TestDatabase::Postgres { admin_url, name })
        }
    }
}

/// The key ring test apps seal secrets with (a fixed key: test data, not a secret).
pub fn test_secret_keys() -> std::sync::Arc<spares::secrets::KeyRing> {
    std::sync::Arc::new(spares::secrets::KeyRing::parse(TEST_KEY_FILE).expect("test key file"))
}

/// A key file: one key `test`, 32 bytes of 0x07.
pub const TEST_KEY_FILE: &str = "test BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n";

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

pub async fn spawn_app_with(backend: Backend, adjust: impl FnOnce(&mut Settings)) -> TestApp {
    if std::env::var("TEST_LOG").is_ok() {
        spares::telemetry::init(spares::telemetry::LogFormat::Text);
    }
    let (url, database) = fresh_database(backend);
    let mut settings = Settings {
        database: DatabaseUrl::parse(&url).expect("test database url"),
        read_database: None,
        bind: "127.0.0.1:0".to_owned(),
        pool_size: Some(8),
        reservation_ttl: chrono::Duration::hours(72),
        expiry_interval: std::time::Duration::from_secs(3600),
        workers: Some(2),
        request_timeout: std::time::Duration::from_secs(30),
        cors_origins: Vec::new(),
        metrics_public: true,
        forecast: Default::default(),
        forecast_interval: None,
        replenishment: Default::default(),
        replenishment_interval: None,
        webhook_interval: None,
        urgent_interval: None,
        security: Default::default(),
    };
    settings.security.secret_keys = Some(test_secret_keys());
    adjust(&mut settings);
    let pool = startup::prepare_database(&settings).expect("database ready");
    let admin_key = {
        let mut conn = pool.get().expect("conn");
        let input = spares::auth::keys::NewKey {
            name: "test-admin".into(),
            role: spares::auth::Role::Admin,
            warehouses: None,
            expires_at: None,
        };
        spares::auth::keys::create(&mut conn, &input, "test")
            .expect("admin key")
            .secret
    };
    let app = startup::build(&settings, pool.clone()).expect("server builds");
    actix_web::rt::spawn(app.server);
    TestApp {
        address: format!("http://{}", app.address),
        admin_key,
        client: reqwest::Client::new(),
        pool,
        database_url: url,
        _database: database,
    }
}

/// Runs `job` as four instances at once (`instance-0` to `instance-3`, a thread each) and
/// asserts that exactly one of them did the work (`job` answers whether it did).
pub fn assert_one_of_four_instances_runs(job: impl Fn(&str) -> bool + Sync) {
    let runs: Vec<bool> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|i| {
                let job = &job;
                s.spawn(move || job(&format!("instance-{i}")))
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("thread")).collect()
    });
    assert_eq!(
        runs.iter().filter(|r| **r).count(),
        1,
        "exactly one instance ran: {runs:?}"
    );
}

/// A response's status and JSON body (`Null` when the body is not JSON).
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub body: Value,
}

/// A response as it came: status, content type and body text.
pub struct Raw {
    pub status: u16,
    pub content_type: String,
    pub text: String,
}

/// Reads a whole response.
pub async fn read(response: reqwest::Response) -> Raw {
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let text = response.text().await.expect("body read");
    Raw {
        status,
        content_type,
        text,
    }
}

impl TestApp {
    pub async fn request(&self, method: reqwest::Method, path: &str, body: Option<&Value>, key: Option<&str>) -> Reply {
        self.request_as(Some(&self.admin_key), method, path, body, key).await
    }

    /// A request with the given API key secret (or none).
    pub async fn request_as(
        &self,
        secret: Option<&str>,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
        key: Option<&str>,
    ) -> Reply {
        let mut request = self.client.request(method, format!("{}{path}", self.address));
        if let Some(secret) = secret {
            request = request.bearer_auth(secret);
        }
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        let Raw {
            status,
            content_type,
            text,
        } = read(request.send().await.expect("request sent")).await;
        Reply {
            status,
            content_type,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.request(reqwest::Method::GET, path, None, None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Reply {
        self.request(reqwest::Method::POST, path, Some(body), None).await
    }

    pub async fn post_with_key(&self, path: &str, body: &Value, key: &str) -> Reply {
        self.request(reqwest::Method::POST, path, Some(body), Some(key)).await
    }

    pub async fn patch(&self, path: &str, body: &Value) -> Reply {
        self.request(reqwest::Method::PATCH, path, Some(body), None).await
    }

    /// Creates a key through the API and returns its secret.
    pub async fn key(&self, name: &str, role: &str, warehouses: Option<&[&str]>) -> String {
        let mut body = json!({ "name": name, "role": role });
        if let Some(codes) = warehouses {
            body["warehouses"] = json!(codes);
        }
        let reply = self.post("/api/v1/keys", &body).await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        reply.body["secret"].as_str().expect("secret").to_owned()
    }

    /// Two regions (north: N-RDC regional + N-01 local; east: E-RDC regional) and parts
    /// P-1 and P-2 with a supplier.
    pub async fn seed_network(&self) {
        for (code, name) in [("north", "North"), ("east", "East")] {
            let reply = self
                .post("/api/v1/regions", &json!({ "code": code, "name": name }))
                .await;
            assert_eq!(reply.status, 201, "{}", reply.body);
        }
        for (code, region, kind) in [
            ("N-RDC", "north", "regional"),
            ("N-01", "north", "local"),
            ("E-RDC", "east", "regional"),
        ] {
            let reply = self
                .post(
                    "/api/v1/warehouses",
                    &json!({ "code": code, "name": format!("{code} warehouse"), "region": region, "kind": kind }),
                )
                .await;
            assert_eq!(reply.status, 201, "{}", reply.body);
        }
        for pn in ["P-1", "P-2", "P-3"] {
            let reply = self
                .post(
                    "/api/v1/parts",
                    &json!({ "part_number": pn, "description": format!("part {pn}"), "unit_cost": "12.50" }),
                )
                .await;
            assert_eq!(reply.status, 201, "{}", reply.body);
        }
        let reply = self
            .post("/api/v1/suppliers", &json!({ "code": "SUP-1", "name": "Supplier one" }))
            .await;
        assert_eq!(reply.status, 201, "{}", reply.body);
    }

    pub async fn receive(&self, warehouse: &str, part: &str, quantity: i64) {
        let reply = self
            .post(
                "/api/v1/movements",
                &json!({ "kind": "receipt", "warehouse": warehouse, "part_number": part, "quantity": quantity }),
            )
            .await;
        assert_eq!(reply.status, 201, "{}", reply.body);
    }

    /// The balance row of (warehouse, part), or all zeros when there is none.
    pub async fn balance(&self, warehouse: &str, part: &str) -> Value {
        let reply = self
            .get(&format!(
                "/api/v1/stock?warehouse={warehouse}&part_number={part}&hide_empty=false"
            ))
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.body["items"]
            .as_array()
            .and_then(|items| items.first().cloned())
            .unwrap_or_else(|| json!({ "on_hand": 0, "reserved": 0, "available": 0, "defective": 0, "in_transit_in": 0, "on_order": 0 }))
    }

    /// How many ledger rows there are; panics when the ledger cannot be read, so that a failed
    /// GET never passes for "0 rows".
    pub async fn ledger_len(&self) -> usize {
        let reply = self.get("/api/v1/movements?limit=500").await;
        assert_eq!(reply.status, 200, "the ledger could not be read: {}", reply.body);
        let items = reply.body["items"].as_array().expect("a page of movements");
        assert!(reply.body["next_cursor"].is_null(), "more than one page of movements");
        items.len()
    }

    /// Imports demand history (CSV with a header) and expects it accepted.
    pub async fn import_demand(&self, csv: String) {
        let reply = self
            .client
            .post(format!("{}/api/v1/demand-history", self.address))
            .bearer_auth(&self.admin_key)
            .header("content-type", "text/csv")
            .body(csv)
            .send()
            .await
            .expect("sent");
        assert_eq!(reply.status().as_u16(), 200);
    }

    /// Asserts that every balance equals the sum of its ledger.
    pub fn assert_ledger_agrees(&self) {
        let mut conn = self.pool.get().expect("connection");
        let report = spares::db::write_tx(&mut conn, spares::stock::verify::verify).expect("verify runs");
        assert!(
            report.mismatches.is_empty(),
            "balances differ from the ledger: {:?}",
            report.mismatches
        );
    }
}
