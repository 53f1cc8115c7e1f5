#!/usr/bin/env bash
# demo.sh - a short tour of the xbpf CLI on small programs (run by setup.sh): run in both
# assembler syntaxes, assemble and disassemble, JSON output, the bpf_conformance plugin.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
x="${XBPF:-$root/build/xbpf}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
# show ARGS...: print the command line (quoted as typed), run it, keep going on failure
show() {
  local line="$ xbpf" a
  for a in "$@"; do case "$a" in *[\ \;%\']*) line+=" '$a'";; *) line+=" $a";; esac; done
  echo "$line"
  "$x" "$@" 2>&1 || echo "(exit code $?)"
  echo
}

cat > sum.asm <<'ASM'
# r0 = the sum of the bytes at r1 (r2 = their count)
mov %r0, 0
loop:
jeq %r2, 0, done
ldxb %r3, [%r1]
add %r0, %r3
add %r1, 1
sub %r2, 1
ja loop
done:
exit
ASM
echo "== a program in the uBPF syntax (sum.asm):"
cat sum.asm; echo
show run sum.asm --mem '01 02 03 04 05'
show run 'r0 = 6; r0 *= 7; exit'
show asm sum.asm -o sum.bin
show disasm sum.bin
show disasm sum.bin --syntax ubpf
show run sum.bin --mem 'ff ff' --engine switch --json
echo "\$ xbpf conformance-plugin '0a  0b  ' <<< \"\$(xbpf asm sum.asm)\""
"$x" conformance-plugin '0a  0b  ' <<< "$("$x" asm sum.asm)"
echo
echo "== errors name the instruction:"
show run 'r0 = 1; goto +5; exit'
show run 'ldxw %r0, [%r1+8]; exit' --mem '01 02 03 04'
