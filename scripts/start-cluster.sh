#!/usr/bin/env bash
# Starts a local cluster: a throw-away PostgreSQL (scripts/start-postgres.sh) and N silos over it, each on a free
# 127.0.0.1 port.
#   scripts/start-cluster.sh N [STATE_DIR]      (default N=3, STATE_DIR=/tmp/shinsa-cluster)
# Writes STATE_DIR/{connection-string,urls,silo-I.pid,silo-I.url,silo-I.log}, prints the silo URLs; stop everything
# with scripts/stop-cluster.sh STATE_DIR. Shinsa__* variables in the environment (ShardCount, LeaseTimeout, …) pass
# through to every silo.
set -euo pipefail
cd "$(dirname "$0")/.."

count=${1:-3}
state=${2:-/tmp/shinsa-cluster}
[ -e "$state/urls" ] && { echo "$state already holds a cluster; stop it with scripts/stop-cluster.sh $state" >&2; exit 1; }
mkdir -p "$state"
chmod a+rx "$state"   # PostgreSQL runs as the postgres user when started by root: it must reach STATE_DIR/pg
# The federation's token (cluster mode generates none): Shinsa__Auth__AdminToken when set, else a fresh one, kept in
# STATE_DIR/admin-token for the CLI (export SHINSA_TOKEN=$(cat STATE_DIR/admin-token)).
export Shinsa__Auth__AdminToken="${Shinsa__Auth__AdminToken:-$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')}"
(umask 077; printf %s "$Shinsa__Auth__AdminToken" >"$state/admin-token")

dotnet build -c Release src/Silo -v quiet -nologo >/dev/null
connection=$(scripts/start-postgres.sh "$state/pg" | tail -n1)
echo "$connection" >"$state/connection-string"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

: >"$state/urls"
for i in $(seq 1 "$count"); do
  url="http://127.0.0.1:$(free_port)"
  Shinsa__Storage=postgres \
  Shinsa__Postgres__ConnectionString="$connection" \
  Shinsa__SiloId="silo-$i" \
  Shinsa__AdvertisedUrl="$url" \
    nohup dotnet src/Silo/bin/Release/net10.0/Shinsa.Silo.dll --urls "$url" >"$state/silo-$i.log" 2>&1 &
  echo $! >"$state/silo-$i.pid"
  echo "$url" >"$state/silo-$i.url"
  echo "$url" >>"$state/urls"
done

for i in $(seq 1 "$count"); do
  url=$(cat "$state/silo-$i.url")
  for _ in $(seq 1 120); do
    curl -sf "$url/health/ready" >/dev/null && break
    sleep 0.5
  done
  curl -sf "$url/health/ready" >/dev/null || { echo "silo-$i did not become ready:" >&2; tail -n 30 "$state/silo-$i.log" >&2; exit 1; }
done
echo "PostgreSQL: $connection"
echo "Cluster status: $(head -n1 "$state/urls")/api/v1/cluster"
echo "Admin token: $state/admin-token (export SHINSA_TOKEN=\$(cat $state/admin-token))"
cat "$state/urls"
