#!/usr/bin/env bash
# fuzz.sh [FUZZTIME] — run every fuzz target of the project (each `func FuzzX` in
# a _test.go file) for FUZZTIME (default 10s) each. The targets cover every JSON
# body the API decodes, every form a page posts (through the real handlers),
# list queries, redirect targets, SSH keys and customer-given names.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime=${1:-10s}
grep -rl --include='*_test.go' -E '^func Fuzz[A-Za-z0-9_]+\(' . | grep -v node_modules | sort | while read -r file; do
	dir=$(dirname "$file")
	for target in $(grep -oE '^func Fuzz[A-Za-z0-9_]+' "$file" | sed 's/^func //'); do
		echo "== $dir $target ($fuzztime)"
		go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$dir" 2>&1 | sed -E '/^(fuzz: elapsed|time=|[0-9]{4}\/[0-9]{2}\/)/d' || {
			echo "fuzz.sh: $target in $dir failed" >&2
			exit 1
		}
	done
done
