#!/usr/bin/env bash
# Starts Campaigns locally: the local Functions host (src/LocalHost), which starts the isolated worker (src/Functions),
# on Azurite in memory unless AzureWebJobsStorage already names a storage account (then that one, and no emulator).
# Prints the URL, a dev API key and an example. PORT (default 7071) picks the port; CAMPAIGNS_DEV_API_KEY fixes the dev
# key (else one is generated). Ctrl-C or SIGTERM stops everything it started.
set -euo pipefail
source "$(dirname "$0")/scripts/lib.sh"
cd "$ROOT"

PORT="${PORT:-7071}"
HOST_PID=""
AZURITE_PID=""
cleanup() {
  trap - EXIT INT TERM
  # The host drains in-flight invocations, tells the worker to stop (WorkerTerminate) and waits for it.
  stop_pid "$HOST_PID"
  stop_pid "$AZURITE_PID"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log "Building..."
dotnet build src/Functions/Functions.csproj -c Release --nologo -v quiet -clp:ErrorsOnly >&2
dotnet build src/LocalHost/LocalHost.csproj -c Release --nologo -v quiet -clp:ErrorsOnly >&2

if [ -n "${AzureWebJobsStorage:-}" ]; then
  log "Using the storage account AzureWebJobsStorage names (no emulator started)."
else
  log "Starting Azurite (in memory)..."
  start_azurite
  export AzureWebJobsStorage="$AZURITE_CONNECTION_STRING"
fi

if [ -z "${CAMPAIGNS_DEV_API_KEY:-}" ]; then
  CAMPAIGNS_DEV_API_KEY="ck_dev_$(head -c 24 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
fi
export CAMPAIGNS_DEV_API_KEY
export QueuePrefix="${QueuePrefix:-}" # the functions' queue and blob bindings name %QueuePrefix%: it must be set, empty is fine
export TaskHub="${TaskHub:-Campaigns}" # host.json's durableTask hubName is %TaskHub%
export AZURE_FUNCTIONS_ENVIRONMENT="${AZURE_FUNCTIONS_ENVIRONMENT:-Development}"
export Telemetry__Console="${Telemetry__Console:-true}" # OpenTelemetry spans and the Campaigns metrics on the console (Application Insights in Azure)

log "Starting the local Functions host and the worker on port $PORT..."
dotnet src/LocalHost/bin/Release/net10.0/Campaigns.LocalHost.dll --app src/Functions/bin/Release/net10.0 --port "$PORT" &
HOST_PID=$!
if ! wait_for_port 127.0.0.1 "$PORT" 60; then log "The host did not start."; exit 1; fi
until curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null 2>&1; do
  kill -0 "$HOST_PID" 2>/dev/null || { log "The host exited."; exit 1; }
  sleep 0.2
done

cat <<TXT

Campaigns is running (the local Functions host, driving the isolated worker).
  URL:            http://127.0.0.1:$PORT
  API reference:  http://127.0.0.1:$PORT/scalar   (OpenAPI: /openapi/v1.json)
  Dev API key:    $CAMPAIGNS_DEV_API_KEY

Try:
  curl http://127.0.0.1:$PORT/v1/campaigns -X POST \\
    -H "Authorization: Bearer $CAMPAIGNS_DEV_API_KEY" -H "Content-Type: application/json" \\
    -d '{"name":"Demo","script_id":"scr_demo","language":"en-IN","contacts":[{"phone":"+919876543210","name":"Priya Sharma"}]}'

Press Ctrl-C to stop.
TXT
wait "$HOST_PID"
