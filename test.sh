#!/usr/bin/env bash
# Installs what the tests need, starts it, runs every test, stops what it started.
# Ends with one line: "N passed, N failed".
set -uo pipefail
source "$(dirname "$0")/scripts/lib.sh"
cd "$ROOT"

AZURITE_PID=""
RESULTS="$ROOT/TestResults"
cleanup() { stop_pid "$AZURITE_PID"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ensure_node_packages || { echo "0 passed, 1 failed"; exit 1; }

log "Building..."
if ! dotnet build Campaigns.sln -c Release --nologo -v quiet -clp:ErrorsOnly >&2; then
  log "Build failed."
  echo "0 passed, 1 failed"
  exit 1
fi

log "Starting Azurite (in memory, free ports)..."
if ! start_azurite; then
  echo "0 passed, 1 failed"
  exit 1
fi
export CAMPAIGNS_TEST_STORAGE="$AZURITE_CONNECTION_STRING"

# Service Bus: the tests start the test broker (tests/ServiceBusTestBroker) in a process of their own; with
# CAMPAIGNS_TEST_SERVICEBUS set (a real namespace's connection string) the same event tests run against it too.

rm -rf "$RESULTS"
# One test assembly at a time (-m:1): the Functions and LocalHost tests each start processes and move many
# megabytes through Azurite; side by side on two cores they starve each other's time-bounded scenarios.
dotnet test Campaigns.sln -c Release --no-build --nologo -m:1 --logger "trx" --results-directory "$RESULTS" "$@" >&2
status=$?

# A smoke pass of every benchmark at a small size: each must run to its end (no timing is asserted). Skipped when
# arguments pick tests (./test.sh --filter ...).
smoke_passed=0; smoke_failed=0
if [ $# -eq 0 ]; then
  log "Benchmark smoke pass..."
  smoke=$(BENCH_NO_BUILD=1 tests/Benchmarks/bench.sh --smoke all 2>&1 | tee "$ROOT/.artifacts/bench-smoke.log" | grep '^bench smoke:' || true)
  log "${smoke:-bench smoke: no result (see .artifacts/bench-smoke.log)}"
  smoke_passed=$(sed -n 's/^bench smoke: \([0-9]*\) passed.*/\1/p' <<<"$smoke")
  smoke_failed=$(sed -n 's/.* \([0-9]*\) failed$/\1/p' <<<"$smoke")
  if [ -z "$smoke_passed" ]; then smoke_passed=0; smoke_failed=1; fi
fi

passed=$smoke_passed; failed=${smoke_failed:-0}
for trx in "$RESULTS"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
done
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "$passed passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
