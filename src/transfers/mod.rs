//! Transfers between warehouses: a document with lines that is created, shipped (stock leaves
//! the source and is in transit to the destination) and received, possibly in parts; a short
//! final receipt records the discrepancy. Cancellation is possible until shipment.

pub mod model;
pub mod service;
