#!/usr/bin/env bash
# Skin lesion analysis over HTTP on a real `medcore serve` (see bench/README.md): POST one
# 200×150 HAM10000 JPEG to /api/v1/skin/analyses — decode, crop and resize, MobileNetV2 with flip
# averaging on one LibTorch thread per inference worker, thumbnail, one insert.
#   s1) one connection: the latency a single patient sees (p50/p99)
#   s2) BENCH_CONNECTIONS (default 8) connections: throughput with the inference pool saturated
# The in-process latency without HTTP or database is bench/skin_inference.cpp (medcore_bench).
# Knobs: BENCH_SECONDS (10), BENCH_CONNECTIONS (8), BENCH_IMAGE, MEDCORE_BIN.
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH_CONNECTIONS=${BENCH_CONNECTIONS:-8}
source bench/lib.sh
IMAGE=${BENCH_IMAGE:-$ROOT/../shared/datasets/skin_lesions_ham10000/images_200x150/ISIC_0024306.jpg}
[ -f "$IMAGE" ] || { echo "bench: $IMAGE not found (set BENCH_IMAGE)" >&2; exit 1; }
bench_start_server

cat >"$TMP/skin.lua" <<LUA
local f = assert(io.open("$IMAGE", "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "image/jpeg"
wrk.headers["Authorization"] = "Bearer $TOKEN"
LUA

saved=$CONNECTIONS
CONNECTIONS=1
bench_run "s1) POST /api/v1/skin/analyses, 1 connection" "$TMP/s1.txt" -s "$TMP/skin.lua" "$BASE/api/v1/skin/analyses"
CONNECTIONS=$saved
bench_run "s2) POST /api/v1/skin/analyses, $CONNECTIONS conns" "$TMP/s2.txt" -s "$TMP/skin.lua" "$BASE/api/v1/skin/analyses"
stored=$(curl -fsS -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/skin/analyses?limit=1" >/dev/null && echo ok)
bench_print_results
[ "$stored" = ok ]
