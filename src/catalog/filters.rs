//! The catalog codes a list's query names (warehouse, region, part, supplier): an unknown one is
//! a 400 naming the parameter, never an empty page that reads as "nothing there".

use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::error::AppError;
use crate::schema::{parts, regions, suppliers, warehouses};

/// A code a filter names, with the parameter it came in.
#[derive(Debug, Clone, Copy)]
pub enum Code<'a> {
    Warehouse(&'static str, Option<&'a str>),
    Region(&'static str, Option<&'a str>),
    Part(&'static str, Option<&'a str>),
    Supplier(&'static str, Option<&'a str>),
}

/// Checks every code given; a 400 names the first unknown one.
pub fn require(conn: &mut AnyConnection, codes: &[Code<'_>]) -> Result<(), AppError> {
    for code in codes {
        let (field, what, found) = match *code {
            Code::Warehouse(field, Some(c)) => (
                field,
                ("warehouse", c),
                warehouses::table
                    .filter(warehouses::code.eq(c))
                    .select(warehouses::id)
                    .first::<i64>(conn)
                    .optional()?,
            ),
            Code::Region(field, Some(c)) => (
                field,
                ("region", c),
                regions::table
                    .filter(regions::code.eq(c))
                    .select(regions::id)
                    .first::<i64>(conn)
                    .optional()?,
            ),
            Code::Part(field, Some(c)) => (
                field,
                ("part", c),
                parts::table
                    .filter(parts::part_number.eq(c))
                    .select(parts::id)
                    .first::<i64>(conn)
                    .optional()?,
            ),
            Code::Supplier(field, Some(c)) => (
                field,
                ("supplier", c),
                suppliers::table
                    .filter(suppliers::code.eq(c))
                    .select(suppliers::id)
                    .first::<i64>(conn)
                    .optional()?,
            ),
            _ => continue,
        };
        if found.is_none() {
            let (kind, value) = what;
            return Err(AppError::validation(
                field,
                format!("is not a known {kind} ({value:?})"),
            ));
        }
    }
    Ok(())
}

/// The usual trio of a list's filter: `warehouse`, `region` and `part_number`.
pub fn require_known(
    conn: &mut AnyConnection,
    warehouse: Option<&str>,
    region: Option<&str>,
    part_number: Option<&str>,
) -> Result<(), AppError> {
    require(
        conn,
        &[
            Code::Warehouse("warehouse", warehouse),
            Code::Region("region", region),
            Code::Part("part_number", part_number),
        ],
    )
}
