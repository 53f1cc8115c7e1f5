#!/usr/bin/env bash
# run.sh - `xbpf run` on every input form (assembler in both syntaxes, raw, hex file,
# inline hex), memory options, engines, budget and the --json shape.
. "$(dirname "$0")/lib.sh"

printf 'mov %%r0, 6\nmul %%r0, 7\nexit\n' > p.asm
expect 0 "$XBPF" run p.asm;                 equals "$out" "42 (0x2a)" "ubpf assembler"
printf 'r0 = 6\nr0 *= 7\nexit\n' > k.asm
expect 0 "$XBPF" run k.asm;                 equals "$out" "42 (0x2a)" "kernel assembler"
expect 0 "$XBPF" run 'r0 = 6; r0 *= 7; exit'; equals "$out" "42 (0x2a)" "inline assembler"
expect 0 "$XBPF" asm p.asm -o p.bin
equals "$(stat -c %s p.bin)" 24 "raw size"
expect 0 "$XBPF" run p.bin;                 equals "$out" "42 (0x2a)" "raw bytecode"
expect 0 "$XBPF" asm p.asm
printf '%s\n' "$out" > p.hex
equals "$(head -1 p.hex)" "b7 00 00 00 06 00 00 00" "asm hex output"
expect 0 "$XBPF" run p.hex;                 equals "$out" "42 (0x2a)" "hex file"
expect 0 "$XBPF" run "$(tr '\n' ' ' < p.hex)"; equals "$out" "42 (0x2a)" "inline hex"
expect 0 "$XBPF" run - < p.asm;             equals "$out" "42 (0x2a)" "stdin"
expect 0 "$XBPF" run p.bin --input raw;     equals "$out" "42 (0x2a)" "--input raw"

# r0 is 64 bits: all ones prints as unsigned decimal and hex
expect 0 "$XBPF" run 'mov %r0, -1; exit';   equals "$out" "18446744073709551615 (0xffffffffffffffff)"

# memory: r1 = a writable copy, r2 = its length
printf 'ldxb %%r0, [%%r1+2]\nexit\n' > ld.asm
expect 0 "$XBPF" run ld.asm --mem 'aa bb 11 cc'; equals "$out" "17 (0x11)" "--mem"
printf '\xaa\xbb\x22\xcc' > mem.bin
expect 0 "$XBPF" run ld.asm --mem-file mem.bin; equals "$out" "34 (0x22)" "--mem-file"
expect 0 "$XBPF" run 'mov %r0, %r2; exit' --mem '01 02 03'; equals "$out" "3 (0x3)" "r2 = length"
printf '\x7fELF' > elf.mem   # memory that happens to look like an object is still memory
expect 0 "$XBPF" run ld.asm --mem-file elf.mem; equals "$out" "76 (0x4c)" "--mem-file with ELF bytes"

# engines: both interpreter dispatch modes; the JIT either runs or says it cannot
for e in interp switch; do
  expect 0 "$XBPF" run p.asm --engine $e;   equals "$out" "42 (0x2a)" "engine $e"
done
rc=0; "$XBPF" run p.asm --engine jit >jit.out 2>jit.err || rc=$?
if [ $rc -eq 0 ]; then equals "$(cat jit.out)" "42 (0x2a)" "engine jit"
else equals $rc 1 "jit exit code"; one_line "$(cat jit.err)"; fi
expect 0 "$XBPF" run ld.asm --mem 'aa bb 11 cc' --trusted; equals "$out" "17 (0x11)" "--trusted"

# budget: an endless loop stops with a clear error
printf 'mov %%r0, 0\nloop:\nadd %%r0, 1\nja loop\n' > loop.asm
expect 1 "$XBPF" run loop.asm --budget 1000
contains "$err" "budget"; one_line "$err"
expect 0 "$XBPF" run p.asm --budget 10;     equals "$out" "42 (0x2a)" "budget large enough"

# --repeat: same r0, plus the average time; the runs share the memory
expect 0 "$XBPF" run p.asm --repeat 50
equals "$(printf '%s\n' "$out" | head -1)" "42 (0x2a)" "--repeat r0"
contains "$out" "ns per run (average of 50 runs)"
expect 0 "$XBPF" run 'ldxb %r0, [%r1]; add %r0, 1; stxb [%r1], %r0; exit' --mem 00 --repeat 5 --json
equals "$(json 'j["retval"], j["repeat"], j["mem"], j["duration_ns"] > 0')" "(5, 5, '05', True)" "json --repeat"

# --json
expect 0 "$XBPF" run p.asm --json
equals "$(json 'j["retval"]')" 42 "json retval"
equals "$(json 'j["retval_hex"]')" 0x2a "json retval_hex"
equals "$(json 'j["engine"]')" interp "json engine"
equals "$(json 'j["insns"]')" 3 "json insns"
equals "$(json '"mem" in j')" False "json mem without memory"
equals "$(json '"duration_ns" in j')" False "json duration only with --repeat"
expect 0 "$XBPF" --json run 'stb [%r1+1], 0x7f; mov %r0, 1; exit' --mem '00 00 00' --engine switch
equals "$(json 'j["mem"]')" "00 7f 00" "json mem after the run"
equals "$(json 'j["engine"]')" switch "json engine switch"
done_ok
