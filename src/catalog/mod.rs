//! Master data: regions, warehouses, parts, suppliers and supplier terms per part.

pub mod filters;
pub mod parts;
pub mod regions;
pub mod suppliers;
pub mod warehouses;

use chrono::{DateTime, NaiveDateTime, Utc};

use crate::ids::{PartId, WarehouseId};

pub(crate) fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

/// A warehouse and a part named in a request body, by id and canonical code.
#[derive(Debug, Clone)]
pub struct Stockpoint {
    pub warehouse_id: WarehouseId,
    pub warehouse: String,
    pub part_id: PartId,
    pub part_number: String,
}

/// Resolves a body's warehouse and part in one query (a hot path: every movement names both);
/// a 400 names the field that is unknown.
pub fn resolve_stockpoint(
    conn: &mut crate::db::AnyConnection,
    (warehouse_field, code): (&str, &str),
    (part_field, part_number): (&str, &str),
) -> Result<Stockpoint, crate::error::AppError> {
    use crate::schema::{parts, warehouses};
    use diesel::prelude::*;

    let (code, part_number) = (code.trim(), part_number.trim());
    let warehouse_id = warehouses::table
        .filter(warehouses::code.eq(code))
        .select(warehouses::id)
        .single_value();
    let part_id = parts::table
        .filter(parts::part_number.eq(part_number))
        .select(parts::id)
        .single_value();
    let ids = diesel::select((warehouse_id, part_id)).get_result(conn)?;
    Stockpoint::from_ids((warehouse_field, code), (part_field, part_number), ids)
}

impl Stockpoint {
    /// The stockpoint from ids looked up by code (`None`: unknown), or a 400 naming the field.
    pub fn from_ids(
        (warehouse_field, code): (&str, &str),
        (part_field, part_number): (&str, &str),
        (warehouse_id, part_id): (Option<i64>, Option<i64>),
    ) -> Result<Self, crate::error::AppError> {
        use crate::error::AppError;
        let warehouse_id =
            warehouse_id.ok_or_else(|| AppError::validation(warehouse_field, format!("unknown warehouse {code:?}")))?;
        let part_id =
            part_id.ok_or_else(|| AppError::validation(part_field, format!("unknown part {part_number:?}")))?;
        Ok(Stockpoint {
            warehouse_id: WarehouseId(warehouse_id),
            warehouse: code.to_owned(),
            part_id: PartId(part_id),
            part_number: part_number.to_owned(),
        })
    }
}
