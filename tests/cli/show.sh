#!/usr/bin/env bash
# show.sh - `xbpf show`: text and JSON listings of real objects, and clear errors for
# a missing file, a non-ELF file and a usage mistake.
set -u
fail=0; pass=0
check() { if eval "$2"; then pass=$((pass+1)); else echo "FAIL: $1"; fail=$((fail+1)); fi; }
S=$XBPF_SHARED/ebpf-samples
out=$("$XBPF" show "$S/linux/sockex3_kern.o" --json)
check "json programs" '[[ "$out" == *"\"programs\":"* && "$out" == *"\"section\":\"socket/1\""* ]]'
check "json type" '[[ "$out" == *"\"type\":\"socket_filter\""* ]]'
check "json maps" '[[ "$out" == *"\"maps\":"* && "$out" == *"\"name\":\"jmp_table\""* && "$out" == *"\"type\":\"prog_array\""* ]]'
check "json valid" 'printf "%s" "$out" | python3 -c "import json,sys; d=json.load(sys.stdin); assert len(d[\"programs\"])==5 and all(p[\"insns\"]>0 for p in d[\"programs\"])"'
out=$("$XBPF" show "$S/cilium-examples/tcx_bpf_bpfel.o")
check "text" '[[ "$out" == *"ingress_prog_func"* && "$out" == *"sched_cls"* ]]'
out=$("$XBPF" show /nonexistent.o 2>&1); rc=$?
check "missing file" '[[ $rc -eq 2 && "$out" == *"/nonexistent.o"* ]]'
out=$("$XBPF" show "$XBPF_SRC/CMakeLists.txt" 2>&1); rc=$?
check "not ELF" '[[ $rc -eq 2 && "$out" == *"ELF"* ]]'
out=$("$XBPF" show 2>&1); rc=$?
check "usage" '[[ $rc -eq 2 ]]'
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
