#!/usr/bin/env bash
# medcore against the Flask reference (../shared/anchors/flask_ref) on the same data and the same
# wrk load, in alternating rounds (see bench/README.md, "Side by side with the Flask reference").
#
#   bench/side_by_side.sh
#   MEDCORE_DATABASE_URL=postgresql://... BENCH_INSTANCES=2 bench/side_by_side.sh
#
# Both servers get the Flask seed's people: 1 admin, 200 approved doctors (20 in each of 10
# specialties, the same names, years, bio and fee) and 1,000 patients, one shared password hash.
# medcore's copy is loaded by bench/side_by_side/flask_to_medcore.py (plain SQL, not the demo seed).
# Each round runs, for every request and every server in turn, `wrk -t2 -c64 -dSECONDS --latency`:
#   GET /healthz, GET /api/v1/doctors?specialty=Cardiology (anonymous, 20 rows),
#   GET /api/v1/me (a patient's session cookie, from a real login on that server).
# Knobs: BENCH_SECONDS (8), BENCH_ROUNDS (3), MEDCORE_BIN (build/medcore), MEDCORE_DATABASE_URL
# (default: SQLite in the temporary directory; a postgresql:// URL must name an empty database),
# BENCH_BASELINE_BIN (another medcore binary measured in the same rounds, e.g. main's),
# BENCH_INSTANCES=2 (also "medcore x2": a second instance on the same database, one wrk per
# instance with half the connections each, req/s summed, p50 averaged, p99 the worse of the two),
# BENCH_ONLY (space-separated subset of: healthz doctors me), FLASK_REF (the reference's folder).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=${MEDCORE_BIN:-$ROOT/build/medcore}
BASELINE_BIN=${BENCH_BASELINE_BIN:-}
SECONDS_PER_RUN=${BENCH_SECONDS:-8}
ROUNDS=${BENCH_ROUNDS:-3}
INSTANCES=${BENCH_INSTANCES:-1}
ONLY=${BENCH_ONLY:-healthz doctors me}
FLASK_REF=${FLASK_REF:-$ROOT/../shared/anchors/flask_ref}
PASSWORD='correct horse battery staple'
[ -x "$BIN" ] || { echo "side_by_side: $BIN not found; run 'make build' first" >&2; exit 1; }
command -v wrk >/dev/null || { echo "side_by_side: wrk not found (apt-get install wrk)" >&2; exit 1; }

# The reference needs Debian's Flask and gunicorn (never pip: it runs on /usr/bin/python3).
if ! /usr/bin/python3 -c 'import flask, gunicorn' 2>/dev/null; then
  echo "side_by_side: installing python3-flask and gunicorn (Debian packages)"
  if [ "$(id -u)" -eq 0 ]; then apt-get install -y python3-flask gunicorn >/dev/null
  else sudo apt-get install -y python3-flask gunicorn >/dev/null; fi
fi

TMP=$(mktemp -d /tmp/side-by-side.XXXXXX)
export FLASK_REF_VAR=$TMP/flask
PIDS=()
FLASK_PORT=""
cleanup() {
  [ -n "$FLASK_PORT" ] && "$FLASK_REF/stop.sh" "$FLASK_PORT" >/dev/null 2>&1 || true
  for pid in "${PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- the Flask reference ------------------------------------------------------------------------
/usr/bin/python3 "$FLASK_REF/seed.py" >"$TMP/flask-seed.log"
FLASK_PORT=$(scripts/free-port.sh)
"$FLASK_REF/run.sh" "$FLASK_PORT" --daemon
wait_ready() {  # URL
  for _ in $(seq 1 150); do
    curl -fsS "$1" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "side_by_side: $1 not ready after 30 s" >&2; exit 1
}
wait_ready "http://127.0.0.1:$FLASK_PORT/healthz"

# ---- medcore: migrate, one admin (its argon2id hash is the one every loaded account reuses), load --
DATABASE_URL=${MEDCORE_DATABASE_URL:-sqlite:$TMP/medcore.db}
export MEDCORE_VAR_DIR=$TMP/var MEDCORE_WEB_ROOT=$TMP/web MEDCORE_MODELS_DIR=${MEDCORE_MODELS_DIR:-$ROOT/models}
export MEDCORE_LOG_LEVEL=${MEDCORE_LOG_LEVEL:-warn}
# Logins in the set-up must not meet the sign-in throttles.
export MEDCORE_AUTH_RATE_PER_MINUTE=10000000 MEDCORE_LOGIN_MAX_FAILURES_ACCOUNT=10000000 MEDCORE_LOGIN_MAX_FAILURES_IP=10000000
mkdir -p "$MEDCORE_VAR_DIR" "$MEDCORE_WEB_ROOT"
MEDCORE_DATABASE_URL=$DATABASE_URL "$BIN" migrate >"$TMP/migrate.log" 2>&1 || { cat "$TMP/migrate.log" >&2; exit 1; }
printf '%s\n' "$PASSWORD" | MEDCORE_DATABASE_URL=$DATABASE_URL "$BIN" admin create --email admin@example.com --name "Admin" \
  >"$TMP/admin.log" 2>&1 || { cat "$TMP/admin.log" >&2; exit 1; }
/usr/bin/python3 bench/side_by_side/flask_to_medcore.py "$FLASK_REF_VAR/flask_ref.db" >"$TMP/load.sql"
case $DATABASE_URL in
  sqlite:*) sqlite3 -bail "${DATABASE_URL#sqlite:}" <"$TMP/load.sql" >/dev/null ;;
  postgresql:*|postgres:*) psql -q -v ON_ERROR_STOP=1 "$DATABASE_URL" -f "$TMP/load.sql" >/dev/null ;;
  *) echo "side_by_side: unsupported MEDCORE_DATABASE_URL" >&2; exit 1 ;;
esac

start_medcore() {  # NAME BINARY DATABASE_URL -> STARTED (its base URL); not in a subshell: PIDS must keep the pid
  local name=$1 bin=$2 url=$3 port
  port=$(scripts/free-port.sh)
  MEDCORE_DATABASE_URL=$url MEDCORE_LISTEN=127.0.0.1:$port MEDCORE_PUBLIC_URL=http://127.0.0.1:$port \
    "$bin" serve >"$TMP/$name.log" 2>&1 &
  PIDS+=($!)
  STARTED_PID=$!
  wait_ready "http://127.0.0.1:$port/readyz"
  STARTED="http://127.0.0.1:$port"
}
login_cookie() {  # BASE COOKIE_NAME -> "name=value" of a fresh patient0001 session
  curl -fsS -D - -o /dev/null -H 'Content-Type: application/json' \
    --data "{\"email\":\"patient0001@example.com\",\"password\":\"$PASSWORD\"}" "$1/api/v1/auth/login" |
    tr -d '\r' | sed -n "s/^[Ss]et-[Cc]ookie: *\($2=[^;]*\).*/\1/p" | head -1
}

# Targets: a name, its base URLs (space-separated) and the cookie for /me.
declare -A URLS COOKIES SERVER_PIDS
NAMES=(flask medcore)
URLS[flask]="http://127.0.0.1:$FLASK_PORT"
COOKIES[flask]=$(login_cookie "${URLS[flask]}" session)
start_medcore medcore "$BIN" "$DATABASE_URL"
URLS[medcore]=$STARTED
SERVER_PIDS[medcore]=$STARTED_PID
# gunicorn's master and its two workers
SERVER_PIDS[flask]="$(cat "$FLASK_REF_VAR/gunicorn-$FLASK_PORT.pid") $(pgrep -P "$(cat "$FLASK_REF_VAR/gunicorn-$FLASK_PORT.pid")" | tr '\n' ' ')"
COOKIES[medcore]=$(login_cookie "${URLS[medcore]}" medcore_session)
if [ "$INSTANCES" -ge 2 ]; then
  NAMES+=("medcore x2")
  start_medcore medcore2 "$BIN" "$DATABASE_URL"
  URLS["medcore x2"]="${URLS[medcore]} $STARTED"
  SERVER_PIDS["medcore x2"]="${SERVER_PIDS[medcore]} $STARTED_PID"
  COOKIES["medcore x2"]=${COOKIES[medcore]}
fi
if [ -n "$BASELINE_BIN" ]; then
  # The baseline gets a copy of the data (SQLite) or shares the database (PostgreSQL).
  base_url=$DATABASE_URL
  if [[ $DATABASE_URL == sqlite:* ]]; then
    sqlite3 "${DATABASE_URL#sqlite:}" ".backup $TMP/baseline.db"
    base_url=sqlite:$TMP/baseline.db
  fi
  NAMES+=(baseline)
  start_medcore baseline "$BASELINE_BIN" "$base_url"
  URLS[baseline]=$STARTED
  SERVER_PIDS[baseline]=$STARTED_PID
  COOKIES[baseline]=$(login_cookie "${URLS[baseline]}" medcore_session)
fi
for n in "${NAMES[@]}"; do
  [ -n "${COOKIES[$n]}" ] || { echo "side_by_side: no session cookie from $n" >&2; exit 1; }
done

# Each answer is checked once before it is measured: the same request must succeed on every server.
for n in "${NAMES[@]}"; do
  for u in ${URLS[$n]}; do
    curl -fsS "$u/api/v1/doctors?specialty=Cardiology" | /usr/bin/python3 -c \
      'import json,sys; n=len(json.load(sys.stdin)["items"]); sys.exit(0 if n == 20 else "doctors: %d rows" % n)'
    curl -fsS -H "Cookie: ${COOKIES[$n]}" "$u/api/v1/me" >/dev/null
  done
done

path_of() {
  case $1 in
    healthz) echo /healthz ;;
    doctors) echo "/api/v1/doctors?specialty=Cardiology" ;;
    me) echo /api/v1/me ;;
  esac
}
to_ms() {  # wrk's "1.23ms" / "850.00us" / "1.02s" -> milliseconds
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'
}
# CPU time (user + system, clock ticks) the target's server processes have used so far.
cpu_ticks() {  # NAME
  local total=0 pid
  for pid in ${SERVER_PIDS[$1]}; do
    total=$(( total + $(awk '{ print $14 + $15 }' "/proc/$pid/stat") ))
  done
  echo "$total"
}
TICK_US=$(( 1000000 / $(getconf CLK_TCK) ))
# One measurement: every URL of the target at once, CONNECTIONS split between them.
# Appends "rps p50 p99 non2xx errors cpu_us_per_request" to $TMP/results/REQUEST/NAME.
measure() {  # REQUEST NAME ROUND
  local req=$1 name=$2 round=$3 urls=(${URLS[$2]}) path file i
  path=$(path_of "$req")
  local conns=$(( 64 / ${#urls[@]} )) threads=$(( 2 / ${#urls[@]} ))
  local args=(-t"$threads" -c"$conns" -d"${SECONDS_PER_RUN}s" --latency)
  [ "$req" = me ] && args+=(-H "Cookie: ${COOKIES[$name]}")
  local files=() wrks=() cpu_before cpu_after requests=0
  cpu_before=$(cpu_ticks "$name")
  for i in "${!urls[@]}"; do
    file="$TMP/raw/$req-${name// /_}-$round-$i.txt"
    files+=("$file")
    wrk "${args[@]}" "${urls[$i]}$path" >"$file" &
    wrks+=($!)
  done
  wait "${wrks[@]}"
  cpu_after=$(cpu_ticks "$name")
  local rps=0 p50=0 p99=0 bad=0 errs=0 f r a b
  for f in "${files[@]}"; do
    r=$(awk '/^Requests\/sec:/ {print $2}' "$f")
    a=$(to_ms "$(awk '$1 == "50%" {print $2}' "$f")")
    b=$(to_ms "$(awk '$1 == "99%" {print $2}' "$f")")
    rps=$(awk -v x="$rps" -v y="$r" 'BEGIN { printf "%.0f", x + y }')
    requests=$(( requests + $(awk '/requests in/ { print $1 }' "$f") ))
    p50=$(awk -v x="$p50" -v y="$a" -v n="${#files[@]}" 'BEGIN { printf "%.2f", x + y / n }')
    p99=$(awk -v x="$p99" -v y="$b" 'BEGIN { printf "%.2f", (y > x ? y : x) }')
    bad=$(( bad + $(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$f" | grep . || echo 0) ))
    errs=$(( errs + $(awk '/Socket errors:/ { gsub(",", ""); print $4 + $6 + $8 + $10 }' "$f" | grep . || echo 0) ))
  done
  local cpu
  cpu=$(awk -v t=$(( (cpu_after - cpu_before) * TICK_US )) -v n="$requests" 'BEGIN { printf "%.1f", n ? t / n : 0 }')
  mkdir -p "$TMP/results/$req"
  echo "$rps $p50 $p99 $bad $errs $cpu" >>"$TMP/results/$req/${name// /_}"
  printf '  round %d  %-8s %-12s %8s req/s  p50 %7s ms  p99 %7s ms  non-2xx %s  socket errors %s  server CPU %6s µs/request\n' \
    "$round" "$req" "$name" "$rps" "$p50" "$p99" "$bad" "$errs" "$cpu"
}

# Warm-up, not counted: connections opened (a PostgreSQL pool connects on first use), caches filled.
for n in "${NAMES[@]}"; do
  for u in ${URLS[$n]}; do
    wrk -t2 -c64 -d1s "$u/healthz" >/dev/null
    wrk -t2 -c64 -d1s "$u$(path_of doctors)" >/dev/null
    wrk -t2 -c64 -d1s -H "Cookie: ${COOKIES[$n]}" "$u$(path_of me)" >/dev/null
  done
done

mkdir -p "$TMP/raw"
echo "side_by_side: $("$BIN" version), ${DATABASE_URL%%:*}, $(nproc) cores shared with wrk, load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "  wrk -t2 -c64 -d${SECONDS_PER_RUN}s --latency; $ROUNDS alternating rounds; servers: ${NAMES[*]}"
for round in $(seq 1 "$ROUNDS"); do
  for req in $ONLY; do
    # Alternate which server goes first, so neither always meets the other's leftovers.
    order=("${NAMES[@]}")
    if (( round % 2 == 0 )); then
      reversed=(); for (( i=${#order[@]}-1; i>=0; i-- )); do reversed+=("${order[$i]}"); done; order=("${reversed[@]}")
    fi
    for name in "${order[@]}"; do measure "$req" "$name" "$round"; done
  done
done

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo
echo "Medians of $ROUNDS rounds (load after: $(cut -d' ' -f1-3 /proc/loadavg)); ratio = median req/s / Flask's;"
echo "server CPU = user + system time of the server's processes per request (gunicorn: master and workers)"
printf '| %-40s | %-12s | %10s | %9s | %9s | %7s | %6s | %14s |\n' request server "req/s" p50 p99 non-2xx ratio "server CPU"
printf '| %-40s | %-12s | %10s | %9s | %9s | %7s | %6s | %14s |\n' --- --- --- --- --- --- --- ---
for req in $ONLY; do
  flask_rps=$(cut -d' ' -f1 "$TMP/results/$req/flask" | median)
  for name in "${NAMES[@]}"; do
    f="$TMP/results/$req/${name// /_}"
    rps=$(cut -d' ' -f1 "$f" | median)
    p50=$(cut -d' ' -f2 "$f" | median)
    p99=$(cut -d' ' -f3 "$f" | median)
    bad=$(awk '{ s += $4 + $5 } END { print s + 0 }' "$f")
    cpu=$(cut -d' ' -f6 "$f" | median)
    ratio=$(awk -v a="$rps" -v b="$flask_rps" 'BEGIN { printf "%.1f×", a / b }')
    printf '| %-40s | %-12s | %10.0f | %6s ms | %6s ms | %7s | %6s | %8s µs/req |\n' "GET $(path_of "$req")" "$name" "$rps" "$p50" "$p99" "$bad" "$ratio" "$cpu"
  done
done
