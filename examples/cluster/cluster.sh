#!/usr/bin/env bash
# Airflow with the Celery executor on this one machine, laid out as on several:
# PostgreSQL for the metadata database and Celery's results, Redis as the broker, then
# scheduler, API server, DAG processor, triggerer and two Celery workers, each its own
# process group, its log in var/cluster/logs/ and its pid in var/cluster/run/.
#
#   examples/cluster/cluster.sh up       start everything, wait until it is healthy
#   examples/cluster/cluster.sh down     stop every process `up` started
#   examples/cluster/cluster.sh status   which components run
#   examples/cluster/cluster.sh run CMD  CMD with the cluster's settings, e.g.
#                                        run airflow celery list-workers
#
# Settings (environment; defaults for `make cluster-up`):
#   GRENZENLOS_CLUSTER_DIR        var/cluster: AIRFLOW_HOME, logs, pid files, secrets
#   GRENZENLOS_CLUSTER_DATABASE   grenzenlos_airflow, on the PostgreSQL server below
#   GRENZENLOS_CLUSTER_MEMORY_DATABASE  grenzenlos_memory: the translation memory the workers
#                                 share (connection grenzenlos_memory), unless
#                                 GRENZENLOS_TRANSLATION_MEMORY_CONN_ID names another one
#   GRENZENLOS_CLUSTER_POSTGRES   postgres@127.0.0.1:5432 (user@host:port, trust auth)
#   GRENZENLOS_CLUSTER_REDIS      redis://127.0.0.1:6379/1 (the broker, its own db number)
#   GRENZENLOS_CLUSTER_NAME       grenzenlos: prefix of the cluster's Redis keys and channels,
#                                 so clusters sharing a Redis database never take each other's tasks
#   GRENZENLOS_CLUSTER_API_PORT   8080 (UI, REST API and the workers' execution API)
#   GRENZENLOS_CLUSTER_LOG_PORTS  "8793 8795 8794": log servers of worker-a, worker-b, triggerer
#   GRENZENLOS_CLUSTER_WORKER_CONCURRENCY  2 task slots per worker
#   GRENZENLOS_CLUSTER_WORKERS    "worker-a worker-b": the workers' names (one or two)
# Everything else in the environment (GRENZENLOS_*, AIRFLOW_CONN_*, AIRFLOW__*) reaches
# every component as it is, as a deployment's shared environment would.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BIN="$ROOT/.venv/bin"
DIR="${GRENZENLOS_CLUSTER_DIR:-$ROOT/var/cluster}"
DATABASE="${GRENZENLOS_CLUSTER_DATABASE:-grenzenlos_airflow}"
MEMORY_DATABASE="${GRENZENLOS_CLUSTER_MEMORY_DATABASE:-grenzenlos_memory}"
POSTGRES="${GRENZENLOS_CLUSTER_POSTGRES:-postgres@127.0.0.1:5432}"
REDIS="${GRENZENLOS_CLUSTER_REDIS:-redis://127.0.0.1:6379/1}"
NAME="${GRENZENLOS_CLUSTER_NAME:-grenzenlos}"
API_PORT="${GRENZENLOS_CLUSTER_API_PORT:-8080}"
read -r LOG_PORT_A LOG_PORT_B LOG_PORT_TRIGGERER <<<"${GRENZENLOS_CLUSTER_LOG_PORTS:-8793 8795 8794}"
CONCURRENCY="${GRENZENLOS_CLUSTER_WORKER_CONCURRENCY:-2}"
read -r -a WORKERS <<<"${GRENZENLOS_CLUSTER_WORKERS:-worker-a worker-b}"
# Signalled in this order: the scheduler first, so nothing new is queued while workers finish.
COMPONENTS=(scheduler triggerer dag-processor "${WORKERS[@]}" api-server)
UP_TIMEOUT="${GRENZENLOS_CLUSTER_UP_TIMEOUT:-120}"

log() { printf '%s cluster: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
pid_of() { cat "$DIR/run/$1.pid" 2>/dev/null || true; }
alive() { [[ -n "$1" ]] && kill -0 "$1" 2>/dev/null; }

# Every component's configuration. The secrets are made once per cluster directory and
# shared by all components, as they must be: the scheduler signs the workers' execution
# API tokens with jwt_secret, the API server checks them.
configure() {
  mkdir -p "$DIR/airflow" "$DIR/logs/tasks" "$DIR/run"
  if [[ ! -s "$DIR/secrets.env" ]]; then
    (
      umask 077
      "$BIN/python" - >"$DIR/secrets.env" <<'EOF'
import secrets
from cryptography.fernet import Fernet

print(f"AIRFLOW__API_AUTH__JWT_SECRET={secrets.token_urlsafe(32)}")
print(f"AIRFLOW__API__SECRET_KEY={secrets.token_urlsafe(32)}")
print(f"AIRFLOW__CORE__FERNET_KEY={Fernet.generate_key().decode()}")
EOF
    )
  fi
  set -a
  # shellcheck disable=SC1091
  source "$DIR/secrets.env"
  set +a
  local postgres="postgresql+psycopg://$POSTGRES/$DATABASE"
  export AIRFLOW_HOME="$DIR/airflow"
  export PATH="$BIN:$PATH"
  # The DAG imports pipeline, transforms, feeds and schemas from the project root.
  export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
  export AIRFLOW__CORE__DAGS_FOLDER="$ROOT/dags"
  export AIRFLOW__CORE__PLUGINS_FOLDER="$ROOT/plugins"
  export AIRFLOW__CORE__LOAD_EXAMPLES=False
  export AIRFLOW__CORE__EXECUTOR=CeleryExecutor
  export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN="$postgres"
  # Airflow would derive asyncpg for its async sessions; psycopg 3 does both.
  export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC="postgresql+psycopg_async://$POSTGRES/$DATABASE"
  export AIRFLOW__CELERY__BROKER_URL="$REDIS"
  export AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__GLOBAL_KEYPREFIX="$NAME:"
  export AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__FANOUT_PREFIX="/$NAME."
  export AIRFLOW__CELERY__RESULT_BACKEND="db+$postgres"
  export AIRFLOW__CELERY__WORKER_CONCURRENCY="$CONCURRENCY"
  export AIRFLOW__OPERATORS__DEFAULT_QUEUE=default
  export AIRFLOW__API__HOST=127.0.0.1
  export AIRFLOW__API__PORT="$API_PORT"
  export AIRFLOW__API__BASE_URL="http://127.0.0.1:$API_PORT"
  # Workers run no task code against the database: they talk to the API server.
  export AIRFLOW__CORE__EXECUTION_API_SERVER_URL="http://127.0.0.1:$API_PORT/execution/"
  export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS="${AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS:-admin:admin}"
  # One machine: every component writes task logs into, and the UI reads them from, here.
  export AIRFLOW__LOGGING__BASE_LOG_FOLDER="$DIR/logs/tasks"
  export AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT="$LOG_PORT_TRIGGERER"
  # Tasks on Celery refuse a SQLite translation memory (a file is not shared between
  # machines): the workers share one in PostgreSQL, unless the environment names another.
  if [[ -z "${GRENZENLOS_TRANSLATION_MEMORY_CONN_ID:-}" ]]; then
    export GRENZENLOS_TRANSLATION_MEMORY_CONN_ID=grenzenlos_memory
    export AIRFLOW_CONN_GRENZENLOS_MEMORY="postgresql://$POSTGRES/$MEMORY_DATABASE"
    MEMORY_OWNED=1
  fi
}

wait_for() { # description, command...: poll until the command succeeds or time runs out
  local what="$1" deadline=$((SECONDS + UP_TIMEOUT))
  shift
  until "$@" >/dev/null 2>&1; do
    for name in "${COMPONENTS[@]}"; do
      local pid
      pid="$(pid_of "$name")"
      if [[ -n "$pid" ]] && ! alive "$pid"; then
        log "$name exited; the end of var/cluster/logs/$name.log:"
        tail -25 "$DIR/logs/$name.log" >&2
        return 1
      fi
    done
    if ((SECONDS > deadline)); then
      log "gave up waiting for $what after ${UP_TIMEOUT}s (logs: $DIR/logs/)"
      return 1
    fi
    sleep 1
  done
  log "$what"
}

create_database() {
  "$BIN/python" - "$POSTGRES" "$1" <<'EOF'
import sys

import psycopg
from psycopg import sql

user, _, address = sys.argv[1].partition("@")
host, _, port = address.partition(":")
with psycopg.connect(host=host, port=port, user=user, dbname="postgres", autocommit=True) as db:
    if not db.execute("select 1 from pg_database where datname = %s", [sys.argv[2]]).fetchone():
        db.execute(sql.SQL("create database {}").format(sql.Identifier(sys.argv[2])))
        print(f"created database {sys.argv[2]}")
EOF
}

start() { # name, then the command; its own session, so `down` stops its whole group
  local name="$1"
  shift
  [[ -f "$DIR/logs/$name.log" ]] && mv "$DIR/logs/$name.log" "$DIR/logs/$name.log.1"
  setsid "$@" </dev/null >"$DIR/logs/$name.log" 2>&1 &
  echo $! >"$DIR/run/$name.pid"
}

healthy() { # the API server answers and reports every other component healthy
  curl -sf "http://127.0.0.1:$API_PORT/api/v2/monitor/health" | "$BIN/python" -c '
import json, sys
health = json.load(sys.stdin)
sys.exit(any(health[part]["status"] != "healthy" for part in ("metadatabase", "scheduler", "triggerer", "dag_processor")))'
}

worker_ready() { grep -q "$1@.* ready\." "$DIR/logs/$1.log"; }

up() {
  configure
  for name in "${COMPONENTS[@]}"; do
    if alive "$(pid_of "$name")"; then
      log "$name is already running (pid $(pid_of "$name")); run '$0 down' first"
      exit 1
    fi
  done
  # From here on, a failure stops whatever did start.
  trap 'rc=$?; if ((rc != 0)); then log "up failed; stopping what it started"; down; fi' EXIT
  create_database "$DATABASE"
  if [[ -n "${MEMORY_OWNED:-}" ]]; then
    create_database "$MEMORY_DATABASE"
  fi
  log "migrating the metadata database $DATABASE"
  airflow db migrate >"$DIR/logs/db-migrate.log" 2>&1 || {
    tail -20 "$DIR/logs/db-migrate.log"
    exit 1
  }
  # The marketplace APIs' pools (sizes and their sources: config/pools.json).
  airflow pools import "$ROOT/config/pools.json" >>"$DIR/logs/db-migrate.log" 2>&1 || {
    tail -20 "$DIR/logs/db-migrate.log"
    exit 1
  }
  start scheduler airflow scheduler
  start dag-processor airflow dag-processor
  start triggerer airflow triggerer
  start api-server airflow api-server
  local ports=("$LOG_PORT_A" "$LOG_PORT_B") index=0
  for name in "${WORKERS[@]}"; do
    # Each worker takes the shared queue and one of its own, names itself in the task
    # instances it runs (worker_hostname.py) and serves its logs on a port of its own.
    start "$name" env GRENZENLOS_WORKER_HOSTNAME="$name" \
      AIRFLOW__CORE__HOSTNAME_CALLABLE=worker_hostname.worker_hostname \
      PYTHONPATH="$ROOT/examples/cluster:$PYTHONPATH" \
      AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT="${ports[index]}" \
      airflow celery worker --celery-hostname "$name@%h" --queues "default,$name" \
      --concurrency "$CONCURRENCY"
    index=$((index + 1))
  done
  wait_for "API server, scheduler, triggerer and DAG processor healthy on http://127.0.0.1:$API_PORT" healthy
  for name in "${WORKERS[@]}"; do
    wait_for "$name ready (queues default, $name)" worker_ready "$name"
  done
  log "up: UI http://127.0.0.1:$API_PORT (admin, password in $AIRFLOW_HOME/simple_auth_manager_passwords.json.generated)"
}

descendants() { # every process below a pid, deepest last
  local child
  for child in $(ps -o pid= --ppid "$1" 2>/dev/null); do
    echo "$child"
    descendants "$child"
  done
}

down() { # TERM each process group and everything below it, KILL what outlives the grace
  local name pid child names=() pids=()
  for name in "${COMPONENTS[@]}"; do
    pid="$(pid_of "$name")"
    if alive "$pid"; then
      names+=("$name")
      pids+=("$pid")
      # A task's process may start a session of its own: TERM it too (once; a second TERM
      # makes Airflow's components skip their clean shutdown).
      for child in $(descendants "$pid"); do
        pids+=("$child")
        if [[ "$(ps -o pgid= -p "$child" 2>/dev/null | tr -d ' ')" != "$pid" ]]; then
          kill -TERM "$child" 2>/dev/null || true
        fi
      done
      kill -TERM -- "-$pid" 2>/dev/null || true
    fi
  done
  if ((${#pids[@]})); then
    # A Celery worker's TERM is a warm shutdown: it waits for its running tasks.
    local grace=$((SECONDS + ${GRENZENLOS_CLUSTER_STOP_GRACE:-20}))
    while ((SECONDS < grace)) && kill -0 "${pids[@]}" 2>/dev/null; do
      sleep 0.5
    done
    for name in "${names[@]}"; do
      kill -KILL -- "-$(pid_of "$name")" 2>/dev/null || true
    done
    kill -KILL "${pids[@]}" 2>/dev/null || true
    log "stopped ${names[*]}"
  fi
  for name in "${COMPONENTS[@]}"; do
    rm -f "$DIR/run/$name.pid"
  done
}

status() {
  local code=0
  for name in "${COMPONENTS[@]}"; do
    local pid
    pid="$(pid_of "$name")"
    if alive "$pid"; then
      printf '%-14s running  pid %s  log %s\n' "$name" "$pid" "$DIR/logs/$name.log"
    else
      printf '%-14s stopped\n' "$name"
      code=1
    fi
  done
  return $code
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  run)
    shift
    configure
    exec "$@"
    ;;
  *)
    echo "usage: $0 up|down|status|run COMMAND..." >&2
    exit 2
    ;;
esac
