#!/usr/bin/env bash
# A private, throw-away PostgreSQL 15 cluster for tests and benchmarks.
#
#   scripts/pg.sh start DIR   initialise DIR (if needed) and start a server on 127.0.0.1 and a free
#                             port, sockets in DIR; prints the URL on stdout and writes it to DIR/url.
#                             After a crash it comes back on the same port (the same URL).
#   scripts/pg.sh crash DIR   stop it the way a crash or a failover does (pg_ctl -m immediate: no
#                             shutdown checkpoint, clients see their connections die), keeping DIR/url
#   scripts/pg.sh stop DIR    stop it (no-op when it is not running)
#
# Tuned for tests (fsync off, and commits acknowledged before their WAL is written): never point it
# at data you want to keep. MEDCORE_PG_DURABLE=1 keeps synchronous_commit on, so a commit PostgreSQL
# acknowledged survives `crash` (a process crash; fsync only matters when the machine dies) — the
# fault-injection suite needs that, or the database forgets work the server saw committed.
# As root, initdb refuses to run, so the cluster runs as the `postgres` user and DIR is handed to
# it; DIR's parents must be traversable by that user (a directory under /tmp is).
set -euo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

usage() { echo "usage: $0 start|crash|stop DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
cmd=$1
mkdir -p "$2"
dir=$(cd "$2" && pwd)
data="$dir/data"

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
  [ -x "$PG_BIN/initdb" ] || { echo "pg.sh: $PG_BIN/initdb not found (install postgresql-15)" >&2; exit 1; }
  if [ "$(id -u)" -eq 0 ]; then
    chown -R postgres: "$dir"
    runuser -u postgres -- test -w "$dir" \
      || { echo "pg.sh: user postgres cannot reach $dir (choose a directory under /tmp)" >&2; exit 1; }
  fi
  if [ ! -f "$data/PG_VERSION" ]; then
    rm -rf "$data"
    as_owner "$PG_BIN/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
      >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
  fi
  # Already running (e.g. started twice by the same caller): report its URL.
  if as_owner "$PG_BIN/pg_ctl" -D "$data" status >/dev/null 2>&1 && [ -f "$dir/url" ]; then
    cat "$dir/url"
    return
  fi
  local port attempt previous="" sync=off
  [ "${MEDCORE_PG_DURABLE:-0}" = 1 ] && sync=on
  # A crashed cluster keeps its URL: clients configured with it must find the server there again.
  [ -f "$dir/url" ] && previous=$(sed -E 's#^.*:([0-9]+)/.*$#\1#' "$dir/url")
  for attempt in 1 2 3 4 5; do
    if [ -n "$previous" ] && [ "$attempt" -le 3 ]; then port=$previous; else port=$("$(dirname "$0")/free-port.sh"); fi
    if as_owner "$PG_BIN/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 start -o \
        "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir \
         -c fsync=off -c synchronous_commit=$sync -c full_page_writes=off -c max_connections=200" \
        >/dev/null 2>&1; then
      local url="postgresql://postgres@127.0.0.1:$port/postgres"
      echo "$url" >"$dir/url"
      echo "$url"
      return
    fi
    echo "pg.sh: start on port $port failed (attempt $attempt), retrying" >&2
  done
  echo "pg.sh: could not start PostgreSQL; log:" >&2
  tail -n 30 "$dir/server.log" >&2 || true
  exit 1
}

crash() {
  [ -f "$data/PG_VERSION" ] || return 0
  if as_owner "$PG_BIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    as_owner "$PG_BIN/pg_ctl" -D "$data" -m immediate -w -t 60 stop >/dev/null
  fi
}

stop() {
  [ -f "$data/PG_VERSION" ] || return 0
  if as_owner "$PG_BIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    as_owner "$PG_BIN/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null
  fi
  rm -f "$dir/url"
}

case "$cmd" in
  start) start ;;
  crash) crash ;;
  stop) stop ;;
  *) usage ;;
esac
