//! Whole scenario directories: what loading refuses or defaults, the opening stock file, and
//! the shared carparts scenario under every policy.

use super::*;

#[test]
fn unknown_toml_key_is_rejected_with_line_and_field() {
    let toml = "history_start = \"2024-01-01\"\neval_start = \"2024-01-02\"\neval_end = \"2024-01-08\"\nsafety = 3\n";
    let dir = scenario_dir(&[
        ("scenario.toml", toml),
        ("warehouses.csv", ONE_WH),
        ("parts.csv", ONE_PART),
        ("demand.csv", "date,warehouse,part_number,qty\n"),
    ]);
    let err = crate::simulate::load(&dir).expect_err("unknown key must fail");
    match &err {
        SimError::Load { file, line, field, .. } => {
            assert!(file.ends_with("scenario.toml"));
            assert_eq!(*line, Some(4));
            assert_eq!(field, "safety");
        }
        other => panic!("unexpected error {other}"),
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn defaults_apply_and_csv_errors_name_file_line_and_field() {
    let s = load(&[
        ("scenario.toml", DAILY_TOML),
        ("warehouses.csv", ONE_WH),
        ("parts.csv", ONE_PART),
        ("demand.csv", "date,warehouse,part_number,qty\n"),
    ]);
    assert_eq!(s.config.order_cost_cents, 5_000);
    assert_eq!(s.config.holding_rate_per_year, 0.25);
    assert_eq!(s.config.target_fill_rate, 0.99);
    assert_eq!(s.parts[0].unit_cost_cents, 250);

    let dir = scenario_dir(&[
        ("scenario.toml", DAILY_TOML),
        ("warehouses.csv", ONE_WH),
        ("parts.csv", ONE_PART),
        (
            "demand.csv",
            "date,warehouse,part_number,qty\n2024-01-01,A,P,1\n2024-01-02,A,P,-2\n",
        ),
    ]);
    let err = crate::simulate::load(&dir).expect_err("negative qty must fail");
    let text = err.to_string();
    assert!(text.contains("demand.csv:3: field `qty`"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn engine_policies_run_on_carparts() {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/carparts"));
    for policy in [PolicyChoice::Engine, PolicyChoice::EngineNoTransfers] {
        let r = simulate(&dir, policy, None).expect("engine runs");
        assert_eq!(r.rejected_decisions, 0);
        assert!(r.overall.purchase_orders > 0 && r.overall.avg_inventory_value > 0.0);
        if policy == PolicyChoice::EngineNoTransfers {
            assert_eq!(r.overall.transfers, 0);
        }
    }
}

#[test]
fn minmax_on_carparts_gives_sane_figures() {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/carparts"));
    let r = simulate(&dir, PolicyChoice::MinMax, None).expect("carparts simulates");
    let o = &r.overall;
    assert!(o.demand_lines > 0);
    assert!((0.0..=1.0).contains(&o.stockout_rate));
    assert!((0.0..=1.0).contains(&o.unit_fill_rate));
    assert!(o.avg_inventory_value > 0.0);
    assert!(o.purchase_orders > 0);
    assert_eq!(r.eval_periods, 12);
    assert_eq!(r.warehouses.len(), 6);
    assert_eq!(r.warehouses.iter().map(|w| w.demand_lines).sum::<u64>(), o.demand_lines);
    assert!(serde_json::to_string(&r).is_ok());
}

#[test]
fn stock_csv_sets_the_opening_stock_instead_of_the_policy() {
    // With stock.csv the policy's initial stock is not asked for: A starts with 3 units of P,
    // so the first two lines (1 + 2 units) are served and the third stocks out.
    let demand =
        "date,warehouse,part_number,qty\n2024-01-01,A,P,1\n2024-01-02,A,P,1\n2024-01-03,A,P,2\n2024-01-04,A,P,1\n";
    let files = [
        ("scenario.toml", DAILY_TOML),
        ("warehouses.csv", ONE_WH),
        ("parts.csv", ONE_PART),
        ("demand.csv", demand),
        ("stock.csv", "warehouse,part_number,on_hand\nA,P,3\n"),
    ];
    let s = load(&files);
    let mut policy = Script::new(vec![100], Vec::new());
    let r = run(&s, &mut policy);
    assert_eq!(policy.at(1, 0).on_hand, 2, "3 opening units less the first line");
    assert_eq!((r.overall.demand_lines, r.overall.stockout_lines), (3, 1));

    let unknown = scenario_dir(&[
        ("scenario.toml", DAILY_TOML),
        ("warehouses.csv", ONE_WH),
        ("parts.csv", ONE_PART),
        ("demand.csv", demand),
        ("stock.csv", "warehouse,part_number,on_hand\nA,NOPE,3\n"),
    ]);
    let error = crate::simulate::load(&unknown)
        .map(|_| ())
        .expect_err("an unknown part is refused");
    let _ = std::fs::remove_dir_all(&unknown);
    assert!(error.to_string().contains("stock.csv"), "{error}");
}
