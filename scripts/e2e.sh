#!/usr/bin/env bash
# Runs the browser journeys (e2e/journeys) against a real server. Builds nothing: it needs
#   - a built server binary: HANDOFF_BIN (default target/debug/handoff),
#   - a built frontend in frontend/dist (scripts/build-frontend.sh),
#   - e2e/node_modules and /usr/bin/chromium (scripts/install-deps.sh).
# It starts `handoff serve` on a free loopback port with a fresh SQLite database, waits for
# /healthz, runs the journeys, then the live-subscription test with the real npm `graphql-ws`
# client (e2e/live), and always stops the server.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

log() { printf '[e2e] %s\n' "$*" >&2; }
die() { printf '[e2e] error: %s\n' "$*" >&2; exit 1; }

BIN="${HANDOFF_BIN:-$ROOT/target/debug/handoff}"
[[ -x "$BIN" ]] || die "no server binary at $BIN (cargo build -p handoff, or set HANDOFF_BIN)"
[[ -f frontend/dist/index.html ]] || die "frontend/dist is empty: run scripts/build-frontend.sh"
[[ -d e2e/node_modules/playwright-core ]] || die "e2e/node_modules missing: run scripts/install-deps.sh"
if [[ ! -d e2e/node_modules/graphql-ws || ! -d e2e/node_modules/ws ]]; then
    # A machine set up before the live test's dev dependencies were added.
    log "npm: e2e dependencies from e2e/package-lock.json (graphql-ws, ws)"
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix e2e --no-audit --no-fund >&2
fi
[[ -x "${HANDOFF_CHROMIUM:-/usr/bin/chromium}" ]] || die "chromium missing: run scripts/install-deps.sh"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/handoff-e2e.XXXXXX")"
server_pid=""
cleanup() {
    local status=$?
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null || true
        for _ in $(seq 1 50); do
            kill -0 "$server_pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    if ((status != 0)) && [[ -f "$tmp/server.log" ]]; then
        log "server log (last 40 lines):"
        tail -n 40 "$tmp/server.log" >&2 || true
    fi
    mkdir -p e2e/artifacts
    cp "$tmp/server.log" e2e/artifacts/server.log 2>/dev/null || true
    rm -rf "$tmp"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

port="$(node -e 'const s = require("node:net").createServer();
s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });')"
base_url="http://127.0.0.1:$port"
admin_email="admin@e2e.test"
admin_password="e2e-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"

# A real SMTP server for the notification mails (aiosmtpd; it stops when fd 9 closes).
python="${HANDOFF_TEST_PYTHON:-$ROOT/.tools/python/bin/python}"
[[ -x "$python" ]] || die "no Python with aiosmtpd at $python: run scripts/install-deps.sh"
smtp_port="$(node -e 'const s = require("node:net").createServer();
s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });')"
mkfifo "$tmp/sink.in"
"$python" e2e/smtp_sink.py "$smtp_port" "$tmp/mail.jsonl" <"$tmp/sink.in" >"$tmp/sink.log" 2>&1 &
sink_pid=$!
exec 9>"$tmp/sink.in"
deadline=$((SECONDS + 30))
until (exec 3<>"/dev/tcp/127.0.0.1/$smtp_port") 2>/dev/null; do
    kill -0 "$sink_pid" 2>/dev/null || die "the SMTP sink exited: $(cat "$tmp/sink.log")"
    ((SECONDS < deadline)) || die "the SMTP sink did not listen on $smtp_port within 30 s"
    sleep 0.1
done

log "starting $BIN serve on $base_url"
DATABASE_URL="sqlite://$tmp/e2e.db?mode=rwc" \
    SMTP_URL="smtp://127.0.0.1:$smtp_port" \
    HANDOFF_PUBLIC_URL="$base_url" \
    HANDOFF_ADMIN_EMAIL="$admin_email" \
    HANDOFF_ADMIN_PASSWORD="$admin_password" \
    HANDOFF_STATIC_DIR="$ROOT/frontend/dist" \
    "$BIN" serve --bind "127.0.0.1:$port" >"$tmp/server.log" 2>&1 </dev/null &
server_pid=$!

healthy() {
    node -e 'fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' \
        "$base_url/healthz"
}
deadline=$((SECONDS + ${HANDOFF_E2E_START_TIMEOUT:-60}))
until healthy; do
    kill -0 "$server_pid" 2>/dev/null || die "the server exited before answering /healthz"
    ((SECONDS < deadline)) || die "no 200 from $base_url/healthz within ${HANDOFF_E2E_START_TIMEOUT:-60} s"
    sleep 0.25
done
log "server is up; running the journeys"

HANDOFF_E2E_URL="$base_url" \
    HANDOFF_E2E_EMAIL="$admin_email" \
    HANDOFF_E2E_PASSWORD="$admin_password" \
    node --test --test-concurrency=1 e2e/journeys/*.test.mjs

log "running the live subscription test (npm graphql-ws client)"
admin_token="$(node -e '
const [url, email, password] = process.argv.slice(1);
fetch(url + "/graphql", {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({
    query: "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }",
    variables: { e: email, p: password },
  }),
}).then((r) => r.json()).then((body) => {
  if (!body.data?.login?.token) { console.error(JSON.stringify(body)); process.exit(1); }
  console.log(body.data.login.token);
}, (error) => { console.error(error); process.exit(1); });
' "$base_url" "$admin_email" "$admin_password")" || die "cannot log in as $admin_email for the live test"
HANDOFF_E2E_URL="$base_url" \
    HANDOFF_E2E_TOKEN="$admin_token" \
    HANDOFF_E2E_MAIL_FILE="$tmp/mail.jsonl" \
    node --test --test-concurrency=1 e2e/live/*.test.mjs
