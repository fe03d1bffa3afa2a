#!/usr/bin/env python3
"""Seeded spare-parts scenario generator for `spares simulate` (stdlib only).

Usage: gen_scenario.py --seed N --out DIR [--period day|week|month] [--history P] [--eval P]
                       [--parts N] [--regions N] [--max-wh 1..4] [--sizes mixed|lumpy|very]
                       [--emphasis PATTERN] [--rate X]

Writes DIR/{scenario.toml, warehouses.csv, parts.csv, demand.csv} in the format the simulator
loads (docs/SIMULATION.md). The same arguments always give the same files on one Python version
(random.Random(seed); the distribution helpers used here have been stable for years).

What is in a scenario (each choice drawn per part or per pair from the seed):
- periods of a day, a week or a month; `--history` periods before the evaluation, `--eval` in it;
- 1..`--max-wh` warehouses per region: a regional centre and local stores; a part is demanded at
  a random subset of them, the centre taking a larger share;
- per part one demand pattern: stationary, level shift (x0.3..x3 at a random time), trend
  (exponential, -1.2..+1.2 over the horizon), seasonality (annual, amplitude 0.3..0.9; also mixed
  into a quarter of the other patterns), obsolescence (decay to nothing after a random time),
  new part (first demand late in the history or inside the evaluation: cold starts);
- the number of lines per period is Poisson on a gamma-mixed rate (clustered demand);
- line sizes per part: smooth (mostly one unit), lumpy (1 + geometric, mean 1..4) or very lumpy
  (mostly small lines, now and then a line of 10..150 units); `--sizes` sets the mix;
- `--emphasis` gives half of the parts one pattern (a network-wide shift, a wave of new parts).
Unit costs are log-normal, lead times depend on the period, MOQ and packs are mostly 1.
"""

import argparse
import datetime as dt
import math
import os
import random

PERIOD_DAYS = {"day": 1.0, "week": 7.0, "month": 30.4375}
LEAD_DAYS = {
    "day": [3, 5, 7, 10, 14, 21, 30],
    "week": [7, 10, 14, 21, 30, 45, 60],
    "month": [30, 45, 60, 90, 120],
}
REVIEW_DAYS = {"day": 1, "week": 7, "month": 30}
# Share of smooth / lumpy / very lumpy parts.
SIZE_MIX = {"mixed": (0.5, 0.35, 0.15), "lumpy": (0.2, 0.5, 0.3), "very": (0.1, 0.3, 0.6)}
PATTERNS = [
    ("stationary", 0.30),
    ("shift", 0.15),
    ("trend", 0.15),
    ("seasonal", 0.15),
    ("obsolete", 0.12),
    ("new", 0.13),
]
REGIONS = ["north", "east", "south", "west", "centre", "coast"]


def poisson(rng, lam):
    if lam <= 0.0:
        return 0
    if lam > 30.0:
        return max(0, int(round(rng.gauss(lam, math.sqrt(lam)))))
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def geometric(rng, mean):
    """Failures before a success with mean `mean` (>= 0)."""
    if mean <= 0.0:
        return 0
    p = 1.0 / (1.0 + mean)
    return int(math.log(1.0 - rng.random()) / math.log(1.0 - p))


def period_start(start, period, k):
    if period == "day":
        return start + dt.timedelta(days=k)
    if period == "week":
        return start + dt.timedelta(days=7 * k)
    months = start.month - 1 + k
    return dt.date(start.year + months // 12, months % 12 + 1, 1)


def draw_pattern(rng, emphasis):
    """A pattern by the weights of PATTERNS, or `emphasis` for half of the parts."""
    if emphasis and rng.random() < 0.5:
        return emphasis
    u, acc = rng.random(), 0.0
    for name, w in PATTERNS:
        acc += w
        if u < acc:
            return name
    return PATTERNS[-1][0]


class PartModel:
    """The demand process of one part: a rate multiplier over time and a line-size law."""

    def __init__(self, rng, n_days, hist_days, sizes, emphasis):
        self.pattern = draw_pattern(rng, emphasis)
        self.phase = rng.uniform(0.0, 2.0 * math.pi)
        seasonal = self.pattern == "seasonal" or rng.random() < 0.25
        self.season_amp = rng.uniform(0.3, 0.9) if seasonal else 0.0
        self.t_event = rng.uniform(0.3, 0.95) * n_days
        self.shift = rng.choice([0.3, 0.5, 2.0, 3.0])
        self.growth = rng.uniform(-1.2, 1.2)
        self.half_life = rng.uniform(30.0, 180.0)
        if self.pattern == "new":
            # Late in the history (a short history) or inside the evaluation (cold starts).
            self.t_event = rng.uniform(0.6, 1.1) * hist_days
        self.n_days = n_days
        # Gamma shape of the rate noise per period: small = clustered demand.
        self.shape = rng.choice([0.6, 1.0, 2.0, 5.0, 50.0])
        smooth, lumpy, _ = SIZE_MIX[sizes]
        u = rng.random()
        self.size_kind = "smooth" if u < smooth else "lumpy" if u < smooth + lumpy else "very"
        self.size_mean = rng.uniform(1.0, 4.0)
        self.big_median = rng.uniform(10.0, 40.0)

    def multiplier(self, day):
        m = 1.0
        if self.pattern == "shift" and day >= self.t_event:
            m = self.shift
        elif self.pattern == "trend":
            m = math.exp(self.growth * (day / self.n_days - 0.5))
        elif self.pattern == "obsolete" and day >= self.t_event:
            m = 0.5 ** ((day - self.t_event) / self.half_life)
        elif self.pattern == "new":
            if day < self.t_event:
                return 0.0
            m = min(1.0, 0.3 + (day - self.t_event) / 90.0)
        if self.season_amp:
            m *= 1.0 + self.season_amp * math.sin(2.0 * math.pi * day / 365.25 + self.phase)
        return max(m, 0.0)

    def line_size(self, rng):
        if self.size_kind == "smooth":
            return 1 if rng.random() < 0.8 else 2 + geometric(rng, 0.5)
        if self.size_kind == "lumpy":
            return 1 + geometric(rng, self.size_mean - 1.0)
        if rng.random() < 0.1:
            return min(150, max(10, int(rng.lognormvariate(math.log(self.big_median), 0.7))))
        return 1 + geometric(rng, 0.7)


def warehouses(rng, n_regions, max_wh):
    rows = []
    for r in range(n_regions):
        region = REGIONS[r % len(REGIONS)] + ("" if r < len(REGIONS) else str(r))
        code = region[:2].upper() + (str(r) if r >= len(REGIONS) else "")
        rows.append((f"{code}-DC", f"{region} regional centre", region, "regional", 3.0))
        for i in range(rng.randint(1, max_wh) - 1):
            rows.append((f"{code}-{i + 1:02}", f"{region} store {i + 1}", region, "local", 1.0))
    return rows


def part_terms(rng, period):
    cost = max(0.5, round(rng.lognormvariate(math.log(40.0), 1.3), 2))
    lead = rng.choice(LEAD_DAYS[period])
    moq = 1 if rng.random() < 0.85 else rng.choice([5, 10])
    pack = 1 if rng.random() < 0.75 else rng.choice([2, 5, 10, 12])
    return cost, lead, moq, pack


def generate(a):
    rng = random.Random(a.seed)
    pdays = PERIOD_DAYS[a.period]
    n_periods = a.history + a.eval
    start = dt.date(2022, 1, 3) if a.period != "month" else dt.date(2022, 1, 1)
    starts = [period_start(start, a.period, k) for k in range(n_periods + 1)]
    n_days = (starts[-1] - starts[0]).days
    hist_days = (starts[a.history] - starts[0]).days
    whs = warehouses(rng, a.regions, a.max_wh)
    parts, lines, patterns = [], [], {}
    for p in range(a.parts):
        number = f"G{p:05}"
        cost, lead, moq, pack = part_terms(rng, a.period)
        model = PartModel(rng, n_days, hist_days, a.sizes, a.emphasis)
        patterns[model.pattern] = patterns.get(model.pattern, 0) + 1
        parts.append((number, f"generated {model.pattern} {model.size_kind}", cost, lead, moq, pack))
        # Network lines per day: mostly slow movers, a few fast ones.
        rate = a.rate * rng.lognormvariate(0.0, 1.1)
        stocked = [w for w in whs if rng.random() < 0.7] or [rng.choice(whs)]
        weights = [w[4] * rng.uniform(0.5, 1.5) for w in stocked]
        total_w = sum(weights)
        for w, wt in zip(stocked, weights):
            pair_rate = rate * wt / total_w
            for k in range(n_periods):
                day = (starts[k] - starts[0]).days
                lam = pair_rate * pdays * model.multiplier(day + pdays / 2.0)
                if lam <= 0.0:
                    continue
                lam *= rng.gammavariate(model.shape, 1.0 / model.shape)
                length = (starts[k + 1] - starts[k]).days
                for _ in range(poisson(rng, lam)):
                    date = starts[k] + dt.timedelta(days=rng.randrange(length))
                    lines.append((date, w[0], number, model.line_size(rng)))
    lines.sort(key=lambda l: l[0])
    return starts, whs, parts, lines, patterns


def write(a, starts, whs, parts, lines, patterns):
    os.makedirs(a.out, exist_ok=True)
    eval_start, eval_end = starts[a.history], starts[-1] - dt.timedelta(days=1)
    with open(os.path.join(a.out, "scenario.toml"), "w") as f:
        f.write(f"# generated: bench/gen_scenario.py {a.argv}\n")
        f.write(f"# patterns: {sorted(patterns.items())}\n")
        f.write(f'period = "{a.period}"\nhistory_start = "{starts[0]}"\n')
        f.write(f'eval_start = "{eval_start}"\neval_end = "{eval_end}"\n')
        f.write(f"target_fill_rate = 0.99\nreview_period_days = {REVIEW_DAYS[a.period]}\n")
        f.write('holding_rate_per_year = 0.25\norder_cost = "50.00"\n')
    with open(os.path.join(a.out, "warehouses.csv"), "w") as f:
        f.write("code,name,region,kind\n")
        f.writelines(f"{c},{n},{r},{k}\n" for c, n, r, k, _ in whs)
    with open(os.path.join(a.out, "parts.csv"), "w") as f:
        f.write("part_number,description,unit_cost,lead_days,moq,pack_size\n")
        f.writelines(f"{n},{d},{c:.2f},{l},{m},{p}\n" for n, d, c, l, m, p in parts)
    with open(os.path.join(a.out, "demand.csv"), "w") as f:
        f.write("date,warehouse,part_number,qty\n")
        f.writelines(f"{d},{w},{p},{q}\n" for d, w, p, q in lines)
    n_eval = sum(1 for l in lines if l[0] >= eval_start)
    print(f"{a.out}: {len(whs)} warehouses, {len(parts)} parts, {len(lines)} lines ({n_eval} in evaluation)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--period", choices=sorted(PERIOD_DAYS), default="week")
    ap.add_argument("--history", type=int, default=104, help="periods before the evaluation")
    ap.add_argument("--eval", type=int, default=52, help="evaluation periods")
    ap.add_argument("--parts", type=int, default=200)
    ap.add_argument("--regions", type=int, default=3)
    ap.add_argument("--max-wh", type=int, choices=[1, 2, 3, 4], default=4)
    ap.add_argument("--sizes", choices=sorted(SIZE_MIX), default="mixed")
    ap.add_argument("--emphasis", choices=[p for p, _ in PATTERNS], help="half of the parts follow this pattern")
    ap.add_argument("--rate", type=float, default=0.3, help="median network lines per day of a part")
    a = ap.parse_args()
    if a.history < 1 or a.eval < 1 or a.parts < 1 or a.regions < 1 or a.rate <= 0:
        ap.error("--history, --eval, --parts, --regions must be at least 1 and --rate positive")
    a.argv = " ".join(
        f"--{k.replace('_', '-')} {v}" for k, v in vars(a).items() if k not in ("out", "argv") and v is not None
    )
    write(a, *generate(a))


if __name__ == "__main__":
    main()
