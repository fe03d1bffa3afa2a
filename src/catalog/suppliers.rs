//! Suppliers and their terms per part (lead time, minimum order, pack size, price).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{parts, utc};
use crate::db::{self, AnyConnection};
use crate::error::AppError;
use crate::pagination::PageRequest;
use crate::schema::{parts as part_t, supplier_parts, suppliers};
use crate::validate;

#[derive(Queryable, Selectable)]
#[diesel(table_name = suppliers)]
struct SupplierRow {
    id: i64,
    code: String,
    name: String,
    active: bool,
    created_at: chrono::NaiveDateTime,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Supplier {
    #[serde(skip)]
    pub id: i64,
    pub code: String,
    pub name: String,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

impl From<SupplierRow> for Supplier {
    fn from(r: SupplierRow) -> Self {
        Supplier {
            id: r.id,
            code: r.code,
            name: r.name,
            active: r.active,
            created_at: utc(r.created_at),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSupplier {
    #[schema(min_length = 1, max_length = 64, pattern = "^[A-Za-z0-9._-]+$")]
    pub code: String,
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    pub active: Option<bool>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupplierChanges {
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    pub active: Option<bool>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SupplierFilter {
    pub active: Option<bool>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// The lead time assumed for a part no supplier has quoted terms for: forecasts, plans and
/// purchase orders all read this one value.
pub const DEFAULT_LEAD_DAYS: i64 = 14;

/// A supplier's terms for one part.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SupplierTerms {
    pub supplier: String,
    pub part_number: String,
    pub lead_time_days: i32,
    pub moq: i64,
    pub pack_size: i64,
    #[schema(value_type = String, example = "8.75")]
    #[serde(serialize_with = "crate::money::serialize")]
    pub unit_price: Decimal,
    /// The supplier replenishment buys this part from.
    pub preferred: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TermsInput {
    #[serde(deserialize_with = "validate::integer::deserialize")]
    #[schema(value_type = i64, minimum = 0, maximum = 3650)]
    pub lead_time_days: i64,
    #[serde(default, deserialize_with = "validate::integer::option::deserialize")]
    #[schema(value_type = Option<i64>, minimum = 1)]
    pub moq: Option<i64>,
    #[serde(default, deserialize_with = "validate::integer::option::deserialize")]
    #[schema(value_type = Option<i64>, minimum = 1)]
    pub pack_size: Option<i64>,
    #[schema(schema_with = validate::money_input_schema)]
    pub unit_price: Decimal,
    pub preferred: Option<bool>,
}

pub fn list(conn: &mut AnyConnection, filter: &SupplierFilter) -> Result<(Vec<Supplier>, Option<String>), AppError> {
    let page = PageRequest::parse(filter.limit, filter.cursor.as_deref())?;
    let mut query = suppliers::table
        .select(SupplierRow::as_select())
        .order(suppliers::code)
        .limit(page.fetch_limit())
        .into_boxed();
    if let Some(active) = filter.active {
        query = query.filter(suppliers::active.eq(active));
    }
    if let Some(cursor) = &page.cursor {
        query = query.filter(suppliers::code.gt(cursor.clone()));
    }
    let items = query
        .load::<SupplierRow>(conn)?
        .into_iter()
        .map(Supplier::from)
        .collect();
    Ok(page.finish(items, |s: &Supplier| s.code.clone()))
}

pub fn find(conn: &mut AnyConnection, code: &str) -> Result<Option<Supplier>, AppError> {
    Ok(suppliers::table
        .filter(suppliers::code.eq(code))
        .select(SupplierRow::as_select())
        .first(conn)
        .optional()?
        .map(Supplier::from))
}

pub fn get(conn: &mut AnyConnection, code: &str) -> Result<Supplier, AppError> {
    find(conn, code)?.ok_or_else(|| AppError::not_found("supplier", code))
}

/// The supplier named in a request body field: a 400 naming the field when unknown.
pub fn resolve(conn: &mut AnyConnection, field: &str, code: &str) -> Result<Supplier, AppError> {
    find(conn, code.trim())?.ok_or_else(|| AppError::validation(field, format!("unknown supplier {code:?}")))
}

pub fn create(conn: &mut AnyConnection, input: &NewSupplier) -> Result<Supplier, AppError> {
    let code = validate::code("code", &input.code)?;
    let name = validate::text("name", &input.name, 200)?;
    if find(conn, &code)?.is_some() {
        return Err(AppError::Duplicate(format!("supplier {code} already exists")));
    }
    diesel::insert_into(suppliers::table)
        .values((
            suppliers::code.eq(&code),
            suppliers::name.eq(name),
            suppliers::active.eq(input.active.unwrap_or(true)),
            suppliers::created_at.eq(db::now()),
        ))
        .execute(conn)?;
    get(conn, &code)
}

pub fn update(conn: &mut AnyConnection, code: &str, changes: &SupplierChanges) -> Result<Supplier, AppError> {
    let current = get(conn, code)?;
    let name = match &changes.name {
        Some(n) => validate::text("name", n, 200)?,
        None => current.name.clone(),
    };
    diesel::update(suppliers::table.filter(suppliers::id.eq(current.id)))
        .set((
            suppliers::name.eq(name),
            suppliers::active.eq(changes.active.unwrap_or(current.active)),
        ))
        .execute(conn)?;
    get(conn, code)
}

/// Terms with the part number and supplier code they belong to (joined).
#[derive(Queryable, Selectable)]
#[diesel(table_name = supplier_parts)]
struct TermsRow {
    #[diesel(select_expression = part_t::part_number)]
    part_number: String,
    lead_time_days: i32,
    moq: i64,
    pack_size: i64,
    unit_price: String,
    preferred: bool,
    #[diesel(select_expression = suppliers::code)]
    supplier_code: String,
}

impl TryFrom<TermsRow> for SupplierTerms {
    type Error = AppError;

    fn try_from(r: TermsRow) -> Result<Self, AppError> {
        Ok(SupplierTerms {
            part_number: r.part_number,
            lead_time_days: r.lead_time_days,
            moq: r.moq,
            pack_size: r.pack_size,
            unit_price: validate::stored_decimal(&r.unit_price)?,
            preferred: r.preferred,
            supplier: r.supplier_code,
        })
    }
}

/// The columns of a supplier's terms that a write sets (insert or replace alike).
#[derive(Insertable, AsChangeset)]
#[diesel(table_name = supplier_parts)]
struct TermsChanges {
    lead_time_days: i32,
    moq: i64,
    pack_size: i64,
    unit_price: String,
    preferred: bool,
}

/// Terms of one supplier (all its parts) or of one part (all its suppliers).
pub fn terms(
    conn: &mut AnyConnection,
    supplier_id: Option<i64>,
    part_id: Option<i64>,
) -> Result<Vec<SupplierTerms>, AppError> {
    let mut query = supplier_parts::table
        .inner_join(part_t::table)
        .inner_join(suppliers::table)
        .select(TermsRow::as_select())
        .order((suppliers::code, part_t::part_number))
        .into_boxed();
    if let Some(id) = supplier_id {
        query = query.filter(supplier_parts::supplier_id.eq(id));
    }
    if let Some(id) = part_id {
        query = query.filter(supplier_parts::part_id.eq(id));
    }
    query
        .load::<TermsRow>(conn)?
        .into_iter()
        .map(SupplierTerms::try_from)
        .collect()
}

/// Creates or replaces a supplier's terms for a part. Marking them preferred clears the flag
/// on the part's other suppliers, so a part has at most one preferred supplier.
pub fn put_terms(
    conn: &mut AnyConnection,
    supplier_code: &str,
    part_number: &str,
    input: &TermsInput,
) -> Result<SupplierTerms, AppError> {
    let supplier = get(conn, supplier_code)?;
    let part = parts::get(conn, part_number)?;
    if !(0..=3650).contains(&input.lead_time_days) {
        return Err(AppError::validation("lead_time_days", "must be between 0 and 3650"));
    }
    let moq = validate::positive("moq", input.moq.unwrap_or(1))?;
    let pack_size = validate::positive("pack_size", input.pack_size.unwrap_or(1))?;
    let unit_price = validate::money("unit_price", input.unit_price)?;
    let existing = terms(conn, Some(supplier.id), Some(part.id))?;
    let others = terms(conn, None, Some(part.id))?;
    // The first supplier of a part is its preferred one unless told otherwise.
    let preferred = input
        .preferred
        .unwrap_or_else(|| existing.first().map(|t| t.preferred).unwrap_or(others.is_empty()));
    if preferred {
        diesel::update(supplier_parts::table.filter(supplier_parts::part_id.eq(part.id)))
            .set(supplier_parts::preferred.eq(false))
            .execute(conn)?;
    }
    let changes = TermsChanges {
        lead_time_days: input.lead_time_days as i32,
        moq,
        pack_size,
        unit_price: unit_price.to_string(),
        preferred,
    };
    if existing.is_empty() {
        diesel::insert_into(supplier_parts::table)
            .values((
                supplier_parts::supplier_id.eq(supplier.id),
                supplier_parts::part_id.eq(part.id),
                &changes,
            ))
            .execute(conn)?;
    } else {
        diesel::update(
            supplier_parts::table
                .filter(supplier_parts::supplier_id.eq(supplier.id))
                .filter(supplier_parts::part_id.eq(part.id)),
        )
        .set(&changes)
        .execute(conn)?;
    }
    terms(conn, Some(supplier.id), Some(part.id))?
        .into_iter()
        .next()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("terms vanished after write")))
}

pub fn delete_terms(conn: &mut AnyConnection, supplier_code: &str, part_number: &str) -> Result<(), AppError> {
    let supplier = get(conn, supplier_code)?;
    let part = parts::get(conn, part_number)?;
    let deleted = diesel::delete(
        supplier_parts::table
            .filter(supplier_parts::supplier_id.eq(supplier.id))
            .filter(supplier_parts::part_id.eq(part.id)),
    )
    .execute(conn)?;
    if deleted == 0 {
        return Err(AppError::not_found(
            "supplier terms",
            format!("{supplier_code}/{part_number}"),
        ));
    }
    Ok(())
}
