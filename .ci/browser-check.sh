#!/usr/bin/env bash
# Browser check of the newcomer's path: start `go run ./examples/helloworld`
# with nothing set (the offline demo), render its page in headless Chromium,
# check that the session the server created is in the rendered DOM and that
# the page's script ran, take a screenshot, and check that the server stops
# cleanly on Ctrl-C.
#
# Needs Go and Debian's package mirror (it installs the chromium package when
# it is missing). Leaves ci-artifacts/helloworld.{png,dom.html,log}. Exits
# non-zero with a one-line reason on any failure, and always stops the server.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() {
  echo "browser-check: FAIL: $*" >&2
  exit 1
}

artifacts=ci-artifacts
mkdir -p "$artifacts"
log=$artifacts/helloworld.log
dom=$artifacts/helloworld.dom.html
png=$artifacts/helloworld.png
rm -f "$log" "$dom" "$png"

# ---- Chromium ---------------------------------------------------------------
. .ci/chromium.sh

# ---- the server -------------------------------------------------------------
tmp=$(mktemp -d)
server=""
stop_server() {
  # Ctrl-C for the whole process group, as a terminal sends it: `go run` waits
  # for the example, which shuts down on SIGINT. Returns 1 when it had to be
  # killed after 10 s. (`go run` itself exits with status 1 after an
  # interrupt whatever the program's status, so that status says nothing.)
  [ -n "$server" ] || return 0
  local pid=$server killed=0
  server=""
  kill -INT -- "-$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL -- "-$pid" 2>/dev/null || true
    killed=1
  fi
  wait "$pid" 2>/dev/null || true
  return "$killed"
}
cleanup() {
  local rc=$?
  stop_server || true
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT

# Compile first, so that the wait below is for the start, not the build.
go build -o "$tmp/helloworld" ./examples/helloworld || fail "go build ./examples/helloworld failed"

# Port 0: the kernel picks a free port, which the example prints.
# Job control puts the server in its own process group, so that stopping it
# reaches the example that `go run` starts too.
set -m
env -u OPENTOK_API_KEY -u OPENTOK_API_SECRET -u VONAGE_APPLICATION_ID -u VONAGE_PRIVATE_KEY_PATH \
  -u OPENTOK_API_URL -u PORT \
  go run ./examples/helloworld -addr 127.0.0.1:0 >"$log" 2>&1 &
server=$!
set +m

url=""
for _ in $(seq 1 1200); do # up to 120 s on a busy machine
  kill -0 "$server" 2>/dev/null || fail "helloworld exited before serving: $(tail -n 1 "$log")"
  url=$(sed -n 's|.*open \(http://127\.0\.0\.1:[0-9]*/\) in a browser.*|\1|p' "$log" | head -n 1)
  if [ -n "$url" ] && curl -fsS -o /dev/null "$url" 2>/dev/null; then
    break
  fi
  url=""
  sleep 0.1
done
[ -n "$url" ] || fail "helloworld did not answer within 120 s: $(tail -n 1 "$log")"
grep -q "Offline demo: using the built-in fake platform" "$log" || fail "no offline banner on the console"

session_json=$(curl -fsS "${url}session") || fail "GET ${url}session failed"
session_id=$(printf '%s' "$session_json" | sed -n 's/.*"sessionId": *"\([^"]*\)".*/\1/p' | head -n 1)
[ -n "$session_id" ] || fail "no sessionId in ${url}session: $session_json"

# ---- the browser ------------------------------------------------------------
chrome() {
  timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$(mktemp -d "$tmp/profile.XXXXXX")" "$@" 2>>"$tmp/chromium.err"
}

chrome --dump-dom "$url" >"$dom" || fail "chromium --dump-dom failed: $(tail -n 1 "$tmp/chromium.err")"
grep -qF "$session_id" "$dom" || fail "the session ID $session_id is not in the rendered DOM"
grep -q 'id="offline-banner"' "$dom" || fail "the offline banner is not in the rendered DOM"
# The status line starts as "waiting"; the script replaces it whether or not
# OpenTok.js could load, so a "waiting" left in the DOM means the script broke.
status=$(sed -n 's|.*<p id="video-status"[^>]*>\([^<]*\)</p>.*|\1|p' "$dom" | head -n 1)
case "$status" in
"Video: video client library not loaded (offline)" | "Video: not joining: "*) ;;
*) fail "the page's script did not run to its status line (status: \"$status\")" ;;
esac

chrome --screenshot="$png" --window-size=1280,800 "$url" >/dev/null ||
  fail "chromium --screenshot failed: $(tail -n 1 "$tmp/chromium.err")"
[ -s "$png" ] || fail "no screenshot at $png"
[ "$(head -c 8 "$png" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] || fail "$png is not a PNG"
read -r w1 w2 w3 w4 h1 h2 h3 h4 < <(od -An -tu1 -j16 -N8 "$png")
width=$(((w1 << 24) | (w2 << 16) | (w3 << 8) | w4))
height=$(((h1 << 24) | (h2 << 16) | (h3 << 8) | h4))
[ "$width" -eq 1280 ] && [ "$height" -eq 800 ] || fail "$png is ${width}x${height}, not 1280x800"
size=$(wc -c <"$png")
[ "$size" -gt 20000 ] || fail "$png is only $size bytes: the page looks blank"

# ---- a clean stop -----------------------------------------------------------
stop_server || fail "helloworld did not stop within 10 s of Ctrl-C: $(tail -n 1 "$log")"
grep -q "helloworld: stopped" "$log" || fail "helloworld did not shut down cleanly on Ctrl-C: $(tail -n 1 "$log")"

echo "browser-check: OK: session $session_id rendered at $url (status: $status); screenshot $png (${size} bytes)"
