//! Warehouses: regional service centres and city warehouses that hold stock.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{regions, utc};
use crate::db::{self, AnyConnection};
use crate::error::AppError;
use crate::pagination::PageRequest;
use crate::schema::{regions as region_t, warehouses};
use crate::validate;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WarehouseKind {
    Regional,
    Local,
}

impl WarehouseKind {
    pub fn as_str(self) -> &'static str {
        match self {
            WarehouseKind::Regional => "regional",
            WarehouseKind::Local => "local",
        }
    }

    pub(crate) fn from_stored(s: &str) -> Result<Self, AppError> {
        match s {
            "regional" => Ok(WarehouseKind::Regional),
            "local" => Ok(WarehouseKind::Local),
            other => Err(AppError::unknown_stored("warehouses.kind", other)),
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Warehouse {
    #[serde(skip)]
    pub id: i64,
    #[serde(skip)]
    pub region_id: i64,
    pub code: String,
    pub name: String,
    pub region: String,
    pub kind: WarehouseKind,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

/// A warehouse with its region's code (joined from `regions`).
#[derive(Queryable, Selectable)]
#[diesel(table_name = warehouses)]
struct WarehouseRow {
    id: i64,
    code: String,
    name: String,
    region_id: i64,
    kind: String,
    active: bool,
    created_at: chrono::NaiveDateTime,
    #[diesel(select_expression = region_t::code)]
    region_code: String,
}

impl TryFrom<WarehouseRow> for Warehouse {
    type Error = AppError;

    fn try_from(r: WarehouseRow) -> Result<Self, AppError> {
        Ok(Warehouse {
            id: r.id,
            code: r.code,
            name: r.name,
            region_id: r.region_id,
            kind: WarehouseKind::from_stored(&r.kind)?,
            active: r.active,
            created_at: utc(r.created_at),
            region: r.region_code,
        })
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWarehouse {
    #[schema(min_length = 1, max_length = 64, pattern = "^[A-Za-z0-9._-]+$")]
    pub code: String,
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// Region code.
    pub region: String,
    pub kind: WarehouseKind,
    pub active: Option<bool>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WarehouseChanges {
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    pub region: Option<String>,
    pub kind: Option<WarehouseKind>,
    pub active: Option<bool>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct WarehouseFilter {
    /// Only warehouses of this region (code).
    pub region: Option<String>,
    pub kind: Option<WarehouseKind>,
    pub active: Option<bool>,
    /// Page size, 1-500 (default 50).
    pub limit: Option<i64>,
    /// Opaque cursor from the previous page's `next_cursor`.
    pub cursor: Option<String>,
}

/// Warehouses matching the filter; `scope` limits them to those codes.
pub fn list(
    conn: &mut AnyConnection,
    filter: &WarehouseFilter,
    scope: Option<&[String]>,
) -> Result<(Vec<Warehouse>, Option<String>), AppError> {
    let page = PageRequest::parse(filter.limit, filter.cursor.as_deref())?;
    super::filters::require_known(conn, None, filter.region.as_deref(), None)?;
    let mut query = warehouses::table
        .inner_join(region_t::table)
        .select(WarehouseRow::as_select())
        .order(warehouses::code)
        .limit(page.fetch_limit())
        .into_boxed();
    if let Some(region) = &filter.region {
        query = query.filter(region_t::code.eq(region.clone()));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(warehouses::kind.eq(kind.as_str()));
    }
    if let Some(active) = filter.active {
        query = query.filter(warehouses::active.eq(active));
    }
    if let Some(codes) = scope {
        query = query.filter(warehouses::code.eq_any(codes.to_vec()));
    }
    if let Some(cursor) = &page.cursor {
        query = query.filter(warehouses::code.gt(cursor.clone()));
    }
    let rows: Vec<WarehouseRow> = query.load(conn)?;
    let items = rows.into_iter().map(Warehouse::try_from).collect::<Result<_, _>>()?;
    Ok(page.finish(items, |w: &Warehouse| w.code.clone()))
}

pub fn find(conn: &mut AnyConnection, code: &str) -> Result<Option<Warehouse>, AppError> {
    let row: Option<WarehouseRow> = warehouses::table
        .inner_join(region_t::table)
        .filter(warehouses::code.eq(code))
        .select(WarehouseRow::as_select())
        .first(conn)
        .optional()?;
    row.map(Warehouse::try_from).transpose()
}

/// The warehouse addressed by a path segment: 404 when unknown.
pub fn get(conn: &mut AnyConnection, code: &str) -> Result<Warehouse, AppError> {
    find(conn, code)?.ok_or_else(|| AppError::not_found("warehouse", code))
}

/// The warehouse named in a request body field: a 400 naming the field when unknown.
pub fn resolve(conn: &mut AnyConnection, field: &str, code: &str) -> Result<Warehouse, AppError> {
    find(conn, code.trim())?.ok_or_else(|| AppError::validation(field, format!("unknown warehouse {code:?}")))
}

/// All warehouses by id, for joining balances in memory.
pub fn all(conn: &mut AnyConnection) -> Result<Vec<Warehouse>, AppError> {
    let rows: Vec<WarehouseRow> = warehouses::table
        .inner_join(region_t::table)
        .select(WarehouseRow::as_select())
        .order(warehouses::code)
        .load(conn)?;
    rows.into_iter().map(Warehouse::try_from).collect()
}

pub fn create(conn: &mut AnyConnection, input: &NewWarehouse) -> Result<Warehouse, AppError> {
    let code = validate::code("code", &input.code)?;
    let name = validate::text("name", &input.name, 200)?;
    let region = regions::find(conn, input.region.trim())?
        .ok_or_else(|| AppError::validation("region", format!("unknown region {:?}", input.region)))?;
    if find(conn, &code)?.is_some() {
        return Err(AppError::Duplicate(format!("warehouse {code} already exists")));
    }
    diesel::insert_into(warehouses::table)
        .values((
            warehouses::code.eq(&code),
            warehouses::name.eq(&name),
            warehouses::region_id.eq(region.id),
            warehouses::kind.eq(input.kind.as_str()),
            warehouses::active.eq(input.active.unwrap_or(true)),
            warehouses::created_at.eq(db::now()),
        ))
        .execute(conn)?;
    get(conn, &code)
}

pub fn update(conn: &mut AnyConnection, code: &str, changes: &WarehouseChanges) -> Result<Warehouse, AppError> {
    let current = get(conn, code)?;
    let name = match &changes.name {
        Some(n) => validate::text("name", n, 200)?,
        None => current.name.clone(),
    };
    let region_id = match &changes.region {
        Some(r) => {
            regions::find(conn, r.trim())?
                .ok_or_else(|| AppError::validation("region", format!("unknown region {r:?}")))?
                .id
        }
        None => current.region_id,
    };
    let kind = changes.kind.unwrap_or(current.kind);
    let active = changes.active.unwrap_or(current.active);
    diesel::update(warehouses::table.filter(warehouses::id.eq(current.id)))
        .set((
            warehouses::name.eq(name),
            warehouses::region_id.eq(region_id),
            warehouses::kind.eq(kind.as_str()),
            warehouses::active.eq(active),
        ))
        .execute(conn)?;
    get(conn, code)
}
