#!/usr/bin/env bash
# The console proxy beside Debian's websockify, on loopback, against the same
# RFB source (handlers/console_proxy_bench_test.go): one stream's throughput, small
# message round trips, connect time, and how many 1 MiB/s consoles each
# sustains with their memory. Bounded: it stops by itself in about two minutes.
# Figures depend on what else the machine runs; run it on a quiet one.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH

if ! command -v websockify >/dev/null; then
	echo "bench-console: websockify is missing (apt-get install websockify)" >&2
	exit 1
fi
# Each console holds a few descriptors in each process; raise the soft limit as far as allowed.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

bin=$(mktemp -d)/handlers.test
trap 'rm -rf "$(dirname "$bin")"' EXIT
go test -c -o "$bin" ./handlers
echo "== console proxy: abrak vs websockify $(dpkg-query -W -f='${Version}' websockify 2>/dev/null || true)"
# The test binary runs in the package folder, as go test would run it.
(cd handlers && timeout 170 "$bin" -test.run '^$' -test.bench '^BenchmarkConsoleProxy$' -test.benchtime 1x -test.timeout 170s) |
	grep -v -e '^goos:' -e '^goarch:' -e '^pkg:' -e '^cpu:' -e '^PASS$'
