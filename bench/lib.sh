# Shared by the HTTP benchmarks (bench/run.sh, bench/predictions.sh, bench/skin.sh): a real
# `medcore serve` on a fresh SQLite database (or MEDCORE_DATABASE_URL) in a temporary directory on a
# free port with the sign-in throttles out of the way, optionally one patient signed in with a
# bearer token ($TOKEN), and wrk runs collected into a results table. Source it from a script that
# has done `cd` to the repository root. Knobs: BENCH_SECONDS (10), BENCH_CONNECTIONS (16), MEDCORE_BIN.
ROOT=$PWD
BIN=${MEDCORE_BIN:-$ROOT/build/medcore}
SECONDS_PER_RUN=${BENCH_SECONDS:-10}
CONNECTIONS=${BENCH_CONNECTIONS:-16}
[ -x "$BIN" ] || { echo "bench: $BIN not found; run 'make build' first" >&2; exit 1; }
command -v wrk >/dev/null || { echo "bench: wrk not found; run scripts/install-deps.sh" >&2; exit 1; }

TMP=$(mktemp -d /tmp/medcore-bench.XXXXXX)
SERVER_PID=""
bench_cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  local kids
  kids=$(jobs -p)
  if [ -n "$kids" ]; then kill $kids 2>/dev/null || true; fi
  rm -rf "$TMP"
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

PORT=$(scripts/free-port.sh)
BASE=http://127.0.0.1:$PORT
export MEDCORE_DATABASE_URL=${MEDCORE_DATABASE_URL:-sqlite:$TMP/medcore.db}
export MEDCORE_LISTEN=127.0.0.1:$PORT
export MEDCORE_PUBLIC_URL=$BASE
export MEDCORE_VAR_DIR=$TMP/var
export MEDCORE_WEB_ROOT=$TMP/web
export MEDCORE_MODELS_DIR=${MEDCORE_MODELS_DIR:-$ROOT/models}
export MEDCORE_LOG_LEVEL=${MEDCORE_LOG_LEVEL:-warn}
# Login storms and many sign-ins must measure the server, not its throttles.
export MEDCORE_AUTH_RATE_PER_MINUTE=10000000
export MEDCORE_LOGIN_MAX_FAILURES_ACCOUNT=10000000
export MEDCORE_LOGIN_MAX_FAILURES_IP=10000000
mkdir -p "$MEDCORE_VAR_DIR" "$MEDCORE_WEB_ROOT"

# Starts `medcore serve` (it migrates) and waits until it is ready.
bench_serve() {
  echo "bench: $("$BIN" version) on $BASE, $(nproc) cores (wrk shares them), ${MEDCORE_DATABASE_URL%%:*}"
  "$BIN" serve >"$TMP/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 150); do
    curl -fsS "$BASE/readyz" >/dev/null 2>&1 && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "bench: server exited" >&2; cat "$TMP/server.log" >&2; exit 1; }
    sleep 0.2
  done
  echo "bench: server not ready after 30 s" >&2; tail -n 30 "$TMP/server.log" >&2; exit 1
}

# bench_serve, then a new patient signed in with a bearer token ($TOKEN).
bench_start_server() {
  bench_serve
  local email="bench.$$@example.org"
  curl -fsS -o /dev/null -H 'Content-Type: application/json' "$BASE/api/v1/auth/signup" --data \
    "{\"role\":\"patient\",\"name\":\"Bench Patient\",\"email\":\"$email\",\"password\":\"a bench password\",\"phone\":\"+351 912 345 678\",\"date_of_birth\":\"1970-01-01\",\"sex\":\"female\"}"
  TOKEN=$(curl -fsS -H 'Content-Type: application/json' "$BASE/api/v1/auth/login" \
    --data "{\"email\":\"$email\",\"password\":\"a bench password\",\"bearer\":true}" |
    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
}

results=()
bench_report() {  # NAME FILE
  local name=$1 file=$2 rps p50 p99 bad
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$file")
  p50=$(awk '$1 == "50%" {print $2}' "$file")
  p99=$(awk '$1 == "99%" {print $2}' "$file")
  bad=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$file")
  results+=("$(printf '%-44s %10s %10s %10s %8s' "$name" "${rps:-?}" "${p50:-?}" "${p99:-?}" "${bad:-0}")")
}
bench_run() {  # NAME FILE wrk-args... (CONNECTIONS connections)
  local name=$1 file=$2; shift 2
  local threads=2
  [ "$CONNECTIONS" -lt 2 ] && threads=1
  echo "== $name (wrk -t$threads -c$CONNECTIONS -d${SECONDS_PER_RUN}s) =="
  wrk -t"$threads" -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency "$@" | tee "$file"
  bench_report "$name" "$file"
}
bench_print_results() {
  kill -0 "$SERVER_PID" 2>/dev/null || { echo "bench: the server died during the run" >&2; tail -n 30 "$TMP/server.log" >&2; exit 1; }
  echo
  echo "== results =="
  printf '%-44s %10s %10s %10s %8s\n' "benchmark" "req/s" "p50" "p99" "non-2xx"
  printf '%s\n' "${results[@]}"
}
