#!/usr/bin/env bash
# Runs the benchmarks against Azurite (in memory, started here) and prints the figures. See docs/benchmarks.md.
# Usage: tests/Benchmarks/bench.sh [create|get|dispatch|timers|wakeup|transactions|all]...
# Without arguments: create and get (about 4 minutes on 2 cores); "all" also runs the engine benchmarks.
# Each benchmark gets an emulator of its own: Azurite keeps everything in one process's memory, and what one
# benchmark leaves behind (tables, queue messages) slows the next.
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"
cd "$ROOT"
AZURITE_PID=""
trap 'stop_pid "$AZURITE_PID"' EXIT
dotnet build tests/Benchmarks/Benchmarks.csproj -c Release --nologo -v quiet -clp:ErrorsOnly >&2
if [ $# -eq 0 ]; then set -- create get; fi
if [ "$*" = "all" ]; then set -- create get dispatch timers wakeup transactions; fi
for name in "$@"; do
  start_azurite
  (cd tests/Benchmarks/bin/Release/net10.0 && dotnet Campaigns.Benchmarks.dll "$AZURITE_CONNECTION_STRING" "$name")
  stop_pid "$AZURITE_PID"
  AZURITE_PID=""
done
