#!/usr/bin/env bash
# Streams N (default 1,000,000) varied cases through `handoff sla add` and `handoff sla elapsed`
# and reports wall time and peak memory (GNU time's maximum resident set size).
set -euo pipefail
cd "$(dirname "$0")/.."
lines=${1:-1000000}
bin=${HANDOFF_BIN:-target/release/handoff}
[ -x "$bin" ] || cargo build --release -p handoff --bin handoff

generate() {
  python3 - "$lines" "$1" <<'PY'
import sys, datetime as dt
n, mode = int(sys.argv[1]), sys.argv[2]
cals = [
  '{"timezone":"America/New_York","weekly":[{"day":"mon","open":"09:00","close":"12:00"},{"day":"mon","open":"13:00","close":"17:30"},{"day":"tue","open":"09:00","close":"17:30"},{"day":"wed","open":"09:00","close":"17:30"},{"day":"thu","open":"09:00","close":"17:30"},{"day":"fri","open":"09:00","close":"17:30"}],"holidays":["2026-12-25","2027-01-01"]}',
  '{"timezone":"Europe/Berlin","weekly":[{"day":"mon","open":"09:00","close":"18:00"},{"day":"tue","open":"09:00","close":"18:00"},{"day":"wed","open":"09:00","close":"18:00"},{"day":"thu","open":"09:00","close":"18:00"},{"day":"fri","open":"09:00","close":"16:00"}]}',
  '{"timezone":"Australia/Lord_Howe","weekly":[{"day":"sun","open":"00:00","close":"24:00"},{"day":"wed","open":"01:00","close":"04:00"}]}',
]
base = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
out = sys.stdout
for i in range(n):
    start = (base + dt.timedelta(seconds=(i * 7919) % (700 * 86400))).strftime('%Y-%m-%dT%H:%M:%SZ')
    cal = cals[i % 3]
    if mode == 'add':
        out.write('{"calendar":%s,"start":"%s","seconds":%d}\n' % (cal, start, (i * 104729) % 3000000))
    else:
        end = (base + dt.timedelta(seconds=(i * 7919) % (700 * 86400) + (i * 31) % 5000000)).strftime('%Y-%m-%dT%H:%M:%SZ')
        out.write('{"calendar":%s,"start":"%s","end":"%s"}\n' % (cal, start, end))
PY
}

for mode in add elapsed; do
  file=$(mktemp)
  generate "$mode" > "$file"
  echo "== handoff sla $mode, $lines lines ($(du -h "$file" | cut -f1) of input)"
  /usr/bin/time -f "wall %e s, peak RSS %M KiB" "$bin" sla "$mode" < "$file" | tail -n 1
  rm -f "$file"
done
