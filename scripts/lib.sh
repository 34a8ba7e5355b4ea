# Shared by run.sh, test.sh and the benchmarks: tools the project installs and starts for itself.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
AZURITE_ACCOUNT_KEY="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

log() { printf '%s\n' "$*" >&2; }

# A TCP port that nothing listens on now.
free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();});'
}

wait_for_port() { # host port seconds
  local deadline=$((SECONDS + $3))
  until (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; do
    if ((SECONDS > deadline)); then log "timed out waiting for $1:$2"; return 1; fi
    sleep 0.2
  done
}

ensure_node_packages() {
  if [ ! -x "$ROOT/node_modules/.bin/azurite" ] || [ ! -x "$ROOT/node_modules/.bin/validate-api" ]; then
    log "Installing npm packages (Azurite, the OpenAPI validator; pinned in package-lock.json)..."
    (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error) >&2
  fi
}

# Starts Azurite in memory on free loopback ports; sets AZURITE_PID and AZURITE_CONNECTION_STRING.
start_azurite() {
  ensure_node_packages
  local blob queue table
  blob=$(free_port); queue=$(free_port); table=$(free_port)
  mkdir -p "$ROOT/.artifacts"
  # Azurite's own output goes to a file, so that a crash of the emulator leaves a trace.
  "$ROOT/node_modules/.bin/azurite" --inMemoryPersistence --silent --disableTelemetry --skipApiVersionCheck \
    --blobHost 127.0.0.1 --queueHost 127.0.0.1 --tableHost 127.0.0.1 \
    --blobPort "$blob" --queuePort "$queue" --tablePort "$table" >"$ROOT/.artifacts/azurite-$table.log" 2>&1 &
  AZURITE_PID=$!
  wait_for_port 127.0.0.1 "$table" 30 && wait_for_port 127.0.0.1 "$blob" 30 && wait_for_port 127.0.0.1 "$queue" 30 || return 1
  AZURITE_CONNECTION_STRING="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$AZURITE_ACCOUNT_KEY;BlobEndpoint=http://127.0.0.1:$blob/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$queue/devstoreaccount1;TableEndpoint=http://127.0.0.1:$table/devstoreaccount1;"
  export AZURITE_CONNECTION_STRING
}

stop_pid() {
  local pid=$1
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}
