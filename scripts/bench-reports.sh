#!/usr/bin/env bash
# Times the reports over GraphQL on a database filled by `handoff demo-data` (BENCHMARKS.md):
#   handoff demo-data --leads 1000000 --until 2026-11-24T00:00:00Z --database-url URL
#   scripts/bench-reports.sh URL [UNTIL] [RUNS]
# Starts `handoff serve` on that database (no scheduler, no digest), signs in as the demo admin,
# asks each report for the 30 days before UNTIL RUNS times (after one warm-up) and prints the
# median and the slowest answer, then the server's memory. HANDOFF_BIN picks the binary
# (default target/release/handoff).
set -euo pipefail

url="${1:?usage: scripts/bench-reports.sh DATABASE_URL [UNTIL] [RUNS]}"
until="${2:-2026-11-24T00:00:00Z}"
runs="${3:-7}"
bin="${HANDOFF_BIN:-${CARGO_TARGET_DIR:-target}/release/handoff}"
[[ -x "$bin" ]] || { echo "no server binary at $bin (cargo build --release -p handoff)" >&2; exit 1; }

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
log="$(mktemp)"
RUST_LOG=warn "$bin" serve --bind "127.0.0.1:$port" --sla-scheduler false --weekly-digest false \
    --database-url "$url" >"$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    sleep 0.2
done

gql() {
    curl -fsS "http://127.0.0.1:$port/graphql" -H 'content-type: application/json' \
        ${token:+-H "authorization: Bearer $token"} -d "$1"
}
token=""
token="$(gql '{"query":"mutation { login(email: \"admin@demo.test\", password: \"demo-admin\") { token } }"}' \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["login"]["token"])')"

from="$(python3 -c "import datetime as d,sys; t=d.datetime.fromisoformat('$until'.replace('Z','+00:00')); print((t-d.timedelta(days=30)).isoformat())")"
before="$(python3 -c "import datetime as d,sys; t=d.datetime.fromisoformat('$until'.replace('Z','+00:00')); print((t-d.timedelta(days=60)).isoformat())")"
month="$(python3 -c "import datetime as d; t=d.datetime.fromisoformat('$until'.replace('Z','+00:00')); m=(t.replace(day=1)-d.timedelta(days=1)); print(m.strftime('%Y-%m'))")"
filter="{\"from\":\"$from\",\"to\":\"$until\"}"
declare -A queries=(
    [slaCompliance]='query($f: ReportFilter) { slaCompliance(filter: $f) { met breached running approaching complianceRate byOwner { key met breached } byTeam { key met breached } bySource { key met } byLeadType { key met } weekly { weekStart met } } }'
    [funnel]='query($f: ReportFilter) { funnel(filter: $f) { stages { stage count conversionFromPrevious medianHoursFromPrevious meanHoursFromPrevious } bySource { key stages { stage count } } byCampaign { key stages { stage count } } } }'
    [feedback]='query($f: ReportFilter) { feedback(filter: $f) { rejections rejectionReasons { code count share } weekly { weekStart rejections } bySource { source mqls acceptanceRate sqlRate } byCampaign { campaign mqls acceptanceRate sqlRate } } }'
    [leakage]='query($f: ReportFilter) { leakage(filter: $f) { count estimatedLoss leads(first: 50) { edges { node { id } } } } }'
    [governance]='query($f: ReportFilter, $m: String) { governance(filter: $f, month: $m) { month anyRed flags { code figure threshold red offenders { key } } } }'
    [baseline]='query($f: ReportFilter, $a: PeriodInput!, $b: PeriodInput!) { baseline(filter: $f, periodA: $a, periodB: $b) { periodA { mqls sqls } periodB { mqls sqls } mqlToSqlConversion { a b } averageFirstResponseSeconds { a b } } }'
    [marketingScorecard]='query($f: ReportFilter) { marketingScorecard(filter: $f) { mqls complete completeness routed unrouted } }'
)
variables="{\"f\":$filter,\"m\":\"$month\",\"a\":{\"from\":\"$before\",\"to\":\"$from\"},\"b\":{\"from\":\"$from\",\"to\":\"$until\"}}"
printf '%-18s %10s %10s\n' report "p50 ms" "max ms"
for name in ${REPORTS:-slaCompliance funnel feedback leakage governance baseline marketingScorecard}; do
    body="$(python3 -c '
import json, re, sys
query, variables = sys.argv[1], json.loads(sys.argv[2])
used = {k: v for k, v in variables.items() if re.search(r"\$" + k + r"\b", query)}
print(json.dumps({"query": query, "variables": used}))' "${queries[$name]}" "$variables")"
    answer="$(gql "$body")"
    if [[ "$answer" == *'"errors"'* ]]; then echo "$name: $answer" >&2; exit 1; fi
    times=()
    for _ in $(seq 1 "$runs"); do
        times+=("$(curl -fsS -o /dev/null -w '%{time_total}' "http://127.0.0.1:$port/graphql" \
            -H 'content-type: application/json' -H "authorization: Bearer $token" -d "$body")")
    done
    printf '%s\n' "${times[@]}" | sort -n | awk -v name="$name" \
        '{ t[NR] = $1 * 1000 } END { printf "%-18s %10.0f %10.0f\n", name, t[int((NR + 1) / 2)], t[NR] }'
done
echo "server RSS: $(awk '/VmRSS/ { print $2 / 1024 " MiB" }' "/proc/$server/status"), peak $(awk '/VmHWM/ { print $2 / 1024 " MiB" }' "/proc/$server/status")"
