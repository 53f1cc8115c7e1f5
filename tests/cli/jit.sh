#!/usr/bin/env bash
# jit.sh - `xbpf jit`: compile reports, the --dump listing (native code interleaved with
# the eBPF instructions), --json, object files, and errors; plus `xbpf run --engine jit`
# and `xbpf conformance-plugin --jit` agreeing with the interpreter.
. "$(dirname "$0")/lib.sh"

printf 'mov %%r0, 0\nmov %%r2, 10\nl:\nadd %%r0, %%r2\nsub %%r2, 1\njne %%r2, 0, l\nexit\n' > p.asm
expect 0 "$XBPF" jit p.asm
contains "$out" "eBPF slots ->"
expect 0 "$XBPF" jit p.asm --json
equals "$(json 'j["insns"]')" 6 "json insns"
equals "$(json 'j["hot_bytes"] > 0')" True "json hot bytes"
if "$XBPF" jit p.asm --dump >/dev/null 2>dump.err || ! grep -q "no disassembler" dump.err; then
  expect 0 "$XBPF" jit p.asm --dump
  contains "$out" "; entry"
  contains "$out" "add %r0, %r2"            # the eBPF line ...
  contains "$out" "add rax, rsi"            # ... and its native code
  contains "$out" "; ---- cold code ----"
  expect 0 "$XBPF" jit p.asm --dump --body 1
  contains "$out" "instruction budget"
  contains "$out" "sub qword ptr [r12"      # body 1 bills the budget per block
fi
expect 0 "$XBPF" jit p.asm --trusted --blind

# the same answers on every engine
expect 0 "$XBPF" run p.asm --engine jit;    equals "$out" "55 (0x37)" "jit r0"
expect 0 "$XBPF" run p.asm --engine interp; equals "$out" "55 (0x37)" "interp r0"
expect 0 "$XBPF" conformance-plugin --jit < <(echo "b7 00 00 00 2a 00 00 00 95 00 00 00 00 00 00 00")
equals "$out" "2a" "plugin --jit"

# errors: one line, exit codes 1 (program) and 2 (usage)
printf 'mov %%r0, 1\n' > bad.asm
expect 1 "$XBPF" jit bad.asm;             one_line "$err"; contains "$err" "fall off"
expect 2 "$XBPF" jit;                     contains "$err" "no program"
expect 2 "$XBPF" jit p.asm --body 7;      contains "$err" "--body"
expect 2 "$XBPF" jit p.asm --frobnicate;  contains "$err" "unknown option"
done_ok
