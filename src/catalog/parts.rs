//! Parts: what warehouses stock and repairs consume.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::utc;
use crate::db::{self, AnyConnection};
use crate::error::AppError;
use crate::pagination::PageRequest;
use crate::schema::parts;
use crate::validate;

/// How much a missing part hurts: replenishment may hold critical parts to a higher target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Criticality {
    Critical,
    High,
    Medium,
    Low,
}

impl Criticality {
    pub fn as_str(self) -> &'static str {
        match self {
            Criticality::Critical => "critical",
            Criticality::High => "high",
            Criticality::Medium => "medium",
            Criticality::Low => "low",
        }
    }

    fn from_stored(s: &str) -> Result<Self, AppError> {
        match s {
            "critical" => Ok(Criticality::Critical),
            "high" => Ok(Criticality::High),
            "medium" => Ok(Criticality::Medium),
            "low" => Ok(Criticality::Low),
            other => Err(AppError::unknown_stored("parts.criticality", other)),
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Part {
    #[serde(skip)]
    pub id: i64,
    pub part_number: String,
    pub description: String,
    pub unit_of_measure: String,
    #[schema(value_type = String, example = "12.50")]
    #[serde(serialize_with = "crate::money::serialize")]
    pub unit_cost: Decimal,
    pub criticality: Criticality,
    /// Part number of the part that replaces this one.
    pub superseded_by: Option<String>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = parts)]
struct PartRow {
    id: i64,
    part_number: String,
    description: String,
    unit_of_measure: String,
    unit_cost: String,
    criticality: String,
    superseded_by: Option<String>,
    active: bool,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl TryFrom<PartRow> for Part {
    type Error = AppError;

    fn try_from(r: PartRow) -> Result<Self, AppError> {
        Ok(Part {
            id: r.id,
            part_number: r.part_number,
            description: r.description,
            unit_of_measure: r.unit_of_measure,
            unit_cost: validate::stored_decimal(&r.unit_cost)?,
            criticality: Criticality::from_stored(&r.criticality)?,
            superseded_by: r.superseded_by,
            active: r.active,
            created_at: utc(r.created_at),
            updated_at: utc(r.updated_at),
        })
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPart {
    #[schema(min_length = 1, max_length = 64, pattern = "^[A-Za-z0-9._-]+$")]
    pub part_number: String,
    #[schema(min_length = 1, max_length = 500)]
    pub description: String,
    /// Unit of measure, e.g. `each`, `m`, `kg` (default `each`).
    #[schema(min_length = 1, max_length = 16)]
    pub unit_of_measure: Option<String>,
    #[schema(schema_with = validate::money_input_schema)]
    pub unit_cost: Decimal,
    pub criticality: Option<Criticality>,
    pub superseded_by: Option<String>,
    pub active: Option<bool>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartChanges {
    #[schema(min_length = 1, max_length = 500)]
    pub description: Option<String>,
    #[schema(min_length = 1, max_length = 16)]
    pub unit_of_measure: Option<String>,
    #[schema(schema_with = validate::optional_money_input_schema, required = false)]
    pub unit_cost: Option<Decimal>,
    pub criticality: Option<Criticality>,
    /// Successor part number; an empty string clears it.
    pub superseded_by: Option<String>,
    pub active: Option<bool>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PartFilter {
    pub criticality: Option<Criticality>,
    pub active: Option<bool>,
    /// Only part numbers starting with this prefix.
    pub prefix: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

pub fn list(conn: &mut AnyConnection, filter: &PartFilter) -> Result<(Vec<Part>, Option<String>), AppError> {
    let page = PageRequest::parse(filter.limit, filter.cursor.as_deref())?;
    let mut query = parts::table
        .select(PartRow::as_select())
        .order(parts::part_number)
        .limit(page.fetch_limit())
        .into_boxed();
    if let Some(c) = filter.criticality {
        query = query.filter(parts::criticality.eq(c.as_str()));
    }
    if let Some(active) = filter.active {
        query = query.filter(parts::active.eq(active));
    }
    if let Some(prefix) = filter.prefix.as_deref().filter(|p| !p.is_empty()) {
        // Range on the unique index instead of LIKE, whose case rules differ per backend.
        query = query
            .filter(parts::part_number.ge(prefix.to_owned()))
            .filter(parts::part_number.lt(format!("{prefix}\u{10FFFF}")));
    }
    if let Some(cursor) = &page.cursor {
        query = query.filter(parts::part_number.gt(cursor.clone()));
    }
    let items = query
        .load::<PartRow>(conn)?
        .into_iter()
        .map(Part::try_from)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(page.finish(items, |p: &Part| p.part_number.clone()))
}

pub fn find(conn: &mut AnyConnection, part_number: &str) -> Result<Option<Part>, AppError> {
    parts::table
        .filter(parts::part_number.eq(part_number))
        .select(PartRow::as_select())
        .first(conn)
        .optional()?
        .map(Part::try_from)
        .transpose()
}

pub fn get(conn: &mut AnyConnection, part_number: &str) -> Result<Part, AppError> {
    find(conn, part_number)?.ok_or_else(|| AppError::not_found("part", part_number))
}

/// The part named in a request body field: a 400 naming the field when unknown.
pub fn resolve(conn: &mut AnyConnection, field: &str, part_number: &str) -> Result<Part, AppError> {
    find(conn, part_number.trim())?.ok_or_else(|| AppError::validation(field, format!("unknown part {part_number:?}")))
}

/// The parts with these numbers, in the order given, in one query; an unknown number is a
/// validation error on `field(its index)`.
pub fn resolve_all(
    conn: &mut AnyConnection,
    numbers: &[&str],
    field: impl Fn(usize) -> String,
) -> Result<Vec<Part>, AppError> {
    let found: Vec<Part> = parts::table
        .filter(parts::part_number.eq_any(numbers))
        .select(PartRow::as_select())
        .load::<PartRow>(conn)?
        .into_iter()
        .map(Part::try_from)
        .collect::<Result<_, _>>()?;
    numbers
        .iter()
        .enumerate()
        .map(|(i, number)| {
            found
                .iter()
                .find(|part| part.part_number == *number)
                .cloned()
                .ok_or_else(|| AppError::validation(field(i), format!("unknown part {number:?}")))
        })
        .collect()
}

pub fn by_ids(conn: &mut AnyConnection, ids: &[i64]) -> Result<Vec<Part>, AppError> {
    parts::table
        .filter(parts::id.eq_any(ids))
        .select(PartRow::as_select())
        .load::<PartRow>(conn)?
        .into_iter()
        .map(Part::try_from)
        .collect()
}

fn checked_successor(
    conn: &mut AnyConnection,
    part_number: &str,
    successor: Option<&str>,
) -> Result<Option<String>, AppError> {
    let Some(successor) = successor.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    if successor == part_number {
        return Err(AppError::validation("superseded_by", "a part cannot supersede itself"));
    }
    let part = resolve(conn, "superseded_by", successor)?;
    Ok(Some(part.part_number))
}

pub fn create(conn: &mut AnyConnection, input: &NewPart) -> Result<Part, AppError> {
    let part_number = validate::code("part_number", &input.part_number)?;
    let description = validate::text("description", &input.description, 500)?;
    let unit = validate::optional_text("unit_of_measure", input.unit_of_measure.as_deref(), 16)?;
    let unit_cost = validate::money("unit_cost", input.unit_cost)?;
    let successor = checked_successor(conn, &part_number, input.superseded_by.as_deref())?;
    if find(conn, &part_number)?.is_some() {
        return Err(AppError::Duplicate(format!("part {part_number} already exists")));
    }
    let now = db::now();
    diesel::insert_into(parts::table)
        .values((
            parts::part_number.eq(&part_number),
            parts::description.eq(description),
            parts::unit_of_measure.eq(unit.unwrap_or_else(|| "each".to_owned())),
            parts::unit_cost.eq(unit_cost.to_string()),
            parts::criticality.eq(input.criticality.unwrap_or(Criticality::Medium).as_str()),
            parts::superseded_by.eq(successor),
            parts::active.eq(input.active.unwrap_or(true)),
            parts::created_at.eq(now),
            parts::updated_at.eq(now),
        ))
        .execute(conn)?;
    get(conn, &part_number)
}

pub fn update(conn: &mut AnyConnection, part_number: &str, changes: &PartChanges) -> Result<Part, AppError> {
    let current = get(conn, part_number)?;
    let description = match &changes.description {
        Some(d) => validate::text("description", d, 500)?,
        None => current.description.clone(),
    };
    let unit = match &changes.unit_of_measure {
        Some(u) => validate::text("unit_of_measure", u, 16)?,
        None => current.unit_of_measure.clone(),
    };
    let unit_cost = match changes.unit_cost {
        Some(c) => validate::money("unit_cost", c)?,
        None => current.unit_cost,
    };
    let successor = match &changes.superseded_by {
        Some(s) => checked_successor(conn, part_number, Some(s))?,
        None => current.superseded_by.clone(),
    };
    diesel::update(parts::table.filter(parts::id.eq(current.id)))
        .set((
            parts::description.eq(description),
            parts::unit_of_measure.eq(unit),
            parts::unit_cost.eq(unit_cost.to_string()),
            parts::criticality.eq(changes.criticality.unwrap_or(current.criticality).as_str()),
            parts::superseded_by.eq(successor),
            parts::active.eq(changes.active.unwrap_or(current.active)),
            parts::updated_at.eq(db::now()),
        ))
        .execute(conn)?;
    get(conn, part_number)
}
