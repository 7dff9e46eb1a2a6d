#!/usr/bin/env bash
# Runs the official Vonage Video SDK (@vonage/video, pinned by
# .ci/vonage/package.json and package-lock.json, installed with npm ci) against
# the emulator in Vonage mode, through every SDK method the platform supports,
# and prints a per-method table. Skips with a note when Node.js or npm is not
# installed.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "vonage-emulator-check: Node.js/npm not found, skipped"; exit 0
fi
work=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
cp .ci/vonage/package.json .ci/vonage/package-lock.json "$work/"
# @vonage/* declare node >=22 but run on the machine's Node.js 20; npm only warns.
(cd "$work" && npm ci --silent --no-audit --no-fund --loglevel=error >/dev/null)
go build -o "$work/opentok" ./cmd/opentok
"$work/opentok" emulator --addr 127.0.0.1:0 --vonage >"$work/env" 2>"$work/log" &
pid=$!
for _ in $(seq 50); do [ "$(wc -l <"$work/env")" -ge 3 ] && break; sleep 0.1; done
[ "$(wc -l <"$work/env")" -ge 3 ] || { echo "vonage-emulator-check: the emulator did not start: $(cat "$work/log")"; exit 1; }
set -a; . "$work/env"; set +a
NODE_PATH="$work/node_modules" node .ci/vonage/emulator_check.js
