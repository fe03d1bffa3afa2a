//! `spares simulate`: replays a scenario's demand on an in-memory network, one period at a
//! time, under a replenishment policy, and reports service and inventory figures.
//!
//! Layout: [`scenario`] loads the directory, [`network`] holds the state and the period loop,
//! [`policy`] is the interface policies implement, [`minmax`] the ERP baseline, [`report`] the
//! figures, [`engine`] the replenishment engine.

pub mod engine;
pub mod minmax;
pub mod network;
pub mod policy;
pub mod report;
pub mod scenario;

use std::path::{Path, PathBuf};
use std::time::Instant;

pub use engine::{Engine, EngineParams};
pub use minmax::{MinMax, MinMaxParams};
pub use network::run;
pub use policy::{Decision, NetworkView, Policy};
pub use report::Report;
pub use scenario::Scenario;

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// A scenario file is malformed; `line` is 1-based, `field` the column or key at fault.
    #[error("{}{}: {}{}", file.display(), line.map(|l| format!(":{l}")).unwrap_or_default(),
        if field.is_empty() { String::new() } else { format!("field `{field}`: ") }, message)]
    Load {
        file: PathBuf,
        line: Option<u64>,
        field: String,
        message: String,
    },
    #[error("{}: {source}", file.display())]
    Io { file: PathBuf, source: std::io::Error },
    #[error("policy `{0}` is not built yet")]
    NotBuilt(&'static str),
    #[error("{0}")]
    Invalid(String),
}

impl SimError {
    pub(crate) fn load(file: &Path, line: Option<u64>, field: &str, message: impl Into<String>) -> SimError {
        SimError::Load {
            file: file.to_path_buf(),
            line,
            field: field.to_string(),
            message: message.into(),
        }
    }

    pub(crate) fn io(file: &Path, source: std::io::Error) -> SimError {
        SimError::Io {
            file: file.to_path_buf(),
            source,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyChoice {
    Engine,
    EngineNoTransfers,
    MinMax,
}

impl std::str::FromStr for PolicyChoice {
    type Err = SimError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "engine" => Ok(PolicyChoice::Engine),
            "engine-no-transfers" => Ok(PolicyChoice::EngineNoTransfers),
            "minmax" => Ok(PolicyChoice::MinMax),
            other => Err(SimError::Invalid(format!(
                "unknown policy `{other}` (engine, engine-no-transfers, minmax)"
            ))),
        }
    }
}

/// Loads the scenario in `dir` and simulates it under `policy`. With `target` (a fill rate such
/// as 0.99), minmax's safety days are searched until its stock-out rate is at most 1 - target.
pub fn simulate(dir: &Path, policy: PolicyChoice, target: Option<f64>) -> Result<Report, SimError> {
    let started = Instant::now();
    if let Some(t) = target {
        if !(t > 0.0 && t <= 1.0) {
            return Err(SimError::Invalid(format!("target {t} is not in (0, 1]")));
        }
    }
    let scenario = Scenario::load(dir)?;
    let mut report = match policy {
        PolicyChoice::Engine | PolicyChoice::EngineNoTransfers => {
            let params = EngineParams {
                transfers: policy == PolicyChoice::Engine,
                target: target.map(|t| 1.0 - t),
                ..EngineParams::default()
            };
            let mut engine = Engine::new(params);
            let mut r = run(&scenario, &mut engine);
            r.settings = engine.settings(&scenario);
            r
        }
        PolicyChoice::MinMax => match target {
            None => {
                let params = MinMaxParams::default();
                let mut r = run(&scenario, &mut MinMax::new(params));
                r.settings = minmax::settings(params);
                r
            }
            Some(t) => minmax::tune(&scenario, MinMaxParams::default(), t),
        },
    };
    report.total_seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

#[cfg(test)]
mod tests;
