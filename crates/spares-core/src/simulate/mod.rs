//! The simulator's engine: replays a scenario's demand on an in-memory network, one period at a
//! time, under a replenishment policy, and tallies service and inventory figures.
//!
//! Layout: [`scenario`] the index-based tables a scenario is made of, [`network`] the state and
//! the period loop, [`policy`] the interface policies implement, [`minmax`] the ERP baseline,
//! [`report`] the figures, [`engine`] the replenishment engine, [`item_target`] the per-pair
//! fill-rate yardstick. Reading a scenario directory,
//! timing and writing reports are the service crate's (`spares::simulate`).

pub mod engine;
pub mod item_target;
pub mod minmax;
pub mod network;
pub mod policy;
pub mod report;
pub mod scenario;

pub use engine::{Engine, EngineParams};
pub use item_target::{ItemTarget, ItemTargetParams, Plans};
pub use minmax::{MinMax, MinMaxParams};
pub use network::run;
pub use policy::{Decision, NetworkView, Policy};
pub use report::Report;
pub use scenario::Scenario;
