#!/usr/bin/env bash
# Stops a PostgreSQL started by scripts/start-postgres.sh and, with --remove, deletes its data dir.
set -euo pipefail
dir=${1:?usage: stop-postgres.sh DATA_DIR [--remove]}
bin=/usr/lib/postgresql/15/bin
[ -x "$bin/pg_ctl" ] || bin=$(dirname "$(command -v pg_ctl)")
if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$bin/pg_ctl" -D "$dir/pgdata" -m fast -w stop >/dev/null || true
else "$bin/pg_ctl" -D "$dir/pgdata" -m fast -w stop >/dev/null || true; fi
[ "${2:-}" = "--remove" ] && rm -rf "$dir"
exit 0
