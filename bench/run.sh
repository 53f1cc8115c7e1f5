#!/usr/bin/env bash
# run.sh - build and run xbpf's benchmark (bench/bench.c) in the release build directory.
# Arguments go to the runner: -n ROUNDS, -t MS per batch, -p PROG, -e ENGINE (substrings).
# XBPF_BUILD_DIR overrides the build directory (default: build/).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${XBPF_BUILD_DIR:-$root/build}
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target xbpf_bench -j "$(nproc)" >/dev/null
exec "$build/bench/xbpf_bench" "$@"
