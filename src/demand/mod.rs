//! Demand history: what repairs consumed, per (warehouse, part) and day. It grows as `issue` and
//! `consume` movements post (transfers, adjustments and scrap are not demand) and from bulk
//! imports of past repair history. Forecasting reads it.

pub mod daily;
pub mod forecasts;
pub mod import;
