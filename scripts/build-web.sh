#!/usr/bin/env bash
# Builds the web app in web/ into web/dist, doing only what changed:
# `npm ci` when node_modules is missing or older than the manifests, `npm run build` when any
# source is newer than the last build.
set -euo pipefail
cd "$(dirname "$0")/../web"
[ -f package.json ] || { echo "build-web: no web/package.json, nothing to build" >&2; exit 0; }

installed=node_modules/.medcore-installed   # touched after every successful install
if [ ! -f "$installed" ] || [ package.json -nt "$installed" ] \
   || { [ -f package-lock.json ] && [ package-lock.json -nt "$installed" ]; }; then
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
  mkdir -p node_modules && touch "$installed"
fi

stamp=dist/.medcore-build-stamp
# The typed API client is generated from docs/openapi.json, so an API change is a web change too.
if [ ! -f "$stamp" ] || [ ../docs/openapi.json -nt "$stamp" ] \
   || [ -n "$(find . \( -path ./node_modules -o -path ./dist \) -prune -o -type f -newer "$stamp" -print -quit)" ]; then
  npm run build
  mkdir -p dist && touch "$stamp"
fi
