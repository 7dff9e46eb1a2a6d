#!/usr/bin/env bash
# Runs the official Node SDK (opentok@2.23.2, from the npm registry) against
# the emulator, to check that another language's client works unchanged.
# Skips with a note when Node.js or npm is not installed.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "node-emulator-check: Node.js/npm not found, skipped"; exit 0
fi
work=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
(cd "$work" && npm install --silent --no-audit --no-fund opentok@2.23.2 >/dev/null)
go build -o "$work/opentok" ./cmd/opentok
"$work/opentok" emulator --addr 127.0.0.1:0 >"$work/env" 2>"$work/log" &
pid=$!
for _ in $(seq 50); do [ "$(wc -l <"$work/env")" -ge 3 ] && break; sleep 0.1; done
[ "$(wc -l <"$work/env")" -ge 3 ] || { echo "node-emulator-check: the emulator did not start: $(cat "$work/log")"; exit 1; }
set -a; . "$work/env"; set +a
NODE_PATH="$work/node_modules" node .ci/node/emulator_check.js
