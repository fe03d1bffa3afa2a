//! Tiny hand-made scenarios pinning the timing convention and the counting rules.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::scenario::PeriodKind;
use super::*;

mod files;

static NEXT_DIR: AtomicUsize = AtomicUsize::new(0);

/// Writes `files` into a fresh directory under the system temp dir.
fn scenario_dir(files: &[(&str, &str)]) -> PathBuf {
    let n = NEXT_DIR.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("spares-sim-test-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create temp dir");
    for (name, text) in files {
        std::fs::write(dir.join(name), text).expect("write scenario file");
    }
    dir
}

const DAILY_TOML: &str = "history_start = \"2024-01-01\"\neval_start = \"2024-01-02\"\neval_end = \"2024-01-08\"\n";
const ONE_WH: &str = "code,name,region,kind\nA,a,north,regional\n";
const TWO_WH: &str = "code,name,region,kind\nA,a,north,regional\nB,b,south,regional\n";
const ONE_PART: &str = "part_number,description,unit_cost,lead_days,moq,pack_size\nP,p,2.50,2,1,1\n";

fn load(files: &[(&str, &str)]) -> Scenario {
    let dir = scenario_dir(files);
    let s = super::load(&dir).expect("scenario loads");
    let _ = std::fs::remove_dir_all(&dir);
    s
}

/// What a scripted policy saw at one review.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Seen {
    on_hand: i64,
    backorders: i64,
    on_order: i64,
    in_transit_in: i64,
    position: i64,
}

/// Plays fixed decisions per period and records the state of every pair at each review.
struct Script {
    initial: Vec<i64>,
    plan: HashMap<usize, Vec<Decision>>,
    seen: HashMap<usize, Vec<Seen>>,
}

impl Script {
    fn new(initial: Vec<i64>, plan: Vec<(usize, Decision)>) -> Script {
        let mut map: HashMap<usize, Vec<Decision>> = HashMap::new();
        for (p, d) in plan {
            map.entry(p).or_default().push(d);
        }
        Script {
            initial,
            plan: map,
            seen: HashMap::new(),
        }
    }

    fn at(&self, period: usize, pair: usize) -> Seen {
        self.seen[&period][pair]
    }
}

impl Policy for Script {
    fn name(&self) -> &str {
        "script"
    }

    fn initial_stock(&mut self, _view: &NetworkView) -> Vec<i64> {
        self.initial.clone()
    }

    fn review(&mut self, view: &NetworkView) -> Vec<Decision> {
        let seen = (0..view.n_pairs())
            .map(|p| Seen {
                on_hand: view.on_hand(p),
                backorders: view.backorders(p),
                on_order: view.on_order(p),
                in_transit_in: view.in_transit_in(p),
                position: view.inventory_position(p),
            })
            .collect();
        self.seen.insert(view.period(), seen);
        self.plan.remove(&view.period()).unwrap_or_default()
    }
}

#[test]
fn order_lands_at_e_plus_lead_plus_one_before_demand_and_fills_backorders() {
    // Period 0 is history; P has a 2-day lead. Bought at the end of period 1, it must land at
    // the start of period 4: period 3's line stocks out and is backordered, period 4's line is
    // served at once after the backorder is filled.
    let demand = "date,warehouse,part_number,qty\n2024-01-01,A,P,1\n2024-01-04,A,P,1\n2024-01-05,A,P,2\n";
    let s = load(&[
        ("scenario.toml", DAILY_TOML),
        ("warehouses.csv", ONE_WH),
        ("parts.csv", ONE_PART),
        ("demand.csv", demand),
    ]);
    assert_eq!((s.eval_start, s.eval_end), (1, 8));
    let mut policy = Script::new(vec![0], vec![(1, Decision::Purchase { pair: 0, qty: 5 })]);
    let r = run(&s, &mut policy);
    let seen = |p| policy.at(p, 0);
    assert_eq!(seen(1).on_order, 0);
    assert_eq!(
        seen(2),
        Seen {
            on_hand: 0,
            backorders: 0,
            on_order: 5,
            in_transit_in: 0,
            position: 5
        }
    );
    assert_eq!(
        seen(3),
        Seen {
            on_hand: 0,
            backorders: 1,
            on_order: 5,
            in_transit_in: 0,
            position: 4
        }
    );
    assert_eq!(
        seen(4),
        Seen {
            on_hand: 2,
            backorders: 0,
            on_order: 0,
            in_transit_in: 0,
            position: 2
        }
    );
    assert_eq!(r.overall.demand_lines, 2);
    assert_eq!(r.overall.stockout_lines, 1);
    assert_eq!(r.overall.units_issued, 3);
    assert_eq!(r.overall.purchase_orders, 1);
    assert_eq!(r.overall.backorders_at_end, 0);
    // On hand at the end of periods 1..=7: 0, 0, 0, 2, 2, 2, 2 units of 2.50.
    assert!((r.overall.avg_inventory_value - 8.0 * 2.5 / 7.0).abs() < 1e-9);
}

#[test]
fn backorders_are_filled_from_partial_arrivals() {
    let demand = "date,warehouse,part_number,qty\n2024-01-01,A,P,1\n2024-01-02,A,P,2\n2024-01-02,A,P,3\n";
    let s = load(&[
        ("scenario.toml", DAILY_TOML),
        ("warehouses.csv", ONE_WH),
        ("parts.csv", ONE_PART),
        ("demand.csv", demand),
    ]);
    // 4 units backordered in period 1; 3 land at period 4, 1 more at period 5.
    let plan = vec![
        (1, Decision::Purchase { pair: 0, qty: 3 }),
        (2, Decision::Purchase { pair: 0, qty: 1 }),
    ];
    let mut policy = Script::new(vec![1], plan);
    let r = run(&s, &mut policy);
    assert_eq!(policy.at(1, 0).backorders, 4);
    assert_eq!(policy.at(4, 0).backorders, 1);
    assert_eq!(policy.at(5, 0).backorders, 0);
    assert_eq!((r.overall.demand_lines, r.overall.stockout_lines), (2, 2));
    assert_eq!(r.overall.units_issued, 5);
    assert!((r.overall.unit_fill_rate - 1.0 / 5.0).abs() < 1e-9);
}

#[test]
fn stockout_lines_and_cold_starts_are_counted_apart_and_together() {
    let parts = "part_number,description,unit_cost,lead_days,moq,pack_size\nP,p,1,2,1,1\nQ,q,1,2,1,1\n";
    // P is warm (sold in history); Q first sells in the evaluation: a cold start.
    let demand = "date,warehouse,part_number,qty\n\
        2024-01-01,A,P,1\n\
        2024-01-02,A,P,2\n2024-01-02,A,P,2\n2024-01-02,A,Q,1\n\
        2024-01-03,A,P,1\n2024-01-03,A,Q,1\n";
    let s = load(&[
        ("scenario.toml", DAILY_TOML),
        ("warehouses.csv", ONE_WH),
        ("parts.csv", parts),
        ("demand.csv", demand),
    ]);
    let mut policy = Script::new(vec![3, 1], vec![]);
    let r = run(&s, &mut policy);
    // P: 2 served, then 1 of 2 (stock-out), then 0 of 1 (stock-out).
    assert_eq!(r.overall.demand_lines, 3);
    assert_eq!(r.overall.demand_units, 5);
    assert_eq!(r.overall.stockout_lines, 2);
    assert!((r.overall.stockout_rate - 2.0 / 3.0).abs() < 1e-9);
    assert!((r.overall.unit_fill_rate - 3.0 / 5.0).abs() < 1e-9);
    assert_eq!((r.overall.cold_start_lines, r.overall.cold_start_served), (2, 1));
    // Over every line: P's 2 stock-outs and Q's unserved line, of 5 lines.
    assert!((r.overall.stockout_rate_all - 3.0 / 5.0).abs() < 1e-9);
    assert!((r.warehouses[0].stockout_rate_all - 3.0 / 5.0).abs() < 1e-9);
    assert_eq!(r.history_periods, 1);
    assert_eq!(r.overall.backorders_at_end, 3);
}

#[test]
fn transfers_leave_at_once_capped_and_land_after_the_lane() {
    let demand = "date,warehouse,part_number,qty\n2024-01-01,A,P,1\n";
    let files = [
        ("scenario.toml", DAILY_TOML),
        ("warehouses.csv", TWO_WH),
        ("parts.csv", ONE_PART),
        ("demand.csv", demand),
    ];
    let s = load(&files);
    assert_eq!(s.lane(0, 1), scenario::DEFAULT_LANE_DAYS_CROSS_REGION);
    // A has 3; asking for 4 moves 3, landing at B at 1 + 3 + 1 = 5.
    let plan = vec![(
        1,
        Decision::Transfer {
            part: 0,
            from_wh: 0,
            to_wh: 1,
            qty: 4,
        },
    )];
    let mut policy = Script::new(vec![3, 0], plan);
    let r = run(&s, &mut policy);
    let (a, b) = (s.pair(0, 0), s.pair(1, 0));
    assert_eq!(policy.at(1, a).on_hand, 3);
    assert_eq!(policy.at(2, a).on_hand, 0);
    assert_eq!(
        policy.at(4, b),
        Seen {
            on_hand: 0,
            backorders: 0,
            on_order: 0,
            in_transit_in: 3,
            position: 3
        }
    );
    assert_eq!(policy.at(5, b).on_hand, 3);
    assert_eq!((r.overall.transfers, r.overall.units_transferred), (1, 3));
    assert_eq!(r.warehouses[1].transfers_received, 1);

    // A listed lane overrides the default.
    let mut with_lane = files.to_vec();
    with_lane.push(("lanes.csv", "from,to,lead_days\nA,B,1\n"));
    let s = load(&with_lane);
    let mut policy = Script::new(
        vec![3, 0],
        vec![(
            1,
            Decision::Transfer {
                part: 0,
                from_wh: 0,
                to_wh: 1,
                qty: 2,
            },
        )],
    );
    run(&s, &mut policy);
    assert_eq!(policy.at(2, b).on_hand, 0);
    assert_eq!(policy.at(3, b).on_hand, 2);
    assert_eq!(policy.at(3, a).on_hand, 1);
}

#[test]
fn lead_days_round_up_to_whole_periods() {
    assert_eq!(PeriodKind::Day.periods_for_days(5), 5);
    assert_eq!(PeriodKind::Week.periods_for_days(0), 0);
    assert_eq!(PeriodKind::Week.periods_for_days(7), 1);
    assert_eq!(PeriodKind::Week.periods_for_days(8), 2);
    assert_eq!(PeriodKind::Month.periods_for_days(30), 1);
    assert_eq!(PeriodKind::Month.periods_for_days(31), 2);
    assert_eq!(PeriodKind::Month.periods_for_days(60), 2);
    assert_eq!(PeriodKind::Month.periods_for_days(61), 3);

    let parts = "part_number,description,unit_cost,lead_days,moq,pack_size\nP,p,1,8,1,1\nQ,q,1,45,1,1\n";
    let demand = "date,warehouse,part_number,qty\n2024-01-03,A,P,1\n";
    let week = "period = \"week\"\nhistory_start = 2024-01-01\neval_start = 2024-01-15\neval_end = \"2024-03-31\"\n";
    let s = load(&[
        ("scenario.toml", week),
        ("warehouses.csv", TWO_WH),
        ("parts.csv", parts),
        ("demand.csv", demand),
        ("lanes.csv", "from,to,lead_days\nA,B,9\n"),
    ]);
    assert_eq!((s.parts[0].lead_periods, s.parts[1].lead_periods), (2, 7));
    assert_eq!((s.lane(0, 1), s.lane(1, 0)), (2, 1));
    assert_eq!(s.eval_start, 2);
    assert_eq!(s.demand.history(0, 1), &[1]);

    let month = "period = \"month\"\nhistory_start = \"2024-01-01\"\neval_start = \"2024-03-01\"\neval_end = \"2024-06-01\"\nreview_period_days = 30\n";
    let s = load(&[
        ("scenario.toml", month),
        ("warehouses.csv", TWO_WH),
        ("parts.csv", parts),
        ("demand.csv", demand),
    ]);
    assert_eq!((s.parts[0].lead_periods, s.parts[1].lead_periods), (1, 2));
    assert_eq!((s.eval_start, s.eval_end, s.review_every), (2, 6, 1));
    // An order of a 2-month part in March's review lands in June (period 5), not May.
    let mut policy = Script::new(vec![0; 4], vec![(2, Decision::Purchase { pair: 1, qty: 1 })]);
    run(&s, &mut policy);
    assert_eq!(policy.at(4, 1).on_hand, 0);
    assert_eq!(policy.at(5, 1).on_hand, 1);
}

#[test]
fn minmax_starts_at_order_up_to_and_rounds_orders() {
    assert_eq!(minmax::round_order(3, 5, 1), 5);
    assert_eq!(minmax::round_order(7, 5, 4), 8);
    assert_eq!(minmax::round_order(8, 1, 4), 8);
    // 1 unit a day for 10 history days; 2-day lead, 30 cover days: s = 2, S = 32.
    let mut demand = String::from("date,warehouse,part_number,qty\n");
    for d in 1..=12 {
        demand.push_str(&format!("2024-01-{d:02},A,P,1\n"));
    }
    let toml = "history_start = \"2024-01-01\"\neval_start = \"2024-01-11\"\neval_end = \"2024-01-12\"\n";
    let s = load(&[
        ("scenario.toml", toml),
        ("warehouses.csv", ONE_WH),
        ("parts.csv", ONE_PART),
        ("demand.csv", &demand),
    ]);
    let r = run(&s, &mut MinMax::new(MinMaxParams::default()));
    assert_eq!(r.overall.stockout_lines, 0);
    assert_eq!(r.overall.purchase_orders, 0);
    // Starts at 32, ends the two periods at 31 and 30 units of 2.50.
    assert!((r.overall.avg_inventory_value - (30.5 * 2.5)).abs() < 1e-9);
}
