//! Stock: the append-only movement ledger and the balance per (warehouse, part) it maintains.
//!
//! Every change of stock is a movement row carrying its effect on each balance column; the
//! balance row is updated in the same transaction by a conditional UPDATE that refuses to take
//! `on_hand` below `reserved` or below zero. So the balances always equal the ledger's sums,
//! which `verify` recomputes.

pub mod balances;
pub mod ledger;
pub mod movements;
pub mod verify;
