#!/usr/bin/env bash
# Runs the benchmarks against Azurite (in memory, started here) and prints the figures. See docs/benchmarks.md.
# Usage: tests/Benchmarks/bench.sh [create|get|dispatch|timers|wakeup|transactions|upload|events|all]...
# Without arguments: create and get (about 4 minutes on 2 cores); "all" also runs the engine benchmarks.
# Each benchmark gets an emulator of its own: Azurite keeps everything in one process's memory, and what one
# benchmark leaves behind (tables, queue messages) slows the next.
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"
cd "$ROOT"
AZURITE_PID=""
RABBITMQ_STARTED=""
trap 'stop_pid "$AZURITE_PID"; if [ -n "$RABBITMQ_STARTED" ]; then stop_rabbitmq; fi' EXIT
dotnet build tests/Benchmarks/Benchmarks.csproj -c Release --nologo -v quiet -clp:ErrorsOnly >&2
if [ $# -eq 0 ]; then set -- create get; fi
if [ "$*" = "all" ]; then set -- create get dispatch timers wakeup transactions upload events; fi
# upload: a 1,000,000-row CSV; generate + parse-only (no storage), then raw writes and end to end, each on a fresh emulator.
expanded=()
for name in "$@"; do
  if [ "$name" = "upload" ]; then expanded+=(upload-generate upload-raw upload-e2e upload-report); else expanded+=("$name"); fi
done
set -- "${expanded[@]}"
for name in "$@"; do
  if [ "$name" = "upload-generate" ] || [ "$name" = "upload-report" ]; then
    (cd tests/Benchmarks/bin/Release/net10.0 && dotnet Campaigns.Benchmarks.dll none "$name")
    continue
  fi
  if [ "$name" = "events" ] && [ -z "$RABBITMQ_STARTED" ]; then
    start_rabbitmq
    RABBITMQ_STARTED=1
    export CAMPAIGNS_BENCH_AMQP="$RABBITMQ_AMQP_URL"
  fi
  start_azurite
  (cd tests/Benchmarks/bin/Release/net10.0 && dotnet Campaigns.Benchmarks.dll "$AZURITE_CONNECTION_STRING" "$name")
  stop_pid "$AZURITE_PID"
  AZURITE_PID=""
done
