#!/usr/bin/env bash
# `make scale`: the panel at the size the provider plans for (issue 32). One
# reconcile pass over 200 test-driver nodes × 500 domains (a Go benchmark), then
# a real `abrak serve` on a database of 100,000 VMs of 10,000 customers
# (scripts/loadseed): its RSS, the API list's latency under load (wrk, loopback,
# bounded in time) and the database's size. Figures are printed and saved in
# artefacts/scale; nothing here asserts a time.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH
out=${SCALE_OUT:-artefacts/scale}
mkdir -p "$out"
work=$(mktemp -d /tmp/abrak-scale.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
users=${SCALE_USERS:-10000} per=${SCALE_VMS:-10}
only=${SCALE_ONLY:-all}
want() { [ "$only" = all ] || [ "$only" = "$1" ]; }

if want reconcile; then
echo "== one reconcile pass: 200 test-driver nodes, 500 domains each (100,000 domains)"
go test -run '^$' -bench Reconcile200 -benchtime 3x -benchmem -timeout 30m ./services/ 2>&1 | tee "$out/reconcile-200.txt" | grep -E '^(Benchmark|ok|FAIL)' || true
fi

if want api; then
echo "== $((users * per)) VMs of $users customers: seeding"
go build -o "$work/loadseed" ./scripts/loadseed
t0=$(date +%s.%N)
mapfile -t tokens < <("$work/loadseed" -db "$work/scale.db" -users "$users" -vms "$per" -big 10000)
echo "seeded in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}') s"
token=${tokens[0]} bigtoken=${tokens[1]}
port=18189
ABRAK_DB="$work/scale.db" ABRAK_ADDR=127.0.0.1:$port ABRAK_LOG_FORMAT=json ABRAK_API_RATE_PER_MIN=100000000 \
  bin/abrak serve 2>"$work/serve.log" &
abrak=$!
pids+=($abrak)
for _ in $(seq 300); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
base=http://127.0.0.1:$port
rss() { awk '/VmRSS/ {print $2}' /proc/$abrak/status; }
vms=$(sqlite3 "$work/scale.db" 'select count(*) from vms' 2>/dev/null || echo "$((users * per + 10000))")
{
  echo "VMs in the database: $vms ($users customers × $per, and one customer with 10,000)"
  echo "database size: $(du -k "$work/scale.db" | cut -f1) KiB ($(du -k "$work/scale.db"* | awk '{s += $1} END {print s}') KiB with its WAL)"
  echo "panel RSS idle: $(rss) KiB"
} | tee "$out/rss.txt"
cat >"$work/cold.lua" <<'LUA'
local threads = 0
function setup(thread) threads = threads + 1; thread:set("id", threads) end
function init(args) n = 0 end
function request()
  n = n + 1
  local sep = string.find(wrk.path, "?", 1, true) and "&" or "?"
  return wrk.format(nil, wrk.path .. sep .. "cold=" .. id .. "-" .. n)
end
LUA
# FILE LABEL CONNS PATH TOKEN [wrk args]
run() {
  local file=$1 name=$2 conns=$3 path=$4 tok=$5; shift 5
  wrk -t2 -c"$conns" -d10s --latency "$@" -H "Authorization: Bearer $tok" "$base$path" >"$out/wrk-$file.txt"
  awk -v name="$name" '/Requests\/sec/ {r = $2} $1 == "50%" {p50 = $2} $1 == "99%" {p99 = $2} /Non-2xx/ {x = $5}
    END {printf "| %-35s | %9.0f | %8s | %8s | %s\n", name, r, p50, p99, (x > 0 ? x " non-2xx" : "")}' "$out/wrk-$file.txt"
}
# One request alone, as a customer's script makes it: the median of 20.
single() {
  local path=$1 tok=$2
  for _ in $(seq 20); do curl -fs -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $tok" "$base$path&single=$RANDOM$RANDOM"; done |
    sort -n | awk '{a[NR] = $1} END {printf "%.1f ms", a[int((NR + 1) / 2)] * 1000}'
}
{
  echo "one request alone (median of 20, cold): a customer's list $(single "/api/v1/vms?limit=50" "$token"); the 10,000-VM customer's last page $(single "/api/v1/vms?limit=50&offset=9950" "$bigtoken")"
  echo
  echo "| request (wrk -t2, 10 s)             |   req/s   |   p50    |   p99    |"
  echo "|-------------------------------------|-----------|----------|----------|"
  run api-vms "api-vms (kept, 64 conns)" 64 "/api/v1/vms?limit=50" "$token"
  run api-vms-cold "api-vms cold (64 conns)" 64 "/api/v1/vms?limit=50" "$token" -s "$work/cold.lua"
  run big-cold "big customer offset 9950, cold (16)" 16 "/api/v1/vms?limit=50&offset=9950" "$bigtoken" -s "$work/cold.lua"
  echo
  echo "panel RSS after the load: $(rss) KiB"
} | tee "$out/api.txt"
fi
echo "figures saved in $out/"
