#!/usr/bin/env bash
# errors.sh - every CLI error is one clear line with the right exit code: usage errors 2,
# programs that are rejected or fail at run time 1 (naming the instruction), JSON errors.
. "$(dirname "$0")/lib.sh"

# usage errors: exit 2, the problem and the usage line on stderr
expect 2 "$XBPF";                          contains "$err" "usage"
expect 2 "$XBPF" no-such-command;          contains "$err" "unknown command"; one_line "$err"
expect 2 "$XBPF" run;                      contains "$err" "PROG is missing"
expect 2 "$XBPF" run 'exit' --engine warp; contains "$err" "unknown engine 'warp'"
expect 2 "$XBPF" run 'exit' --budget lots; contains "$err" "--budget"
expect 2 "$XBPF" run 'exit' --mem;         contains "$err" "--mem needs a value"
expect 2 "$XBPF" run 'exit' --repeat 0;    contains "$err" "--repeat needs a number > 0"
expect 2 "$XBPF" run 'exit' --bogus;       contains "$err" "unknown option '--bogus'"
expect 2 "$XBPF" run 'exit; ' --mem 00 --mem-file x; contains "$err" "not both"
expect 2 "$XBPF" run 'exit; ' --mem zz;    contains "$err" "bad hex"
expect 2 "$XBPF" run missing.asm;          contains "$err" "cannot read missing.asm"; one_line "$err"
expect 2 "$XBPF" asm;                      contains "$err" "FILE is missing"
expect 2 "$XBPF" asm x.asm --format elf;   contains "$err" "unknown format"
expect 2 "$XBPF" disasm x --syntax intel;  contains "$err" "unknown syntax 'intel'"
expect 2 "$XBPF" disasm;                   contains "$err" "FILE is missing"
expect 2 "$XBPF" conformance-plugin --warp; contains "$err" "unknown option"
expect 0 "$XBPF" run --help;               contains "$out" "usage: xbpf run PROG"
expect 0 "$XBPF" help;                     contains "$out" "conformance-plugin"

# programs the validator rejects: exit 1, "insn N" and the reason
expect 1 "$XBPF" run '05 00 64 00 00 00 00 00  95 00 00 00 00 00 00 00'
contains "$err" "insn 0"; one_line "$err"
expect 1 "$XBPF" run 'b7 00 00 00 00 00 00 00  ff 00 00 00 00 00 00 00  95 00 00 00 00 00 00 00'
contains "$err" "insn 1"; one_line "$err"
expect 1 "$XBPF" run 'b7 00 00 00 01 00 00 00'   # falls off the end
contains "$err" "insn 0"; one_line "$err"
printf 'r0 = 1\nr0 = 2\ngoto +5\nexit\n' > jump.asm
expect 1 "$XBPF" run jump.asm;             contains "$err" "insn 2"

# run-time failures: exit 1 with the instruction
expect 1 "$XBPF" run 'ldxw %r0, [%r1+64]; exit' --mem '00 00 00 00'
contains "$err" "insn 0"; one_line "$err"

printf 'exit\n' > p.asm

# input that is not a program
expect 1 "$XBPF" run 'mvo %r0, 1; exit';   contains "$err" "line 1"; one_line "$err"
printf 'b7 00 00 00 01 00 00\n' > short.hex
expect 1 "$XBPF" run short.hex;            contains "$err" "multiple of 8"
printf '\x95\x00\x00\x00\x00' > short.bin
expect 1 "$XBPF" run short.bin;            contains "$err" "multiple of 8"
expect 1 "$XBPF" disasm short.bin;         contains "$err" "multiple of 8"
expect 2 "$XBPF" asm p.asm -o /nonexistent-dir/x.bin;  contains "$err" "cannot write"

# --json errors: {"error": ...} on stdout, same exit codes
expect 1 "$XBPF" --json run '05 00 64 00 00 00 00 00  95 00 00 00 00 00 00 00'
contains "$(json 'j["error"]')" "insn 0"
expect 2 "$XBPF" run missing.asm --json
contains "$(json 'j["error"]')" "cannot read"

# object files: delegated to the loader's runner, or refused clearly when there is none
printf '\x7fELF\x02\x01\x01\x00garbage-object' > fake.o
rc=0; "$XBPF" run fake.o >o.out 2>o.err || rc=$?
[ $rc -ne 0 ] || fail "a broken object file ran"
if grep -q "not supported in this build" o.err; then equals $rc 2 "no object runner"; fi
expect 2 "$XBPF" run - < fake.o;           contains "$err" "must be given as a file"
done_ok
