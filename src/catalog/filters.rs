//! The catalog codes a list's query names (warehouse, region, part, supplier): an unknown one is
//! a 400 naming the parameter, never an empty page that reads as "nothing there".

use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::error::AppError;
use crate::schema::{parts, regions, suppliers, warehouses};
pub use narrowing::narrow;

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

/// A list's `warehouse`, `region` and `part_number` codes and the key's warehouses (`scope`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Sites<'a> {
    pub warehouse: Option<&'a str>,
    pub region: Option<&'a str>,
    pub part_number: Option<&'a str>,
    pub scope: Option<&'a [String]>,
}

impl<'a> Sites<'a> {
    /// A filter's `warehouse`, `region` and `part_number` (in that order), within `scope`.
    pub fn new(
        (warehouse, region, part_number): (&'a Option<String>, &'a Option<String>, &'a Option<String>),
        scope: Option<&'a [String]>,
    ) -> Self {
        Sites {
            warehouse: warehouse.as_deref(),
            region: region.as_deref(),
            part_number: part_number.as_deref(),
            scope,
        }
    }

    /// Checks that the codes are known: a 400 names the first unknown one.
    pub fn require_known(&self, conn: &mut AnyConnection) -> Result<(), AppError> {
        require_known(conn, self.warehouse, self.region, self.part_number)
    }

    /// Whether the warehouse `code` (in region `region`) is one the codes and the scope admit.
    pub fn admit_warehouse(&self, code: &str, region: &str) -> bool {
        self.warehouse.is_none_or(|c| c == code)
            && self.region.is_none_or(|c| c == region)
            && self.scope.is_none_or(|codes| codes.iter().any(|c| c == code))
    }
}

/// In a module of its own: with `QueryDsl` in scope, `FilterDsl::filter` would be ambiguous.
mod narrowing {
    use diesel::dsl;
    use diesel::query_dsl::methods::FilterDsl;
    use diesel::ExpressionMethods;

    use super::Sites;
    use crate::schema::{parts, regions, warehouses};

    /// Narrows `query` (joined to warehouses, their regions and parts) to the rows at `sites`.
    pub fn narrow<Q>(mut query: Q, sites: Sites<'_>) -> Q
    where
        Q: FilterDsl<dsl::Eq<warehouses::code, String>, Output = Q>
            + FilterDsl<dsl::Eq<regions::code, String>, Output = Q>
            + FilterDsl<dsl::Eq<parts::part_number, String>, Output = Q>
            + FilterDsl<dsl::EqAny<warehouses::code, Vec<String>>, Output = Q>,
    {
        if let Some(code) = sites.warehouse {
            query = query.filter(warehouses::code.eq(code.to_owned()));
        }
        if let Some(code) = sites.region {
            query = query.filter(regions::code.eq(code.to_owned()));
        }
        if let Some(code) = sites.part_number {
            query = query.filter(parts::part_number.eq(code.to_owned()));
        }
        if let Some(codes) = sites.scope {
            query = query.filter(warehouses::code.eq_any(codes.to_vec()));
        }
        query
    }
}
