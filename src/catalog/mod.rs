//! Master data: regions, warehouses, parts, suppliers and supplier terms per part.

pub mod parts;
pub mod regions;
pub mod suppliers;
pub mod warehouses;

use chrono::{DateTime, NaiveDateTime, Utc};

pub(crate) fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}
