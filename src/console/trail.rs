//! An entity's audit entries for its page, shown to administrators only: the audit trail is
//! theirs in the API too (`GET /audit` needs `Administer`).

use crate::audit::{self, AuditEntry, AuditFilter};
use crate::auth::{Permission, Principal};
use crate::db::AnyConnection;
use crate::error::AppError;

/// The latest 100 entries of `entity_type` `id`, or `None` for a principal who may not read
/// the trail.
pub fn entries(
    conn: &mut AnyConnection,
    principal: &Principal,
    entity_type: &str,
    id: i64,
) -> Result<Option<Vec<AuditEntry>>, AppError> {
    if !principal.role.allows(Permission::Administer) {
        return Ok(None);
    }
    let filter = AuditFilter {
        entity_type: Some(entity_type.to_owned()),
        entity_id: Some(id.to_string()),
        limit: Some(100),
        ..Default::default()
    };
    Ok(Some(audit::list(conn, &filter)?.0))
}
