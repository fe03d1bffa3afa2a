//! Building the engine's item models from a scenario's history.

use crate::forecast::{Method, Params, Workspace};
use crate::replenishment::policy::Scratch;
use crate::replenishment::{model_item, not_stocked, ItemModel, ItemSpec, Settings};

use super::super::scenario::{PeriodKind, Scenario};

/// Worker threads for modelling; the simulation is meant to share a machine.
const MAX_THREADS: usize = 2;

/// Models of every pair from the history before period `upto`, split over the cores; pairs
/// marked in `keep` take their model from `old` instead. Shared by the engine and the
/// item-target yardstick, so both plan on the same forecasts.
pub(crate) fn build_models(
    s: &Scenario,
    upto: usize,
    methods: &[Option<Method>],
    old: Option<(&[ItemModel], &[bool])>,
    fparams: &Params,
    settings: &Settings,
) -> Vec<ItemModel> {
    let n = s.n_pairs();
    let threads = std::thread::available_parallelism()
        .map_or(1, |t| t.get())
        .clamp(1, MAX_THREADS);
    let chunk = n.div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..n)
            .step_by(chunk)
            .map(|lo| {
                let range = lo..(lo + chunk).min(n);
                scope.spawn(move || model_pairs(s, upto, methods, range, fparams, settings, old))
            })
            .collect();
        let mut out = Vec::with_capacity(n);
        for h in handles {
            // A panic in a worker is a bug, not bad input: hand it on unchanged.
            out.extend(h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
        }
        out
    })
}

/// Models of `range` of pairs (see [`build_models`]).
fn model_pairs(
    s: &Scenario,
    upto: usize,
    methods: &[Option<Method>],
    range: std::ops::Range<usize>,
    fparams: &Params,
    settings: &Settings,
    old: Option<(&[ItemModel], &[bool])>,
) -> Vec<ItemModel> {
    let n_parts = s.n_parts();
    let per_year = 365.25 / s.config.period.days();
    let (mut ws, mut scratch, mut x) = (Workspace::new(), Scratch::default(), Vec::new());
    let mut out = Vec::with_capacity(range.len());
    for pair in range {
        if let Some((models, keep)) = old {
            if let (Some(m), Some(true)) = (models.get(pair), keep.get(pair)) {
                out.push(m.clone());
                continue;
            }
        }
        let lines = &s.demand.pair_lines[pair];
        let k = lines.partition_point(|&(p, _)| (p as usize) < upto);
        if k == 0 {
            out.push(ItemModel {
                method: Method::Tsb,
                level: 0.0,
                batch: 1,
                curve: not_stocked(),
            });
            continue;
        }
        let units: u64 = lines[..k].iter().map(|&(_, q)| u64::from(q)).sum();
        x.clear();
        x.extend(s.demand.history(pair, upto).iter().map(|&v| f64::from(v)));
        let part = &s.parts[pair % n_parts];
        let spec = ItemSpec {
            history: &x,
            lines: k as u64,
            units,
            lead_periods: part.lead_periods,
            review_periods: s.review_every,
            periods_per_year: per_year,
            unit_cost_cents: part.unit_cost_cents,
            holding_rate_per_year: s.config.holding_rate_per_year,
            order_cost_cents: s.config.order_cost_cents,
            moq: part.moq,
            pack_size: part.pack_size,
            method: methods.get(pair).copied().flatten(),
        };
        out.push(model_item(&spec, fparams, settings, &mut ws, &mut scratch));
    }
    out
}

/// Lines of `pair` before period `upto`.
pub(crate) fn lines_before(s: &Scenario, pair: usize, upto: usize) -> usize {
    s.demand.pair_lines[pair].partition_point(|&(p, _)| (p as usize) < upto)
}

/// Forecast parameters for the scenario's period.
pub fn forecast_params(kind: PeriodKind) -> Params {
    let season_length = match kind {
        PeriodKind::Day => 365,
        PeriodKind::Week => 52,
        PeriodKind::Month => 12,
    };
    Params {
        season_length,
        ..Params::default()
    }
}
