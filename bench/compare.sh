#!/usr/bin/env bash
# Two builds of `spares` compared in alternating paired rounds of bench/load.sh, in one session:
# this shared 2-core machine's speed drifts by a third from minute to minute, so each round runs
# BEFORE and AFTER back to back (the order swapped every round) and the summary gives each
# round's ratio AFTER / BEFORE and their median, not two averages taken minutes apart.
#
#   BEFORE=/path/to/old/spares AFTER=target/release/spares bench/compare.sh
#   ROUNDS=3 DURATION=20 BACKENDS="sqlite postgres" MIX=movements bench/compare.sh
#
# Each run is one `bench/load.sh` of one backend and one mix (a fresh database seeded with the
# same network, one measured run, on PostgreSQL the pgbench run beside it, `spares verify`), so
# the figures are load.sh's own (ledger transactions per second); its full reports go to
# $OUT (default a temporary folder, printed at the end). Build both binaries and the load
# generator first (load.sh runs with SKIP_BUILD=1 here).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BEFORE=${BEFORE:?BEFORE names the old binary}
AFTER=${AFTER:-"$ROOT/target/release/spares"}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-20}
BACKENDS=${BACKENDS:-"sqlite postgres"}
MIX=${MIX:-movements}
OUT=${OUT:-$(mktemp -d "${TMPDIR:-/tmp}/spares-compare.XXXXXX")}
mkdir -p "$OUT"

for bin in "$BEFORE" "$AFTER"; do
    [[ -x $bin ]] || { echo "not an executable: $bin" >&2; exit 2; }
done

echo "== spares compare: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), nproc $(nproc), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "   BEFORE=$BEFORE ($("$BEFORE" --version 2>/dev/null || echo '?'))"
echo "   AFTER=$AFTER ($("$AFTER" --version 2>/dev/null || echo '?'))"
echo "   mix $MIX, DURATION=${DURATION}s, $ROUNDS alternating rounds per backend, backends: $BACKENDS"
echo

# run BACKEND LABEL BINARY ROUND -> prints "MPS PGBENCH_TPS" (the TPS is empty on SQLite)
run() {
    local backend=$1 label=$2 bin=$3 round=$4 report
    report="$OUT/$backend-$MIX-round$round-$label.txt"
    SPARES=$bin SKIP_BUILD=1 BACKENDS=$backend MIXES=$MIX ROUNDS=1 DURATION=$DURATION \
        bash "$ROOT/bench/load.sh" >"$report" 2>"$report.log" || {
        echo "load.sh failed ($backend, $label, round $round); see $report and $report.log" >&2
        exit 1
    }
    grep -q '^verify exit code: 0' "$report" || { echo "spares verify failed: $report" >&2; exit 1; }
    local mps tps
    mps=$(sed -n "s/^$backend, mix $MIX: ledger transactions (movements)\/s per round: *//p" "$report")
    tps=$(sed -n 's/^pgbench TPS per run: *//p' "$report")
    echo "$mps $tps"
}

declare -A RATIOS
for backend in $BACKENDS; do
    printf '%-9s %-6s %12s %12s %14s %14s %8s\n' backend round "before m/s" "after m/s" "before/pgbench" "after/pgbench" "after/before"
    for round in $(seq 1 "$ROUNDS"); do
        order="before after"
        (( round % 2 == 0 )) && order="after before"
        declare -A M=() T=()
        for label in $order; do
            bin=$BEFORE
            [[ $label == after ]] && bin=$AFTER
            result=$(run "$backend" "$label" "$bin" "$round")
            read -r mps tps <<<"$result"
            M[$label]=$mps
            T[$label]=${tps:-}
        done
        ratio=$(python3 -c "print(f'{${M[after]}/${M[before]}:.3f}')")
        RATIOS[$backend]="${RATIOS[$backend]:-} $ratio"
        nb="-" na="-"
        if [[ -n ${T[before]} ]]; then
            nb=$(python3 -c "print(f'{${M[before]}/${T[before]}:.3f}')")
            na=$(python3 -c "print(f'{${M[after]}/${T[after]}:.3f}')")
        fi
        printf '%-9s %-6s %12s %12s %14s %14s %8s\n' "$backend" "$round" "${M[before]}" "${M[after]}" "$nb" "$na" "$ratio"
    done
    echo
done

echo "== summary: after / before, movements per second, per round and median"
for backend in $BACKENDS; do
    # shellcheck disable=SC2086
    echo "$backend:${RATIOS[$backend]}; median $(python3 -c 'import statistics,sys; print(f"{statistics.median(map(float, sys.argv[1:])):.3f}")' ${RATIOS[$backend]})"
done
echo "reports: $OUT"
