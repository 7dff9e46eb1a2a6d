#!/usr/bin/env bash
# Runs the live smoke suite (live_test.go, `go test -tags live`) against
# `opentok emulator`, so that it never rots: once with OpenTok credentials
# and once with Vonage credentials (--vonage), each with every step required
# (OPENTOK_LIVE_REQUIRE_ALL=1: a skip fails). Then once more with two steps
# made to fail by the emulator's faults, to check that the suite cleans up
# what it created when a step fails: it must fail, and leave no archive and
# no running broadcast behind.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
go build -o "$work/opentok" ./cmd/opentok

# start_emulator NAME FLAGS...: serves an emulator on a free loopback port
# and writes the environment lines it prints to $work/NAME.env.
start_emulator() {
  local name=$1; shift
  "$work/opentok" emulator --addr 127.0.0.1:0 "$@" >"$work/$name.env" 2>"$work/$name.log" &
  pids+=($!)
  SECONDS=0
  until grep -q -e '^OPENTOK_ACCOUNT_SECRET=' -e '^VONAGE_PRIVATE_KEY_PATH=' "$work/$name.env"; do
    [ "$SECONDS" -lt 20 ] || { echo "live-emulator-check: the $name emulator did not start: $(cat "$work/$name.log")"; exit 1; }
    sleep 0.1
  done
}

# live NAME GO-TEST-ARGS...: the suite against the NAME emulator.
live() {
  local name=$1; shift
  (
    set -a; . "$work/$name.env"; set +a
    export OPENTOK_LIVE_SIP_URI=sip:live-smoke@example.com OPENTOK_LIVE_CALLBACK_URL=https://example.com/opentok-live
    go test -tags live -count=1 -run '^TestLive$' "$@"
  )
}

# cli NAME CMD...: a CLI command against the NAME emulator.
cli() {
  local name=$1; shift
  (set -a; . "$work/$name.env"; set +a; "$work/opentok" "$@")
}

echo "-- OpenTok credentials"
start_emulator opentok
OPENTOK_LIVE_REQUIRE_ALL=1 live opentok -v ./...

echo "-- Vonage credentials"
start_emulator vonage --vonage
OPENTOK_LIVE_REQUIRE_ALL=1 live vonage -v .

echo "-- a step fails: the suite still cleans up"
start_emulator failing
cli failing sim faults add StopArchive --status 500 >/dev/null
cli failing sim faults add StopBroadcast --status 500 >/dev/null
if live failing -v . >"$work/failing.out" 2>&1; then
  cat "$work/failing.out"
  echo "live-emulator-check: the run with failing steps passed"; exit 1
fi
grep -E 'cleanup: (archive|broadcast)' "$work/failing.out"
archives=$(cli failing archive list --json)
grep -qE '"total": 0([^0-9]|$)' <<<"$archives" || { echo "live-emulator-check: archives left behind: $archives"; exit 1; }
broadcasts=$(cli failing broadcast list --json)
grep -q '"total": [1-9]' <<<"$broadcasts" || { echo "live-emulator-check: the broadcast step did not run: $broadcasts"; exit 1; }
! grep -q '"status": "started"' <<<"$broadcasts" || { echo "live-emulator-check: broadcasts left running: $broadcasts"; exit 1; }
echo "live-emulator-check: the failed run left nothing behind"
