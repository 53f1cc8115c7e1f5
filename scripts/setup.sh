#!/usr/bin/env bash
# setup.sh - the README's set-up command: installs the Debian packages xbpf needs, builds
# it into build/ (the CLI is build/xbpf) and runs a short demo.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
"$root/scripts/install-deps.sh"
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$root/build" -j "$(nproc)"
"$root/scripts/demo.sh"
