#!/usr/bin/env bash
# KPI read benchmark on the embedded store: does reading one month cost more as the history grows? Builds Release,
# starts a silo on a fresh data dir, then for each of MONTHS months (2021-10 first, then the months before it) ingests
# RECEIPTS replicated receipts of that month (`shinsa bench ingest --sample` with the shared sample's 診療年月 and
# 請求年月 moved) and times the KPI reads of 2021-10 (median of 7 requests each). Prints each read's time after every
# month and the ratio "all months / first month" measured in this one run: about 1 for a read of one month, about
# MONTHS for the trend (it reads every month). Then opens VIEWERS KPI streams and reports the silo's CPU while nothing
# arrives, against the same silo with none.
#   scripts/bench-kpi.sh [MONTHS=4]     env: RECEIPTS (300000 a month), VIEWERS (10), REVIEW (true)
set -euo pipefail
cd "$(dirname "$0")/.."
months=${1:-4}
receipts=${RECEIPTS:-300000}
viewers=${VIEWERS:-10}
export SHINSA_TOKEN
SHINSA_TOKEN=$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')

for project in src/Silo src/Client; do dotnet build -c Release "$project" -v quiet -nologo >/dev/null; done
data=$(mktemp -d)
silo=""
streams=()
cleanup() {
  [ ${#streams[@]} -gt 0 ] && kill "${streams[@]}" 2>/dev/null
  [ -n "$silo" ] && { kill "$silo" 2>/dev/null; wait "$silo" 2>/dev/null; }
  rm -rf "$data"
}
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"
Shinsa__Auth__AdminToken="$SHINSA_TOKEN" Shinsa__Review__Enabled=${REVIEW:-true} \
  dotnet src/Silo/bin/Release/net10.0/Shinsa.Silo.dll --urls "$url" --data-dir "$data/silo" >"$data/silo.log" 2>&1 &
silo=$!
for _ in $(seq 1 120); do curl -sf "$url/health/ready" >/dev/null && break; sleep 0.5; done
curl -sf "$url/health/ready" >/dev/null || { echo "silo did not become ready:" >&2; cat "$data/silo.log" >&2; exit 1; }

reads=("catalogue|/api/v1/kpis?scope=prefecture&service_month=2021-10"
       "insurer|/api/v1/kpis?scope=insurer&id=040014&billing_month=2021-11"
       "summary|/api/v1/kpis/summary?service_month=2021-10"
       "insurers|/api/v1/kpis/insurers?service_month=2021-10"
       "trend|/api/v1/kpis/trend?scope=prefecture")
median_ms() {
  for _ in 1 2 3 4 5 6 7; do
    curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $SHINSA_TOKEN" "$url$1"
  done | sort -n | sed -n 4p | awk '{printf "%.1f", $1 * 1000}'
}

table="$data/table"
printf "months" >"$table"
for read in "${reads[@]}"; do printf " %s" "${read%%|*}" >>"$table"; done
echo >>"$table"
for k in $(seq 0 $((months - 1))); do
  month=$(python3 -c "i = 2021 * 12 + 9 - $k; print(f'{i // 12:04d}{i % 12 + 1:02d}')")
  scripts/sample-of-month.py "$data/$month.UKE" "$month"
  echo "ingesting $receipts receipts of $month…" >&2
  dotnet src/Client/bin/Release/net10.0/shinsa.dll bench ingest --server "$url" --sample "$data/$month.UKE" \
    --receipts "$receipts" --warmup 0 --rounds 1 --variant-offset 0 --json >/dev/null
  sleep 6 # the checkpoints that follow a run settle
  printf "%s" $((k + 1)) >>"$table"
  for read in "${reads[@]}"; do printf " %s" "$(median_ms "${read#*|}")" >>"$table"; done
  echo >>"$table"
done

cpu_ticks() { awk '{print $14 + $15}' "/proc/$silo/stat"; }
idle_cpu() { local a; a=$(cpu_ticks); sleep 10; echo $(( $(cpu_ticks) - a )); }
none=$(idle_cpu)
for _ in $(seq 1 "$viewers"); do
  curl -sN -H "Authorization: Bearer $SHINSA_TOKEN" "$url/api/v1/kpis/stream?scope=prefecture&service_month=2021-10" >/dev/null &
  streams+=($!)
done
sleep 3
with=$(idle_cpu)
python3 - "$table" "$none" "$with" "$viewers" "$(getconf CLK_TCK)" <<'PY'
import sys
rows = [line.split() for line in open(sys.argv[1]) if line.strip()]
head, body = rows[0], rows[1:]
print("median ms of 7 requests, the reads of 2021-10 after each month of history ingested")
print(f"{head[0]:>8}" + "".join(f"{h:>12}" for h in head[1:]))
for r in body: print(f"{r[0]:>8}" + "".join(f"{float(x):>12.1f}" for x in r[1:]))
print(f"{'ratio':>8}" + "".join(f"{float(body[-1][i]) / float(body[0][i]):>12.2f}" for i in range(1, len(head))))
none, with_, viewers, tck = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
print(f"silo CPU while idle, 10 s: {100 * none / tck / 10:.1f} % of a core; with {viewers} KPI streams open: {100 * with_ / tck / 10:.1f} %")
PY
