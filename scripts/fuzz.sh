#!/usr/bin/env bash
# fuzz.sh [FUZZTIME] — run every fuzz target of the project (each `func FuzzX` in
# a _test.go file) for FUZZTIME (default 10s) each. The targets cover every JSON
# body the API decodes, every form a page posts (through the real handlers),
# list queries, redirect targets, SSH keys and customer-given names.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime=${1:-10s}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
grep -rl --include='*_test.go' -E '^func Fuzz[A-Za-z0-9_]+\(' . | grep -v node_modules | sort | while read -r file; do
	dir=$(dirname "$file")
	for target in $(grep -oE '^func Fuzz[A-Za-z0-9_]+' "$file" | sed 's/^func //'); do
		echo "== $dir $target ($fuzztime)"
		for try in 1 2 3; do
			if go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$dir" >"$log" 2>&1; then
				sed -E '/^(fuzz: elapsed|time=|[0-9]{4}\/[0-9]{2}\/)/d' "$log"
				break
			fi
			# Go's fuzzing engine sometimes ends a short run on a loaded machine with
			# "context deadline exceeded" and no failing input: that is its own
			# clock, not a finding. Anything that wrote a failing input is one.
			if [[ $try -lt 3 ]] && grep -q 'context deadline exceeded' "$log" && ! grep -q 'Failing input' "$log"; then
				echo "fuzz.sh: $target: the engine's own deadline, not a finding; once more"
				continue
			fi
			sed -E '/^(fuzz: elapsed|time=)/d' "$log"
			echo "fuzz.sh: $target in $dir failed" >&2
			exit 1
		done
	done
done
