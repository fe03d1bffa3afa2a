//! Typed ids for the tables whose ids travel together, so that a warehouse id cannot be passed
//! where a part id is expected (both are `BIGINT`s, and a `(i64, i64)` pair says nothing about
//! its order). Each is stored and read as the `BIGINT` it wraps, on either backend, so a row
//! struct can hold one directly and a query can compare a column with one.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::BigInt;

macro_rules! typed_id {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, AsExpression, FromSqlRow)]
        #[diesel(sql_type = BigInt)]
        pub struct $name(pub i64);

        impl $name {
            /// The id as stored.
            pub fn get(self) -> i64 {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl<DB: Backend> ToSql<BigInt, DB> for $name
        where
            i64: ToSql<BigInt, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                self.0.to_sql(out)
            }
        }

        impl<DB: Backend> FromSql<BigInt, DB> for $name
        where
            i64: FromSql<BigInt, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                i64::from_sql(bytes).map($name)
            }
        }
    )*};
}

typed_id!(
    /// `warehouses.id`.
    WarehouseId,
    /// `parts.id`.
    PartId,
);

/// A warehouse and a part as the key of a per-pair map: each id's table is in its type, so a
/// key built the wrong way round does not compile. Ordered by warehouse, then part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PairKey {
    pub warehouse: WarehouseId,
    pub part: PartId,
}

impl PairKey {
    pub fn new(warehouse: WarehouseId, part: PartId) -> Self {
        PairKey { warehouse, part }
    }
}
