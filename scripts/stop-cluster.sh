#!/usr/bin/env bash
# Stops a cluster started by scripts/start-cluster.sh: SIGTERM to every silo (each checkpoints its shards and hands
# them over), then stops PostgreSQL. With --remove, deletes the state dir and the database.
#   scripts/stop-cluster.sh [STATE_DIR] [--remove]      (default STATE_DIR=/tmp/shinsa-cluster)
set -euo pipefail
cd "$(dirname "$0")/.."
state=${1:-/tmp/shinsa-cluster}
[ -d "$state" ] || { echo "no cluster state in $state" >&2; exit 1; }

pids=()
for pidfile in "$state"/silo-*.pid; do
  [ -e "$pidfile" ] || continue
  pid=$(cat "$pidfile")
  kill -TERM "$pid" 2>/dev/null && pids+=("$pid")
  rm -f "$pidfile"
done
for pid in "${pids[@]}"; do
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -0 "$pid" 2>/dev/null && { echo "silo $pid did not stop in 30 s; killing it" >&2; kill -KILL "$pid" 2>/dev/null || true; }
done
rm -f "$state/urls"
scripts/stop-postgres.sh "$state/pg" ${2:+"$2"}
[ "${2:-}" = "--remove" ] && rm -rf "$state"
exit 0
