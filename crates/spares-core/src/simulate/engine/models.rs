//! Building the engine's item models from a scenario's history.

use crate::forecast::{Method, Params, Workspace};
use crate::replenishment::policy::Scratch;
use crate::replenishment::{model_item, not_stocked, ItemModel, ItemSpec, Settings};

use super::super::scenario::{PeriodKind, Scenario};

/// Models of `range` of pairs (see [`Engine::build`]).
pub(super) fn model_pairs(
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
pub(super) fn lines_before(s: &Scenario, pair: usize, upto: usize) -> usize {
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
