#!/usr/bin/env bash
# Chat benchmark (see bench/README.md): the same Socket.IO room workload against
# `medcore dev socketio-echo` and against the reference Node server (npm socket.io), one after
# the other on free loopback ports. Prints one JSON line per run and a Markdown table.
#
#   bench/chat/run.sh                    # defaults below
#   BENCH_CLIENTS=2000 BENCH_SECONDS=10 BENCH_POLLING_SHARE=0.1 BENCH_IO_THREADS=2 bench/chat/run.sh
#   MEDCORE_BASELINE_BIN=/path/to/old/medcore bench/chat/run.sh   # a third server per round: before/after
set -euo pipefail
cd "$(dirname "$0")"
HERE=$PWD
BIN=${MEDCORE_BIN:-$HERE/../../build/medcore}
CLIENTS=${BENCH_CLIENTS:-1000}
SECS=${BENCH_SECONDS:-10}
POLLING_SHARE=${BENCH_POLLING_SHARE:-0}
THINK=${BENCH_THINK_MS:-0}
IO_THREADS=${BENCH_IO_THREADS:-1}
CLIENT=${BENCH_CLIENT:-raw}
ROUNDS=${BENCH_ROUNDS:-3}   # the two servers alternate, ROUNDS times each: the machine is shared
BASELINE_BIN=${MEDCORE_BASELINE_BIN:-}

[ -x "$BIN" ] || { echo "bench/chat: $BIN not found; run 'make build' first" >&2; exit 1; }
if [ ! -f node_modules/.medcore-installed ] || [ package.json -nt node_modules/.medcore-installed ]; then
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund >&2; else npm install --no-audit --no-fund >&2; fi
  touch node_modules/.medcore-installed
fi

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
SERVER_PID=""
cleanup() { if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; fi; }
trap cleanup EXIT

wait_port() {
  for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done
  echo "bench/chat: nothing listens on $1" >&2; return 1
}

run_one() {  # NAME: starts the server in SERVER_PID, runs the load, stops it
  local name=$1 port=$2
  wait_port "$port"
  node load.mjs --url "http://127.0.0.1:$port" --clients "$CLIENTS" --seconds "$SECS" --think-ms "$THINK" \
    --polling-share "$POLLING_SHARE" --client "$CLIENT" --server-pid "$SERVER_PID" --json \
    | sed "s/^{/{\"server\":\"$name\",/"
  cleanup; SERVER_PID=""
}

results=()
start_medcore() {  # BINARY PORT
  "$1" dev socketio-echo --port "$2" --io-threads "$IO_THREADS" --ping-interval-ms 25000 --ping-timeout-ms 20000 >/dev/null &
  SERVER_PID=$!
}

for round in $(seq "$ROUNDS"); do
  if [ -n "$BASELINE_BIN" ]; then
    port=$(free_port)
    start_medcore "$BASELINE_BIN" "$port"
    results+=("$(run_one "medcore baseline (io-threads $IO_THREADS)" "$port")")
  fi
  port=$(free_port)
  start_medcore "$BIN" "$port"
  results+=("$(run_one "medcore (io-threads $IO_THREADS)" "$port")")
  port=$(free_port)
  node node-server.mjs "$port" >/dev/null &
  SERVER_PID=$!
  results+=("$(run_one "node socket.io $(node -p 'require("socket.io/package.json").version')" "$port")")
done

printf '%s\n' "${results[@]}"
echo
echo "| server | clients | polling share | deliveries/s | p50 | p99 | server CPU | server CPU µs/delivery | generator CPU | KiB/connection |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
# Per server, the round with the median deliveries/s.
printf '%s\n' "${results[@]}" | node -e '
  const rows = require("fs").readFileSync(0, "utf8").trim().split("\n").map((l) => JSON.parse(l));
  for (const name of [...new Set(rows.map((r) => r.server))]) {
    const mine = rows.filter((r) => r.server === name).sort((a, b) => a.deliveries_per_s - b.deliveries_per_s);
    const r = mine[Math.floor(mine.length / 2)];
    console.log(`| ${r.server} | ${r.clients} | ${r.polling_share} | ${r.deliveries_per_s.toLocaleString("en")} | ${r.p50_ms} ms | ${r.p99_ms} ms | ${r.server_cpu_pct}% | ${r.server_cpu_us_per_delivery} | ${r.generator_cpu_pct}% | ${r.kib_per_connection} |`);
  }'
