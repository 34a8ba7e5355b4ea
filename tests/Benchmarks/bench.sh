#!/usr/bin/env bash
# Runs the benchmarks against Azurite (in memory, started here) and prints the figures.
# Usage: tests/Benchmarks/bench.sh [all|create|get|dispatch|timers|wakeup|transactions]...
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"
cd "$ROOT"
AZURITE_PID=""
trap 'stop_pid "$AZURITE_PID"' EXIT
dotnet build tests/Benchmarks/Benchmarks.csproj -c Release --nologo -v quiet -clp:ErrorsOnly >&2
start_azurite
cd tests/Benchmarks/bin/Release/net10.0
dotnet Campaigns.Benchmarks.dll "$AZURITE_CONNECTION_STRING" "${@:-all}"
