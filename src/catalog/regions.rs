//! Regions group warehouses; transfers inside a region are preferred over transfers across.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::AnyConnection;
use crate::error::AppError;
use crate::schema::regions;
use crate::validate;

#[derive(Debug, Clone, Serialize, ToSchema, Queryable, Selectable)]
#[diesel(table_name = regions)]
pub struct Region {
    #[serde(skip)]
    pub id: i64,
    pub code: String,
    pub name: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRegion {
    #[schema(min_length = 1, max_length = 64, pattern = "^[A-Za-z0-9._-]+$")]
    pub code: String,
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
}

pub fn list(conn: &mut AnyConnection) -> Result<Vec<Region>, AppError> {
    Ok(regions::table
        .order(regions::code)
        .select(Region::as_select())
        .load(conn)?)
}

pub fn create(conn: &mut AnyConnection, input: &NewRegion) -> Result<Region, AppError> {
    let code = validate::code("code", &input.code)?;
    let name = validate::text("name", &input.name, 200)?;
    if find(conn, &code)?.is_some() {
        return Err(AppError::Duplicate(format!("region {code} already exists")));
    }
    diesel::insert_into(regions::table)
        .values((regions::code.eq(&code), regions::name.eq(&name)))
        .execute(conn)?;
    get(conn, &code)
}

pub fn find(conn: &mut AnyConnection, code: &str) -> Result<Option<Region>, AppError> {
    Ok(regions::table
        .filter(regions::code.eq(code))
        .select(Region::as_select())
        .first(conn)
        .optional()?)
}

pub fn get(conn: &mut AnyConnection, code: &str) -> Result<Region, AppError> {
    find(conn, code)?.ok_or_else(|| AppError::not_found("region", code))
}
