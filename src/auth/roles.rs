//! Roles and what each may do. This table is the access model; the README's roles x routes
//! table and the matrix test are written against it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, including keys and the audit trail.
    Admin,
    /// Movements, transfers and stock reads.
    Warehouse,
    /// Reservations and availability reads.
    Repair,
    /// Suppliers and terms, forecasts, replenishment proposals.
    Procurement,
    /// Reads only (not keys, not the audit trail).
    Viewer,
}

/// A permission a handler needs, as a type, so the signature says it and the check runs
/// before the body is parsed (401/403 win over 400).
pub trait Need {
    const PERMISSION: Permission;
}

/// Declares [`Permission`] and, from the same list, one marker type a permission in [`need`],
/// so a new permission cannot be added to one and forgotten in the other.
macro_rules! permissions {
    ($($(#[$doc:meta])* $name:ident,)+) => {
        /// One kind of access a route needs.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Permission {
            $($(#[$doc])* $name,)+
        }

        /// Marker types for the HTTP layer's `Caller<P>`, one per [`Permission`].
        pub mod need {
            use super::{Need, Permission};
            $(
                #[doc = concat!("Needs [`Permission::", stringify!($name), "`].")]
                pub struct $name;
                impl Need for $name {
                    const PERMISSION: Permission = Permission::$name;
                }
            )+
        }
    };
}

permissions! {
    /// Regions, warehouses and parts.
    CatalogRead,
    CatalogWrite,
    /// Suppliers and their terms (prices).
    SuppliersRead,
    SuppliersWrite,
    /// Balances, the ledger and transfers.
    StockRead,
    /// Availability of a part across warehouses.
    AvailabilityRead,
    MovementsWrite,
    TransfersWrite,
    ReservationsRead,
    ReservationsWrite,
    /// Demand history, forecasts (and later replenishment proposals).
    ForecastsRead,
    /// Importing demand history and running forecasts.
    ForecastsWrite,
    /// Replenishment policies, runs, proposals, purchase orders and KPIs.
    ReplenishmentRead,
    /// Running replenishment, overriding policies, editing and deciding proposals.
    ReplenishmentWrite,
    /// API keys and the audit trail.
    Administer,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Warehouse => "warehouse",
            Role::Repair => "repair",
            Role::Procurement => "procurement",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "warehouse" => Some(Role::Warehouse),
            "repair" => Some(Role::Repair),
            "procurement" => Some(Role::Procurement),
            "viewer" => Some(Role::Viewer),
            _ => None,
        }
    }

    pub fn allows(self, permission: Permission) -> bool {
        use Permission::*;
        match self {
            Role::Admin => true,
            Role::Warehouse => matches!(
                permission,
                CatalogRead | StockRead | AvailabilityRead | MovementsWrite | TransfersWrite
            ),
            Role::Repair => matches!(
                permission,
                CatalogRead | AvailabilityRead | ReservationsRead | ReservationsWrite
            ),
            Role::Procurement => matches!(
                permission,
                CatalogRead
                    | SuppliersRead
                    | SuppliersWrite
                    | StockRead
                    | AvailabilityRead
                    | ForecastsRead
                    | ForecastsWrite
                    | ReplenishmentRead
                    | ReplenishmentWrite
            ),
            Role::Viewer => matches!(
                permission,
                CatalogRead
                    | SuppliersRead
                    | StockRead
                    | AvailabilityRead
                    | ReservationsRead
                    | ForecastsRead
                    | ReplenishmentRead
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_admin_administers_and_viewer_never_writes() {
        for role in [Role::Warehouse, Role::Repair, Role::Procurement, Role::Viewer] {
            assert!(!role.allows(Permission::Administer), "{role:?}");
        }
        for write in [
            Permission::CatalogWrite,
            Permission::SuppliersWrite,
            Permission::MovementsWrite,
            Permission::TransfersWrite,
            Permission::ReservationsWrite,
        ] {
            assert!(!Role::Viewer.allows(write));
            assert!(Role::Admin.allows(write));
        }
    }

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in [
            Role::Admin,
            Role::Warehouse,
            Role::Repair,
            Role::Procurement,
            Role::Viewer,
        ] {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
