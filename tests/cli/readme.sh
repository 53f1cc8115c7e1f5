#!/usr/bin/env bash
# readme.sh - README.md keeps its promises: it shows the C example that the test suite
# compiles (readme_example.c) verbatim, names the two commands, and every `xbpf` command
# line in its CLI examples block is one the CLI knows.
. "$(dirname "$0")/lib.sh"
: "${XBPF_SRC:?}"
readme="$XBPF_SRC/README.md"
python3 - "$readme" "$XBPF_SRC/tests/cli/readme_example.c" <<'PY' || fail "README C example differs from tests/cli/readme_example.c"
import re, sys
readme = open(sys.argv[1]).read()
code = open(sys.argv[2]).read()
code = code[code.index("*/") + 2:].lstrip("\n")  # without the file's header comment
blocks = re.findall(r"```c\n(.*?)```", readme, re.S)
sys.exit(0 if code in blocks else 1)
PY
checks=$((checks + 1))
contains "$(cat "$readme")" "./scripts/setup.sh"
contains "$(cat "$readme")" "./scripts/test.sh"
# every subcommand the README's examples use exists
for c in $(grep -oE '^\$ xbpf [a-z-]+' "$readme" | awk '{print $3}' | sort -u); do
  expect 0 "$XBPF" "$c" --help
done
done_ok
