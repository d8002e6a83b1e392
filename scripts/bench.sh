#!/usr/bin/env bash
# Benchmarks on the embedded store: builds Release, starts a silo on a fresh data dir and a free loopback port with
# a fresh admin token, runs `shinsa bench ingest` against it (extra arguments pass through, e.g. --receipts 400000),
# or `shinsa bench freshness` when the first argument is `freshness`, and stops it.
set -euo pipefail
cd "$(dirname "$0")/.."

bench=ingest
if [ "${1:-}" = freshness ] || [ "${1:-}" = ingest ]; then bench=$1; shift; fi

for project in src/Silo src/Client; do dotnet build -c Release "$project" -v quiet -nologo >/dev/null; done
data=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"
export SHINSA_TOKEN
SHINSA_TOKEN=$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')
Shinsa__Auth__AdminToken="$SHINSA_TOKEN" dotnet src/Silo/bin/Release/net10.0/Shinsa.Silo.dll --urls "$url" --data-dir "$data" >"$data/silo.log" 2>&1 &
silo=$!
trap 'kill $silo 2>/dev/null; wait $silo 2>/dev/null; rm -rf "$data"' EXIT

for _ in $(seq 1 120); do
  curl -sf "$url/health/ready" >/dev/null && break
  sleep 0.5
done
curl -sf "$url/health/ready" >/dev/null || { echo "silo did not become ready:"; cat "$data/silo.log"; exit 1; }

dotnet src/Client/bin/Release/net10.0/shinsa.dll bench "$bench" --server "$url" "$@"
