//! spares: spare-parts inventory and replenishment for an after-sales repair network.

// The console's texts (locales/*.yml), compiled in; English where a text is missing.
rust_i18n::i18n!("locales", fallback = "en");

pub mod api;
pub mod audit;
pub mod auth;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod console;
pub mod db;
pub mod demand;
pub mod demo;
pub mod error;
pub mod forecast;
pub mod idempotency;
pub mod ids;
pub mod jobs;
pub mod money;
pub mod pagination;
pub mod replenishment;
pub mod reservations;
pub mod schema;
pub mod secrets;
pub mod simulate;
pub mod startup;
pub mod stock;
pub mod telemetry;
pub mod tls;
pub mod transfers;
pub mod validate;
pub mod webhooks;
