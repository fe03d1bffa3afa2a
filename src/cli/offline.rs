//! The commands that touch no database: `spares forecast` and `spares simulate`.

use std::path::PathBuf;

use clap::Args;

#[derive(Debug, Args)]
pub struct ForecastArgs {
    /// The series: CSV with `series_id,period,demand`, each series' rows together and in order.
    #[arg(long)]
    input: PathBuf,
    /// `ses`, `croston`, `croston_sba`, `croston_opt`, `tsb`, `adida`, `imapa`, `seasonal`,
    /// `all` (one row per method) or `auto` (the method that wins on the series' own history).
    #[arg(long, default_value = "auto")]
    method: String,
    /// Periods ahead (also the lead time the automatic selection evaluates over).
    #[arg(long, default_value_t = 1)]
    horizon: usize,
    /// SES smoothing constant.
    #[arg(long, default_value_t = 0.1)]
    alpha: f64,
    /// TSB smoothing constant of the demand sizes.
    #[arg(long, default_value_t = 0.1)]
    alpha_d: f64,
    /// TSB smoothing constant of the demand probability.
    #[arg(long, default_value_t = 0.1)]
    alpha_p: f64,
    /// Periods per year for `seasonal` (365 daily, 52 weekly, 12 monthly).
    #[arg(long, default_value_t = 12)]
    season_length: usize,
}

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Scenario directory: warehouses.csv, parts.csv, demand.csv, scenario.toml (lanes.csv and
    /// stock.csv optional).
    #[arg(long)]
    scenario: PathBuf,
    /// `engine`, `engine-no-transfers`, `minmax` or `item-target` (per pair the engine's
    /// forecast and one shared fill rate, searched until the network meets the target).
    #[arg(long, default_value = "engine")]
    policy: String,
    /// Service target as a fill rate of demand lines (default: the scenario's
    /// `target_fill_rate`); minmax raises its safety days until it reaches it, item-target
    /// searches its shared fill rate.
    #[arg(long)]
    target: Option<f64>,
    /// Write the full report as JSON here.
    #[arg(long)]
    out: Option<PathBuf>,
}

pub fn simulate(args: &SimulateArgs) -> anyhow::Result<()> {
    let policy = args.policy.parse()?;
    let report = crate::simulate::simulate(&args.scenario, policy, args.target)?;
    print!("{report}");
    if let Some(out) = &args.out {
        crate::simulate::write_json(&report, out)?;
    }
    Ok(())
}

pub fn forecast_file(args: &ForecastArgs) -> anyhow::Result<()> {
    use crate::forecast::batch::{self, BatchOptions};
    let method = args.method.parse().map_err(|e| anyhow::anyhow!("--method: {e}"))?;
    for (name, alpha) in [
        ("--alpha", args.alpha),
        ("--alpha-d", args.alpha_d),
        ("--alpha-p", args.alpha_p),
    ] {
        if !(alpha > 0.0 && alpha <= 1.0) {
            anyhow::bail!("{name} must be in (0, 1]");
        }
    }
    if args.horizon == 0 || args.season_length < 2 {
        anyhow::bail!("--horizon must be at least 1 and --season-length at least 2");
    }
    let options = BatchOptions {
        method,
        horizon: args.horizon,
        params: crate::forecast::Params {
            ses_alpha: args.alpha,
            tsb_alpha_d: args.alpha_d,
            tsb_alpha_p: args.alpha_p,
            season_length: args.season_length,
        },
    };
    let input =
        std::fs::File::open(&args.input).map_err(|e| anyhow::anyhow!("cannot open {}: {e}", args.input.display()))?;
    let stdout = std::io::stdout().lock();
    let summary = batch::run_csv(
        std::io::BufReader::new(input),
        std::io::BufWriter::new(stdout),
        &options,
    )?;
    eprintln!(
        "{} series, {} rows in, {} rows out",
        summary.series, summary.input_rows, summary.output_rows
    );
    Ok(())
}
