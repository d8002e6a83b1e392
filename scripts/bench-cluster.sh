#!/usr/bin/env bash
# Cluster-mode benchmark: starts PostgreSQL + N silos (scripts/start-cluster.sh, Release), runs `shinsa bench ingest`
# against the first silo (every submission goes through it; the shard owners apply them), then `shinsa bench copy`
# (plain binary COPY of the same records into the same PostgreSQL, the durable-append ceiling), prints both and their
# ratio; with FAILOVER_KILLS=K, then SIGKILLs a silo (never the first) K times and reports the failover time
# (kill → every shard served again), p50 and max, restarting the killed silo and waiting for a balanced cluster
# between kills. Stops and removes everything at the end.
#   scripts/bench-cluster.sh [N=3]          env: RECEIPTS (200000), FAILOVER_KILLS (0), Shinsa__* for the silos
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-3}
receipts=${RECEIPTS:-200000}
kills=${FAILOVER_KILLS:-0}
state=$(mktemp -d /tmp/shinsa-bench-cluster.XXXXXX)
# One federation token for the silos (start-cluster.sh passes it on, restarts inherit it) and the CLI.
export Shinsa__Auth__AdminToken="${Shinsa__Auth__AdminToken:-$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')}"
export SHINSA_TOKEN="$Shinsa__Auth__AdminToken"
trap 'scripts/stop-cluster.sh "$state" --remove >/dev/null 2>&1 || true' EXIT

dotnet build -c Release src/Client -v quiet -nologo >/dev/null
scripts/start-cluster.sh "$n" "$state" >/dev/null
shinsa() { dotnet src/Client/bin/Release/net10.0/shinsa.dll "$@"; }
first=$(head -n1 "$state/urls")
connection=$(cat "$state/connection-string")

# Let the silos settle on their fair shares before timing.
sleep "${SETTLE_SECONDS:-5}"
ingest=$(shinsa bench ingest --server "$first" --receipts "$receipts" --rounds 1 --json)
copy=$(shinsa bench copy --connection "$connection" --receipts "$receipts" --json)
python3 - "$n" "$ingest" "$copy" <<'PY'
import json, sys
n, ingest, copy = int(sys.argv[1]), json.loads(sys.argv[2]), json.loads(sys.argv[3])
e2e, ack, cp = ingest["end_to_end_receipts_per_second"], ingest["acknowledged_receipts_per_second"], copy["copy_receipts_per_second"]
print(f"silos: {n}; receipts: {ingest['receipts']:,}; KPI check: {'OK' if ingest['kpi_matches'] else 'MISMATCH'}")
print(f"end-to-end (submit → applied): {e2e:,.0f} receipts/s; acknowledged: {ack:,.0f} receipts/s")
print(f"plain COPY of the same records: {cp:,.0f} receipts/s; ratio end-to-end / COPY: {e2e / cp:.3f}")
PY

[ "$kills" -gt 0 ] || exit 0
[ "$n" -ge 2 ] || { echo "failover needs at least 2 silos" >&2; exit 1; }
served() { # prints the number of distinct shards served by the given silo URLs, and the shard count
  python3 - "$@" <<'PY'
import json, os, sys, urllib.error, urllib.request
shards, count = set(), None
for url in sys.argv[1:]:
    # The cluster view is the federation's: without its token every silo answers 401, which must not read as "down".
    request = urllib.request.Request(url + "/api/v1/cluster", headers={"Authorization": "Bearer " + os.environ["SHINSA_TOKEN"]})
    try:
        view = json.load(urllib.request.urlopen(request, timeout=2))
    except urllib.error.HTTPError as e:
        sys.exit(f"{url}/api/v1/cluster answered {e.code}: {e.read().decode(errors='replace')}")
    except Exception:
        continue
    count = len(view["leases"])
    shards.update(l["shard"] for l in view["local"])
print(len(shards), count if count is not None else -1)
PY
}
times=()
for k in $(seq 1 "$kills"); do
  i=$(( (k - 1) % (n - 1) + 2 ))
  others=$(grep -v "^$(cat "$state/silo-$i.url")\$" "$state/urls")
  kill -KILL "$(cat "$state/silo-$i.pid")" 2>/dev/null
  start=$(date +%s.%N)
  while true; do
    view=$(served $others)   # a refused probe ends the script (set -e) instead of waiting forever
    read -r got count <<<"$view"
    [ "$got" = "$count" ] && break
    sleep 0.05
  done
  t=$(python3 -c "import time; print(f'{time.time() - $start:.2f}')")
  times+=("$t")
  echo "kill $k (silo-$i): every shard served again after $t s"
  url=$(cat "$state/silo-$i.url")
  Shinsa__Storage=postgres Shinsa__Postgres__ConnectionString="$connection" \
  Shinsa__SiloId="silo-$i" Shinsa__AdvertisedUrl="$url" \
    nohup dotnet src/Silo/bin/Release/net10.0/Shinsa.Silo.dll --urls "$url" >>"$state/silo-$i.log" 2>&1 &
  echo $! >"$state/silo-$i.pid"
  disown   # no "Killed" job notice when the next round kills it
  # Wait until the restarted silo serves its share again, so the next kill takes shards away.
  for _ in $(seq 1 300); do
    view=$(served "$url")
    read -r mine _ <<<"$view"
    [ "$mine" -ge 1 ] && break
    sleep 0.1
  done
done
python3 - "${times[@]}" <<'PY'
import statistics, sys
t = sorted(float(x) for x in sys.argv[1:])
print(f"failover over {len(t)} kills: p50 {statistics.median(t):.2f} s, max {t[-1]:.2f} s")
PY
