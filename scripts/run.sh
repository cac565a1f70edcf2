#!/usr/bin/env bash
# Installs what is missing, builds the server and the web app, and starts `handoff serve --demo`
# on http://127.0.0.1:8080 (GraphiQL at /graphiql). Extra arguments go to `handoff serve`.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
bash scripts/build-frontend.sh
cargo build --release -p handoff --bin handoff
export HANDOFF_STATIC_DIR=${HANDOFF_STATIC_DIR:-$PWD/frontend/dist}
exec "${CARGO_TARGET_DIR:-target}/release/handoff" serve --demo "$@"
