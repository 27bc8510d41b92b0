#!/usr/bin/env bash
# HTTP benchmarks of a real `medcore serve` (see bench/README.md):
#   a) GET /healthz                  wrk -t2 -c64, keep-alive
#   b) GET /api/v1/doctors           same, signed in as a demo patient (session cookie)
#   c) login storm                   BENCH_LOGIN_CONNECTIONS concurrent POST /api/v1/auth/login loops
#                                    while a second wrk measures /healthz at -c4
# The server (bench/lib.sh) runs on a fresh SQLite database in a temporary directory on a free
# port, seeded with `medcore seed --demo`; everything is stopped and removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH_CONNECTIONS=${BENCH_CONNECTIONS:-64}
LOGIN_CONNECTIONS=${BENCH_LOGIN_CONNECTIONS:-8}
source bench/lib.sh

"$BIN" migrate >"$TMP/migrate.log" 2>&1 || { cat "$TMP/migrate.log" >&2; exit 1; }
"$BIN" seed --demo >"$TMP/seed.log" 2>&1 || { cat "$TMP/seed.log" >&2; exit 1; }

# A demo patient's credentials: BENCH_EMAIL/BENCH_PASSWORD, or the first patient line of
# var/demo-credentials.txt (an email and a password on a line that mentions "patient").
if [ -z "${BENCH_EMAIL:-}" ] || [ -z "${BENCH_PASSWORD:-}" ]; then
  creds=$(/usr/bin/python3 - "$MEDCORE_VAR_DIR/demo-credentials.txt" <<'PY'
import re, sys
email_re = re.compile(r"[^\s:|,;<>\"']+@[^\s:|,;<>\"']+\.[A-Za-z]{2,}")
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
for i, line in enumerate(lines):
    if "patient" not in line.lower():
        continue
    m = email_re.search(line)
    if not m:
        continue
    email = m.group(0)
    # the password: the token after the email on the same line, else a "password: X" line next
    rest = [t for t in re.split(r"[\s|,;]+", line[m.end():]) if t and t.lower() not in ("password", "password:", "/")]
    if rest:
        print(email, rest[0].strip("'\"`")); break
    for nxt in lines[i + 1:i + 4]:
        p = re.search(r"password\s*[:=]\s*(\S+)", nxt, re.I)
        if p:
            print(email, p.group(1).strip("'\"`")); sys.exit(0)
else:
    sys.exit("no patient email and password found")
PY
) || { echo "bench: could not read a patient from demo-credentials.txt; set BENCH_EMAIL and BENCH_PASSWORD" >&2; exit 1; }
  BENCH_EMAIL=${creds%% *}
  BENCH_PASSWORD=${creds#* }
fi

bench_serve

LOGIN_BODY=$(/usr/bin/python3 -c 'import json,sys; print(json.dumps({"email": sys.argv[1], "password": sys.argv[2]}))' \
  "$BENCH_EMAIL" "$BENCH_PASSWORD")
COOKIE=$(curl -fsS -D - -o /dev/null -H 'Content-Type: application/json' --data "$LOGIN_BODY" \
  "$BASE/api/v1/auth/login" | tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: *\(medcore_session=[^;]*\).*/\1/p' | head -1)
[ -n "$COOKIE" ] || { echo "bench: login as $BENCH_EMAIL gave no session cookie" >&2; exit 1; }

# wrk script for the storm: every request is a full login (argon2id verify + a new session).
LUA_BODY=$(/usr/bin/python3 -c 'import json,sys; print(json.dumps(sys.argv[1]))' \
  "$(/usr/bin/python3 -c 'import json,sys; print(json.dumps({"email": sys.argv[1], "password": sys.argv[2], "bearer": True}))' "$BENCH_EMAIL" "$BENCH_PASSWORD")")
cat >"$TMP/login.lua" <<LUA
wrk.method = "POST"
wrk.body = $LUA_BODY
wrk.headers["Content-Type"] = "application/json"
LUA

bench_run "a) GET /healthz" "$TMP/a.txt" "$BASE/healthz"
bench_run "b) GET /api/v1/doctors (session)" "$TMP/b.txt" -H "Cookie: $COOKIE" "$BASE/api/v1/doctors"

echo "== c) login storm: $LOGIN_CONNECTIONS concurrent logins, /healthz at -c4 meanwhile (-d${SECONDS_PER_RUN}s) =="
# The storm starts first and ends last, so the whole /healthz measurement runs under it.
wrk -t1 -c"$LOGIN_CONNECTIONS" -d"$(( SECONDS_PER_RUN + 2 ))s" --latency -s "$TMP/login.lua" "$BASE/api/v1/auth/login" >"$TMP/c-login.txt" &
storm=$!
sleep 1   # let the storm fill the hashing pool first
wrk -t1 -c4 -d"${SECONDS_PER_RUN}s" --latency "$BASE/healthz" >"$TMP/c-health.txt"
wait "$storm"
cat "$TMP/c-login.txt" "$TMP/c-health.txt"
bench_report "c) POST /api/v1/auth/login (storm, -c$LOGIN_CONNECTIONS)" "$TMP/c-login.txt"
bench_report "c) GET /healthz during the storm (-c4)" "$TMP/c-health.txt"

bench_print_results
