#!/usr/bin/env bash
# The black-box API suites (tests/api) against a medcore built with AddressSanitizer and
# UndefinedBehaviorSanitizer, on SQLite and then on PostgreSQL — the kind of run that finds a crash
# like issue 13's (a use of a session SOCI had left without a connection) before users do.
#
#   scripts/test-sanitized.sh          (or: make test-sanitized)
#
# Builds `medcore` in its own directory (build-sanitize/, RelWithDebInfo + -DMEDCORE_SANITIZE=ON;
# the first build compiles every service file again, later ones are incremental), starts a private
# PostgreSQL 15 cluster, runs the suites with MEDCORE_BIN pointing at that binary, stops the cluster,
# and fails when a suite failed or a sanitizer wrote a report (reports: $MEDCORE_SANITIZE_REPORTS,
# default build-sanitize/reports/). Too slow for every `make test` (see docs/OPERATIONS.md): nightly.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

BUILD=${MEDCORE_SANITIZE_BUILD:-build-sanitize}
REPORTS=${MEDCORE_SANITIZE_REPORTS:-$ROOT/$BUILD/reports}
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.ccache}
export CCACHE_SLOPPINESS=${CCACHE_SLOPPINESS:-pch_defines,time_macros,include_file_mtime,include_file_ctime}

t0=$SECONDS
echo "== build $BUILD/medcore (ASan+UBSan) =="
scripts/build.sh "$BUILD" -DMEDCORE_SANITIZE=ON -DMEDCORE_WERROR=ON --target medcore
build_secs=$(( SECONDS - t0 ))

rm -rf "$REPORTS"
mkdir -p "$REPORTS"
export MEDCORE_BIN=$ROOT/$BUILD/medcore
# Why each option (docs/OPERATIONS.md, "Sanitizer run"):
# - detect_container_overflow=0: LibTorch, XGBoost and the Debian libraries are not instrumented; a
#   std::vector grown in one and read in the other trips ASan's container annotations falsely.
# - log_path: every report goes to a file named after the process, so a report from a server whose
#   test passed anyway (or from a CLI child) is still seen; the run fails when any exists.
# - halt_on_error / -fno-sanitize-recover (CMake): the first error stops the process, so the suite
#   that caused it fails too.
# - suppressions: leaks inside third-party libraries, each named with its reason.
export ASAN_OPTIONS="detect_container_overflow=0:halt_on_error=1:detect_leaks=1:log_path=$REPORTS/asan:strip_path_prefix=$ROOT/"
export LSAN_OPTIONS="suppressions=$ROOT/scripts/sanitizer/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$REPORTS/ubsan"

TMP=$(mktemp -d /tmp/medcore-sanitize.XXXXXX)
chmod 755 "$TMP"
finish() {
  scripts/pg.sh stop "$TMP/pg" >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap finish EXIT

failed=0
suite() {
  local name=$1; shift
  local s=$SECONDS rc=0
  echo "== $name =="
  "$@" || rc=$?
  echo "-- $name: $([ $rc -eq 0 ] && echo passed || echo "FAILED (exit $rc)") in $(( SECONDS - s ))s"
  [ $rc -eq 0 ] || failed=$(( failed + 1 ))
}

suite "API tests (SQLite, sanitized server)" env -u MEDCORE_TEST_PG_URL node --test tests/api/
PG_URL=$(scripts/pg.sh start "$TMP/pg")
suite "API tests (PostgreSQL, sanitized server)" env MEDCORE_TEST_PG_URL="$PG_URL" node --test tests/api/
scripts/pg.sh stop "$TMP/pg"

reports=$(find "$REPORTS" -type f | sort)
if [ -n "$reports" ]; then
  echo "== sanitizer reports =="
  for f in $reports; do echo "--- $f"; head -n 60 "$f"; done
  failed=$(( failed + 1 ))
fi
echo "== sanitized run: build ${build_secs}s, total $(( SECONDS - t0 ))s; $([ $failed -eq 0 ] && echo 'passed, no reports' || echo "$failed failure(s)") =="
[ $failed -eq 0 ]
