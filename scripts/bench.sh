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
# BENCH_ONLY=go|hypervisor|http|console runs one part.
only=${BENCH_ONLY:-all}
want() { [ "$only" = all ] || [ "$only" = "$1" ]; }

if want go; then
echo "== Go benchmarks"
go test -run '^$' -bench . -benchmem -benchtime 2s ./store/ ./views/ ./views/i18n/ 2>&1 | tee "$out/go-bench.txt" | grep -E '^(Benchmark|ok|FAIL)' || true
fi
if want hypervisor; then
echo "== hypervisor: create-to-running, bulk states, wrapper overhead"
go test -run '^$' -bench . -benchtime 10x ./hypervisor/ 2>&1 | tee "$out/hypervisor-bench.txt" | grep -E '^(Benchmark|ok|FAIL)' || true
fi

if want http; then
echo "== HTTP load (wrk, loopback)"
go build -o "$work/loadseed" ./scripts/loadseed
token=$("$work/loadseed" -db "$work/load.db" -users 200 -vms 50)
port=18089
ABRAK_DB="$work/load.db" ABRAK_ADDR=127.0.0.1:$port ABRAK_LOG_FORMAT=json ABRAK_API_RATE_PER_MIN=100000000 \
  bin/abrak serve 2>"$work/serve.log" &
pids+=($!)
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done

load() { # name, connections, then wrk args
  local name=$1 conns=$2; shift 2
  echo "-- $name (wrk -t2 -c$conns -d10s)"
  wrk -t2 -c"$conns" -d10s --latency "$@" | tee "$out/wrk-$name.txt" | grep -E 'Requests/sec|50%|99%|Non-2xx|Socket errors' || true
}
load signin 32 "http://127.0.0.1:$port/signin"
load healthz 64 "http://127.0.0.1:$port/healthz"
load api-vms 64 -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/vms?limit=50"
fi

if want console && [ -x scripts/bench-console.sh ]; then
  echo "== console proxy beside websockify"
  scripts/bench-console.sh | tee "$out/console.txt"
fi
echo "figures saved in $out/"
