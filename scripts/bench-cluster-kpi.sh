#!/usr/bin/env bash
# KPI reads of a cluster silo while another silo ingests: starts PostgreSQL + 3 silos (scripts/start-cluster.sh,
# Release), ingests MONTHS months of history into silo 1 (RECEIPTS replicated receipts each, the shared sample's
# 診療年月 and 請求年月 moved), then ingests 200,000 more into silo 1 while silo 2 asks for the KPI catalogue of 2021-10
# every 100 ms, as a dashboard would. Silo 2 reads the shards it does not serve from their checkpoints, which move
# every snapshot interval during the ingest. Prints the polls answered during the ingest with their latencies, silo
# 2's CPU, the ingest's rate, each silo's resident memory and the KPI and measure cell rows the store holds. Stops and
# removes everything at the end.
#   scripts/bench-cluster-kpi.sh [MONTHS=4]     env: RECEIPTS (100000 a month)
set -euo pipefail
cd "$(dirname "$0")/.."
months=${1:-4}
receipts=${RECEIPTS:-100000}
state=$(mktemp -d /tmp/shinsa-bench-cluster-kpi.XXXXXX)
rmdir "$state" # start-cluster.sh makes it
export Shinsa__Auth__AdminToken="${Shinsa__Auth__AdminToken:-$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')}"
export SHINSA_TOKEN="$Shinsa__Auth__AdminToken"
poller=""
cleanup() {
  [ -n "$poller" ] && kill "$poller" 2>/dev/null
  scripts/stop-cluster.sh "$state" --remove >/dev/null 2>&1 || true
}
trap cleanup EXIT

dotnet build -c Release src/Client -v quiet -nologo >/dev/null
scripts/start-cluster.sh 3 "$state" >/dev/null
shinsa() { dotnet src/Client/bin/Release/net10.0/shinsa.dll "$@"; }
first=$(sed -n 1p "$state/urls")
second=$(sed -n 2p "$state/urls")
second_pid=$(cat "$state/silo-2.pid")
sleep "${SETTLE_SECONDS:-5}"

for k in $(seq 0 $((months - 1))); do
  month=$(python3 -c "i = 2021 * 12 + 9 - $k; print(f'{i // 12:04d}{i % 12 + 1:02d}')")
  scripts/sample-of-month.py "$state/$month.UKE" "$month"
  echo "history: $receipts receipts of $month…" >&2
  shinsa bench ingest --server "$first" --sample "$state/$month.UKE" --receipts "$receipts" --warmup 0 --rounds 1 --json >/dev/null
done
sleep 5

# The poller prints its latencies when told to stop (SIGTERM).
python3 - "$second" "$SHINSA_TOKEN" >"$state/polls" <<'PY' &
import signal, sys, time, urllib.request
request = urllib.request.Request(sys.argv[1] + "/api/v1/kpis?scope=prefecture&service_month=2021-10",
                                 headers={"Authorization": "Bearer " + sys.argv[2]})
latencies = []
def report(*_):
    latencies.sort(); n = len(latencies)
    print(f"{n} polls, p50 {latencies[n // 2] * 1000:.1f} ms, p99 {latencies[int(n * 0.99)] * 1000:.1f} ms, max {latencies[-1] * 1000:.1f} ms")
    sys.exit(0)
signal.signal(signal.SIGTERM, report)
while True:
    start = time.time()
    urllib.request.urlopen(request).read()
    latencies.append(time.time() - start)
    time.sleep(max(0.0, 0.1 - latencies[-1]))
PY
poller=$!
cpu_ticks() { awk '{print $14 + $15}' "/proc/$second_pid/stat"; }
before=$(cpu_ticks); started=$(date +%s.%N)
ingest=$(shinsa bench ingest --server "$first" --receipts 200000 --variant-offset 200000 --warmup 0 --rounds 1 --json | tail -n1)
after=$(cpu_ticks); ended=$(date +%s.%N)
kill -TERM "$poller"; wait "$poller" 2>/dev/null || true; poller=""
python3 - "$ingest" "$(cat "$state/polls")" "$before" "$after" "$started" "$ended" "$(getconf CLK_TCK)" "$months" <<'PY'
import json, sys
ingest, polls = json.loads(sys.argv[1]), sys.argv[2]
before, after, started, ended, tck, months = int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6]), int(sys.argv[7]), sys.argv[8]
seconds = ended - started
print(f"after {months} months of history, during {seconds:.1f} s of ingest into silo 1 "
      f"({ingest['end_to_end_receipts_per_second']:,.0f} receipts/s end-to-end):")
print(f"  silo 2 answered {polls}")
print(f"  silo 2 CPU: {100 * (after - before) / tck / seconds:.0f} % of a core")
PY
# What the cells cost: each silo's resident memory after the run, and the cell rows in the store (tables of this tree).
for i in 1 2 3; do echo "  silo $i RSS: $(awk '/VmRSS/ {printf "%.0f MB", $2 / 1024}' "/proc/$(cat "$state/silo-$i.pid")/status")"; done
connection=$(cat "$state/connection-string")
psql_args=$(python3 - "$connection" <<'PY'
import sys
parts = dict(p.split("=", 1) for p in sys.argv[1].split(";") if "=" in p)
print(f"-h {parts.get('Host', '127.0.0.1')} -p {parts.get('Port', '5432')} -U {parts.get('Username', 'postgres')} -d {parts.get('Database', 'postgres')}")
PY
)
for table in kpi_totals measure_totals kpi_cells measure_cells; do
  rows=$(PGPASSWORD=$(python3 -c "import sys; print(dict(p.split('=', 1) for p in sys.argv[1].split(';') if '=' in p).get('Password', ''))" "$connection") \
    psql $psql_args -tAc "SELECT count(*) FROM $table" 2>/dev/null) && echo "  $table rows: $rows"
done
