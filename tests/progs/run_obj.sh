#!/bin/bash
# run_obj.sh - `xbpf run OBJ`: the object runner of the CLI on programs of tests/progs/
# (retval, --json keys, --data-out, --ctx-in/--ctx-out, --repeat, errors and exit codes).
# Environment (xbpf_script_test): XBPF = the CLI, XBPF_BUILD = the build directory.
set -u
P="$XBPF_BUILD/tests/progs"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
check() { # name, condition result
	if [ "$2" = 0 ]; then pass=$((pass + 1)); echo "ok   $1"; else fail=$((fail + 1)); echo "FAIL $1"; fi
}
# an Ethernet/IPv4/UDP packet (58 bytes)
printf '\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00\x45\x00\x00\x2c\x12\x34\0\0\x40\x11\0\0\x0a\0\0\x01\x0a\0\0\x02\x03\xe8\x07\xd0\0\x18\0\0xbpf test data!!' > "$T/pkt"

out=$("$XBPF" run "$P/xdp_parse.bpf.o" --data-in "$T/pkt" --data-out "$T/out" 2>&1)
check "xdp retval" "$([[ "$out" == *"retval: 3 "* ]]; echo $?)"
check "xdp data-out swapped MACs" "$(cmp -s <(head -c 6 "$T/out") <(tail -c +7 "$T/pkt" | head -c 6); echo $?)"
check "xdp data-out size" "$([ "$(stat -c %s "$T/out")" = 58 ]; echo $?)"

out=$("$XBPF" run "$P/xdp_parse.bpf.o" --data-in "$T/pkt" --repeat 50 --json)
check "json retval" "$([[ "$out" == *'"retval":3'* ]]; echo $?)"
check "json duration" "$([[ "$out" == *'"duration_ns":'* && "$out" == *'"repeat":50'* ]]; echo $?)"
check "json data_size_out" "$([[ "$out" == *'"data_size_out":58'* ]]; echo $?)"

out=$("$XBPF" run "$P/xdp_parse.bpf.o" --data-in "$T/pkt" --engine jit)
check "jit engine" "$([[ "$out" == *"retval: 3 "* ]]; echo $?)"

out=$("$XBPF" run "$P/map_tailcall.bpf.o" --section xdp --prog tail_first --data-in "$T/pkt" 2>&1)
rc=$?
check "--section with --prog is a usage error" "$([ $rc = 2 ]; echo $?)"
out=$("$XBPF" run "$P/map_tailcall.bpf.o" --prog tail_first --data-in "$T/pkt")
check "tail calls" "$([[ "$out" == *"retval: 3 "* ]]; echo $?)"

# raw tracepoint: u64 args 3, 1000, 7 -> 3 + 2000 + 21
printf '\x03\0\0\0\0\0\0\0\xe8\x03\0\0\0\0\0\0\x07\0\0\0\0\0\0\0' > "$T/args"
out=$("$XBPF" run "$P/raw_tp_args.bpf.o" --ctx-in "$T/args")
check "raw_tp ctx-in" "$([[ "$out" == *"retval: 2024 "* ]]; echo $?)"

# syscall: struct {int a, b; long product; char text[16];} back in --ctx-out
printf '\x06\0\0\0\xf9\xff\xff\xff\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0' > "$T/sys"
# (--no-verify: the verifier does not yet know syscall contexts)
"$XBPF" run "$P/syscall_ctx.bpf.o" --no-verify --ctx-in "$T/sys" --ctx-out "$T/sysout" > /dev/null
check "syscall ctx-out" "$([ "$(tail -c 16 "$T/sysout" | tr -d '\0')" = "6*-7" ]; echo $?)"

"$XBPF" run "$P/xdp_parse.bpf.o" > "$T/err" 2>&1
rc=$?
check "xdp without a packet fails (exit 1)" "$([ $rc = 1 ]; echo $?)"
check "... saying why" "$(grep -q 'data_in must be a packet' "$T/err"; echo $?)"
"$XBPF" run "$P/xdp_parse.bpf.o" --section nope --data-in "$T/pkt" > /dev/null 2>&1
check "unknown section (exit 2)" "$([ $? = 2 ]; echo $?)"
"$XBPF" run "$P/xdp_parse.bpf.o" --repeat x > /dev/null 2>&1
check "bad --repeat (exit 2)" "$([ $? = 2 ]; echo $?)"
"$XBPF" run "$P/xdp_parse.bpf.o" --data-in "$T/missing" > /dev/null 2>&1
check "missing --data-in file (exit 2)" "$([ $? = 2 ]; echo $?)"
out=$("$XBPF" run "$P/xdp_parse.bpf.o" --json 2>/dev/null)
check "json error object" "$([[ "$out" == *'"error"'* ]]; echo $?)"

echo "$pass passed, $fail failed"
[ $fail = 0 ]
