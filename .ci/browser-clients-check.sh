#!/usr/bin/env bash
# Real OpenTok.js in headless Chromium against `opentok emulator`: installs
# @opentok/client and puppeteer-core from npm (pinned by .ci/browser/
# package.json and package-lock.json, with npm ci), Chromium from Debian
# when it is missing, starts the emulator on a free loopback port, and runs
# .ci/browser/check.js, which prints a PASS or FAIL line per step. It also
# starts the helloworld and archiving examples offline (on their built-in
# fakes) with OPENTOK_JS pointing at the npm copy, for the steps where two
# tabs of each show each other's video. Screenshots go to ci-artifacts/. OpenTok.js is
# never committed.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() {
  echo "browser-clients-check: FAIL: $*" >&2
  exit 1
}

command -v node >/dev/null && command -v npm >/dev/null || fail "Node.js and npm are needed"
. .ci/chromium.sh

artifacts=$(pwd)/ci-artifacts
mkdir -p "$artifacts"
work=$(mktemp -d)
pid=""
examples=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null
  for p in $examples; do kill -INT "$p" 2>/dev/null; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

cp .ci/browser/package.json .ci/browser/package-lock.json "$work/"
(cd "$work" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) || fail "npm ci failed"
go build -o "$work/opentok" ./cmd/opentok || fail "go build ./cmd/opentok failed"
for ex in helloworld archiving; do
  go build -o "$work/$ex" ./examples/$ex || fail "go build ./examples/$ex failed"
done
lib="$work/node_modules/@opentok/client/dist/js/opentok.js"

# start_example NAME: starts examples/NAME offline with OPENTOK_JS set, and
# sets url to the URL it serves.
start_example() {
  local name=$1 log="$artifacts/$1-offline.log"
  url=""
  env -u OPENTOK_API_KEY -u OPENTOK_API_SECRET -u VONAGE_APPLICATION_ID -u VONAGE_PRIVATE_KEY_PATH -u OPENTOK_API_URL \
    OPENTOK_JS="$lib" "$work/$name" -addr 127.0.0.1:0 >"$log" 2>&1 &
  examples="$examples $!"
  for _ in $(seq 300); do
    url=$(sed -n 's|.*open \(http://127\.0\.0\.1:[0-9]*/\) in a browser.*|\1|p' "$log" | head -n 1)
    [ -n "$url" ] && break
    sleep 0.1
  done
  [ -n "$url" ] || fail "$name did not start: $(tail -n 3 "$log")"
}

"$work/opentok" emulator --addr 127.0.0.1:0 >"$work/env" 2>"$artifacts/browser-clients-emulator.log" &
pid=$!
for _ in $(seq 100); do grep -q OPENTOK_ACCOUNT_SECRET "$work/env" 2>/dev/null && break; sleep 0.1; done
grep -q OPENTOK_ACCOUNT_SECRET "$work/env" || fail "the emulator did not start: $(tail -n 3 "$artifacts/browser-clients-emulator.log")"
set -a
. "$work/env"
set +a

start_example helloworld
hello_url=$url
start_example archiving
archiving_url=$url

OPENTOK_BIN="$work/opentok" OPENTOK_JS="$lib" HELLOWORLD_URL="$hello_url" ARCHIVING_URL="$archiving_url" \
  CHROMIUM="$(command -v chromium)" ARTIFACTS="$artifacts" NODE_PATH="$work/node_modules" \
  timeout 300 node .ci/browser/check.js
