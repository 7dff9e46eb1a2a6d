#!/usr/bin/env bash
# Runs the SDK's benchmarks next to their baselines in one run and prints
# the comparison (benchstat -col /impl: the baseline column, the SDK column,
# and the SDK's difference from the baseline).
#   bash bench/run.sh                 # 10 runs each, GOMAXPROCS 1 and 2
#   COUNT=5 CPU=2 bash bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${COUNT:-10}
CPU=${CPU:-1,2}
OUT=${OUT:-$(mktemp)}
go test -run '^$' -bench 'Token|CreateSession|StartArchive' -benchmem -count "$COUNT" -cpu "$CPU" . >"$OUT"
go run golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da -col /impl "$OUT"
echo
echo "raw results: $OUT"
