#!/usr/bin/env bash
# Every test: formatting, lints, unit and property tests, integration tests through the HTTP API
# on SQLite and on PostgreSQL, and the browser journeys against a real server.
#
# PostgreSQL: HANDOFF_TEST_PG_URL (default postgres://postgres@127.0.0.1:5432). Without CI=true an
# unreachable server is skipped with a warning; with CI=true it fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Installing what is missing"
bash scripts/install-deps.sh

# The Python with aiosmtpd (installed above) that starts the tests' SMTP sink.
export HANDOFF_TEST_PYTHON=${HANDOFF_TEST_PYTHON:-$root/.tools/python/bin/python}

export HANDOFF_TEST_PG_URL=${HANDOFF_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432}
pg_hostport=${HANDOFF_TEST_PG_URL#*://}; pg_hostport=${pg_hostport#*@}; pg_hostport=${pg_hostport%%/*}
pg_host=${pg_hostport%%:*}; pg_port=${pg_hostport##*:}; [ "$pg_port" = "$pg_host" ] && pg_port=5432
if (exec 3<>"/dev/tcp/$pg_host/$pg_port") 2>/dev/null; then
  have_pg=1
  export TEST_DATABASE_URL_PG=$HANDOFF_TEST_PG_URL
elif [ "${CI:-}" = "true" ]; then
  echo "PostgreSQL is required in CI but $pg_host:$pg_port does not answer" >&2
  exit 1
else
  have_pg=0
  echo "warning: PostgreSQL at $pg_host:$pg_port does not answer; its tests are skipped" >&2
fi

step "Formatting"
cargo fmt --all --check

step "Lints"
cargo clippy --workspace --all-targets -- -D warnings

step "Unit, property and integration tests (SQLite)"
cargo test --workspace

if [ "$have_pg" = 1 ]; then
  step "Integration tests (PostgreSQL)"
  HANDOFF_TEST_DB=postgres cargo test -p handoff --test api --test processes
fi

step "Frontend (wasm32, release)"
bash scripts/build-frontend.sh

step "Browser journeys"
cargo build -p handoff --bin handoff
HANDOFF_BIN="${CARGO_TARGET_DIR:-$root/target}/debug/handoff" bash scripts/e2e.sh
