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
source bench/lib.sh
bench_start_server

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

bench_run "d) POST /api/v1/predictions/diabetes" "$TMP/d.txt" -s "$TMP/diabetes.lua" "$BASE/api/v1/predictions/diabetes"
bench_run "e) POST /api/v1/predictions/heart" "$TMP/e.txt" -s "$TMP/heart.lua" "$BASE/api/v1/predictions/heart"
bench_run "f) GET /api/v1/predictions (20 per page)" "$TMP/f.txt" -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/predictions"
bench_run "g) GET /api/v1/prediction-models" "$TMP/g.txt" "$BASE/api/v1/prediction-models"

stored=$(curl -fsS -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/predictions?limit=1" >/dev/null && echo ok)
bench_print_results
[ "$stored" = ok ]
