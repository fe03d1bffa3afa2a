"""Per-series statsforecast timing on the file written by `cargo bench --bench forecast`.

Usage: statsforecast_bench.py SERIES_CSV [OURS_CSV]

SERIES_CSV has `series_id,period,demand`; OURS_CSV (optional) has `series_id,method,forecast`
as written by the Rust bench, and is checked against statsforecast's forecasts (1e-6 relative).
Each model's `forecast(y=..., h=1)` is called in a plain loop: the cheapest per-series path.
Prints one JSON object: {"series": N, "per_second": {method: series/s}, "mismatches": {...}}.
"""

import csv
import json
import sys
import time
from collections import OrderedDict

import numpy as np
from statsforecast.models import (
    ADIDA,
    IMAPA,
    TSB,
    CrostonClassic,
    CrostonOptimized,
    CrostonSBA,
    SimpleExponentialSmoothing,
)

MODELS = OrderedDict(
    [
        ("croston", lambda: CrostonClassic()),
        ("croston_sba", lambda: CrostonSBA()),
        ("croston_opt", lambda: CrostonOptimized()),
        ("tsb", lambda: TSB(alpha_d=0.1, alpha_p=0.1)),
        ("adida", lambda: ADIDA()),
        ("imapa", lambda: IMAPA()),
        ("ses", lambda: SimpleExponentialSmoothing(alpha=0.1)),
    ]
)


def read_series(path):
    series = OrderedDict()
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            series.setdefault(row["series_id"], []).append(float(row["demand"]))
    return [(k, np.asarray(v, dtype=np.float64)) for k, v in series.items()]


def main():
    series = read_series(sys.argv[1])
    ours = {}
    if len(sys.argv) > 2:
        with open(sys.argv[2], newline="") as f:
            for row in csv.DictReader(f):
                ours[(row["series_id"], row["method"])] = float(row["forecast"])
    rates, mismatches = {}, {}
    for name, make in MODELS.items():
        model = make()
        # Warm-up: numba/JIT compilation and caches are not part of the per-series cost.
        for _, y in series[:50]:
            model.forecast(y=y, h=1)
        out = []
        start = time.perf_counter()
        for _, y in series:
            out.append(model.forecast(y=y, h=1)["mean"][0])
        elapsed = time.perf_counter() - start
        rates[name] = len(series) / elapsed
        bad = 0
        for (sid, _), theirs in zip(series, out):
            mine = ours.get((sid, name))
            if mine is None:
                continue
            if abs(mine - theirs) > max(1e-9, 1e-6 * abs(theirs)):
                bad += 1
        if ours:
            mismatches[name] = bad
    print(json.dumps({"series": len(series), "per_second": rates, "mismatches": mismatches}))


if __name__ == "__main__":
    main()
