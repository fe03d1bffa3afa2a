//! Building the engine's item models from a scenario's history.

use std::collections::BTreeMap;

use crate::forecast::{Method, Params, Workspace};
use crate::replenishment::policy::Scratch;
use crate::replenishment::sizes::{self, class_of, Pools};
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
    let pools = size_pools(s, upto);
    let pools = &pools;
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..n)
            .step_by(chunk)
            .map(|lo| {
                let range = lo..(lo + chunk).min(n);
                let ctx = Ctx {
                    s,
                    upto,
                    methods,
                    fparams,
                    settings,
                    old,
                    pools,
                };
                scope.spawn(move || model_pairs(&ctx, range))
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

/// Line-size counts `(size, lines)` of each part across the network and of each size class,
/// from the lines before `upto`: what a pair with few lines borrows (see [`sizes::choose`]).
struct SizePools {
    part: Vec<Vec<(u64, u64)>>,
    class_of_part: Vec<usize>,
    class: Vec<Vec<(u64, u64)>>,
}

/// Sorts `sizes` and counts each size into `out`.
fn run_length(sizes: &mut [u64], out: &mut Vec<(u64, u64)>) {
    sizes.sort_unstable();
    out.clear();
    for &k in sizes.iter() {
        match out.last_mut() {
            Some(last) if last.0 == k => last.1 += 1,
            _ => out.push((k, 1)),
        }
    }
}

fn size_pools(s: &Scenario, upto: usize) -> SizePools {
    let n_parts = s.n_parts();
    let mut part = vec![Vec::new(); n_parts];
    let mut class_of_part = vec![0; n_parts];
    let mut classes: Vec<BTreeMap<u64, u64>> = vec![BTreeMap::new(); class_of(f64::MAX) + 1];
    let mut buf = Vec::new();
    for (p, counts) in part.iter_mut().enumerate() {
        buf.clear();
        for w in 0..s.n_warehouses() {
            let lines = &s.demand.pair_lines[s.pair(w, p)];
            let k = lines.partition_point(|&(t, _)| (t as usize) < upto);
            buf.extend(lines[..k].iter().map(|&(_, q)| u64::from(q.max(1))));
        }
        if buf.is_empty() {
            continue;
        }
        let mean = buf.iter().sum::<u64>() as f64 / buf.len() as f64;
        run_length(&mut buf, counts);
        let c = class_of(mean).min(classes.len() - 1);
        class_of_part[p] = c;
        for &(k, n) in counts.iter() {
            *classes[c].entry(k).or_default() += n;
        }
    }
    SizePools {
        part,
        class_of_part,
        class: classes.into_iter().map(|m| m.into_iter().collect()).collect(),
    }
}

/// What every worker of [`build_models`] shares.
#[derive(Clone, Copy)]
struct Ctx<'a> {
    s: &'a Scenario,
    upto: usize,
    methods: &'a [Option<Method>],
    fparams: &'a Params,
    settings: &'a Settings,
    old: Option<(&'a [ItemModel], &'a [bool])>,
    pools: &'a SizePools,
}

/// Models of `range` of pairs (see [`build_models`]).
fn model_pairs(ctx: &Ctx, range: std::ops::Range<usize>) -> Vec<ItemModel> {
    let Ctx {
        s,
        upto,
        methods,
        fparams,
        settings,
        old,
        pools,
    } = *ctx;
    let n_parts = s.n_parts();
    let per_year = 365.25 / s.config.period.days();
    let (mut ws, mut scratch, mut x) = (Workspace::new(), Scratch::default(), Vec::new());
    let (mut buf, mut own) = (Vec::new(), Vec::new());
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
        let p = pair % n_parts;
        let part = &s.parts[p];
        buf.clear();
        buf.extend(lines[..k].iter().map(|&(_, q)| u64::from(q.max(1))));
        run_length(&mut buf, &mut own);
        let line_sizes = sizes::choose(&Pools {
            pair: &own,
            part: &pools.part[p],
            class: &pools.class[pools.class_of_part[p]],
        });
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
            line_sizes: Some(&line_sizes),
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
