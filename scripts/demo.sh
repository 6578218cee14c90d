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
# The demo shows a neutral provider's brand, as a provider would run it.
export ABRAK_BRAND_NAME_FA=${ABRAK_BRAND_NAME_FA:-ابر نمونه}
export ABRAK_BRAND_NAME_EN=${ABRAK_BRAND_NAME_EN:-Sample Cloud}

"$bin" migrate >/dev/null
if ! out=$("$bin" admin create-user --email "$email" --password "$password" --name "Demo" --balance 5000000 2>&1); then
  case "$out" in
    *email*) ;; # already there from an earlier run
    *) echo "$out" >&2; exit 1 ;;
  esac
fi
up=$(scripts/libvirt/up.sh "$PWD/.run/libvirt")
sock=$(tail -n 1 <<<"$up")
netns=$(sed -n 's/^network namespace: //p' <<<"$up")
"$bin" admin seed-demo --node-uri "qemu+unix:///system?socket=$sock" --template-dir "$PWD/.cache/template" \
  --bridge br0 --vnc-socket-dir "$PWD/.run/libvirt/vnc"
# The demo customer's SSH key and a VM to log into with it.
key=$PWD/.run/demo-ssh/id_ed25519
if [[ ! -f $key ]]; then
  mkdir -p "$(dirname "$key")"
  ssh-keygen -q -t ed25519 -N "" -C "abrak demo" -f "$key"
fi
address=$("$bin" admin demo-vm --email "$email" --ssh-key "$key.pub" | tail -n 1)

cat <<MSG

  Abrak is running at $ABRAK_BASE_URL
  Sign in as  $email  with password  $password
  (Persian by default; the switch at the top, or ?lang=en, turns it to English.)

  The demo VM "demo" is built as the panel starts (a few seconds). Its network is
  the local node's namespace $netns; SSH into it from there:
    ip netns exec $netns ssh -i $key root@$address
  Stop with Ctrl+C; \`make libvirt-down\` stops the local libvirtd and its VMs.

MSG
exec "$bin" serve
