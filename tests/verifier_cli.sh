#!/bin/bash
# verifier_cli.sh - `xbpf verify`: exit 0 accepted, 1 rejected, 2 usage/load errors; text,
# JSON and level-2 log output.
S="$XBPF_SHARED/ebpf-samples"
pass=0; fail=0
check() { if eval "$2"; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: $1"; fi; }
out=$("$XBPF" verify "$S/linux/xdp1_kern.o"); rc=$?
check "accepted program exits 0" '[ $rc = 0 ] && [[ "$out" == *"xdp1 (xdp1, xdp): accept"* ]]'
out=$("$XBPF" verify "$S/build/packet_overflow.o" --section xdp); rc=$?
check "rejected program exits 1" '[ $rc = 1 ] && [[ "$out" == *"REJECT"* ]]'
check "rejection explains" '[[ "$out" == *"invalid access to packet"* && "$out" == *"hint:"* ]]'
out=$("$XBPF" verify "$S/build/packet_overflow.o" --json); rc=$?
check "json verdict" '[ $rc = 1 ] && [[ "$out" == *"\"verdict\":\"reject\""* && "$out" == *"\"insns_processed\""* ]]'
out=$("$XBPF" verify "$S/linux/xdp1_kern.o" --log-level 2); rc=$?
check "level-2 log" '[ $rc = 0 ] && [[ "$out" == *"0: (bf) r6 = r1 ; R6=ctx() R1=ctx()"* || "$out" == *"R1=ctx()"* ]]'
"$XBPF" verify /nonexistent.o >/dev/null 2>&1; rc=$?
check "missing file exits 2" '[ $rc = 2 ]'
"$XBPF" verify "$S/linux/xdp1_kern.o" --log-level 7 >/dev/null 2>&1; rc=$?
check "bad log level exits 2" '[ $rc = 2 ]'
"$XBPF" verify "$S/linux/xdp1_kern.o" --section nosuch >/dev/null 2>&1; rc=$?
check "unknown section exits 2" '[ $rc = 2 ]'
echo "$pass passed, $fail failed"
[ $fail = 0 ]
