//! `spares simulate`: the file and clock side of the simulator. [`load`] reads a scenario
//! directory, [`simulate`] runs it under a policy and times it, [`write_json`] saves the report.
//! The engine itself (network, period loop, policies, figures) is the pure
//! [`spares_core::simulate`], re-exported here.

pub mod load;

use std::path::{Path, PathBuf};
use std::time::Instant;

pub use spares_core::simulate::*;

pub use load::load;

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
    ItemTarget,
}

impl std::str::FromStr for PolicyChoice {
    type Err = SimError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "engine" => Ok(PolicyChoice::Engine),
            "engine-no-transfers" => Ok(PolicyChoice::EngineNoTransfers),
            "minmax" => Ok(PolicyChoice::MinMax),
            "item-target" => Ok(PolicyChoice::ItemTarget),
            other => Err(SimError::Invalid(format!(
                "unknown policy `{other}` (engine, engine-no-transfers, minmax, item-target)"
            ))),
        }
    }
}

/// Loads the scenario in `dir` and simulates it under `policy`. With `target` (a fill rate such
/// as 0.99), minmax's safety days are searched until its stock-out rate is at most 1 - target;
/// item-target's shared fill rate is always searched, for `target` or the scenario's own.
pub fn simulate(dir: &Path, policy: PolicyChoice, target: Option<f64>) -> Result<Report, SimError> {
    let started = Instant::now();
    if let Some(t) = target {
        if !(t > 0.0 && t <= 1.0) {
            return Err(SimError::Invalid(format!("target {t} is not in (0, 1]")));
        }
    }
    let scenario = load(dir)?;
    let mut report = match policy {
        PolicyChoice::Engine | PolicyChoice::EngineNoTransfers => {
            let params = EngineParams {
                transfers: policy == PolicyChoice::Engine,
                target: target.map(|t| 1.0 - t),
                ..EngineParams::default()
            };
            let mut engine = Engine::new(params);
            let mut r = timed_run(&scenario, &mut engine);
            r.settings = engine.settings(&scenario);
            r
        }
        PolicyChoice::MinMax => match target {
            None => {
                let params = MinMaxParams::default();
                let mut r = timed_run(&scenario, &mut MinMax::new(params));
                r.settings = minmax::settings(params);
                r
            }
            Some(t) => minmax::tune(&scenario, MinMaxParams::default(), t, timed_run),
        },
        PolicyChoice::ItemTarget => {
            let plans = Plans::build(&scenario, ItemTargetParams::default());
            let t = target.unwrap_or(scenario.config.target_fill_rate);
            item_target::tune(&scenario, &plans, t, timed_run)
        }
    };
    report.total_seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// [`run`] with its wall time in the report.
pub fn timed_run(scenario: &Scenario, policy: &mut dyn Policy) -> Report {
    let started = Instant::now();
    let mut report = run(scenario, policy);
    report.run_seconds = started.elapsed().as_secs_f64();
    report.total_seconds = report.run_seconds;
    report
}

/// Writes the report as pretty JSON (`--out report.json`).
pub fn write_json(report: &Report, path: &Path) -> Result<(), SimError> {
    let text =
        serde_json::to_string_pretty(report).map_err(|e| SimError::Invalid(format!("cannot serialise report: {e}")))?;
    std::fs::write(path, text).map_err(|e| SimError::io(path, e))
}

#[cfg(test)]
mod tests;
