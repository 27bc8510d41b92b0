#!/usr/bin/env bash
# Configures (once) and builds one CMake build directory with Ninja and ccache.
#
#   scripts/build.sh DIR [-DOPTION=VALUE ...] [--target NAME ...]
#
# The options are used when DIR is first configured (later builds keep them; ninja re-runs
# CMake by itself when a CMakeLists.txt or a globbed source list changes). Without --target,
# every target is built. BUILD_TYPE overrides RelWithDebInfo.
set -euo pipefail
cd "$(dirname "$0")/.."

[ $# -ge 1 ] || { echo "usage: $0 DIR [-DOPTION=VALUE ...] [--target NAME ...]" >&2; exit 2; }
dir=$1; shift
options=(); targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --target) targets+=(--target "$2"); shift 2 ;;
    *) options+=("$1"); shift ;;
  esac
done

# ccache must see through the precompiled header, or every PCH user misses the cache.
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.ccache}
export CCACHE_SLOPPINESS=${CCACHE_SLOPPINESS:-pch_defines,time_macros,include_file_mtime,include_file_ctime}
# Paths relative to the checkout, so a fresh clone elsewhere (CI) reuses the cache.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-true}

if [ ! -f "$dir/build.ninja" ]; then
  # A directory configured with another generator cannot be switched in place.
  rm -rf "$dir/CMakeCache.txt" "$dir/CMakeFiles"
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" \
    -DCMAKE_CXX_COMPILER_LAUNCHER=ccache "${options[@]}"
fi
cmake --build "$dir" "${targets[@]}"
