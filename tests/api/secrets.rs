//! Webhook signing secrets are stored AES-256-GCM encrypted: never in plain text in the
//! database, its dump, the audit trail or the idempotency store.

use std::process::Command;

use diesel::prelude::*;
use serde_json::json;
use spares::schema::webhook_endpoints as e;
use spares::secrets::store::WEBHOOK_SECRET;
use spares::secrets::KeyRing;

use crate::helpers::{TestApp, TEST_KEY_FILE};
use crate::{on_both_backends, on_both_backends_with};

on_both_backends_with!(
    creating_a_webhook_without_a_key_file_is_refused_naming_the_setting => |s| s.security.secret_keys = None,
);
on_both_backends!(
    a_webhook_secret_appears_in_no_table_dump_or_database_file,
    plain_secrets_from_before_are_sealed_at_start_never_signed_with_and_rotate_re_encrypts,
);

const SECRET: &str = "whsec-marker-7f3a9c-never-stored-in-plain";

async fn creating_a_webhook_without_a_key_file_is_refused_naming_the_setting(app: TestApp) {
    let reply = app
        .post(
            "/api/v1/webhooks",
            &json!({ "url": "http://127.0.0.1:9/hook", "secret": SECRET }),
        )
        .await;
    assert_eq!(reply.status, 503, "{}", reply.body);
    assert_eq!(reply.content_type, "application/problem+json");
    assert_eq!(reply.body["setting"], "SPARES_SECRET_KEY_FILE");
    assert!(reply.body["detail"]
        .as_str()
        .unwrap_or_default()
        .contains("SPARES_SECRET_KEY_FILE"));
    let listed = app.get("/api/v1/webhooks").await;
    assert_eq!(listed.body, json!([]), "nothing was registered");
}

async fn a_webhook_secret_appears_in_no_table_dump_or_database_file(app: TestApp) {
    let body = json!({ "url": "http://127.0.0.1:9/hook", "secret": SECRET });
    let created = app.post_with_key("/api/v1/webhooks", &body, "hook-1").await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.body["secret"], SECRET, "the creation response shows it once");
    let replay = app.post_with_key("/api/v1/webhooks", &body, "hook-1").await;
    assert_eq!(replay.status, 201);
    assert!(
        replay.body.get("secret").is_none(),
        "a replay withholds it: {}",
        replay.body
    );
    let generated = app
        .post("/api/v1/webhooks", &json!({ "url": "http://127.0.0.1:9/other" }))
        .await;
    let generated = generated.body["secret"].as_str().expect("generated secret").to_owned();

    let (stored, key_id): (String, Option<String>) = {
        let mut conn = app.pool.get().expect("conn");
        e::table
            .order(e::id)
            .select((e::secret, e::secret_key_id))
            .first(&mut conn)
            .expect("row")
    };
    assert_eq!(key_id.as_deref(), Some("test"), "the key id is stored with the value");
    let keys = KeyRing::parse(TEST_KEY_FILE).expect("keys");
    assert_eq!(keys.open(WEBHOOK_SECRET, "test", &stored).expect("opens"), SECRET);

    let everything = database_contents(&app);
    assert!(
        everything.len() > 10_000,
        "the dump holds the database ({} bytes)",
        everything.len()
    );
    for secret in [SECRET, generated.as_str()] {
        assert!(
            !contains(&everything, secret.as_bytes()),
            "{secret} is stored in plain text somewhere"
        );
    }
    assert!(
        contains(&everything, b"http://127.0.0.1:9/hook"),
        "the dump does hold the endpoint"
    );
}

/// Every byte the database keeps: `pg_dump` of the database, or the SQLite file with its WAL.
fn database_contents(app: &TestApp) -> Vec<u8> {
    if app.database_url.starts_with("postgres") {
        let dump = Command::new("pg_dump")
            .arg(&app.database_url)
            .output()
            .expect("pg_dump runs");
        assert!(dump.status.success(), "{}", String::from_utf8_lossy(&dump.stderr));
        return dump.stdout;
    }
    let mut bytes = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        if let Ok(mut part) = std::fs::read(format!("{}{suffix}", app.database_url)) {
            bytes.append(&mut part);
        }
    }
    bytes
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn spares(app: &TestApp, key_file: &std::path::Path, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_spares"))
        .args(args)
        .env("DATABASE_URL", &app.database_url)
        .env("SPARES_SECRET_KEY_FILE", key_file)
        .output()
        .expect("spares runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

async fn plain_secrets_from_before_are_sealed_at_start_never_signed_with_and_rotate_re_encrypts(app: TestApp) {
    let plain_id: i64 = {
        let mut conn = app.pool.get().expect("conn");
        // A row as a version before encryption wrote it, with an event waiting for it.
        let id = diesel::insert_into(e::table)
            .values((
                e::url.eq("http://127.0.0.1:9/b"),
                e::secret.eq(SECRET),
                e::events.eq("*"),
                e::active.eq(true),
                e::created_at.eq(spares::db::now()),
            ))
            .returning(e::id)
            .get_result(&mut conn)
            .expect("plain row");
        spares::webhooks::enqueue(&mut conn, "reservation.refused", &json!({ "x": 1 })).expect("event");
        id
    };
    let client = reqwest::Client::new();
    let keys = KeyRing::parse(TEST_KEY_FILE).expect("keys");
    let pass = spares::webhooks::delivery::deliver_due(&app.pool, &client, &keys, spares::db::now())
        .await
        .expect("pass");
    assert_eq!(
        (pass.delivered, pass.failed),
        (0, 0),
        "a plain secret is never used to sign"
    );
    let through_api = app
        .post(
            "/api/v1/webhooks",
            &json!({ "url": "http://127.0.0.1:9/a", "secret": "sealed-under-test-key" }),
        )
        .await;
    assert_eq!(through_api.status, 201);
    let api_id = through_api.body["id"].as_i64().expect("id");

    let dir = tempfile::tempdir().expect("dir");
    let key_file = dir.path().join("keys");
    std::fs::write(&key_file, TEST_KEY_FILE).expect("key file");
    spares(&app, &key_file, &["migrate"]);
    let stored = |id: i64| -> (String, Option<String>) {
        let mut conn = app.pool.get().expect("conn");
        e::table
            .find(id)
            .select((e::secret, e::secret_key_id))
            .first(&mut conn)
            .expect("row")
    };
    let (sealed, key_id) = stored(plain_id);
    assert_eq!(
        key_id.as_deref(),
        Some("test"),
        "sealed when the service starts with a key file"
    );
    assert_eq!(keys.open(WEBHOOK_SECRET, "test", &sealed).expect("opens"), SECRET);

    let line = spares(&app, &key_file, &["secrets", "generate-key", "--id", "next"]);
    std::fs::write(&key_file, format!("{TEST_KEY_FILE}{line}")).expect("rotated key file");
    let report = spares(&app, &key_file, &["secrets", "rotate"]);
    assert!(report.starts_with("2 secret(s)"), "{report}");
    let rotated = KeyRing::load(&key_file).expect("keys");
    for (id, secret) in [(plain_id, SECRET), (api_id, "sealed-under-test-key")] {
        let (sealed, key_id) = stored(id);
        assert_eq!(key_id.as_deref(), Some("next"));
        assert_eq!(rotated.open(WEBHOOK_SECRET, "next", &sealed).expect("opens"), secret);
        assert!(
            keys.open(WEBHOOK_SECRET, "test", &sealed).is_err(),
            "no longer under the old key"
        );
    }
}
