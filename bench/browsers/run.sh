#!/usr/bin/env bash
# Measures how many publishing tabs one machine sustains in one relayed
# session on the emulator (bench/browsers/tabs.js; BENCHMARKS.md). Installs
# OpenTok.js and puppeteer-core from npm (.ci/browser's lock file) and needs
# Debian's chromium.
#   bash bench/browsers/run.sh
#   MAX_TABS=6 WINDOW_SECONDS=20 bash bench/browsers/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
cp .ci/browser/package.json .ci/browser/package-lock.json "$work/"
(cd "$work" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
go build -o "$work/opentok" ./cmd/opentok
"$work/opentok" emulator --addr 127.0.0.1:0 >"$work/env" 2>"$work/log" &
pid=$!
for _ in $(seq 100); do grep -q OPENTOK_ACCOUNT_SECRET "$work/env" 2>/dev/null && break; sleep 0.1; done
set -a; . "$work/env"; set +a
EMULATOR_PID=$pid OPENTOK_BIN="$work/opentok" OPENTOK_JS="$work/node_modules/@opentok/client/dist/js/opentok.js" \
  NODE_PATH="$work/node_modules" node bench/browsers/tabs.js
