use super::*;

#[test]
fn replay_follows_the_simulator_timing() {
    // 1 unit every period, lead 1: order at end of e lands at start of e + 2.
    let lines: Vec<(u32, u32)> = (0..10).map(|p| (p, 1)).collect();
    let levels = [LevelsFrom {
        from: 0,
        s: 2,
        order_up_to: 3,
    }];
    let item = ReplayItem {
        lines: &lines,
        lead_periods: 1,
        moq: 1,
        pack_size: 1,
        levels: &levels,
    };
    // s = 2 covers the two periods an order takes: no stock-outs.
    assert_eq!(replay(&item, 0, 10, 1), (10, 0));
    let low = [LevelsFrom {
        from: 0,
        s: 0,
        order_up_to: 1,
    }];
    let (n, short) = replay(&ReplayItem { levels: &low, ..item }, 0, 10, 1);
    assert_eq!(n, 10);
    assert!(short > 0);
}

#[test]
fn choose_interpolates_to_the_goal() {
    let t = |internal, achieved| Trial { internal, achieved };
    let trials = [t(0.01, 0.02), t(0.005, 0.009), t(0.0025, 0.006), t(0.001, 0.003)];
    // Between 0.0025 (0.6%) and 0.005 (0.9%), nearer the passing end: 0.8% is 71% of the way.
    let c = choose(&trials, 0.008).expect("chosen");
    assert!(c > 0.0025 && c < 0.005, "{c}");
    assert!(
        (c - 0.0025 * 2f64.powf((0.8f64 / 0.6).ln() / 1.5f64.ln())).abs() < 1e-9,
        "{c}"
    );
    assert_eq!(choose(&trials[3..], 0.008), Some(0.001));
    assert_eq!(choose(&trials[..1], 0.008), Some(0.01));
    assert_eq!(choose(&[], 0.008), None);
}

/// One pair, curve s = 0..=8 with 10^-s expected stock-out lines per period (one line a
/// period), its history `qty` units every period, lead 1, reviewed every period.
fn search_on(qty: u32) -> Outcome {
    use crate::forecast::Method;
    use crate::replenishment::policy::Level;
    let levels = (0..=8)
        .map(|s| Level {
            s,
            value: 100.0 * s as f64,
            stockout_lines: 10f64.powi(-(s as i32)),
        })
        .collect();
    let model = ItemModel {
        method: Method::Ses,
        level: f64::from(qty),
        batch: 1,
        curve: crate::replenishment::allocate::Curve { levels, line_rate: 1.0 },
    };
    let models = [model];
    let history: Vec<(u32, u32)> = (0..200).map(|p| (p, qty)).collect();
    let bt = Backtest {
        origins: vec![(0, &models[..])],
        start: 0,
        end: 200,
        review_every: 1,
        warm: &[0],
    };
    calibrate(&bt, 0.01, 0.95, None, |_, lines| {
        lines.extend_from_slice(&history);
        Terms {
            lead_periods: 1,
            moq: 1,
            pack_size: 1,
        }
    })
}

#[test]
fn the_search_goes_below_the_grid_until_the_replay_passes() {
    let found = search_on(3);
    let internal = found.internal.expect("chosen");
    assert!(!found.at_limit, "{found:?}");
    assert!(internal < 0.01 * GRID[GRID.len() - 1], "{found:?}");
    assert!(found.trials.iter().any(|t| t.achieved <= found.goal));
    // 200 lines: the bound leaves 1 % - 1.645 sqrt(0.0099 / 200) < 0: only no stock-out passes.
    assert_eq!(found.goal, 0.0);
}

#[test]
fn the_search_stops_at_the_models_tightest_levels_and_says_so() {
    let found = search_on(30);
    assert!(found.at_limit, "{found:?}");
    let tightest = found.trials.iter().map(|t| t.internal).fold(f64::INFINITY, f64::min);
    assert_eq!(found.internal, Some(tightest));
    // It stopped because the levels stopped changing, not at the halvings' cap.
    assert!(found.trials.len() < 2 + MAX_HALVINGS, "{}", found.trials.len());
}
