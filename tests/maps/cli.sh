#!/usr/bin/env bash
# cli.sh - `xbpf map`: create + pin, update/lookup/getnext/delete/dump on the pin (text and
# --json), kernel flag semantics, a second process seeing the same live map, objects from
# the shared samples (global data), and clear one-line errors on bad input.
. "$XBPF_SRC/tests/cli/lib.sh"

PIN=/dev/shm/xbpf-cli-test-$$
trap 'rm -f "$PIN" "$PIN.q"; rm -rf "$T"' EXIT

expect 0 "$XBPF" map create "$PIN" --type hash --key-size 4 --value-size 8 --max-entries 4 --name cnt
expect 0 "$XBPF" map update "$PIN" --key "01 00 00 00" --value "2a 00 00 00 00 00 00 00"
expect 0 "$XBPF" map update "$PIN" --key 02000000 --value 0700000000000000 --flags noexist
expect 1 "$XBPF" map update "$PIN" --key 02000000 --value 0700000000000000 --flags noexist
contains "$err" "File exists"
one_line "$err"
expect 1 "$XBPF" map update "$PIN" --key 09000000 --value 0700000000000000 --flags exist
expect 0 "$XBPF" map lookup "$PIN" --key 01000000
equals "$out" "key: 01 00 00 00  value: 2a 00 00 00 00 00 00 00" "lookup"
expect 0 "$XBPF" map lookup "$PIN" --key 01000000 --json
equals "$(json 'j["value"]')" "2a00000000000000" "lookup --json"
# a second process (a fresh xbpf) updates; this one sees it: the same live map
expect 0 "$XBPF" map update "$PIN" --key 01000000 --value 2b00000000000000
expect 0 "$XBPF" map dump "$PIN" --json
equals "$(json 'len(j["entries"])')" 2 "dump entries"
equals "$(json 'sorted(e["value"] for e in j["entries"])')" "['0700000000000000', '2b00000000000000']"
equals "$(json 'j["type"]')" "hash"
expect 0 "$XBPF" map dump "$PIN"
contains "$out" "Found 2 elements"
expect 0 "$XBPF" map getnext "$PIN"
expect 0 "$XBPF" map delete "$PIN" --key 01000000
expect 1 "$XBPF" map delete "$PIN" --key 01000000
contains "$err" "No such file"
expect 0 "$XBPF" map show "$PIN" --json
equals "$(json 'j["max_entries"]')" 4
equals "$(json 'j["frozen"]')" False "not frozen"

# queue: update pushes, lookup peeks
expect 0 "$XBPF" map create "$PIN.q" --type queue --key-size 0 --value-size 4 --max-entries 2
expect 0 "$XBPF" map update "$PIN.q" --value 05000000
expect 0 "$XBPF" map lookup "$PIN.q"
contains "$out" "value: 05 00 00 00"

# bad input: one clear line, exit 2
expect 2 "$XBPF" map lookup "$PIN" --key 01
contains "$err" "1 bytes given, the map needs 4"
expect 2 "$XBPF" map lookup "$PIN" --key zz
expect 2 "$XBPF" map frob "$PIN"
expect 2 "$XBPF" map dump /nonexistent/pin
expect 2 "$XBPF" map update "$PIN" --key 01000000
contains "$err" "--value is required"
expect 1 "$XBPF" map create "$PIN.bad" --type ringbuf --key-size 0 --value-size 0 --max-entries 1000
contains "$err" "Invalid argument"

# freeze (BPF_MAP_FREEZE): user space can no longer write; a second freeze is refused
expect 0 "$XBPF" map freeze "$PIN"
expect 1 "$XBPF" map update "$PIN" --key 02000000 --value 0800000000000000
contains "$err" "Operation not permitted"
expect 1 "$XBPF" map freeze "$PIN"
expect 0 "$XBPF" map show "$PIN" --json
equals "$(json 'j["frozen"]')" True "frozen"
expect 0 "$XBPF" map lookup "$PIN" --key 02000000

# an object: its maps as the loader creates them (global data shows its image)
OBJ="$XBPF_SHARED/ebpf-samples/linux/sock_flags_kern.o"
if [ -f "$OBJ" ]; then
  expect 0 "$XBPF" map dump "$OBJ" --json
  contains "$out" "736f636b65743a"   # "socket:" in .rodata
fi
done_ok
