//! item-target on a small seeded network: the shared fill rate moves stock and service the
//! right way, and the search lands under the target at the loosest rate it can justify.

use chrono::{Days, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::*;
use crate::replenishment::{Curve, Level};
use crate::simulate::network::run;
use crate::simulate::scenario::{Calendar, Config, Demand, DemandLine, Part, PeriodKind, Warehouse, WarehouseKind};

/// Two warehouses x 12 parts, 300 days of history and 200 evaluated, slow and lumpy demand.
fn scenario(seed: u64) -> Scenario {
    let first = NaiveDate::from_ymd_opt(2024, 1, 1).expect("date");
    let day = |d: u64| first.checked_add_days(Days::new(d)).expect("date");
    let calendar = Calendar::new(PeriodKind::Day, first, day(499)).expect("calendar");
    let config = Config {
        period: PeriodKind::Day,
        history_start: first,
        eval_start: day(300),
        eval_end: day(499),
        target_fill_rate: 0.99,
        review_period_days: 1,
        holding_rate_per_year: 0.25,
        order_cost_cents: 5_000,
    };
    let warehouses = ["north", "south"]
        .iter()
        .enumerate()
        .map(|(i, r)| Warehouse {
            code: format!("W{i}"),
            name: r.to_string(),
            region: i,
            kind: WarehouseKind::Regional,
        })
        .collect();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let parts: Vec<Part> = (0..12)
        .map(|p| Part {
            number: format!("P{p}"),
            description: String::new(),
            unit_cost_cents: 500 + 2_000 * p,
            lead_days: 3 + (p as u32 % 4) * 3,
            lead_periods: 3 + (p as u32 % 4) * 3,
            moq: 1,
            pack_size: 1,
        })
        .collect();
    let n_pairs = 2 * parts.len();
    let rates: Vec<f64> = (0..n_pairs).map(|_| 0.05 + 0.6 * rng.random::<f64>()).collect();
    let mut lines = Vec::new();
    for t in 0..calendar.len() as u32 {
        for (pair, &r) in rates.iter().enumerate() {
            if rng.random::<f64>() < r {
                let qty = 1 + (-(rng.random::<f64>().max(1e-12)).ln() * 1.5) as u32;
                lines.push((t, DemandLine { pair: pair as u32, qty }));
            }
        }
    }
    let n_periods = calendar.len();
    Scenario {
        name: "item-target-test".into(),
        config,
        eval_start: 300,
        eval_end: n_periods,
        review_every: 1,
        warehouses,
        regions: vec!["north".into(), "south".into()],
        parts,
        lanes: vec![1; 4],
        lane_days: vec![1; 4],
        demand: Demand::build(n_pairs, n_periods, lines),
        calendar,
        initial_stock: None,
        ignored_demand_rows: 0,
    }
}

#[test]
fn a_pair_takes_the_lowest_level_meeting_the_shared_fill_rate() {
    let level = |s, stockout_lines| Level {
        s,
        value: (s + 1) as f64,
        stockout_lines,
    };
    let model = ItemModel {
        method: Method::Ses,
        level: 1.0,
        batch: 3,
        curve: Curve {
            levels: vec![level(-1, 2.0), level(0, 1.0), level(2, 0.1), level(5, 0.002)],
            line_rate: 2.0,
        },
    };
    let c = Compact::of(&model);
    // Shares are stock-out lines / line rate: 1, 0.5, 0.05, 0.001.
    assert_eq!(c.levels(0.01), levels_of(5, 3));
    assert_eq!(c.levels(0.05), levels_of(2, 3));
    assert_eq!(c.levels(0.6), levels_of(0, 3));
    // Nothing meets a share tighter than the curve's last level: the highest level it has.
    assert_eq!(c.levels(1e-9), levels_of(5, 3));
}

#[test]
fn a_tighter_shared_fill_rate_holds_more_stock_and_stocks_out_less() {
    let s = scenario(7);
    let plans = Plans::build(&s, ItemTargetParams::default());
    assert!(
        plans.epochs.len() > 20,
        "refreshed weekly over 200 days: {}",
        plans.epochs.len()
    );
    let loose = run(&s, &mut ItemTarget::new(&plans, 0.9));
    let tight = run(&s, &mut ItemTarget::new(&plans, 0.999));
    let (l, t) = (&loose.overall, &tight.overall);
    assert!(l.demand_lines > 1_000, "{}", l.demand_lines);
    assert!(
        t.stockout_rate < l.stockout_rate,
        "{} vs {}",
        t.stockout_rate,
        l.stockout_rate
    );
    assert!(t.avg_inventory_value > l.avg_inventory_value);
    assert!(l.transfers == 0 && t.transfers == 0);
}

#[test]
fn the_search_lands_under_the_target_at_the_loosest_fill_rate_it_found() {
    let s = scenario(11);
    let plans = Plans::build(&s, ItemTargetParams::default());
    let report = tune(&s, &plans, 0.99, run);
    let tuning = report.tuning.as_ref().expect("tuning recorded");
    assert!(tuning.reached && tuning.trials >= 3, "{tuning:?}");
    assert!(report.overall.stockout_rate <= 0.01, "{}", report.overall.stockout_rate);
    let fill = tuning.item_fill_rate.expect("a fill rate");
    assert!(fill > 0.5 && fill < 1.0, "{fill}");
    // Twice each pair's allowed share is past the bracket the search closed: it must miss.
    let looser = run(&s, &mut ItemTarget::new(&plans, 1.0 - 2.0 * (1.0 - fill)));
    assert!(looser.overall.stockout_rate > 0.01, "{}", looser.overall.stockout_rate);
}
