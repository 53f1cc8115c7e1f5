#!/usr/bin/env bash
# demo.sh - a short tour of the xbpf CLI on small programs (run by setup.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
x="$root/build/xbpf"
echo '$ xbpf run "mov %r0, 6; mul %r0, 7; exit"'
printf 'mov %%r0, 6\nmul %%r0, 7\nexit\n' > /tmp/xbpf-demo.asm
"$x" run /tmp/xbpf-demo.asm
