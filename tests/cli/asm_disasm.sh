#!/usr/bin/env bash
# asm_disasm.sh - `xbpf asm` and `xbpf disasm` through files: every conformance program
# assembles, disassembles in both syntaxes and re-assembles to the same bytes; output
# formats; disassembly of an object file; --json shapes.
. "$(dirname "$0")/lib.sh"
: "${XBPF_SHARED:?}"

# formats: hex on stdout by default, raw with -o, both forced with --format
printf 'mov %%r0, 1\nlddw %%r1, 0x1122334455667788\nexit\n' > p.asm
expect 0 "$XBPF" asm p.asm
equals "$(printf '%s\n' "$out" | wc -l)" 4 "hex lines (lddw takes two)"
equals "$(printf '%s\n' "$out" | sed -n 2p)" "18 01 00 00 88 77 66 55" "lddw first half"
expect 0 "$XBPF" asm p.asm -o p.bin;             equals "$(stat -c %s p.bin)" 32 "raw size"
expect 0 "$XBPF" asm p.asm -o p.hex --format hex; equals "$(wc -l < p.hex)" 4 "hex file"
expect 0 "$XBPF" asm p.asm --format raw -o p2.bin; cmp p.bin p2.bin
expect 0 "$XBPF" asm p.asm --json
equals "$(json 'j["insns"]')" 4 "json insns"
equals "$(json 'j["hex"].split()[:2]')" "['b7', '00']" "json hex"
expect 0 "$XBPF" asm p.asm --json -o p3.bin;     equals "$(json 'j["output"]')" p3.bin
cmp p.bin p3.bin

# disasm reads raw and hex alike, in both syntaxes
expect 0 "$XBPF" disasm p.bin --syntax kernel;   k=$out
contains "$k" "r0 = 1"; contains "$k" "exit"
expect 0 "$XBPF" disasm p.hex --syntax kernel;   equals "$out" "$k" "disasm of hex"
expect 0 "$XBPF" disasm p.bin;                   equals "$out" "$k" "kernel syntax is the default"
expect 0 "$XBPF" disasm p.bin --syntax ubpf;     contains "$out" "mov %r0, 1"
expect 0 "$XBPF" disasm p.bin --json
equals "$(json 'len(j["insns"])')" 3 "json entries (lddw is one)"
equals "$(json 'j["insns"][1]["index"]')" 1 "json index"
equals "$(json 'j["insns"][2]["index"]')" 3 "json index after lddw"
equals "$(json 'len(j["insns"][1]["hex"].split())')" 16 "json lddw hex"
equals "$(json 'j["insns"][2]["text"]')" exit "json text"

# round trip of every conformance program (every STRIDE-th: $1, default 1): asm -> raw ->
# disasm -> asm gives the same bytes
stride=${1:-1}
n=0; i=0
for f in "$XBPF_SHARED"/conformance/tests/*.data; do
  i=$((i + 1)); [ $(( (i - 1) % stride )) -eq 0 ] || continue
  awk '/^-- /{on = ($2 == "asm"); next} on' "$f" > t.asm
  name=$(basename "$f")
  "$XBPF" asm t.asm -o t.bin 2>t.err || fail "$name: xbpf asm: $(cat t.err)"
  for syn in ubpf kernel; do
    "$XBPF" disasm t.bin --syntax $syn > t.$syn.asm 2>t.err || fail "$name: disasm $syn: $(cat t.err)"
    "$XBPF" asm t.$syn.asm -o t.$syn.bin 2>t.err || fail "$name: re-assembling $syn: $(cat t.err)"
    cmp -s t.bin t.$syn.bin || fail "$name: $syn round trip changed the bytes"
  done
  n=$((n + 1))
done
[ $n -ge $((300 / stride)) ] || fail "only $n conformance programs found"
checks=$((checks + n))
echo "round trips: $n programs (stride $stride), 2 syntaxes"

# an object file: every executable section, with a header line
if command -v clang >/dev/null; then
  printf 'int f(int *p) { return *p + 1; }\n__attribute__((section("xdp"))) int g(void *c) { return 2; }\n' > o.c
  clang -O2 -target bpf -c o.c -o o.o
  expect 0 "$XBPF" disasm o.o
  contains "$out" "section .text:"; contains "$out" "section xdp:"; contains "$out" "r0 = 2"
  expect 0 "$XBPF" disasm o.o --json
  equals "$(json '[s["name"] for s in j["sections"]]')" "['.text', 'xdp']" "json sections"
fi
done_ok
