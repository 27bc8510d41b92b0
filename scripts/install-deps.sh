#!/usr/bin/env bash
# Installs the Debian packages medcore needs, only those missing, so repeated runs cost
# a dpkg query and nothing else. Uses sudo only when not root.
set -euo pipefail

PACKAGES=(
  # toolchain
  g++ cmake ninja-build ccache pkg-config make git
  # server, storage, crypto, config, logging, mail
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libsoci-dev libsqlite3-dev libpq-dev postgresql-15
  libsodium-dev libspdlog-dev libfmt-dev libcli11-dev libhowardhinnant-date-dev
  libkainjow-mustache-dev libcurl4-openssl-dev
  # user text: NFC, character categories, UTS #39 look-alike checks
  libicu-dev
  # tabular risk models (XGBoost C API)
  libxgboost-dev
  # skin lesion model: LibTorch (CPU) and the image codecs. libtorch links the generic libblas.so.3,
  # which is the slow reference BLAS unless OpenBLAS provides it (installing it switches the
  # alternative): matrix products ran ~27x faster with it here.
  libtorch-dev libopenblas0-openmp libturbojpeg0-dev libpng-dev libwebp-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev wrk python3-aiosmtpd
  # web app end-to-end tests: headless Chromium driven by playwright-core, readable fonts in
  # screenshots, and sqlite3 to read the outbox
  chromium fonts-liberation sqlite3
)
# Node.js may come from another source (with npm bundled); Debian's npm conflicts with it.
command -v npm >/dev/null 2>&1 || PACKAGES+=(nodejs npm)

missing=()
for p in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = "installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
