//! CSV exports: `?format=csv` or `Accept: text/csv` on proposals, stock, movements, KPIs and the
//! at-risk list, with the JSON list's filters and the key's warehouse scope, every matching
//! row (streamed page by page, whatever `limit` says).

use reqwest::Method;

use crate::helpers::{read, Raw, TestApp};
use crate::on_both_backends;
use crate::replenishment::{plan_with_demand, terms};

on_both_backends!(
    stock_and_movements_export_every_matching_row_as_csv_within_the_keys_scope,
    proposals_kpis_and_the_at_risk_list_export_as_csv_with_their_filters,
    an_unknown_format_or_filter_is_a_400_not_a_file,
);

/// A CSV answer: status, content type and the records (header first).
async fn csv(app: &TestApp, secret: &str, path: &str, accept: Option<&str>) -> (u16, String, Vec<Vec<String>>) {
    let mut request = app.client.get(format!("{}{path}", app.address)).bearer_auth(secret);
    if let Some(accept) = accept {
        request = request.header("Accept", accept);
    }
    let Raw {
        status,
        content_type,
        text,
    } = read(request.send().await.expect("sent")).await;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    let records = reader
        .records()
        .map(|r| r.expect("a CSV record").iter().map(str::to_owned).collect())
        .collect();
    (status, content_type, records)
}

fn column(records: &[Vec<String>], name: &str) -> Vec<String> {
    let i = records[0]
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("a {name} column in {:?}", records[0]));
    records[1..].iter().map(|r| r[i].clone()).collect()
}

async fn stock_and_movements_export_every_matching_row_as_csv_within_the_keys_scope(app: TestApp) {
    app.seed_network().await;
    for (warehouse, part) in [("N-01", "P-1"), ("N-01", "P-2"), ("N-01", "P-3"), ("E-RDC", "P-1")] {
        app.receive(warehouse, part, 4).await;
    }
    let admin = app.admin_key.clone();
    let (status, content_type, records) =
        csv(&app, &admin, "/api/v1/stock?warehouse=N-01&limit=1", Some("text/csv")).await;
    assert_eq!(status, 200);
    assert!(content_type.starts_with("text/csv"), "{content_type}");
    assert_eq!(records[0][..3], ["warehouse", "region", "part_number"]);
    // `limit` only sizes the reads: all three N-01 balances are in the file.
    assert_eq!(column(&records, "part_number"), ["P-1", "P-2", "P-3"], "{records:?}");
    assert_eq!(column(&records, "on_hand"), ["4", "4", "4"]);

    let (status, _, records) = csv(&app, &admin, "/api/v1/movements?format=csv&limit=2&kind=receipt", None).await;
    assert_eq!(status, 200);
    assert_eq!(column(&records, "kind").len(), 4, "{records:?}");
    assert_eq!(column(&records, "on_hand_delta"), ["4", "4", "4", "4"]);

    let staff = app.key("e-staff", "warehouse", Some(&["E-RDC"])).await;
    let (_, _, records) = csv(&app, &staff, "/api/v1/movements?format=csv", None).await;
    assert_eq!(column(&records, "warehouse"), ["E-RDC"], "{records:?}");
    let (_, _, records) = csv(&app, &staff, "/api/v1/stock?format=csv", None).await;
    assert_eq!(column(&records, "warehouse"), ["E-RDC"]);
    // Nothing matches: an empty body, not an error.
    let (status, _, records) = csv(&app, &admin, "/api/v1/movements?format=csv&kind=scrap", None).await;
    assert_eq!((status, records.len()), (200, 0));
}

async fn proposals_kpis_and_the_at_risk_list_export_as_csv_with_their_filters(app: TestApp) {
    app.seed_network().await;
    terms(&app, "P-1", 1, 1).await;
    plan_with_demand(&app).await;
    let admin = app.admin_key.clone();
    let (status, _, records) = csv(&app, &admin, "/api/v1/proposals?format=csv&kind=purchase", None).await;
    assert_eq!(status, 200);
    assert_eq!(column(&records, "part_number"), ["P-1"], "{records:?}");
    let value = &column(&records, "value")[0];
    assert_eq!(
        value.split('.').nth(1).map(str::len),
        Some(2),
        "money with two decimals: {value}"
    );
    assert!(column(&records, "sentence")[0].starts_with("Buy "));
    let (_, _, records) = csv(&app, &admin, "/api/v1/proposals?format=csv&kind=transfer", None).await;
    assert!(records.is_empty(), "the filter applies: {records:?}");

    let (status, _, records) = csv(&app, &admin, "/api/v1/kpis?by=warehouse&region=north", Some("text/csv")).await;
    assert_eq!(status, 200);
    assert_eq!(column(&records, "group"), ["N-01", "N-RDC"], "{records:?}");
    let (_, _, records) = csv(&app, &admin, "/api/v1/kpis?format=csv", None).await;
    assert_eq!(column(&records, "group"), ["network"]);

    let (status, _, records) = csv(&app, &admin, "/api/v1/at-risk?format=csv&warehouse=N-01", None).await;
    assert_eq!(status, 200);
    assert_eq!(column(&records, "part_number"), ["P-1"], "{records:?}");
    assert_eq!(column(&records, "has_stock_row"), ["false"]);
    assert_eq!(column(&records, "value_at_risk"), ["175.00"]);
    let staff = app.key("e-staff", "warehouse", Some(&["E-RDC"])).await;
    let (_, _, records) = csv(&app, &staff, "/api/v1/at-risk?format=csv", None).await;
    assert!(records.is_empty(), "N-01 is outside the key's warehouses: {records:?}");
}

async fn an_unknown_format_or_filter_is_a_400_not_a_file(app: TestApp) {
    app.seed_network().await;
    for path in [
        "/api/v1/stock?format=xml",
        "/api/v1/stock?format=csv&warehouse=NOPE",
        "/api/v1/at-risk?format=csv&sort=colour",
        "/api/v1/kpis?format=csv&by=colour",
        "/api/v1/proposals?format=csv&status=pending",
    ] {
        let reply = app.request(Method::GET, path, None, None).await;
        assert_eq!(reply.status, 400, "{path}: {}", reply.body);
        assert!(reply.content_type.starts_with("application/problem+json"), "{path}");
        assert!(reply.body["field"].is_string(), "{path}: {}", reply.body);
    }
    let repair = app.key("bench", "repair", None).await;
    let reply = app
        .request_as(Some(&repair), Method::GET, "/api/v1/stock?format=csv", None, None)
        .await;
    assert_eq!(reply.status, 403, "{}", reply.body);
}
