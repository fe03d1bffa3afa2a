//! The published `Problem` schema describes the bodies the service really sends: real problem
//! bodies of each shape (validation, insufficient stock, a reservation shortage with where the
//! part is elsewhere, a rejected import with its row errors, not found, unauthorized, a reused
//! idempotency key) validate against it, and every member they carry is declared there.

use serde_json::{json, Value};

use crate::helpers::TestApp;
use crate::on_both_backends;

on_both_backends!(real_problem_bodies_validate_against_the_published_problem_schema);

/// The OpenAPI document as JSON (the `openapi` test holds `openapi.yaml` equal to it).
fn document() -> Value {
    use utoipa::OpenApi;
    serde_json::to_value(spares::api::openapi::ApiDoc::openapi()).expect("document as JSON")
}

/// Where `value` breaks `schema` (the subset of JSON Schema utoipa writes: `$ref`, `type`
/// alone or as a list, `required`, `properties`, `items`, `allOf`, `oneOf`, `enum`,
/// `minimum`), with members the schema does not declare counted as breaks too.
fn violations(doc: &Value, schema: &Value, value: &Value, at: &str, found: &mut Vec<String>) {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.trim_start_matches("#/components/schemas/");
        return violations(doc, &doc["components"]["schemas"][name], value, at, found);
    }
    for part in schema["allOf"].as_array().into_iter().flatten() {
        violations(doc, part, value, at, found);
    }
    if let Some(options) = schema["oneOf"].as_array() {
        let fits = options.iter().any(|option| {
            let mut none = Vec::new();
            violations(doc, option, value, at, &mut none);
            none.is_empty()
        });
        if !fits {
            found.push(format!("{at}: {value} fits none of oneOf"));
        }
    }
    if let Some(allowed) = schema["enum"].as_array() {
        if !allowed.contains(value) {
            found.push(format!("{at}: {value} is not one of {allowed:?}"));
        }
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let kind = match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    let fits = types.is_empty() || types.contains(&kind) || (kind == "integer" && types.contains(&"number"));
    if !fits {
        found.push(format!("{at}: {kind} where the schema says {types:?}"));
    }
    if let (Some(min), Some(v)) = (schema["minimum"].as_f64(), value.as_f64()) {
        if v < min {
            found.push(format!("{at}: {v} below the minimum {min}"));
        }
    }
    if let Value::Array(items) = value {
        for (i, item) in items.iter().enumerate() {
            violations(doc, &schema["items"], item, &format!("{at}[{i}]"), found);
        }
    }
    if let (Value::Object(members), Some(properties)) = (value, schema["properties"].as_object()) {
        for required in schema["required"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if !members.contains_key(required) {
                found.push(format!("{at}: required `{required}` is missing"));
            }
        }
        for (name, member) in members {
            match properties.get(name) {
                Some(property) => violations(doc, property, member, &format!("{at}.{name}"), found),
                None => found.push(format!("{at}: `{name}` is not declared in the schema")),
            }
        }
    }
}

async fn import(app: &TestApp, csv: &str) -> (u16, Value) {
    let response = app
        .client
        .post(format!("{}/api/v1/demand-history", app.address))
        .bearer_auth(&app.admin_key)
        .header("content-type", "text/csv")
        .body(csv.to_owned())
        .send()
        .await
        .expect("sent");
    (response.status().as_u16(), response.json().await.unwrap_or_default())
}

async fn real_problem_bodies_validate_against_the_published_problem_schema(app: TestApp) {
    let doc = document();
    let schema = json!({ "$ref": "#/components/schemas/Problem" });
    assert!(
        doc["components"]["schemas"]["Problem"].is_object(),
        "Problem is published"
    );
    app.seed_network().await;
    app.receive("N-RDC", "P-1", 3).await;

    let mut bodies: Vec<(&str, u16, Value)> = Vec::new();
    let issue = json!({ "kind": "issue", "warehouse": "N-01", "part_number": "P-1", "quantity": 0 });
    let reply = app.post("/api/v1/movements", &issue).await;
    bodies.push(("validation", reply.status, reply.body));
    let issue = json!({ "kind": "issue", "warehouse": "N-01", "part_number": "P-1", "quantity": 4 });
    let reply = app.post("/api/v1/movements", &issue).await;
    bodies.push(("insufficient stock", reply.status, reply.body));
    let reservation = json!({ "repair_order": "RO-1", "warehouse": "N-01",
        "lines": [{ "part_number": "P-1", "quantity": 2 }] });
    let reply = app.post("/api/v1/reservations", &reservation).await;
    bodies.push(("shortage", reply.status, reply.body));
    let (status, body) = import(&app, "date,warehouse,part_number,qty\n2025-01-02,N-RDC,P-1,x\n").await;
    bodies.push(("import rejected", status, body));
    let reply = app.get("/api/v1/reservations/999999").await;
    bodies.push(("not found", reply.status, reply.body));
    let reply = app
        .request_as(Some("not-a-key"), reqwest::Method::GET, "/api/v1/parts", None, None)
        .await;
    bodies.push(("unauthorized", reply.status, reply.body));
    let receipt = |q: i64| json!({ "kind": "receipt", "warehouse": "N-RDC", "part_number": "P-1", "quantity": q });
    assert_eq!(
        app.post_with_key("/api/v1/movements", &receipt(1), "k-1").await.status,
        201
    );
    let reply = app.post_with_key("/api/v1/movements", &receipt(2), "k-1").await;
    bodies.push(("idempotency key reused", reply.status, reply.body));

    let expected = [400, 409, 409, 400, 404, 401, 422];
    for ((what, status, body), want) in bodies.iter().zip(expected) {
        assert_eq!(*status, want, "{what}: {body}");
        let mut found = Vec::new();
        violations(&doc, &schema, body, "body", &mut found);
        assert!(found.is_empty(), "{what}: {body}\n{}", found.join("\n"));
    }
    // Absent members are omitted, never sent as `null`, so the schema must not offer `null`
    // for them either (it did, before: utoipa makes every `Option` nullable).
    for name in ["Problem", "FieldError"] {
        let published = &doc["components"]["schemas"][name];
        for (member, property) in published["properties"].as_object().expect("properties") {
            let nullable = property["type"].as_array().is_some_and(|t| t.contains(&json!("null")));
            assert!(
                !nullable,
                "{name}.{member} is published as nullable but is omitted when absent"
            );
        }
    }
    for (what, _, body) in &bodies {
        let nulls: Vec<&String> = body
            .as_object()
            .expect("object")
            .iter()
            .filter(|(_, v)| v.is_null())
            .map(|(k, _)| k)
            .collect();
        assert!(nulls.is_empty(), "{what}: null members {nulls:?}");
    }
    // The shapes beyond the standard members were really exercised.
    assert!(
        bodies[2].2["lines"][0]["available_elsewhere"][0]["warehouse"].is_string(),
        "{}",
        bodies[2].2
    );
    assert!(bodies[3].2["errors"][0]["line"].is_u64(), "{}", bodies[3].2);
    assert!(bodies[1].2["available"].is_i64(), "{}", bodies[1].2);
}
