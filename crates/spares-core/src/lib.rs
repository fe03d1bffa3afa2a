//! spares-core: the pure engine of spares. Functions of their inputs only: no database, no HTTP,
//! no clock and no files, so the service and the simulator run the same maths.
//!
//! - [`forecast`]: demand forecasting per series and lead-time demand distributions;
//! - [`replenishment`]: reorder points and order-up-to levels for a network under one stock-out
//!   target, plus rebalancing excess stock between warehouses;
//! - [`simulate`]: the simulator's in-memory network, period loop, policies and report figures.

pub mod forecast;
pub mod replenishment;
pub mod simulate;
