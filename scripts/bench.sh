#!/usr/bin/env bash
# `make bench`: Go benchmarks and HTTP load measurements on this machine. Every load
# goes to 127.0.0.1 only, is bounded in time, and stops by itself. Figures are printed;
# nothing here asserts a time.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH
out=${BENCH_OUT:-artefacts/bench}
mkdir -p "$out"
work=$(mktemp -d /tmp/abrak-bench.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
# BENCH_ONLY=go|hypervisor|backup|migrate|http|console runs one part.
only=${BENCH_ONLY:-all}
want() { [ "$only" = all ] || [ "$only" = "$1" ]; }

if want go; then
echo "== Go benchmarks"
go test -run '^$' -bench . -benchmem -benchtime 2s ./store/ ./views/ ./views/i18n/ 2>&1 | tee "$out/go-bench.txt" | grep -E '^(Benchmark|ok|FAIL)' || true
echo "== one API list request through the whole server (cold, kept, 304)"
go test -run '^$' -bench BenchmarkAPIList -benchmem ./web/ 2>&1 | tee "$out/list-bench.txt" | grep -E '^(Benchmark|ok|FAIL)' || true
echo "== one reconcile pass: 20 test-driver nodes, 500 domains each"
go test -run '^$' -bench Reconcile20 -benchtime 10x ./services/ 2>&1 | tee "$out/reconcile-bench.txt" | grep -E '^(Benchmark|ok|FAIL)' || true
echo "== the usage sampler: a pass over 1,000 test-driver domains (CPU, SQLite) beside a reconcile pass over them"
go test -run '^$' -bench UsagePass1000 -benchtime 120x ./services/ 2>&1 | tee "$out/usage-bench.txt" | grep -E '^(Benchmark|ok|FAIL)' || true
echo "== usage samples: bytes a VM writes a day and holds (dbstat), metrics answers over 1 h to 13 months"
go test -run '^$' -bench 'UsageStorage' -benchtime 1x ./services/ 2>&1 | tee "$out/usage-storage.txt" | grep -E '^(Benchmark|ok|FAIL)|after day' || true
go test -run '^$' -bench 'BenchmarkMetrics$' ./services/ 2>&1 | tee "$out/metrics-bench.txt" | grep -E '^(Benchmark|ok|FAIL)' || true
fi
if want hypervisor; then
echo "== hypervisor: create-to-running, bulk states, wrapper overhead"
go test -run '^$' -bench '^Benchmark[^D]' -benchtime 10x ./hypervisor/ 2>&1 | tee "$out/hypervisor-bench.txt" | grep -E '^(Benchmark|ok|FAIL)' || true
fi
if want backup; then
echo "== backups: a running VM's 10 GiB disk backed up and restored, beside qemu-img convert of it (the floor)"
go test -run '^$' -bench BenchmarkDiskBackup -benchtime 3x -timeout 30m ./hypervisor/ 2>&1 | tee "$out/backup-bench.txt" | grep -E '^(Benchmark|ok|FAIL)' || true
echo "== backups: one day's window over 20 VMs (CPU of the panel)"
go test -run '^$' -bench BenchmarkBackupWindow -benchtime 1x -timeout 30m ./services/ 2>&1 | tee "$out/backup-window-bench.txt" | grep -E '^(Benchmark|ok|FAIL)' || true
fi
if want migrate; then
echo "== moves: a running tiny guest (1 GiB disk) live to another node and back cold, beside virsh vol-download and qemu-img convert of its disk"
go test -run '^$' -bench BenchmarkDiskMigrate -benchtime 3x -timeout 30m ./hypervisor/ 2>&1 | tee "$out/migrate-bench.txt" | grep -E '^(Benchmark|ok|FAIL)' || true
fi

if want http; then
echo "== HTTP load (wrk -t2, loopback), Abrak beside a bare echo server serving the same bytes"
go build -o "$work/loadseed" ./scripts/loadseed
go build -o "$work/bareserve" ./scripts/bareserve
mapfile -t tokens < <("$work/loadseed" -db "$work/load.db" -users 200 -vms 50 -big 10000)
token=${tokens[0]} bigtoken=${tokens[1]}
port=18089 bare=18090
ABRAK_DB="$work/load.db" ABRAK_ADDR=127.0.0.1:$port ABRAK_LOG_FORMAT=json ABRAK_API_RATE_PER_MIN=100000000 \
  bin/abrak serve 2>"$work/serve.log" &
abrak=$!
pids+=($abrak)
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
base=http://127.0.0.1:$port
echo "panel RSS idle (KiB): $(awk '/VmRSS/ {print $2}' /proc/$abrak/status)" | tee "$out/rss.txt"

# A signed-in browser: the sign-in form's CSRF token, then its cookie for wrk.
jar=$work/jar
csrf=$(curl -fs -c "$jar" -b "$jar" "$base/signin" | grep -o 'name="_csrf" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//')
curl -fs -o /dev/null -c "$jar" -b "$jar" --data-urlencode "_csrf=$csrf" --data-urlencode email=load000@example.com \
  --data-urlencode password=load-test-password "$base/signin"
cookie=$(awk '(!/^#/ || /^#HttpOnly_/) && NF >= 7 {printf "%s%s=%s", sep, $6, $7; sep="; "}' "$jar")

# The bytes each request answers, captured once, and what the bare server serves.
api="$base/api/v1/vms?limit=50"
curl -fs -D "$work/vms.h" -o "$work/vms.json" -H "Authorization: Bearer $token" "$api"
etag=$(awk 'tolower($1) == "etag:" {sub(/\r$/, "", $2); print $2}' "$work/vms.h")
uuid=$(grep -o '"uuid":"[^"]*"' "$work/vms.json" | head -1 | cut -d'"' -f4)
curl -fs -o "$work/vms.html" -H "Cookie: $cookie" "$base/vms"
curl -fs -o "$work/poll.html" -H "Cookie: $cookie" -H 'HX-Request: true' "$base/vms/$uuid"
curl -fs -o "$work/big.json" -H "Authorization: Bearer $bigtoken" "$base/api/v1/vms?limit=50&offset=9950"
"$work/bareserve" -addr 127.0.0.1:$bare /api/v1/vms="$work/vms.json:application/json" /vms="$work/vms.html:text/html" \
  "/vms/:uuid=$work/poll.html:text/html" &
barepid=$!
pids+=($barepid)
for _ in $(seq 50); do curl -fs -o /dev/null "http://127.0.0.1:$bare/vms" && break; sleep 0.1; done

ticks() { awk '{print $14 + $15}' /proc/${1:-$abrak}/stat; }
hz=$(getconf CLK_TCK)
# run NAME CONNS URL-PATH [wrk args]: wrk against Abrak (with the CPU it spent) and against the bare server.
rows=()
run() {
  local name=$1 conns=$2 path=$3; shift 3
  local t0 t1 b0 b1 a b
  t0=$(ticks)
  wrk -t2 -c"$conns" -d10s --latency "$@" "$base$path" >"$out/wrk-$name.txt"
  t1=$(ticks)
  b0=$(ticks $barepid)
  wrk -t2 -c"$conns" -d10s --latency "$@" "http://127.0.0.1:$bare${path%%\?*}" >"$out/wrk-$name-bare.txt"
  b1=$(ticks $barepid)
  a=$(awk '/Requests\/sec/ {print $2}' "$out/wrk-$name.txt")
  b=$(awk '/Requests\/sec/ {print $2}' "$out/wrk-$name-bare.txt")
  local n nb p99 non2xx
  n=$(awk '/requests in/ {print $1}' "$out/wrk-$name.txt")
  nb=$(awk '/requests in/ {print $1}' "$out/wrk-$name-bare.txt")
  p99=$(awk '$1 == "99%" {print $2}' "$out/wrk-$name.txt")
  non2xx=$(awk '/Non-2xx/ {print $5}' "$out/wrk-$name.txt")
  rows+=("$(awk -v name="$name" -v a="$a" -v b="$b" -v p="$p99" -v t=$((t1 - t0)) -v tb=$((b1 - b0)) -v hz="$hz" -v n="$n" -v nb="$nb" -v x="${non2xx:-0}" \
    'BEGIN {printf "| %-26s | %9.0f | %9.0f | %5.2fx | %8s | %6.3f ms | %6.3f ms | %s\n", name, a, b, a / b, p, t * 1000 / hz / n, tb * 1000 / hz / nb, (x > 0 ? x " non-2xx" : "")}')")
  echo "${rows[-1]}"
}
# A cold request: each asks a query nobody asked before, so nothing kept answers it.
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
run api-vms 64 "/api/v1/vms?limit=50" -H "Authorization: Bearer $token"
run api-vms-cold 64 "/api/v1/vms?limit=50" -s "$work/cold.lua" -H "Authorization: Bearer $token"
run api-vms-304 64 "/api/v1/vms?limit=50" -H "Authorization: Bearer $token" -H "If-None-Match: $etag"
run dashboard-vms 64 "/vms" -H "Cookie: $cookie"
run vm-page-poll 64 "/vms/$uuid" -H "Cookie: $cookie" -H 'HX-Request: true'
run big-offset-9950 16 "/api/v1/vms?limit=50&offset=9950" -H "Authorization: Bearer $bigtoken"
run big-offset-9950-cold 16 "/api/v1/vms?limit=50&offset=9950" -s "$work/cold.lua" -H "Authorization: Bearer $bigtoken"
echo "panel RSS after the load, 20,000 VMs in the database (KiB): $(awk '/VmRSS/ {print $2}' /proc/$abrak/status)" | tee -a "$out/rss.txt"
echo "database size: $(du -k "$work/load.db" | cut -f1) KiB for $(sqlite3 "$work/load.db" 'select count(*) from vms' 2>/dev/null || echo 20000) VMs" | tee -a "$out/rss.txt"
{
  echo
  echo "| request                    |  Abrak/s  |  bare/s   | ratio  | p99      | CPU/request | bare CPU/req |"
  echo "|----------------------------|-----------|-----------|--------|----------|-------------|--------------|"
  for r in "${rows[@]}"; do echo "$r"; done
  echo
  echo "before (issue 15): api-vms 1,831–2,163/s 0.04x p99 76–85 ms 0.84–1.04 ms; dashboard-vms 714–755/s 0.02x p99 389–406 ms 2.4–2.6 ms"
} | tee "$out/table.md"
fi

if want console && [ -x scripts/bench-console.sh ]; then
  echo "== console proxy beside websockify"
  scripts/bench-console.sh | tee "$out/console.txt"
fi
echo "figures saved in $out/"
