#!/usr/bin/env bash
# Runs schemathesis against openapi.yaml with the service serving the demo network, on SQLite
# and on PostgreSQL. Fails on any server error or response that breaks the schema.
set -euo pipefail
cd "$(dirname "$0")/.."

target_dir=${CARGO_TARGET_DIR:-target}
venv=$target_dir/ci-venv
# A venv whose interpreter moved (a copied target directory) cannot run: make it anew.
if ! "$venv/bin/st" --version >/dev/null 2>&1; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "schemathesis>=4.3,<5"
fi

# Release: the demo forecasts and plans two years of history, which a debug build does too
# slowly for schemathesis's request deadline.
cargo build --release --quiet
workdir=$(mktemp -d)
server_pid=""
pg_db="spares_schemathesis_$$"
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
    psql -h 127.0.0.1 -U postgres -q -c "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$workdir"
}
trap cleanup EXIT

# Every check but positive_data_acceptance: a schema cannot say that a body naming an unknown
# warehouse, or reusing an Idempotency-Key with another body, is invalid, so such schema-valid
# requests are rightly refused with 400 / 422.
CHECKS=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance,unsupported_method,negative_data_rejection

# Webhook secrets are sealed at rest: the service needs a key file to register webhooks.
export SPARES_SECRET_KEY_FILE=$workdir/secret-keys
# schemathesis sends deliberately bad keys from one address: the auth-failure limit would turn
# the rest of its run into 429s (tests/api/limits.rs checks the limit itself).
export SPARES_AUTH_FAILURES_PER_MINUTE=0
"$target_dir/release/spares" secrets generate-key --id schemathesis >"$SPARES_SECRET_KEY_FILE"

run_against() {
    local label=$1 url=$2 port=$3
    local key
    key=$(DATABASE_URL="$url" "$target_dir/release/spares" keys create --name schemathesis --role admin)
    DATABASE_URL="$url" "$target_dir/release/spares" serve --demo --bind "127.0.0.1:$port" >"$workdir/$label.log" 2>&1 &
    server_pid=$!
    # The demo forecasts two years of history and plans replenishment before it listens.
    for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/ready" >/dev/null && break; sleep 1; done
    curl -sf "http://127.0.0.1:$port/ready" >/dev/null || { cat "$workdir/$label.log"; exit 1; }
    echo "--- schemathesis on $label"
    "$venv/bin/st" run openapi.yaml --url "http://127.0.0.1:$port" -H "Authorization: Bearer $key" \
        --checks "$CHECKS" \
        --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-40}" --request-timeout 60 --seed 20261124 --no-color
    kill "$server_pid"
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
}

run_against sqlite "$workdir/schemathesis.db" 18181
psql -h 127.0.0.1 -U postgres -q -c "CREATE DATABASE $pg_db" >/dev/null
run_against postgres "postgres://postgres@127.0.0.1:5432/$pg_db" 18182
