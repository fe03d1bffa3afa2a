#!/usr/bin/env bash
# Runs every scenario in ../shared/data (or the directories given) under minmax tuned to the
# target, engine and engine-no-transfers, writes each report.json under target/simulate/ and
# prints one comparison table. Usage: bash bench/simulate_all.sh [SCENARIO_DIR...]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
target_dir=${CARGO_TARGET_DIR:-target}
out=$target_dir/simulate
mkdir -p "$out"
scenarios=("$@")
[ ${#scenarios[@]} -gt 0 ] || scenarios=(../shared/data/*/)
for dir in "${scenarios[@]}"; do
    name=$(basename "$dir")
    for policy in minmax engine engine-no-transfers; do
        "$target_dir/release/spares" simulate --scenario "$dir" --policy "$policy" --target 0.99 \
            --out "$out/$name-$policy.json" >/dev/null
    done
done
python3 - "$out" "${scenarios[@]}" <<'PY'
import json, os, sys
out, dirs = sys.argv[1], sys.argv[2:]
print(f"{'scenario':<15}{'policy':<21}{'stock-out lines':>16}{'unit fill':>10}{'avg inventory value':>21}{'vs minmax':>10}"
      f"{'turnover':>9}{'POs':>7}{'transfers':>10}{'units moved':>12}{'cold lines (served)':>21}{'seconds':>9}")
for d in dirs:
    name = os.path.basename(os.path.normpath(d))
    base = None
    for policy in ["minmax", "engine", "engine-no-transfers"]:
        r = json.load(open(f"{out}/{name}-{policy}.json"))
        m = r["overall"]
        base = base or m["avg_inventory_value"]
        turnover = m["turnover"] if m["turnover"] is not None else float("nan")
        cold = f'{m["cold_start_lines"]} ({m.get("cold_start_served", m.get("cold_served", "?"))})'
        print(f"{name:<15}{policy:<21}{m['stockout_rate']*100:>15.3f}%{m['unit_fill_rate']*100:>9.2f}%"
              f"{m['avg_inventory_value']:>21,.0f}{m['avg_inventory_value']/base:>10.3f}{turnover:>9.2f}"
              f"{m['purchase_orders']:>7}{m['transfers']:>10}{m['units_transferred']:>12}{cold:>21}{r['total_seconds']:>9.1f}")
PY
