#!/usr/bin/env bash
# Installs the Debian packages Abrak needs for building, running and testing,
# only those missing, so a second run costs a few dpkg look-ups.
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=(
  # the local hypervisor (scripts/libvirt)
  libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86 qemu-utils
  # browser tests and load measurements
  chromium wrk
  # the reference console proxy measured beside Abrak's in `make bench`
  websockify
  # namespaces for private libvirtd instances, their bridges (iproute2) and the
  # anti-spoofing filter libvirt applies with ebtables/iptables (hypervisor/nwfilter.go)
  util-linux iproute2 ebtables iptables
  # tests log into guests over SSH, with a key and with a password, and ping them
  openssh-client sshpass iputils-ping
  # the SFTP server the replica tests send the database to: its sshd, run by
  # the test itself on a loopback port (replica/sshd_test.go)
  openssh-server
  # GNU as and ld: a test assembles the accelerator probe's boot sector (hypervisor/probe)
  binutils
)
for list in scripts/*/debian-packages.txt; do
  [ -f "$list" ] || continue
  while read -r p; do
    p=${p%%#*}; p=${p// /}
    [ -n "$p" ] && pkgs+=("$p")
  done < "$list"
done
command -v node >/dev/null 2>&1 || pkgs+=(nodejs npm)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing Debian packages: ${missing[*]}; run as root (or apt-get install them)" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The package starts a system sshd on port 22; the tests only want its binary.
if [[ " ${missing[*]} " == *" openssh-server "* ]] && command -v systemctl >/dev/null 2>&1; then
  systemctl disable --now ssh.service ssh.socket >/dev/null 2>&1 || true
fi
