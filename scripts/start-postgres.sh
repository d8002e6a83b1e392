#!/usr/bin/env bash
# Starts a throw-away PostgreSQL for cluster mode and its tests, on a free 127.0.0.1 port.
#   scripts/start-postgres.sh [DATA_DIR]      (default: a new temp dir)
# Prints the connection string on the last line of stdout; stop it with scripts/stop-postgres.sh DATA_DIR.
# The server refuses to run as root, so as root it runs as the `postgres` user.
# PG_EXTRA_OPTIONS adds server options, e.g. "-c shared_preload_libraries=pg_stat_statements" to see what the silos ask.
set -euo pipefail

bin=/usr/lib/postgresql/15/bin
[ -x "$bin/initdb" ] || bin=$(dirname "$(command -v initdb)")
dir=${1:-$(mktemp -d /tmp/shinsa-pg.XXXXXX)}
mkdir -p "$dir"
pgdata="$dir/pgdata"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$dir"; fi

if [ ! -f "$pgdata/PG_VERSION" ]; then
  as_owner "$bin/initdb" -D "$pgdata" -U shinsa --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
fi
# fsync stays on: cluster mode's durability claims are tested against it.
as_owner "$bin/pg_ctl" -D "$pgdata" -l "$dir/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c max_connections=200 ${PG_EXTRA_OPTIONS:-}" start >/dev/null \
  || { cat "$dir/server.log" >&2; exit 1; }
as_owner psql -h 127.0.0.1 -p "$port" -U shinsa -d postgres -qc "CREATE DATABASE shinsa" >/dev/null
echo "$port" >"$dir/port"
echo "Host=127.0.0.1;Port=$port;Username=shinsa;Database=shinsa"
