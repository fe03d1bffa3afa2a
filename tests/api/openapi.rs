//! The committed `openapi.yaml` must be what the code generates. Run with
//! `UPDATE_OPENAPI=1 cargo test openapi` to rewrite it.

#[test]
fn the_committed_openapi_document_is_current() {
    let generated = spares::api::openapi::yaml().expect("document renders");
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.yaml");
    if std::env::var("UPDATE_OPENAPI").is_ok() {
        std::fs::write(path, &generated).expect("openapi.yaml written");
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == generated,
        "openapi.yaml is stale: run `UPDATE_OPENAPI=1 cargo test --test api openapi` and commit it"
    );
}
