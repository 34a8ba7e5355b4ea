#!/usr/bin/env bash
# Runs the benchmarks against Azurite (in memory, started here) and prints the figures. See docs/benchmarks.md.
# Usage: tests/Benchmarks/bench.sh [--smoke] [create|get|dispatch|timers|wakeup|transactions|idle|relay|upload|events|all]...
# Without arguments: create and get (about 4 minutes on 2 cores); "all" runs every benchmark (about 40 minutes).
# --smoke runs each at a small size (seconds each; ./test.sh does this to prove they still run) and ends with the line
# "bench smoke: N passed, N failed"; it asserts no timing.
# Each benchmark gets an emulator of its own: Azurite keeps everything in one process's memory, and what one
# benchmark leaves behind (tables, queue messages) slows the next. The engine benchmarks, relay and events run with
# events on: the program starts the Service Bus test broker in a process of its own (tests/Benchmarks/BenchBroker.cs).
set -uo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"
cd "$ROOT"
AZURITE_PID=""
trap 'stop_pid "$AZURITE_PID"' EXIT
SMOKE=""
LIMIT=60m
if [ "${1:-}" = "--smoke" ]; then
  SMOKE=1
  LIMIT=3m
  shift
  export BENCH_SMOKE=1 UPLOAD_BENCH_ROWS=1000
fi
if [ -z "${BENCH_NO_BUILD:-}" ]; then
  dotnet build tests/Benchmarks/Benchmarks.csproj -c Release --nologo -v quiet -clp:ErrorsOnly >&2 || exit 1
fi
if [ $# -eq 0 ]; then set -- create get; fi
if [ "$*" = "all" ]; then set -- create get dispatch timers wakeup transactions idle relay upload events; fi

run() { # name: one benchmark on a fresh emulator; the program's exit code
  local name=$1 status
  if [ "$name" = "upload-generate" ] || [ "$name" = "upload-report" ]; then
    (cd tests/Benchmarks/bin/Release/net10.0 && dotnet Campaigns.Benchmarks.dll none "$name")
    return
  fi
  start_azurite || return 1
  # A benchmark that hangs fails: 3 minutes for a smoke run, an hour for a full one.
  (cd tests/Benchmarks/bin/Release/net10.0 && timeout --kill-after=10 "$LIMIT" dotnet Campaigns.Benchmarks.dll "$AZURITE_CONNECTION_STRING" "$name")
  status=$?
  if [ "$status" -eq 124 ]; then log "benchmark $name did not finish within $LIMIT"; fi
  stop_pid "$AZURITE_PID"
  AZURITE_PID=""
  return $status
}

passed=0
failed=0
for name in "$@"; do
  # upload: a 1,000,000-row CSV; generate + parse-only (no storage), then raw writes and end to end, each on a fresh emulator.
  if [ "$name" = "upload" ]; then steps=(upload-generate upload-raw upload-e2e upload-report); else steps=("$name"); fi
  ok=1
  for step in "${steps[@]}"; do
    if ! run "$step"; then ok=""; log "benchmark $step FAILED"; break; fi
  done
  if [ -n "$ok" ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
  if [ -z "$ok" ] && [ -z "$SMOKE" ]; then exit 1; fi
done
if [ -n "$SMOKE" ]; then echo "bench smoke: $passed passed, $failed failed"; fi
[ "$failed" -eq 0 ]
