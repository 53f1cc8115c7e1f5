# lib.sh - shared helpers of the CLI tests (sourced). Needs XBPF (the CLI) in the
# environment, as xbpf_script_test provides; works in a fresh temporary directory.
set -euo pipefail
: "${XBPF:?XBPF must point at the xbpf binary}"
TESTDIR=$(cd "$(dirname "$0")" && pwd) # this directory, before the cd below
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T"
checks=0

fail() { echo "FAIL: $*" >&2; exit 1; }

# expect CODE CMD...: run CMD, keep stdout in $out and stderr in $err, check the exit code.
expect() {
  local want=$1; shift
  local rc=0
  "$@" >"$T/.out" 2>"$T/.err" || rc=$?
  out=$(cat "$T/.out"); err=$(cat "$T/.err")
  [ "$rc" -eq "$want" ] || fail "'$*' exited $rc, expected $want (stdout: $out; stderr: $err)"
  checks=$((checks + 1))
}

# contains TEXT NEEDLE [what]
contains() {
  case "$1" in *"$2"*) checks=$((checks + 1));; *) fail "${3:-output} '$1' does not contain '$2'";; esac
}

# equals GOT WANT [what]
equals() {
  [ "$1" = "$2" ] || fail "${3:-output}: got '$1', expected '$2'"
  checks=$((checks + 1))
}

# one_line TEXT: the text is exactly one line (errors are one clear line)
one_line() {
  [ "$(printf '%s\n' "$1" | wc -l)" -eq 1 ] || fail "expected one line, got: $1"
  checks=$((checks + 1))
}

# json EXPR: evaluate a Python expression over the JSON document in $out (bound to j)
json() {
  python3 -c 'import json,sys; j=json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$out" "$1"
}

done_ok() { echo "$checks passed, 0 failed"; }
