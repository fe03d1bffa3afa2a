//! Bad bodies, table by table: every field of every endpoint refused with a 400 naming it, and
//! nothing posted or changed.

use super::*;
use crate::on_both_backends;

on_both_backends!(
    bad_catalog_bodies_are_refused_naming_the_field_and_change_nothing,
    bad_movement_reservation_and_transfer_bodies_are_refused_naming_the_field_and_post_nothing,
);

async fn bad_catalog_bodies_are_refused_naming_the_field_and_change_nothing(app: TestApp) {
    arrange(&app).await;
    let before = snapshot(&app).await;
    let mut table = region_and_warehouse_cases();
    table.extend(part_cases());
    table.extend(supplier_cases());
    assert_all_refused(&app, table, &before).await;
}

fn region_and_warehouse_cases() -> Vec<Case> {
    let mut table = cases(
        Method::POST,
        "/api/v1/regions",
        json!({ "code": "R-NEW", "name": "New region" }),
        &["code", "name"],
        true,
        vec![
            ("/code", long(65), "code"),
            ("/code", json!(""), "code"),
            ("/code", json!("has space"), "code"),
            ("/code", json!(42), "code"),
            ("/name", long(201), "name"),
            ("/name", json!("   "), "name"),
            ("/name", json!("bell\u{7}"), "name"),
        ],
    );
    table.extend(cases(
        Method::POST,
        "/api/v1/warehouses",
        json!({ "code": "W-NEW", "name": "New", "region": "north", "kind": "local", "active": true }),
        &["code", "name", "region", "kind"],
        true,
        vec![
            ("/code", long(65), "code"),
            ("/name", long(201), "name"),
            ("/region", json!("nowhere"), "region"),
            ("/kind", json!("giant"), "kind"),
        ],
    ));
    table.extend(cases(
        Method::PATCH,
        "/api/v1/warehouses/N-01",
        json!({ "name": "Renamed", "region": "east", "kind": "regional", "active": false }),
        &[],
        true,
        vec![
            ("/name", long(201), "name"),
            ("/name", json!(""), "name"),
            ("/region", json!("nowhere"), "region"),
            ("/kind", json!("giant"), "kind"),
        ],
    ));
    table
}

fn part_cases() -> Vec<Case> {
    let part = json!({ "part_number": "P-NEW", "description": "New part", "unit_of_measure": "each",
        "unit_cost": "1.25", "criticality": "high", "superseded_by": "P-1", "active": true });
    let mut table = cases(
        Method::POST,
        "/api/v1/parts",
        part,
        &["part_number", "description", "unit_cost"],
        true,
        vec![
            ("/part_number", long(65), "part_number"),
            ("/description", long(501), "description"),
            ("/description", json!(""), "description"),
            ("/unit_of_measure", long(17), "unit_of_measure"),
            ("/unit_cost", json!("-0.01"), "unit_cost"),
            ("/unit_cost", json!(-1), "unit_cost"),
            ("/unit_cost", json!("abc"), "unit_cost"),
            ("/unit_cost", json!("1.1234567"), "unit_cost"),
            ("/unit_cost", json!("1000000000000.5"), "unit_cost"),
            ("/criticality", json!("meh"), "criticality"),
            ("/superseded_by", json!("NOPE"), "superseded_by"),
            ("/superseded_by", json!("P-NEW"), "superseded_by"),
        ],
    );
    table.extend(cases(
        Method::PATCH,
        "/api/v1/parts/P-1",
        json!({ "description": "Renamed", "unit_of_measure": "box", "unit_cost": "2", "criticality": "low",
            "superseded_by": "P-2", "active": false }),
        &[],
        true,
        vec![
            ("/description", long(501), "description"),
            ("/unit_of_measure", json!(""), "unit_of_measure"),
            ("/unit_cost", json!("-5"), "unit_cost"),
            ("/superseded_by", json!("NOPE"), "superseded_by"),
            ("/superseded_by", json!("P-1"), "superseded_by"),
        ],
    ));
    table
}

fn supplier_cases() -> Vec<Case> {
    let mut table = cases(
        Method::POST,
        "/api/v1/suppliers",
        json!({ "code": "S-NEW", "name": "New supplier", "active": true }),
        &["code", "name"],
        true,
        vec![
            ("/code", long(65), "code"),
            ("/code", json!(""), "code"),
            ("/name", long(201), "name"),
        ],
    );
    table.extend(cases(
        Method::PATCH,
        "/api/v1/suppliers/SUP-1",
        json!({ "name": "Renamed", "active": false }),
        &[],
        true,
        vec![("/name", long(201), "name"), ("/name", json!(" "), "name")],
    ));
    table.extend(cases(
        Method::PUT,
        "/api/v1/suppliers/SUP-1/parts/P-1",
        json!({ "lead_time_days": 5, "moq": 10, "pack_size": 5, "unit_price": "8.75", "preferred": true }),
        &["lead_time_days", "unit_price"],
        true,
        vec![
            ("/lead_time_days", json!(-1), "lead_time_days"),
            ("/lead_time_days", json!(3651), "lead_time_days"),
            ("/lead_time_days", json!(1.5), "lead_time_days"),
            ("/moq", json!(0), "moq"),
            ("/moq", json!(-1), "moq"),
            ("/moq", json!("ten"), "moq"),
            ("/pack_size", json!(0), "pack_size"),
            ("/pack_size", json!(-1), "pack_size"),
            ("/unit_price", json!("-1"), "unit_price"),
            ("/unit_price", json!("cheap"), "unit_price"),
        ],
    ));
    table
}

async fn bad_movement_reservation_and_transfer_bodies_are_refused_naming_the_field_and_post_nothing(app: TestApp) {
    let fixture = arrange(&app).await;
    let before = snapshot(&app).await;
    let mut table = movement_cases();
    table.extend(reservation_and_transfer_cases(&fixture));
    assert_all_refused(&app, table, &before).await;
}

/// Every staff movement kind: the fields all kinds share, then each kind's own.
fn movement_cases() -> Vec<Case> {
    let base = json!({ "warehouse": "N-RDC", "part_number": "P-1", "quantity": 1, "note": "n" });
    let kinds = [
        (
            "receipt",
            json!({ "supplier": "SUP-1", "purchase_order": "PO-1", "lot": "LOT-1" }),
            vec![],
        ),
        ("issue", json!({ "repair_order": "RO-9" }), vec![]),
        (
            "adjustment",
            json!({ "quantity": -1, "reason_code": "count" }),
            vec!["reason_code"],
        ),
        (
            "return",
            json!({ "condition": "good", "repair_order": "RO-9" }),
            vec!["condition"],
        ),
        ("scrap", json!({ "source": "on_hand", "reason_code": "damage" }), vec![]),
    ];
    let mut table = Vec::new();
    for (kind, extra, also_required) in kinds {
        let mut valid = with(&base, "/kind", json!(kind));
        for (name, value) in extra.as_object().expect("fields") {
            valid = with(&valid, &format!("/{name}"), value.clone());
        }
        let mut required = vec!["kind", "warehouse", "part_number", "quantity"];
        required.extend(also_required);
        let mut bad = vec![
            ("/warehouse", json!("NOPE"), "warehouse"),
            ("/part_number", json!("NOPE"), "part_number"),
            ("/quantity", json!(0), "quantity"),
            ("/quantity", json!(1.5), "quantity"),
            ("/quantity", json!("1"), "quantity"),
            ("/quantity", json!(1_000_000_001), "quantity"),
            ("/note", long(501), "note"),
            ("/note", json!(""), "note"),
            ("/kind", json!("teleport"), "kind"),
            ("/kind", json!("transfer_ship"), "kind"),
        ];
        bad.extend(match kind {
            "receipt" => vec![
                ("/quantity", json!(-1), "quantity"),
                ("/supplier", json!("NOPE"), "supplier"),
                ("/purchase_order", long(65), "purchase_order"),
                ("/lot", long(65), "lot"),
            ],
            "issue" => vec![
                ("/quantity", json!(-1), "quantity"),
                ("/repair_order", long(65), "repair_order"),
            ],
            "adjustment" => vec![
                ("/quantity", json!(-1_000_000_001), "quantity"),
                ("/reason_code", json!("whim"), "reason_code"),
                ("/reason_code", long(33), "reason_code"),
            ],
            "return" => vec![
                ("/quantity", json!(-1), "quantity"),
                ("/condition", json!("broken"), "condition"),
                ("/repair_order", long(65), "repair_order"),
            ],
            _ => vec![
                ("/quantity", json!(-1), "quantity"),
                ("/source", json!("shelf"), "source"),
                ("/reason_code", long(33), "reason_code"),
            ],
        });
        table.extend(cases(Method::POST, "/api/v1/movements", valid, &required, true, bad));
    }
    table
}

fn reservation_and_transfer_cases(fixture: &Fixture) -> Vec<Case> {
    let mut table = Vec::new();
    let line = json!([{ "part_number": "P-2", "quantity": 1 }]);
    table.extend(cases(
        Method::POST,
        "/api/v1/reservations",
        json!({ "repair_order": "RO-NEW", "warehouse": "N-01", "lines": line.clone(), "expires_in_minutes": 60 }),
        &["repair_order", "warehouse", "lines"],
        true,
        vec![
            ("/repair_order", long(65), "repair_order"),
            ("/repair_order", json!(""), "repair_order"),
            ("/warehouse", json!("NOPE"), "warehouse"),
            ("/lines", json!([]), "lines"),
            (
                "/lines",
                json!(vec![json!({ "part_number": "P-2", "quantity": 1 }); 201]),
                "lines",
            ),
            ("/expires_in_minutes", json!(0), "expires_in_minutes"),
            ("/expires_in_minutes", json!(-5), "expires_in_minutes"),
            ("/expires_in_minutes", json!(525_601), "expires_in_minutes"),
        ],
    ));
    table.extend(cases(
        Method::POST,
        &format!("/api/v1/reservations/{}/consume", fixture.reservation),
        json!({ "lines": line }),
        &[],
        false,
        vec![
            ("/lines/0/quantity", json!(3), "lines[0].quantity"),
            ("/lines/0/part_number", json!("P-1"), "lines[0].part_number"),
        ],
    ));
    table.extend(cases(
        Method::POST,
        "/api/v1/transfers",
        json!({ "from": "N-RDC", "to": "E-RDC", "lines": [{ "part_number": "P-1", "quantity": 1 }], "note": "n" }),
        &["from", "to", "lines"],
        true,
        vec![
            ("/from", json!("NOPE"), "from"),
            ("/to", json!("NOPE"), "to"),
            ("/to", json!("N-RDC"), "to"),
            ("/note", long(501), "note"),
            ("/lines", json!([]), "lines"),
        ],
    ));
    table.extend(cases(
        Method::POST,
        &format!("/api/v1/transfers/{}/receive", fixture.transfer),
        json!({ "lines": [{ "part_number": "P-1", "quantity": 1 }], "close": false }),
        &[],
        false,
        vec![
            ("/lines/0/quantity", json!(3), "lines[0].quantity"),
            ("/lines/0/part_number", json!("P-2"), "lines[0].part_number"),
        ],
    ));
    table
}
