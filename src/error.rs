//! The service's one error type. Each variant's doc names its HTTP status; the RFC 7807 body
//! is built from it by `api::problem::Problem` (which the idempotency store also records, so a
//! replayed error is the response exactly as it was sent).

use serde::Serialize;

/// One line of a reservation that stock could not cover, with where the part is now.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ShortageLine {
    pub part_number: String,
    pub requested: i64,
    pub available: i64,
    pub shortage: i64,
    /// Warehouses holding available stock of the part: same region first, then the others,
    /// each group by available quantity, largest first.
    pub available_elsewhere: Vec<AvailableAt>,
}

/// Available stock of a part at one warehouse.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AvailableAt {
    pub warehouse: String,
    pub region: String,
    pub same_region: bool,
    pub available: i64,
}

/// One bad row of an import.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RowError {
    /// 1-based line number in the file (the header is line 1 for CSV).
    pub line: u64,
    pub field: String,
    pub message: String,
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 400: an import had bad rows; nothing of it was applied.
    #[error("{total} row(s) of the import are invalid; nothing was imported")]
    ImportRejected { total: usize, errors: Vec<RowError> },
    /// 400: a field is missing, malformed or out of range.
    #[error("invalid {field}: {message}")]
    Validation { field: String, message: String },
    /// 413: the request body is larger than the route takes; nothing was read further.
    #[error("the request body is larger than {limit_kib} KiB")]
    TooLarge { limit_kib: usize },
    /// 401: no API key, or one that is unknown, revoked or expired.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: the key is valid but its role or warehouse scope does not allow this.
    #[error("{0}")]
    Forbidden(String),
    /// 404: the addressed entity does not exist.
    #[error("{entity} {key} not found")]
    NotFound { entity: &'static str, key: String },
    /// 409: a movement would take on-hand stock below zero or below what is reserved.
    #[error("insufficient stock of {part_number} at {warehouse}: {available} available, {requested} requested")]
    InsufficientStock {
        warehouse: String,
        part_number: String,
        requested: i64,
        available: i64,
    },
    /// 409: a reservation could not be covered; nothing was reserved.
    #[error("insufficient stock for {} line(s) of the reservation", lines.len())]
    Shortage { lines: Vec<ShortageLine> },
    /// 409: a receipt would bring more of a purchase order line than is outstanding plus the
    /// order's over-receipt tolerance; nothing was booked.
    #[error("{requested} of {part_number} exceed purchase order {purchase_order}: {outstanding} outstanding, {tolerance} more accepted")]
    OverReceipt {
        purchase_order: String,
        part_number: String,
        requested: i64,
        outstanding: i64,
        tolerance: i64,
    },
    /// 409: the entity is in a state that does not allow the operation.
    #[error("{0}")]
    InvalidState(String),
    /// 409: an entity with the same unique key exists.
    #[error("{0}")]
    Duplicate(String),
    /// 422: the Idempotency-Key was used before with a different request.
    #[error("the Idempotency-Key was already used with a different request")]
    IdempotencyKeyReused,
    /// 429: a rate limit (`limit`: `auth_failures` per address, or `key`) is used up.
    #[error("{}; retry after {retry_after_secs} s", rate_limit_reason(limit))]
    RateLimited { limit: &'static str, retry_after_secs: u64 },
    /// 503: the database is unreachable, saturated or switching to a new primary; a retry with
    /// the same Idempotency-Key completes the request once.
    #[error("the service is temporarily unavailable: {0}")]
    Unavailable(String),
    /// 503: the operation needs a setting this instance was started without.
    #[error("{why}; set {setting}")]
    NotConfigured { setting: &'static str, why: String },
    /// 500: an unexpected failure; details are logged, never sent.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl AppError {
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::Validation {
            field: field.into(),
            message: message.into(),
        }
    }

    /// A stored value this version does not know (a status, a kind): the database's CHECK
    /// constraints keep them out, so one is a defect to see at once, never a default.
    pub fn unknown_stored(column: &str, value: &str) -> Self {
        AppError::Internal(anyhow::anyhow!(
            "{column} holds {value:?}, which this version does not know"
        ))
    }

    pub fn not_found(entity: &'static str, key: impl Into<String>) -> Self {
        AppError::NotFound {
            entity,
            key: key.into(),
        }
    }

    pub fn status(&self) -> u16 {
        match self {
            AppError::Validation { .. } | AppError::ImportRejected { .. } => 400,
            AppError::Unauthorized(_) => 401,
            AppError::Forbidden(_) => 403,
            AppError::NotFound { .. } => 404,
            AppError::TooLarge { .. } => 413,
            AppError::InsufficientStock { .. }
            | AppError::Shortage { .. }
            | AppError::OverReceipt { .. }
            | AppError::InvalidState(_)
            | AppError::Duplicate(_) => 409,
            AppError::IdempotencyKeyReused => 422,
            AppError::RateLimited { .. } => 429,
            AppError::Unavailable(_) | AppError::NotConfigured { .. } => 503,
            AppError::Internal(_) => 500,
        }
    }

    /// Stable problem type slug, the last segment of the problem's `type` URI.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Validation { .. } => "validation-error",
            AppError::ImportRejected { .. } => "import-rejected",
            AppError::Unauthorized(_) => "unauthorized",
            AppError::Forbidden(_) => "forbidden",
            AppError::NotFound { .. } => "not-found",
            AppError::TooLarge { .. } => "payload-too-large",
            AppError::InsufficientStock { .. } => "insufficient-stock",
            AppError::Shortage { .. } => "reservation-shortage",
            AppError::OverReceipt { .. } => "over-receipt",
            AppError::InvalidState(_) => "invalid-state",
            AppError::Duplicate(_) => "duplicate",
            AppError::IdempotencyKeyReused => "idempotency-key-reused",
            AppError::RateLimited { .. } => "rate-limited",
            AppError::Unavailable(_) => "unavailable",
            AppError::NotConfigured { .. } => "not-configured",
            AppError::Internal(_) => "internal-error",
        }
    }

    /// The problem's title: the same for every error of a kind.
    pub fn title(&self) -> &'static str {
        match self {
            AppError::Validation { .. } => "Invalid request",
            AppError::ImportRejected { .. } => "Import rejected",
            AppError::Unauthorized(_) => "Authentication required",
            AppError::Forbidden(_) => "Forbidden",
            AppError::NotFound { .. } => "Not found",
            AppError::TooLarge { .. } => "Request body too large",
            AppError::InsufficientStock { .. } => "Insufficient stock",
            AppError::Shortage { .. } => "Reservation cannot be covered",
            AppError::OverReceipt { .. } => "More than the purchase order line outstanding",
            AppError::InvalidState(_) => "Operation not allowed in the current state",
            AppError::Duplicate(_) => "Already exists",
            AppError::IdempotencyKeyReused => "Idempotency key reused",
            AppError::RateLimited { .. } => "Too many requests",
            AppError::Unavailable(_) => "Service unavailable",
            AppError::NotConfigured { .. } => "Not configured",
            AppError::Internal(_) => "Internal error",
        }
    }

    /// Whether the error is the client's doing, so a replay of the same request must see it.
    pub fn is_client_error(&self) -> bool {
        self.status() < 500
    }
}

/// Whether the database refused for a passing reason, the transaction rolled back whole, so that
/// the same request retried succeeds (503 + Retry-After rather than 500). During a failover the
/// old primary's connections break (closed, or the command cannot be sent) and a connection that
/// reaches a server still in recovery is refused as read-only; the pool reconnects to whichever
/// host is the primary now.
fn retry_succeeds(
    kind: &diesel::result::DatabaseErrorKind,
    info: &dyn diesel::result::DatabaseErrorInformation,
) -> bool {
    use diesel::result::DatabaseErrorKind as Kind;
    match kind {
        Kind::SerializationFailure | Kind::ClosedConnection | Kind::UnableToSendCommand | Kind::ReadOnlyTransaction => {
            true
        }
        // PostgreSQL's deadlock detector (40P01, which diesel does not classify) chose this
        // transaction, or libpq lost the connection in a way diesel does not classify (a
        // failover test saw "no connection to the server" come back as Unknown).
        Kind::Unknown => {
            let message = info.message();
            message.starts_with("deadlock detected") || CONNECTION_LOST.iter().any(|m| message.contains(m))
        }
        _ => false,
    }
}

/// libpq's and the server's words for a connection that went away (a server shut down or
/// killed, a network cut) or for a server not accepting work yet (a standby being promoted).
const CONNECTION_LOST: [&str; 9] = [
    "no connection to the server",
    "server closed the connection unexpectedly",
    "connection to server was lost",
    "could not receive data from server",
    "could not send data to server",
    "SSL connection has been closed unexpectedly",
    "SSL SYSCALL error",
    "terminating connection due to administrator command",
    "the database system is",
];

impl From<diesel::result::Error> for AppError {
    fn from(error: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind as Kind, Error};
        match error {
            Error::NotFound => AppError::not_found("record", "requested"),
            Error::DatabaseError(Kind::UniqueViolation, info) => AppError::Duplicate(format!(
                "already exists ({})",
                info.constraint_name().unwrap_or("unique key")
            )),
            // A connection lost while a commit was under way leaves its outcome unknown: the
            // Idempotency-Key is what makes the retry safe either way.
            Error::DatabaseError(kind, info) if retry_succeeds(&kind, info.as_ref()) => AppError::Unavailable(
                "the database could not complete the request; retry it with the same Idempotency-Key".into(),
            ),
            other => AppError::Internal(other.into()),
        }
    }
}

impl From<diesel::r2d2::PoolError> for AppError {
    fn from(error: diesel::r2d2::PoolError) -> Self {
        AppError::Unavailable(format!("no database connection available ({error})"))
    }
}

fn rate_limit_reason(limit: &str) -> &'static str {
    match limit {
        "auth_failures" => "too many failed authentications from this address",
        _ => "too many requests with this API key",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_only_and_lost_connection_refusals_are_retryable_503s() {
        use diesel::result::{DatabaseErrorKind as Kind, Error};
        for kind in [
            Kind::ReadOnlyTransaction,
            Kind::ClosedConnection,
            Kind::UnableToSendCommand,
        ] {
            let message = Box::new("cannot execute INSERT in a read-only transaction".to_owned());
            let error = AppError::from(Error::DatabaseError(kind, message));
            assert_eq!(error.status(), 503);
            assert_eq!(error.code(), "unavailable");
        }
        for message in CONNECTION_LOST.iter().chain(&["deadlock detected"]) {
            let error = Error::DatabaseError(Kind::Unknown, Box::new(format!("{message}\n")));
            assert_eq!(AppError::from(error).status(), 503, "{message}");
        }
        let other = Error::DatabaseError(Kind::Unknown, Box::new("division by zero".to_owned()));
        assert_eq!(AppError::from(other).status(), 500);
    }
}
