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

# --- RabbitMQ: the AMQP 1.0 broker the Service Bus tests and benchmarks talk to ---------------------------------
# Each run gets a node of its own (name, ports, data, logs and Erlang cookie under a temp dir), so it never meets the
# machine's rabbitmq service, a developer's broker or another run's node. Debian's scripts are called directly (not
# the /usr/sbin wrappers, which switch to the rabbitmq user and its cookie).
RABBITMQ_BIN=/usr/lib/rabbitmq/bin
RABBITMQ_NODE=""
RABBITMQ_DIR=""
RABBITMQ_STARTED_EPMD=""

ensure_rabbitmq() {
  [ -x "$RABBITMQ_BIN/rabbitmq-server" ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    log "RabbitMQ is not installed and this is not root: run 'apt-get install -y --no-install-recommends rabbitmq-server' as root."
    return 1
  fi
  log "Installing RabbitMQ (apt)..."
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y --no-install-recommends rabbitmq-server >&2; then
    apt-get update >&2 && apt-get install -y --no-install-recommends rabbitmq-server >&2 || return 1
  fi
  [ -x "$RABBITMQ_BIN/rabbitmq-server" ]
}

# Starts an isolated node with the AMQP 1.0 plugin on a free loopback port and waits until it accepts connections.
# Sets RABBITMQ_NODE, RABBITMQ_PORT, RABBITMQ_AMQP_URL (guest works on loopback) and RABBITMQCTL (a script that runs
# rabbitmqctl against this node, e.g. "$RABBITMQCTL stop_app").
start_rabbitmq() {
  ensure_rabbitmq || return 1
  local dist
  RABBITMQ_PORT=$(free_port); dist=$(free_port)
  RABBITMQ_NODE="campaigns-test-$$-$RABBITMQ_PORT@localhost"
  RABBITMQ_DIR=$(mktemp -d "${TMPDIR:-/tmp}/campaigns-rabbitmq.XXXXXX")
  mkdir -p "$RABBITMQ_DIR/mnesia" "$RABBITMQ_DIR/log"
  # What 'rabbitmq-plugins enable --offline rabbitmq_amqp1_0' writes, without starting an Erlang VM for it.
  echo '[rabbitmq_amqp1_0].' >"$RABBITMQ_DIR/enabled_plugins"
  printf 'log.console = false\nlog.file.level = warning\n' >"$RABBITMQ_DIR/rabbitmq.conf"
  : >"$RABBITMQ_DIR/rabbitmq-env.conf"
  cat >"$RABBITMQ_DIR/env" <<ENV
export HOME='$RABBITMQ_DIR'
export RABBITMQ_NODENAME='$RABBITMQ_NODE'
export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
export RABBITMQ_NODE_PORT=$RABBITMQ_PORT
export RABBITMQ_DIST_PORT=$dist
export RABBITMQ_MNESIA_BASE='$RABBITMQ_DIR/mnesia'
export RABBITMQ_LOG_BASE='$RABBITMQ_DIR/log'
export RABBITMQ_CONFIG_FILE='$RABBITMQ_DIR/rabbitmq.conf'
export RABBITMQ_ADVANCED_CONFIG_FILE='$RABBITMQ_DIR/advanced.config'
export RABBITMQ_CONF_ENV_FILE='$RABBITMQ_DIR/rabbitmq-env.conf'
export RABBITMQ_ENABLED_PLUGINS_FILE='$RABBITMQ_DIR/enabled_plugins'
export RABBITMQ_PID_FILE='$RABBITMQ_DIR/rabbitmq.pid'
ENV
  RABBITMQCTL="$RABBITMQ_DIR/rabbitmqctl"
  printf '#!/bin/sh\n. "%s/env"\nexec %s/rabbitmqctl -n "$RABBITMQ_NODENAME" "$@"\n' "$RABBITMQ_DIR" "$RABBITMQ_BIN" >"$RABBITMQCTL"
  chmod +x "$RABBITMQCTL"
  if ! (exec 3<>/dev/tcp/127.0.0.1/4369) 2>/dev/null; then RABBITMQ_STARTED_EPMD=1; fi
  (. "$RABBITMQ_DIR/env" && cd "$RABBITMQ_DIR" && "$RABBITMQ_BIN/rabbitmq-server" -detached) >"$RABBITMQ_DIR/log/startup.log" 2>&1 || true
  # Not 'rabbitmqctl await_startup': right after -detached it can fail before the node has registered.
  if ! wait_for_port 127.0.0.1 "$RABBITMQ_PORT" 60; then
    log "RabbitMQ did not start; its logs:"; tail -n 30 "$RABBITMQ_DIR"/log/* >&2 2>/dev/null || true
    stop_rabbitmq
    return 1
  fi
  RABBITMQ_AMQP_URL="amqp://guest:guest@127.0.0.1:$RABBITMQ_PORT"
  export RABBITMQ_NODE RABBITMQ_PORT RABBITMQ_AMQP_URL RABBITMQCTL
}

# Stops the node start_rabbitmq started (and epmd, when that started it too) and removes its files.
stop_rabbitmq() {
  [ -n "$RABBITMQ_DIR" ] || return 0
  if ! "$RABBITMQCTL" shutdown >/dev/null 2>&1; then
    local pid
    pid=$(cat "$RABBITMQ_DIR/rabbitmq.pid" 2>/dev/null || true)
    if [ -n "$pid" ]; then stop_pid "$pid"; fi
  fi
  if [ -n "$RABBITMQ_STARTED_EPMD" ]; then
    epmd -names 2>/dev/null | grep -q '^name ' || epmd -kill >/dev/null 2>&1 || true
  fi
  rm -rf "$RABBITMQ_DIR"
  RABBITMQ_DIR=""; RABBITMQ_NODE=""; RABBITMQ_STARTED_EPMD=""
}
