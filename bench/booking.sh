#!/usr/bin/env bash
# The booking benchmark (bench/booking.mjs) on SQLite, then on a private PostgreSQL cluster.
#   bench/booking.sh            both;   BENCH_DB=sqlite|postgresql for one
set -euo pipefail
cd "$(dirname "$0")/.."
export MEDCORE_BIN=${MEDCORE_BIN:-$PWD/build/medcore}
[ -x "$MEDCORE_BIN" ] || { echo "bench: $MEDCORE_BIN not found; run 'make build' first" >&2; exit 1; }
which=${BENCH_DB:-both}
if [ "$which" != postgresql ]; then
  echo "== booking on SQLite"
  node bench/booking.mjs
fi
if [ "$which" != sqlite ]; then
  TMP=$(mktemp -d /tmp/medcore-bench-pg.XXXXXX)
  chmod 755 "$TMP"
  trap 'scripts/pg.sh stop "$TMP/pg" >/dev/null 2>&1 || true; rm -rf "$TMP"' EXIT
  url=$(scripts/pg.sh start "$TMP/pg" | tail -1)
  echo "== booking on PostgreSQL"
  MEDCORE_TEST_PG_URL=$url node bench/booking.mjs
fi
