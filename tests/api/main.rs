//! Integration tests: the real HTTP app against a fresh database per test, on both backends.

mod access;
mod calibration;
mod catalog;
mod cli;
mod concurrency;
mod crash;
mod demand;
mod forecasts;
mod helpers;
mod idempotency;
mod in_flight;
mod movements;
mod openapi;
mod process;
mod replenishment;
mod replenishment_planning;
mod replenishment_proposals;
mod reservations;
mod scale_out;
mod secrets;
mod stable_proposals;
mod system;
mod transfers;
mod urgent;
mod validation;
mod verify;
