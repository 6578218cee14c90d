#!/usr/bin/env bash
# build.sh [OUT] — assemble probe.S into the 512-byte boot sector (default probe.bin
# beside it). Needs GNU as and ld (Debian's binutils).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/probe.bin}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
as --64 -o "$work/probe.o" "$here/probe.S"
ld -m elf_x86_64 -Ttext 0x7c00 --oformat binary -e _start -o "$out" "$work/probe.o"
size=$(stat -c %s "$out")
if [[ $size -ne 512 ]]; then
	echo "build.sh: $out is $size bytes, want 512" >&2
	exit 1
fi
