#!/usr/bin/env bash
# Starts Campaigns locally: Azurite in memory, then the app. Prints the URL, a dev API key and an example.
# PORT (default 7071) picks the app's port; CAMPAIGNS_DEV_API_KEY fixes the dev key (else one is generated).
# Ctrl-C or SIGTERM stops both.
set -euo pipefail
source "$(dirname "$0")/scripts/lib.sh"
cd "$ROOT"

PORT="${PORT:-7071}"
APP_PID=""
AZURITE_PID=""
cleanup() {
  trap - EXIT INT TERM
  stop_pid "$APP_PID"
  stop_pid "$AZURITE_PID"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log "Building..."
dotnet build src/Functions/Functions.csproj -c Release --nologo -v quiet -clp:ErrorsOnly >&2

log "Starting Azurite (in memory)..."
start_azurite

if [ -z "${CAMPAIGNS_DEV_API_KEY:-}" ]; then
  CAMPAIGNS_DEV_API_KEY="ck_dev_$(head -c 24 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
fi
export CAMPAIGNS_DEV_API_KEY
export AzureWebJobsStorage="$AZURITE_CONNECTION_STRING"
export PORT
export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}"

log "Starting the app on port $PORT..."
(cd src/Functions/bin/Release/net10.0 && exec dotnet Campaigns.Functions.dll) &
APP_PID=$!
if ! wait_for_port 127.0.0.1 "$PORT" 60; then log "The app did not start."; exit 1; fi
until curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null 2>&1; do
  kill -0 "$APP_PID" 2>/dev/null || { log "The app exited."; exit 1; }
  sleep 0.2
done

cat <<TXT

Campaigns is running.
  URL:            http://127.0.0.1:$PORT
  API reference:  http://127.0.0.1:$PORT/scalar   (OpenAPI: /openapi/v1.json)
  Dev API key:    $CAMPAIGNS_DEV_API_KEY

Try:
  curl http://127.0.0.1:$PORT/v1/campaigns -X POST \\
    -H "Authorization: Bearer $CAMPAIGNS_DEV_API_KEY" -H "Content-Type: application/json" \\
    -d '{"name":"Demo","script_id":"scr_demo","language":"en-IN","contacts":[{"phone":"+919876543210","name":"Priya Sharma"}]}'

Press Ctrl-C to stop.
TXT
wait "$APP_PID"
