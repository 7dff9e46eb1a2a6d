#!/usr/bin/env bash
# Compares this SDK with the official Node SDK (opentok@2.23.2, installed
# from npm into a temporary folder) on the same token and REST operations
# against the same loopback server, and prints Node-vs-Go ratios.
#   bash bench/compare.sh            # N=2000 REST calls, 200000 Go / 20000 Node tokens
#   N=500 bash bench/compare.sh
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-2000}
GO_TOKENS=${GO_TOKENS:-200000}
NODE_TOKENS=${NODE_TOKENS:-20000}
command -v node >/dev/null && command -v npm >/dev/null || { echo "compare.sh needs Node.js and npm"; exit 1; }
work=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

(cd "$work" && npm install --silent --no-audit --no-fund opentok@2.23.2 >/dev/null)
go build -o "$work/compare" ./bench/compare
"$work/compare" serve >"$work/url" &
pid=$!
for _ in $(seq 50); do [ -s "$work/url" ] && break; sleep 0.1; done
url=$(head -1 "$work/url")

"$work/compare" run -url "$url" -n "$N" -tokens "$GO_TOKENS" >"$work/go.json"
NODE_PATH="$work/node_modules" node bench/node/bench.js "$url" "$N" "$NODE_TOKENS" >"$work/node.json"

echo "opentok-go vs opentok@2.23.2 (Node $(node --version)), same loopback server, $(nproc) cores"
node -e '
const go = require(process.argv[1]), nd = require(process.argv[2]);
const row = (k) => {
  const g = go[k], n = nd[k];
  const f = (x) => (x >= 1e6 ? (x / 1e6).toFixed(2) + " ms" : x >= 1e3 ? (x / 1e3).toFixed(1) + " µs" : x.toFixed(0) + " ns");
  console.log(k.padEnd(14), ("go " + f(g.nsPerOp)).padEnd(14), ("node " + f(n.nsPerOp)).padEnd(16),
    ("×" + (n.nsPerOp / g.nsPerOp).toFixed(1) + " wall").padEnd(12),
    ("go cpu " + f(g.cpuNsPerOp)).padEnd(18), ("node cpu " + f(n.cpuNsPerOp)).padEnd(20),
    "×" + (n.cpuNsPerOp / g.cpuNsPerOp).toFixed(1) + " cpu");
};
for (const k of ["tokenJWT", "tokenT1", "createSession", "startArchive"]) row(k);
' "$work/go.json" "$work/node.json"
