#!/usr/bin/env bash
# Prepares the demo database and node, prints how to sign in, and serves the panel.
# Usage: scripts/demo.sh BIN EMAIL PASSWORD   (ABRAK_DB, ABRAK_ADDR, ABRAK_BASE_URL honoured)
# `make run` calls it after starting the local libvirtd and building the tiny template.
set -euo pipefail
bin=$1 email=$2 password=$3
cd "$(dirname "$0")/.."
export ABRAK_DB=${ABRAK_DB:-$PWD/data/abrak.db}
export ABRAK_ADDR=${ABRAK_ADDR:-:8080}
export ABRAK_BASE_URL=${ABRAK_BASE_URL:-http://localhost:8080}

"$bin" migrate >/dev/null
if ! out=$("$bin" admin create-user --email "$email" --password "$password" --name "Demo" --balance 5000000 2>&1); then
  case "$out" in
    *email*) ;; # already there from an earlier run
    *) echo "$out" >&2; exit 1 ;;
  esac
fi
sock=$(scripts/libvirt/up.sh "$PWD/.run/libvirt" | tail -n 1)
"$bin" admin seed-demo --node-uri "qemu+unix:///system?socket=$sock" --template-dir "$PWD/.cache/template"

cat <<MSG

  Abrak is running at $ABRAK_BASE_URL
  Sign in as  $email  with password  $password
  (Persian by default; the switch at the top, or ?lang=en, turns it to English.)
  Stop with Ctrl+C; \`make libvirt-down\` stops the local libvirtd and its VMs.

MSG
exec "$bin" serve
