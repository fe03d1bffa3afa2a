//! Webhooks: events written to an outbox in the transaction of the change they report, and a
//! background task that delivers them (signed, retried with capped exponential backoff, at
//! least once, each with a stable event id so receivers can de-duplicate).

pub mod delivery;
pub mod endpoints;
pub mod outbox;
pub mod signing;

pub use outbox::enqueue;

/// Event types a webhook endpoint can subscribe to.
pub const EVENT_TYPES: &[&str] = &[
    "proposal.created",
    "proposal.approved",
    "proposal.revised",
    "proposal.withdrawn",
    "purchase_order.created",
    "stock.below_reorder_point",
    "reservation.refused",
];
