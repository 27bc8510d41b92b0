#!/usr/bin/env bash
# HTTP benchmarks of a real `medcore serve` (see bench/README.md):
#   a) GET /healthz                  wrk -t2 -c64, keep-alive
#   b) GET /api/v1/doctors           same, signed in as a demo patient (session cookie)
#   c) login storm                   BENCH_LOGIN_CONNECTIONS concurrent POST /api/v1/auth/login loops
#                                    while a second wrk measures /healthz at -c4
# The server runs on a fresh SQLite database in a temporary directory on a free port, seeded
# with `medcore seed --demo`; everything is stopped and removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

BIN=${MEDCORE_BIN:-$ROOT/build/medcore}
SECONDS_PER_RUN=${BENCH_SECONDS:-10}
LOGIN_CONNECTIONS=${BENCH_LOGIN_CONNECTIONS:-8}

[ -x "$BIN" ] || { echo "bench: $BIN not found; run 'make build' first" >&2; exit 1; }
command -v wrk >/dev/null || { echo "bench: wrk not found; run scripts/install-deps.sh" >&2; exit 1; }

TMP=$(mktemp -d /tmp/medcore-bench.XXXXXX)
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  local kids
  kids=$(jobs -p)
  if [ -n "$kids" ]; then kill $kids 2>/dev/null || true; fi
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PORT=$(scripts/free-port.sh)
BASE=http://127.0.0.1:$PORT
export MEDCORE_DATABASE_URL=sqlite:$TMP/medcore.db
export MEDCORE_LISTEN=127.0.0.1:$PORT
export MEDCORE_PUBLIC_URL=$BASE
export MEDCORE_VAR_DIR=$TMP/var
export MEDCORE_WEB_ROOT=$TMP/web
export MEDCORE_LOG_LEVEL=${MEDCORE_LOG_LEVEL:-warn}
# The login storm must measure the server, not its throttles.
export MEDCORE_AUTH_RATE_PER_MINUTE=10000000
export MEDCORE_LOGIN_MAX_FAILURES_ACCOUNT=10000000
export MEDCORE_LOGIN_MAX_FAILURES_IP=10000000
mkdir -p "$MEDCORE_VAR_DIR" "$MEDCORE_WEB_ROOT"

echo "bench: $("$BIN" version 2>/dev/null || echo medcore) on $BASE, $(nproc) cores (wrk shares them)"
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

"$BIN" serve >"$TMP/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 150); do
  curl -fsS "$BASE/readyz" >/dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || { echo "bench: server exited" >&2; cat "$TMP/server.log" >&2; exit 1; }
  sleep 0.2
done
curl -fsS "$BASE/readyz" >/dev/null || { echo "bench: server not ready after 30 s" >&2; tail -n 30 "$TMP/server.log" >&2; exit 1; }

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

# report NAME WRK_OUTPUT_FILE: one line of req/s, p50, p99 and non-2xx count.
results=()
report() {
  local name=$1 file=$2 rps p50 p99 bad
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$file")
  p50=$(awk '$1 == "50%" {print $2}' "$file")
  p99=$(awk '$1 == "99%" {print $2}' "$file")
  bad=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$file")
  results+=("$(printf '%-40s %12s %10s %10s %8s' "$name" "${rps:-?}" "${p50:-?}" "${p99:-?}" "${bad:-0}")")
}

echo "== a) GET /healthz (wrk -t2 -c64 -d${SECONDS_PER_RUN}s) =="
wrk -t2 -c64 -d"${SECONDS_PER_RUN}s" --latency "$BASE/healthz" | tee "$TMP/a.txt"
report "a) GET /healthz" "$TMP/a.txt"

echo "== b) GET /api/v1/doctors, signed in (wrk -t2 -c64 -d${SECONDS_PER_RUN}s) =="
wrk -t2 -c64 -d"${SECONDS_PER_RUN}s" --latency -H "Cookie: $COOKIE" "$BASE/api/v1/doctors" | tee "$TMP/b.txt"
report "b) GET /api/v1/doctors (session)" "$TMP/b.txt"

echo "== c) login storm: $LOGIN_CONNECTIONS concurrent logins, /healthz at -c4 meanwhile (-d${SECONDS_PER_RUN}s) =="
# The storm starts first and ends last, so the whole /healthz measurement runs under it.
wrk -t1 -c"$LOGIN_CONNECTIONS" -d"$(( SECONDS_PER_RUN + 2 ))s" --latency -s "$TMP/login.lua" "$BASE/api/v1/auth/login" >"$TMP/c-login.txt" &
storm=$!
sleep 1   # let the storm fill the hashing pool first
wrk -t1 -c4 -d"${SECONDS_PER_RUN}s" --latency "$BASE/healthz" >"$TMP/c-health.txt"
wait "$storm"
cat "$TMP/c-login.txt" "$TMP/c-health.txt"
report "c) POST /api/v1/auth/login (storm, -c$LOGIN_CONNECTIONS)" "$TMP/c-login.txt"
report "c) GET /healthz during the storm (-c4)" "$TMP/c-health.txt"

kill -0 "$SERVER_PID" 2>/dev/null || { echo "bench: the server died during the run" >&2; tail -n 30 "$TMP/server.log" >&2; exit 1; }

echo
echo "== results =="
printf '%-40s %12s %10s %10s %8s\n' "benchmark" "req/s" "p50" "p99" "non-2xx"
printf '%s\n' "${results[@]}"
