#!/usr/bin/env bash
# Runs the benchmarks against Azurite (in memory, started here) and prints the figures. See docs/benchmarks.md.
# Usage: tests/Benchmarks/bench.sh [create|get|dispatch|timers|wakeup|transactions|all]...
# Without arguments: create and get (about 4 minutes on 2 cores); "all" also runs the engine benchmarks.
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"
cd "$ROOT"
AZURITE_PID=""
trap 'stop_pid "$AZURITE_PID"' EXIT
dotnet build tests/Benchmarks/Benchmarks.csproj -c Release --nologo -v quiet -clp:ErrorsOnly >&2
start_azurite
cd tests/Benchmarks/bin/Release/net10.0
if [ $# -eq 0 ]; then set -- create get; fi
dotnet Campaigns.Benchmarks.dll "$AZURITE_CONNECTION_STRING" "$@"
