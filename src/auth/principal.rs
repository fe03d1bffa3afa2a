//! Who is calling: the key behind a request, its role and warehouse scope.

use crate::error::AppError;
use crate::stock::ledger::Actor;

use super::{Permission, Role};

#[derive(Debug, Clone)]
pub struct Principal {
    pub key_id: i64,
    pub name: String,
    pub role: Role,
    /// Warehouse codes the key is limited to; `None` means every warehouse.
    pub warehouses: Option<Vec<String>>,
}

impl Principal {
    /// The principal of work the service does by itself (expiry, seeding).
    pub fn system(name: &str) -> Self {
        Principal {
            key_id: 0,
            name: name.to_owned(),
            role: Role::Admin,
            warehouses: None,
        }
    }

    pub fn require(&self, permission: Permission) -> Result<(), AppError> {
        if self.role.allows(permission) {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "the {} role may not do this",
                self.role.as_str()
            )))
        }
    }

    pub fn sees_warehouse(&self, code: &str) -> bool {
        match &self.warehouses {
            None => true,
            Some(allowed) => allowed.iter().any(|w| w == code.trim()),
        }
    }

    /// 403 unless the key may act on this warehouse.
    pub fn require_warehouse(&self, code: &str) -> Result<(), AppError> {
        if self.sees_warehouse(code) {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "this key is not allowed at warehouse {}",
                code.trim()
            )))
        }
    }

    /// The warehouse codes lists must be limited to, if any.
    pub fn visible_warehouses(&self) -> Option<&[String]> {
        self.warehouses.as_deref()
    }

    /// How this principal is recorded on ledger rows.
    pub fn actor(&self, request_id: Option<String>) -> Actor {
        Actor {
            name: format!("{} (key {})", self.name, self.key_id),
            request_id,
        }
    }
}
