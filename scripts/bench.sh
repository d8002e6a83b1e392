#!/usr/bin/env bash
# Ingest benchmark on the embedded store: builds Release, then twice starts a silo on a fresh data dir and a free
# loopback port and runs `shinsa bench ingest` against it (extra arguments pass through, e.g. --receipts 400000):
# first with the review off (records and KPIs only: the foundation's pipeline), then with every check and
# 高額療養費 on. Prints both tables and the ratio "review on / review off" measured in this one script.
# `scripts/bench.sh freshness [ARGS]` instead runs `shinsa bench freshness` once, review on (REVIEW=false: off): the
# time from a file's 202 to the change on a subscribed KPI stream at half the sustained rate. Each silo gets a fresh
# admin token.
set -euo pipefail
cd "$(dirname "$0")/.."

bench=ingest
if [ "${1:-}" = freshness ]; then bench=freshness; shift; fi
export SHINSA_TOKEN
SHINSA_TOKEN=$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')

for project in src/Silo src/Client; do dotnet build -c Release "$project" -v quiet -nologo >/dev/null; done
dirs=()
silo=""
cleanup() { [ -n "$silo" ] && { kill "$silo" 2>/dev/null; wait "$silo" 2>/dev/null; }; rm -rf "${dirs[@]}"; }
trap cleanup EXIT

run() { # $1 = review enabled (true|false); remaining: bench arguments
  local review=$1; shift
  local data; data=$(mktemp -d); dirs+=("$data")
  local port; port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  local url="http://127.0.0.1:$port"
  Shinsa__Auth__AdminToken="$SHINSA_TOKEN" Shinsa__Review__Enabled=$review dotnet src/Silo/bin/Release/net10.0/Shinsa.Silo.dll --urls "$url" --data-dir "$data" >"$data/silo.log" 2>&1 &
  silo=$!
  for _ in $(seq 1 120); do curl -sf "$url/health/ready" >/dev/null && break; sleep 0.5; done
  curl -sf "$url/health/ready" >/dev/null || { echo "silo did not become ready:" >&2; cat "$data/silo.log" >&2; exit 1; }
  echo "review enabled=$review: $bench…" >&2
  if [ "$bench" = freshness ]; then
    dotnet src/Client/bin/Release/net10.0/shinsa.dll bench freshness --server "$url" "$@"
  else
    dotnet src/Client/bin/Release/net10.0/shinsa.dll bench ingest --server "$url" --json "$@" | tail -n 1
  fi
  kill "$silo"; wait "$silo" 2>/dev/null || true; silo=""
}

if [ "$bench" = freshness ]; then run "${REVIEW:-true}" "$@"; exit 0; fi

off=$(run false "$@")
on=$(run true "$@")
python3 - "$off" "$on" <<'PY'
import json, sys
off, on = json.loads(sys.argv[1]), json.loads(sys.argv[2])
rows = [("files / receipts", lambda r: f"{r['files']:,} / {r['receipts']:,}"),
        ("parse-only (1 thread, in process)", lambda r: f"{r['parse_receipts_per_second']:,.0f} receipts/s"),
        ("acknowledged (submit → 202, durable)", lambda r: f"{r['acknowledged_receipts_per_second']:,.0f} receipts/s"),
        ("end-to-end (submit → applied)", lambda r: f"{r['end_to_end_receipts_per_second']:,.0f} receipts/s"),
        ("ratio end-to-end / parse-only (median)", lambda r: f"{r['ratio']:.3f}"),
        ("ratio in each round", lambda r: " / ".join(f"{x:.3f}" for x in r['ratios'])),
        ("429/503 retries", lambda r: f"{r['retries_429']:,}"),
        ("KPI receipts added", lambda r: f"{r['kpi_receipts_added']:,} {'OK' if r['kpi_matches'] else 'MISMATCH'}"),
        ("CPU µs/receipt: parse / silo / client", lambda r: f"{r['parse_cpu_us_per_receipt']} / {r['silo_cpu_us_per_receipt']} / {r['client_cpu_us_per_receipt']}"),
        ("cores busy (silo + client)", lambda r: f"{r['cores_busy']} of {r['processors']}"),
        ("ratio with all cores busy", lambda r: f"{r['ratio_with_all_cores_busy']:.3f}"),
        ("silo bytes allocated / receipt", lambda r: f"{r['silo_allocated_bytes_per_receipt']:,.0f} B"),
        ("silo GC pauses (share of the run)", lambda r: f"{r['silo_gc_pause_share']:.1%}")]
print(f"{'':38} {'review off':>22} {'review on':>22}")
for name, f in rows: print(f"{name:38} {f(off):>22} {f(on):>22}")
print(f"{'review on / review off (end-to-end)':38} {on['end_to_end_receipts_per_second'] / off['end_to_end_receipts_per_second']:>45.3f}")
sys.exit(0 if off['kpi_matches'] and on['kpi_matches'] else 1)
PY
