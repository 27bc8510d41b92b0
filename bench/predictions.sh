#!/usr/bin/env bash
# HTTP throughput of the risk-prediction routes of a real `medcore serve` (see bench/README.md):
#   d) POST /api/v1/predictions/diabetes   validate, predict, explain (TreeSHAP), store: one write per request
#   e) POST /api/v1/predictions/heart      the same with the naive Bayes model
#   f) GET  /api/v1/predictions            a page of 20 stored results of one patient
#   g) GET  /api/v1/prediction-models      the three cards' form metadata, from memory (I/O thread)
# The server runs on a fresh SQLite database (or MEDCORE_DATABASE_URL) in a temporary directory on a
# free port; one patient signs up and is signed in with a bearer token. Knobs: BENCH_SECONDS (10),
# BENCH_CONNECTIONS (16), MEDCORE_BIN.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

BIN=${MEDCORE_BIN:-$ROOT/build/medcore}
SECONDS_PER_RUN=${BENCH_SECONDS:-10}
CONNECTIONS=${BENCH_CONNECTIONS:-16}
[ -x "$BIN" ] || { echo "bench: $BIN not found; run 'make build' first" >&2; exit 1; }
command -v wrk >/dev/null || { echo "bench: wrk not found; run scripts/install-deps.sh" >&2; exit 1; }

TMP=$(mktemp -d /tmp/medcore-bench.XXXXXX)
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PORT=$(scripts/free-port.sh)
BASE=http://127.0.0.1:$PORT
export MEDCORE_DATABASE_URL=${MEDCORE_DATABASE_URL:-sqlite:$TMP/medcore.db}
export MEDCORE_LISTEN=127.0.0.1:$PORT
export MEDCORE_VAR_DIR=$TMP/var
export MEDCORE_WEB_ROOT=$TMP/web
export MEDCORE_MODELS_DIR=${MEDCORE_MODELS_DIR:-$ROOT/models}
export MEDCORE_LOG_LEVEL=${MEDCORE_LOG_LEVEL:-warn}
export MEDCORE_AUTH_RATE_PER_MINUTE=10000000
mkdir -p "$MEDCORE_VAR_DIR" "$MEDCORE_WEB_ROOT"

echo "bench: $("$BIN" version) on $BASE, $(nproc) cores (wrk shares them), ${MEDCORE_DATABASE_URL%%:*}"
"$BIN" serve >"$TMP/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 150); do
  curl -fsS "$BASE/readyz" >/dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || { echo "bench: server exited" >&2; cat "$TMP/server.log" >&2; exit 1; }
  sleep 0.2
done

EMAIL="bench.$$@example.org"
curl -fsS -o /dev/null -H 'Content-Type: application/json' "$BASE/api/v1/auth/signup" --data \
  "{\"role\":\"patient\",\"name\":\"Bench Patient\",\"email\":\"$EMAIL\",\"password\":\"a bench password\",\"phone\":\"+351 912 345 678\",\"date_of_birth\":\"1970-01-01\",\"sex\":\"female\"}"
TOKEN=$(curl -fsS -H 'Content-Type: application/json' "$BASE/api/v1/auth/login" \
  --data "{\"email\":\"$EMAIL\",\"password\":\"a bench password\",\"bearer\":true}" |
  /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')

post_script() {  # FILE BODY
  cat >"$1" <<LUA
wrk.method = "POST"
wrk.body = '$2'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $TOKEN"
LUA
}
post_script "$TMP/diabetes.lua" '{"pregnancies":2,"glucose":168,"blood_pressure":72,"skin_thickness":35,"insulin":120,"bmi":38.2,"diabetes_pedigree_function":0.6,"age":45}'
post_script "$TMP/heart.lua" '{"age":63,"sex":1,"cp":4,"trestbps":145,"chol":233,"fbs":1,"restecg":2,"thalach":150,"exang":0,"oldpeak":2.3,"slope":3,"ca":0,"thal":6}'

results=()
report() {
  local name=$1 file=$2 rps p50 p99 bad
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$file")
  p50=$(awk '$1 == "50%" {print $2}' "$file")
  p99=$(awk '$1 == "99%" {print $2}' "$file")
  bad=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$file")
  results+=("$(printf '%-44s %10s %10s %10s %8s' "$name" "${rps:-?}" "${p50:-?}" "${p99:-?}" "${bad:-0}")")
}
run() {  # NAME FILE wrk-args...
  local name=$1 file=$2; shift 2
  echo "== $name (wrk -t2 -c$CONNECTIONS -d${SECONDS_PER_RUN}s) =="
  wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency "$@" | tee "$file"
  report "$name" "$file"
}

run "d) POST /api/v1/predictions/diabetes" "$TMP/d.txt" -s "$TMP/diabetes.lua" "$BASE/api/v1/predictions/diabetes"
run "e) POST /api/v1/predictions/heart" "$TMP/e.txt" -s "$TMP/heart.lua" "$BASE/api/v1/predictions/heart"
run "f) GET /api/v1/predictions (20 per page)" "$TMP/f.txt" -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/predictions"
run "g) GET /api/v1/prediction-models" "$TMP/g.txt" "$BASE/api/v1/prediction-models"

kill -0 "$SERVER_PID" 2>/dev/null || { echo "bench: the server died during the run" >&2; tail -n 30 "$TMP/server.log" >&2; exit 1; }
stored=$(curl -fsS -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/predictions?limit=1" >/dev/null && echo ok)
echo
echo "== results =="
printf '%-44s %10s %10s %10s %8s\n' "benchmark" "req/s" "p50" "p99" "non-2xx"
printf '%s\n' "${results[@]}"
[ "$stored" = ok ]
