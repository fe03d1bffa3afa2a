"""Per-series statsforecast timing on the file written by `cargo bench --bench forecast`.

Usage: statsforecast_bench.py [--repeats=N] SERIES_CSV [OURS_CSV]

SERIES_CSV has `series_id,period,demand`; OURS_CSV (optional) has `series_id,method,forecast`
as written by the Rust bench, and is checked against statsforecast's forecasts (1e-6 relative).
Each model's `forecast(y=..., h=1)` is called in a plain loop: the cheapest per-series path.
The loops run in N rounds over all models (default 1) and each model's fastest pass counts,
as the Rust side does with its own measurements.
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
    args = [a for a in sys.argv[1:] if not a.startswith("--repeats=")]
    repeats = max([int(a.split("=", 1)[1]) for a in sys.argv[1:] if a.startswith("--repeats=")] or [1])
    series = read_series(args[0])
    ours = {}
    if len(args) > 1:
        with open(args[1], newline="") as f:
            for row in csv.DictReader(f):
                ours[(row["series_id"], row["method"])] = float(row["forecast"])
    rates, mismatches = {}, {}
    models = {name: make() for name, make in MODELS.items()}
    for model in models.values():
        # Warm-up: numba/JIT compilation and caches are not part of the per-series cost.
        for _, y in series[:50]:
            model.forecast(y=y, h=1)
    # Rounds over all models, so that each model's passes are spread over the whole run.
    best, outputs = {}, {}
    for _ in range(repeats):
        for name, model in models.items():
            out = []
            start = time.perf_counter()
            for _, y in series:
                out.append(model.forecast(y=y, h=1)["mean"][0])
            elapsed = time.perf_counter() - start
            best[name] = min(best.get(name, elapsed), elapsed)
            outputs[name] = out
    for name, out in outputs.items():
        rates[name] = len(series) / best[name]
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
