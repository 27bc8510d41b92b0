#!/usr/bin/env bash
# HTTP figures of the health readings routes of a real `medcore serve` (see bench/README.md):
#   h) GET  /api/v1/health/series?kind=blood_pressure&days=365   a year of readings for the charts
#      (1,460 blood pressures, 4 a day), each with its category, plus the trend and the home average;
#      once on 1 connection (the latency a patient sees) and once on BENCH_CONNECTIONS
#   i) POST /api/v1/health/readings   one validated reading stored per request (insert throughput)
# The year is loaded first through the CSV import (one transaction). The server runs on a fresh
# SQLite database (or MEDCORE_DATABASE_URL) in a temporary directory on a free port. Knobs:
# BENCH_SECONDS (10), BENCH_CONNECTIONS (16), MEDCORE_BIN.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
bench_start_server

# A year of blood pressure, 1,460 readings spread evenly over the last 364 days (so all fall in the
# 365-day window), as an import file.
/usr/bin/python3 - "$TMP/import.json" <<'PY'
import json, sys, time, random
random.seed(16)
now = time.time()
step = 364 * 86400 / 1460
rows = ["measured_at,kind,value,unit,systolic,diastolic,pulse,context,note"]
for i in range(1460):
    t = now - 60 - i * step
    s = round(118 + 14 * (1460 - i) / 1460 + random.gauss(0, 7))
    d = round(min(s - 25, 76 + random.gauss(0, 5)))
    rows.append(f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(t))},blood_pressure,,mmhg,{s},{d},{round(66 + random.gauss(0, 5))},,")
json.dump({"csv": "\n".join(rows) + "\n"}, open(sys.argv[1], "w"))
PY
added=$(curl -fsS -H 'Content-Type: application/json' -H "Authorization: Bearer $TOKEN" \
  --data @"$TMP/import.json" "$BASE/api/v1/health/imports" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["added"])')
points=$(curl -fsS -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/health/series?kind=blood_pressure&days=365" |
  /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)["readings"]))')
echo "bench: imported $added readings; the 365-day series holds $points"
[ "$points" = 1460 ] || { echo "bench: expected 1460 points in the series" >&2; exit 1; }

cat >"$TMP/reading.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"kind":"heart_rate","value":72}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $TOKEN"
LUA

SERIES="$BASE/api/v1/health/series?kind=blood_pressure&days=365"
saved=$CONNECTIONS
CONNECTIONS=1
bench_run "h) GET series 365 days, 1,460 points (1 conn)" "$TMP/h1.txt" -H "Authorization: Bearer $TOKEN" "$SERIES"
CONNECTIONS=$saved
bench_run "h) GET series 365 days, 1,460 points" "$TMP/h.txt" -H "Authorization: Bearer $TOKEN" "$SERIES"
bench_run "i) POST /api/v1/health/readings" "$TMP/i.txt" -s "$TMP/reading.lua" "$BASE/api/v1/health/readings"

bench_print_results
