//! Reservations: how repair systems take parts for a repair order. All lines are reserved or
//! none; consumption issues the stock (the demand signal) and release or expiry returns it.

pub mod autocommit;
pub mod model;
mod postgres;
pub mod refused;
pub mod service;
mod settle;
pub mod shortage;
