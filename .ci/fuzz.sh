#!/usr/bin/env bash
# Runs every fuzz target of the module for a short time each.
#
#   bash .ci/fuzz.sh                 # 10 s per target
#   FUZZTIME=1m bash .ci/fuzz.sh     # longer (any go test -fuzztime value)
#   FUZZPARALLEL=1 bash .ci/fuzz.sh  # fewer fuzzing workers (default: GOMAXPROCS)
#
# Each target starts from its seed corpus (f.Add in the test, plus
# testdata/fuzz/<FuzzName>/ in its package). A failing input is written by
# go test to that directory; commit it with the fix so it stays a
# regression test. The script fails when a Fuzz function exists that is not
# listed below, so a new target cannot be forgotten.
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZTIME="${FUZZTIME:-10s}"

# package            target
targets=(
  ".                    FuzzDecodeResponses"
  ".                    FuzzParseErrorBody"
  ".                    FuzzParseCallback"
  "./internal/sessionid FuzzDecode"
  "./internal/sessionid FuzzHasAPIKeyAgreesWithDecode"
  "./opentoktest        FuzzVerifyToken"
  "./opentoktest        FuzzDecodeFrame"
)

# Every func Fuzz* in the module must be listed above.
listed=$(for t in "${targets[@]}"; do set -- $t; echo "${1#./}:$2"; done | sed 's|^\.:|:|' | sort)
found=$(grep -rEo --include='*_test.go' '^func Fuzz[A-Za-z0-9_]+' . |
  sed -E 's|^\./||; s|/?[^/]*_test\.go:func |:|' | sort -u)
if [ "$listed" != "$found" ]; then
  echo "fuzz.sh: the target list does not match the Fuzz functions in the code:" >&2
  diff <(echo "$listed") <(echo "$found") >&2 || true
  exit 1
fi

parallel=()
if [ -n "${FUZZPARALLEL:-}" ]; then
  parallel=(-parallel "$FUZZPARALLEL")
fi

# go test -fuzz can exit non-zero with "context deadline exceeded" and no
# failing input when -fuzztime ends while a worker is still busy (typically
# minimizing a new interesting input; golang/go#48820 and related). That is
# reported as a flake, not a failure: a real failure writes its input to
# testdata/fuzz/<FuzzName>/.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
failed=0 flaked=0
for t in "${targets[@]}"; do
  set -- $t
  pkg=$1 name=$2
  corpus="$pkg/testdata/fuzz/$name"
  before=$(ls "$corpus" 2>/dev/null | sort || true)
  printf '\n== %s %s (%s)\n' "$pkg" "$name" "$FUZZTIME"
  if go test -run '^$' -fuzz "^${name}\$" -fuzztime "$FUZZTIME" "${parallel[@]}" "$pkg" 2>&1 | tee "$log"; then
    continue
  fi
  after=$(ls "$corpus" 2>/dev/null | sort || true)
  if [ "$before" = "$after" ] && grep -q 'context deadline exceeded' "$log" && ! grep -q 'Failing input written' "$log"; then
    echo "FLAKE: $name in $pkg: -fuzztime ended while a worker was busy; no failing input was found" >&2
    flaked=$((flaked + 1))
    continue
  fi
  echo "FAIL: $name in $pkg" >&2
  failed=$((failed + 1))
done

echo
if [ "$failed" -ne 0 ]; then
  echo "fuzzing found $failed failure(s); failing inputs are under the packages' testdata/fuzz/" >&2
  exit 1
fi
echo "fuzzing passed: ${#targets[@]} targets, $FUZZTIME each ($flaked ended by the fuzztime flake)."
