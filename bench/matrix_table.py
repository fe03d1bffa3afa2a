#!/usr/bin/env python3
"""Prints the robustness matrix table from the reports bench/matrix.sh wrote.

Usage: matrix_table.py OUT_DIR NAME...  (reports OUT_DIR/NAME-POLICY.json)

One row per scenario. so% = stock-out lines / lines on pairs with history (the target's
measure); all% = the same including cold-start lines (pairs first seen in the evaluation).
Ratios are average inventory values. "under" = how far the engine lands under 1 % (negative:
it missed). Missing reports (a policy not run) show as "-".
"""

import json
import os
import statistics
import sys

POLICIES = ["minmax", "item-target", "engine", "engine-no-transfers"]


def load(out, name, policy):
    path = os.path.join(out, f"{name}-{policy}.json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def rate_all(m):
    if "stockout_rate_all" in m:
        return m["stockout_rate_all"]
    lines = m["demand_lines"] + m["cold_start_lines"]
    bad = m["stockout_lines"] + m["cold_start_lines"] - m["cold_start_served"]
    return bad / lines if lines else 0.0


def pct(x):
    return "-" if x is None else f"{x * 100:.2f}"


def ratio(a, b):
    if a is None or b is None or b["overall"]["avg_inventory_value"] <= 0:
        return None
    return a["overall"]["avg_inventory_value"] / b["overall"]["avg_inventory_value"]


def fmt(x):
    return "-" if x is None else f"{x:.3f}"


def main():
    out, names = sys.argv[1], sys.argv[2:]
    head = (
        f"{'scenario':<13}{'per':>6}{'hist':>5}{'lines':>8}{'cold':>6} |"
        f"{'mm so%':>7}{'it so%':>7}{'eng so%':>8}{'eng all%':>9}{'ent so%':>8} |"
        f"{'eng/mm':>7}{'eng/it':>7}{'ent/mm':>7}{'it/mm':>7} |{'under 1%':>9}{'eng s':>7}"
    )
    print(head)
    print("-" * len(head))
    rows = []
    for name in names:
        r = {p: load(out, name, p) for p in POLICIES}
        base = r["engine"] or r["minmax"]
        if base is None:
            print(f"{name:<13} (no reports)")
            continue
        o = base["overall"]
        hist = base.get("history_periods", "")
        so = {p: (r[p]["overall"]["stockout_rate"] if r[p] else None) for p in POLICIES}
        eng_all = rate_all(r["engine"]["overall"]) if r["engine"] else None
        ratios = {
            "eng/mm": ratio(r["engine"], r["minmax"]),
            "eng/it": ratio(r["engine"], r["item-target"]),
            "ent/mm": ratio(r["engine-no-transfers"], r["minmax"]),
            "it/mm": ratio(r["item-target"], r["minmax"]),
        }
        under = None if so["engine"] is None else (0.01 - so["engine"]) * 100
        secs = r["engine"]["total_seconds"] if r["engine"] else None
        rows.append((name, so, ratios))
        print(
            f"{name:<13}{base['period']:>6}{hist:>5}{o['demand_lines']:>8}{o['cold_start_lines']:>6} |"
            f"{pct(so['minmax']):>7}{pct(so['item-target']):>7}{pct(so['engine']):>8}{pct(eng_all):>9}"
            f"{pct(so['engine-no-transfers']):>8} |"
            + "".join(f"{fmt(v):>7}" for v in ratios.values())
            + f" |{'-' if under is None else f'{under:+.2f}':>9}{'-' if secs is None else f'{secs:.1f}':>7}"
        )
    print()
    for policy in ["engine", "engine-no-transfers", "item-target", "minmax"]:
        rates = [so[policy] for _, so, _ in rows if so[policy] is not None]
        if not rates:
            continue
        miss = sum(1 for x in rates if x >= 0.01)
        in_band = sum(1 for x in rates if 0.007 <= x < 0.01)
        print(
            f"{policy:<20} scenarios {len(rates):>3}  missed 1 %: {miss:>3}  in 0.7-1.0 %: {in_band:>3}"
            f"  median so {statistics.median(rates) * 100:.2f}%  worst {max(rates) * 100:.2f}%"
        )
    for key in ["eng/mm", "eng/it", "ent/mm", "it/mm"]:
        vals = [rt[key] for _, _, rt in rows if rt[key] is not None]
        if vals:
            print(f"{key:<8} median {statistics.median(vals):.3f}  max {max(vals):.3f}  min {min(vals):.3f}")


if __name__ == "__main__":
    main()
