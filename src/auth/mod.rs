//! Access control: API keys with roles, optionally limited to a list of warehouses.
//!
//! Keys are 256 random bits, shown once at creation and stored only as a SHA-256 hash: a fast
//! hash is right for high-entropy secrets (nothing to brute-force), and keeps the per-request
//! lookup to one indexed query. Revocation and expiry are checked on every request.

pub mod keys;
pub mod principal;
pub mod roles;

pub use principal::Principal;
pub use roles::{Permission, Role};
