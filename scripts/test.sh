#!/usr/bin/env bash
# test.sh - the README's test command: installs what is missing, builds xbpf twice
# (gcc release build in build/, clang ASan+UBSan+libFuzzer build in build-asan/) and runs
# the whole test suite in both. Ends with ctest's summary and an overall
# "N passed, N failed" line; exits non-zero when anything failed.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
"$root/scripts/install-deps.sh" || exit 1
jobs=$(nproc)
pass=0; fail=0
run_suite() { # name builddir cmake-args...
  local name=$1 dir=$2; shift 2
  echo "== $name: configure and build ($dir)"
  if ! cmake -S "$root" -B "$dir" "$@" >"$dir.configure.log" 2>&1; then
    cat "$dir.configure.log"; fail=$((fail+1)); return; fi
  if ! cmake --build "$dir" -j "$jobs" >"$dir.build.log" 2>&1; then
    tail -50 "$dir.build.log"; fail=$((fail+1)); return; fi
  echo "== $name: ctest"
  if (cd "$dir" && ctest --output-on-failure --timeout 3000 -j "$jobs" ${CTEST_ARGS:-}); then pass=$((pass+1)); else fail=$((fail+1)); fi
}
mkdir -p "$root/build" "$root/build-asan"
run_suite "release (gcc)" "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo
if [ "${XBPF_SKIP_ASAN:-0}" != 1 ]; then
  ASAN_OPTIONS=detect_leaks=1 run_suite "ASan+UBSan+fuzz (clang)" "$root/build-asan" \
    -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug -DXBPF_SANITIZE=ON -DXBPF_FUZZ=ON
fi
echo "test suites: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
