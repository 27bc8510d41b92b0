#!/usr/bin/env bash
# Outbox throughput (see bench/README.md): N pending mails (default 5000) are put in the outbox of a
# fresh SQLite database (or PostgreSQL with BENCH_PG_URL=postgresql://.../db, an empty database),
# then `medcore serve` delivers them, once with the file transport and once to a loopback SMTP sink
# (tests/api/support/smtp_sink.py, aiosmtpd). Reports mails/s from the first to the last sent_at.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=${MEDCORE_BIN:-$ROOT/build/medcore}
N=${BENCH_MAILS:-5000}
[ -x "$BIN" ] || { echo "bench: $BIN not found; run 'make build' first" >&2; exit 1; }

TMP=$(mktemp -d /tmp/medcore-mailbench.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

q() { sqlite3 -cmd '.timeout 5000' "$DB" "$1"; }

run() {
  local transport=$1
  local dir=$TMP/$transport
  mkdir -p "$dir/var" "$dir/web"
  DB=$dir/medcore.db
  export MEDCORE_DATABASE_URL=sqlite:$DB MEDCORE_VAR_DIR=$dir/var MEDCORE_WEB_ROOT=$dir/web
  export MEDCORE_LISTEN=127.0.0.1:$(scripts/free-port.sh) MEDCORE_LOG_LEVEL=warn MEDCORE_MAIL_POLL_MS=10
  export MEDCORE_MAIL_TRANSPORT=$transport
  "$BIN" migrate >/dev/null
  q "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $N)
     INSERT INTO outbox (created_at, category, template, to_email, data, message_id, status, attempts, next_attempt_at)
     SELECT 0, 'security', 'password_reset', 'p' || i || '@example.org',
            '{\"name\":\"Patient ' || i || '\",\"reset_url\":\"http://127.0.0.1/reset-password?token=t' || i || '\",\"expires_minutes\":30}',
            '<bench-' || i || '@medcore>', 'pending', 0, 0 FROM n"
  if [ "$transport" = smtp ]; then
    /usr/bin/python3 tests/api/support/smtp_sink.py --dir "$dir/sink" >"$dir/sink.out" 2>&1 &
    PIDS+=($!)
    for _ in $(seq 100); do grep -q listening "$dir/sink.out" && break; sleep 0.1; done
    export MEDCORE_SMTP_URL=smtp://127.0.0.1:$(awk '{print $2}' "$dir/sink.out") MEDCORE_SMTP_STARTTLS=off
  fi
  "$BIN" serve >"$dir/server.log" 2>&1 &
  local server=$!
  PIDS+=($server)
  local t0=$SECONDS
  while [ "$(q "SELECT COUNT(*) FROM outbox WHERE status <> 'sent'")" != 0 ]; do
    kill -0 $server 2>/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    [ $(( SECONDS - t0 )) -lt 600 ] || { echo "bench: not done after 600 s" >&2; exit 1; }
    sleep 0.2
  done
  kill $server; wait $server 2>/dev/null || true
  q "SELECT '$transport', COUNT(*), (MAX(sent_at) - MIN(sent_at)) / 1000.0,
            ROUND(COUNT(*) * 1000.0 / MAX(1, MAX(sent_at) - MIN(sent_at)), 0) FROM outbox" |
    awk -F'|' '{printf "%-6s %6d mails in %7.2f s: %6d mails/s\n", $1, $2, $3, $4}'
}

echo "bench: $("$BIN" version) — $N mails per transport, SQLite, $(nproc) cores (the sink shares them)"
run file
run smtp
