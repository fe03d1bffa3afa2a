//! Loading and validating a scenario directory into the engine's [`Scenario`] tables; every
//! error names the file, line and field. [`config`] reads `scenario.toml`, [`tables`] the CSV
//! files through [`csv_file`].

mod config;
mod csv_file;
mod tables;

use std::collections::HashMap;
use std::path::Path;

use spares_core::simulate::scenario::{Calendar, Demand, Scenario};

use super::SimError;
use config::load_config;
use tables::{load_demand, load_lanes, load_parts, load_stock, load_warehouses};

/// Reads and validates the scenario directory `dir` (`scenario.toml`, `warehouses.csv`,
/// `parts.csv`, `demand.csv`, optional `lanes.csv` and `stock.csv`).
pub fn load(dir: &Path) -> Result<Scenario, SimError> {
    let config = load_config(&dir.join("scenario.toml"))?;
    let (warehouses, regions) = load_warehouses(&dir.join("warehouses.csv"))?;
    let wh_index: HashMap<String, usize> = warehouses
        .iter()
        .enumerate()
        .map(|(i, w)| (w.code.clone(), i))
        .collect();
    let parts = load_parts(&dir.join("parts.csv"), config.period)?;
    let part_index: HashMap<String, usize> = parts.iter().enumerate().map(|(i, p)| (p.number.clone(), i)).collect();
    let lane_days = load_lanes(&dir.join("lanes.csv"), &warehouses, &wh_index)?;
    let lanes = lane_days.iter().map(|&d| config.period.periods_for_days(d)).collect();

    let toml_path = dir.join("scenario.toml");
    let calendar = Calendar::new(config.period, config.history_start, config.eval_end)
        .ok_or_else(|| SimError::load(&toml_path, None, "eval_end", "date out of range"))?;
    let eval_start = calendar
        .period_of(config.eval_start)
        .ok_or_else(|| SimError::load(&toml_path, None, "eval_start", "outside the calendar"))?;
    let eval_end = calendar.len();
    let review_every = config.period.periods_for_days(config.review_period_days).max(1) as usize;

    let n_pairs = warehouses.len() * parts.len();
    let (demand, ignored) = load_demand(&dir.join("demand.csv"), &calendar, &wh_index, &part_index, parts.len())?;
    let initial_stock = load_stock(&dir.join("stock.csv"), &wh_index, &part_index, parts.len())?;
    let name = dir
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| dir.display().to_string());
    let scenario = Scenario {
        name,
        config,
        demand: Demand::build(n_pairs, calendar.len(), demand),
        calendar,
        eval_start,
        eval_end,
        review_every,
        warehouses,
        regions,
        parts,
        lanes,
        lane_days,
        initial_stock,
        ignored_demand_rows: ignored,
    };
    Ok(scenario)
}
