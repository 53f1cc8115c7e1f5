#!/usr/bin/env bash
# conformance.sh [PLUGIN_OPTIONS] - all of ../shared/conformance/tests/*.data through
# `xbpf conformance-plugin`, driven as bpf_conformance drives a plugin (conformance.py),
# plus the protocol details: memory and options arguments, error output on stdout.
. "$(dirname "$0")/lib.sh"
: "${XBPF_SHARED:?}"
opts=${1:-}

# protocol: empty arguments are "no memory" and "no options"; r0 in hex without 0x
printf 'b7 00 00 00 2a 00 00 00  95 00 00 00 00 00 00 00\n' > p.hex
# ldxb r0, [r1+2], in the runner's format; used with memory "aa  bb  11  "
printf '71  10  02  00  00  00  00  00  95  00  00  00  00  00  00  00  \n' > ld.hex
expect 0 "$XBPF" conformance-plugin "" "$opts" < p.hex;         equals "$out" "2a"
expect 0 "$XBPF" conformance-plugin < p.hex;                    equals "$out" "2a"
# as bpf_conformance runs it: --plugin_path xbpf --plugin_options "conformance-plugin ..."
expect 0 "$XBPF" "" "conformance-plugin $opts" < p.hex;         equals "$out" "2a"
expect 0 "$XBPF" "aa  bb  11  " "conformance-plugin $opts" < ld.hex; equals "$out" "11"
expect 0 "$XBPF" conformance-plugin "aa  bb  11  " "$opts" < ld.hex; equals "$out" "11"
# helper 5 returns its first argument: mov r1, 7; call 5; exit
printf 'b7 01 00 00 07 00 00 00 85 00 00 00 05 00 00 00 95 00 00 00 00 00 00 00\n' > call.hex
expect 0 "$XBPF" conformance-plugin "" "$opts" < call.hex;      equals "$out" "7"
# a program that cannot be loaded: non-zero exit, the reason on stdout
printf '05 00 64 00 00 00 00 00  95 00 00 00 00 00 00 00\n' > bad.hex
expect 1 "$XBPF" conformance-plugin "" "$opts" < bad.hex;       contains "$out" "insn 0"
echo "protocol checks: $checks passed"

python3 "$TESTDIR/conformance.py" "$XBPF" "$XBPF_SHARED/conformance/tests" "$opts"
