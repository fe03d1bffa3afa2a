#!/usr/bin/env bash
# Throughput benchmark of `spares` on SQLite and PostgreSQL, with pgbench as the yardstick.
#
#   bench/load.sh                    # DURATION=30 CLIENTS=32 by default
#   DURATION=20 bench/load.sh | tee bench/load-results.txt
#
# For each backend: migrate, create an admin key, seed 20 warehouses x 10,000 parts with opening
# stock straight into the database (receipt rows in `movements` plus the matching
# `stock_balances` rows, so `spares verify` holds) and 50,000 closed reservations as history,
# serve on a free 127.0.0.1 port, run
# bench/load (CLIENTS clients, DURATION s), SIGTERM the service, `spares verify`. On PostgreSQL
# each mix runs ROUNDS times, each run followed at once by pgbench (TPC-B-like, -s 10, -c 32
# -j 2 -T DURATION) on a scratch database of the same server: this shared 2-core machine's speed
# drifts by a third from minute to minute, so each of our runs is compared with the pgbench run
# beside it, and the summary gives every pair's ratio and their median. Everything it creates is
# removed at exit.
#
# Env: DURATION (30), CLIENTS (32), PGHOST (127.0.0.1), PGPORT (5432), PGUSER (postgres),
#      SKIP_BUILD=1 to use the existing binaries, SPARES (target/release/spares: another build
#      to compare side by side), BACKENDS ("sqlite postgres"),
#      PGSS=1 prints the top statements from pg_stat_statements (when the server preloads it),
#      MIXES ("mixed movements": the issue's 60/25/15 mix, then movements only, each DURATION s
#      on the same server; the movements-only run is the one-to-one comparison with pgbench),
#      ROUNDS (3): PostgreSQL runs of each mix, each paired with a pgbench run.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DURATION=${DURATION:-30}
CLIENTS=${CLIENTS:-32}
BACKENDS=${BACKENDS:-"sqlite postgres"}
MIXES=${MIXES:-"mixed movements"}
ROUNDS=${ROUNDS:-3}
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
SPARES=${SPARES:-"$ROOT/target/release/spares"}
LOAD_DIR="$ROOT/bench/load"
LOAD="$LOAD_DIR/target/release/spares-load"
WAREHOUSES=20
PARTS=10000
HISTORY_RESERVATIONS=50000
TAG="bench_$$"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/spares-load.XXXXXX")
SERVER_PID=""
CREATED_DBS=()

log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

cleanup() {
    set +e
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID"
        for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.2; done
        kill -KILL "$SERVER_PID" 2>/dev/null
    fi
    for db in "${CREATED_DBS[@]}"; do
        psql -X -q -d postgres -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1
    done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== spares throughput benchmark: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), nproc $(nproc), load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "   DURATION=${DURATION}s CLIENTS=$CLIENTS network ${WAREHOUSES} warehouses x ${PARTS} parts, backends: $BACKENDS"
echo

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
    log "building spares (release)"
    (cd "$ROOT" && cargo build --release --quiet)
    log "building the load generator"
    CARGO_TARGET_DIR="$LOAD_DIR/target" cargo build --release --quiet --manifest-path "$LOAD_DIR/Cargo.toml"
fi

free_port() {
    local p
    for _ in $(seq 1 100); do
        p=$((20000 + RANDOM % 20000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
    done
    echo "no free port found" >&2; return 1
}

# Seed SQL. Opening stock per (warehouse, part): 0 for ~10% of pairs (no rows at all, so the
# first receipt creates the balance row), else 1..40 units as one `receipt` movement; the
# balances are then the ledger's sums, exactly what `spares verify` recomputes.
seed_postgres() {
    psql -X -q -v ON_ERROR_STOP=1 -d "$1" <<SQL
BEGIN;
INSERT INTO regions (code, name) SELECT 'BR-' || g, 'Bench region ' || g FROM generate_series(1, 6) g;
INSERT INTO warehouses (code, name, region_id, kind, active, created_at)
SELECT 'BW-' || lpad(g::text, 2, '0'), 'Bench warehouse ' || g,
       (SELECT id FROM regions WHERE code = 'BR-' || ((g - 1) % 6 + 1)),
       CASE WHEN g <= 6 THEN 'regional' ELSE 'local' END, TRUE, now() AT TIME ZONE 'UTC'
FROM generate_series(1, $WAREHOUSES) g;
INSERT INTO parts (part_number, description, unit_of_measure, unit_cost, criticality, active, created_at, updated_at)
SELECT 'BP-' || lpad(g::text, 5, '0'), 'Bench part ' || g, 'each', ((g % 500) + 1) || '.50',
       (ARRAY['critical', 'high', 'medium', 'low'])[g % 4 + 1], TRUE, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
FROM generate_series(1, $PARTS) g;
INSERT INTO movements (warehouse_id, part_id, kind, quantity, on_hand_delta, reserved_delta, defective_delta,
                       in_transit_delta, on_order_delta, note, actor, created_at)
SELECT w, p, 'receipt', q, q, 0, 0, 0, 0, 'bench opening stock', 'bench-seed', now() AT TIME ZONE 'UTC'
FROM (SELECT w.id AS w, p.id AS p, (w.id * 7919 + p.id * 104729) % 1000003 AS h
      FROM warehouses w CROSS JOIN parts p) x
CROSS JOIN LATERAL (SELECT CASE WHEN h % 10 = 0 THEN 0 ELSE 1 + h % 40 END AS q) y
WHERE q > 0;
INSERT INTO stock_balances (warehouse_id, part_id, on_hand, updated_at)
SELECT warehouse_id, part_id, SUM(on_hand_delta), now() AT TIME ZONE 'UTC' FROM movements GROUP BY warehouse_id, part_id;
-- A history of closed reservations, as any running installation has: with empty tables the
-- planner's statistics say "no rows", it picks sequential scans, and every lookup then reads
-- all the rows the run inserts (an artefact of a fresh database, not of the service).
INSERT INTO reservations (repair_order, warehouse_id, status, created_by, created_at, expires_at, closed_at)
SELECT 'RO-HIST-' || g, (SELECT min(id) FROM warehouses) + g % $WAREHOUSES, 'released', 'bench-seed',
       now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
FROM generate_series(1, $HISTORY_RESERVATIONS) g;
INSERT INTO reservation_lines (reservation_id, part_id, quantity, released_qty)
SELECT r.id, (SELECT min(id) FROM parts) + r.id % $PARTS, 1, 1 FROM reservations r;
COMMIT;
ANALYZE;
SQL
}

seed_sqlite() {
    sqlite3 -bail "$1" <<SQL
PRAGMA journal_mode = WAL;
BEGIN;
INSERT INTO regions (code, name)
WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 6)
SELECT 'BR-' || n, 'Bench region ' || n FROM g;
INSERT INTO warehouses (code, name, region_id, kind, active, created_at)
WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < $WAREHOUSES)
SELECT printf('BW-%02d', n), 'Bench warehouse ' || n,
       (SELECT id FROM regions WHERE code = 'BR-' || ((n - 1) % 6 + 1)),
       CASE WHEN n <= 6 THEN 'regional' ELSE 'local' END, 1, strftime('%Y-%m-%d %H:%M:%f', 'now')
FROM g;
INSERT INTO parts (part_number, description, unit_of_measure, unit_cost, criticality, active, created_at, updated_at)
WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < $PARTS)
SELECT printf('BP-%05d', n), 'Bench part ' || n, 'each', ((n % 500) + 1) || '.50',
       CASE n % 4 WHEN 0 THEN 'critical' WHEN 1 THEN 'high' WHEN 2 THEN 'medium' ELSE 'low' END, 1,
       strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now')
FROM g;
INSERT INTO movements (warehouse_id, part_id, kind, quantity, on_hand_delta, reserved_delta, defective_delta,
                       in_transit_delta, on_order_delta, note, actor, created_at)
SELECT w, p, 'receipt', q, q, 0, 0, 0, 0, 'bench opening stock', 'bench-seed', strftime('%Y-%m-%d %H:%M:%f', 'now')
FROM (SELECT w, p, CASE WHEN h % 10 = 0 THEN 0 ELSE 1 + h % 40 END AS q
      FROM (SELECT w.id AS w, p.id AS p, (w.id * 7919 + p.id * 104729) % 1000003 AS h
            FROM warehouses w CROSS JOIN parts p))
WHERE q > 0;
INSERT INTO stock_balances (warehouse_id, part_id, on_hand, updated_at)
SELECT warehouse_id, part_id, SUM(on_hand_delta), strftime('%Y-%m-%d %H:%M:%f', 'now') FROM movements GROUP BY warehouse_id, part_id;
INSERT INTO reservations (repair_order, warehouse_id, status, created_by, created_at, expires_at, closed_at)
WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < $HISTORY_RESERVATIONS)
SELECT 'RO-HIST-' || n, (SELECT min(id) FROM warehouses) + n % $WAREHOUSES, 'released', 'bench-seed',
       strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now')
FROM g;
INSERT INTO reservation_lines (reservation_id, part_id, quantity, released_qty)
SELECT r.id, (SELECT min(id) FROM parts) + r.id % $PARTS, 1, 1 FROM reservations r;
COMMIT;
ANALYZE;
SQL
}

# The pgbench yardstick: a scratch database initialised once, then pgbench_run after each of our
# PostgreSQL runs; appends its TPS to PGBENCH_TPS and sets LAST_TPS.
pgdb="pgbench_$TAG"
PGBENCH_TPS=()
LAST_TPS=""
pgbench_init() {
    psql -X -q -d postgres -c "CREATE DATABASE \"$pgdb\"" >/dev/null
    CREATED_DBS+=("$pgdb")
    pgbench -i -s 10 -q "$pgdb" >"$WORK/pgbench-init.log" 2>&1 || { cat "$WORK/pgbench-init.log" >&2; exit 1; }
}
pgbench_run() {
    local pgout
    echo "-- pgbench (TPC-B-like) on the same PostgreSQL server right after: -s 10 -c 32 -j 2 -T $DURATION"
    pgout=$(pgbench -c 32 -j 2 -T "$DURATION" "$pgdb" 2>&1)
    grep -E 'number of (transactions actually processed|failed)|latency average|tps' <<<"$pgout"
    LAST_TPS=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' <<<"$pgout" | head -n 1)
    PGBENCH_TPS+=("$LAST_TPS")
}

# run_backend NAME DATABASE_URL -> prints the generator's report per mix; sets MPS["NAME MIX"]
# (space-separated, one value per round) and, on PostgreSQL, RATIOS["MIX"] likewise.
declare -A MPS RATIOS
run_backend() {
    local name=$1 url=$2 port key out
    export DATABASE_URL=$url
    log "[$name] migrate"
    "$SPARES" migrate >"$WORK/$name-migrate.log" 2>&1
    key=$("$SPARES" keys create --name "bench-$TAG" --role admin 2>>"$WORK/$name-migrate.log" | tail -n 1)
    [[ $key == spk_* ]] || { echo "[$name] could not create a key" >&2; return 1; }
    log "[$name] seed $WAREHOUSES x $PARTS with opening stock"
    local t0=$SECONDS
    if [[ $name == sqlite ]]; then seed_sqlite "$url" >/dev/null; else seed_postgres "${url##*/}"; fi
    log "[$name] seeded in $((SECONDS - t0)) s"
    port=$(free_port)
    local logfile="$LOAD_DIR/target/server-$name.log"
    log "[$name] serve on 127.0.0.1:$port (log $logfile)"
    "$SPARES" serve --bind "127.0.0.1:$port" >"$logfile" 2>&1 &
    SERVER_PID=$!
    local up=0
    for _ in $(seq 1 150); do
        if curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1; then up=1; break; fi
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.2
    done
    [[ $up == 1 ]] || { echo "[$name] service did not come up; see $logfile" >&2; tail -20 "$logfile" >&2; return 1; }
    sleep 2   # let the start-up forecast/replenishment runs finish before measuring
    local mix round rounds=1
    [[ $name == postgres ]] && rounds=$ROUNDS
    for mix in $MIXES; do
      for round in $(seq 1 "$rounds"); do
        if [[ $name == postgres ]]; then
            psql -X -q -d "${url##*/}" -c "SELECT pg_stat_reset()" >/dev/null
            if [[ "${PGSS:-0}" == 1 ]]; then
                psql -X -q -d "${url##*/}" -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" -c "SELECT pg_stat_statements_reset()" >/dev/null || true
            fi
        fi
        echo "== $name, mix $mix, round $round/$rounds: spares serve (pool: ${SPARES_POOL_SIZE:-default}), $CLIENTS clients, ${DURATION}s =="
        out=$("$LOAD" --url "http://127.0.0.1:$port" --key "$key" --duration "$DURATION" --clients "$CLIENTS" \
              --warehouses "$WAREHOUSES" --parts "$PARTS" --mix "$mix") || { echo "$out"; echo "[$name] load generator failed" >&2; return 1; }
        echo "$out"
        if [[ $name == postgres ]]; then
            # What the database saw during the run (stats reset just before it; idle start-up jobs add a little).
            psql -X -A -t -d "${url##*/}" -c "SELECT format('pg_stat_database: %s commits, %s rollbacks, rows returned %s fetched %s inserted %s updated %s, blocks hit %s read %s', xact_commit, xact_rollback, tup_returned, tup_fetched, tup_inserted, tup_updated, blks_hit, blks_read) FROM pg_stat_database WHERE datname = current_database()" || true
        fi
        if [[ $name == postgres && "${PGSS:-0}" == 1 ]]; then
            # Needs pg_stat_statements in shared_preload_libraries (not the default).
            psql -X -d "${url##*/}" -c "SELECT calls, rows, round(total_exec_time) AS ms, left(regexp_replace(query, '\s+', ' ', 'g'), 110) AS query FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) ORDER BY total_exec_time DESC LIMIT 15" || true
        fi
        local mps
        mps=$(sed -n 's/^MOVEMENTS_PER_SEC //p' <<<"$out")
        MPS["$name $mix"]="${MPS["$name $mix"]:-} $mps"
        if [[ $name == postgres ]]; then
            pgbench_run
            RATIOS["$mix"]="${RATIOS["$mix"]:-} $(python3 -c "print(f'{$mps/$LAST_TPS:.3f}')")"
            echo "round $round: $mps movements/s / $LAST_TPS pgbench TPS = $(python3 -c "print(f'{$mps/$LAST_TPS:.3f}')")"
        fi
        echo
      done
    done
    # CPU the service used over its life (start-up jobs + the run): where the 2 cores went.
    local ticks
    ticks=$(awk '{print $14 + $15}' "/proc/$SERVER_PID/stat" 2>/dev/null || echo 0)
    local runs; runs=$(( $(wc -w <<<"$MIXES") * rounds ))
    python3 -c "import sys; t=$ticks/$(getconf CLK_TCK); d=$DURATION*$runs; print('service CPU time: %.1f s user+sys over %s s of load (%.2f cores; on PostgreSQL the pgbench runs in between add idle time)' % (t, d, t/d))"
    log "[$name] SIGTERM the service"
    kill -TERM "$SERVER_PID"
    for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$SERVER_PID" 2>/dev/null; then echo "[$name] service ignored SIGTERM for 20 s; killing" >&2; kill -KILL "$SERVER_PID"; fi
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
    echo "server log: $(grep -c . "$logfile") lines, $(grep -ciE ' (ERROR|WARN) ' "$logfile" || true) warn/error lines"
    sed -e 's/\x1b\[[0-9;]*m//g' "$logfile" | grep -E ' (ERROR|WARN) ' \
        | sed -E 's/^[^ ]+ +([A-Z]+) .*exception\.message=(.*)$/\1 \2/; s/ exception\.details=.*//; s/of [^ ]+ at [^:]+: [0-9]+ available, [0-9]+ requested/of PART at WH: N available, M requested/' \
        | cut -c1-200 | sort | uniq -c | sort -rn | head -8 || true
    echo "-- spares verify ($name)"
    local v rc=0
    v=$("$SPARES" verify 2>/dev/null) || rc=$?
    echo "$v" | python3 -c 'import json,sys; r=json.load(sys.stdin); print("pairs_checked=%s movements=%s mismatches=%d" % (r["pairs_checked"], r["movements"], len(r["mismatches"])))' 2>/dev/null || echo "$v" | head -20
    echo "verify exit code: $rc"
    echo
}

[[ " $BACKENDS " == *" postgres "* ]] && pgbench_init
for backend in $BACKENDS; do
    case $backend in
    sqlite)
        mkdir -p "$WORK/sqlite"
        run_backend sqlite "$WORK/sqlite/spares.db"
        ;;
    postgres)
        db="spares_$TAG"
        psql -X -q -d postgres -c "CREATE DATABASE \"$db\"" >/dev/null
        CREATED_DBS+=("$db")
        run_backend postgres "postgres://$PGUSER@$PGHOST:$PGPORT/$db"
        psql -X -q -d postgres -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null
        ;;
    *) echo "unknown backend $backend" >&2; exit 2 ;;
    esac
done

echo "== summary =="
median() { python3 -c "import statistics, sys; print(f'{statistics.median(float(v) for v in sys.argv[1:]):.3f}')" "$@"; }
for b in $BACKENDS; do
    for mix in $MIXES; do echo "$b, mix $mix: ledger transactions (movements)/s per round:${MPS["$b $mix"]:- ?}"; done
done
if [[ ${#PGBENCH_TPS[@]} -gt 0 ]]; then
    echo "pgbench TPS per run: ${PGBENCH_TPS[*]}"
    for mix in $MIXES; do
        [[ -n "${RATIOS["$mix"]:-}" ]] || continue
        # shellcheck disable=SC2086
        echo "mix $mix: spares PostgreSQL movements/s / pgbench TPS, per round:${RATIOS["$mix"]}; median $(median ${RATIOS["$mix"]})"
    done
fi
