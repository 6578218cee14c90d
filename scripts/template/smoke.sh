#!/usr/bin/env bash
# smoke.sh SOCKET [TEMPLATE_DIR] — boot the tiny template on a libvirtd (scripts/libvirt/up.sh)
# the way the panel does: clone the base volume into the default pool, grow the clone,
# attach a NoCloud seed, start under TCG with VNC on 127.0.0.1 and a serial log. Checks
# the banner with the hostname on the serial port and the RFB greeting on the VNC port,
# saves a screenshot of the VGA console, prints timings, then removes everything.
set -euo pipefail

if [[ $# -lt 1 ]]; then
	echo "usage: $0 SOCKET [TEMPLATE_DIR]" >&2
	exit 2
fi
sock=$1
here=$(cd "$(dirname "$0")" && pwd)
tdir=${2:-$here/../../.cache/template}
tdir=$(realpath "$tdir")
# shellcheck source=/dev/null
source "$tdir/template.env"
v() { virsh -q -c "qemu:///system?socket=$sock" "$@"; }

name=smoke-$$
host=smoke-host-$$
work=$(mktemp -d /tmp/smoke.XXXXXX)
cleanup() {
	v destroy "$name" >/dev/null 2>&1 || true
	v undefine "$name" >/dev/null 2>&1 || true
	v vol-delete --pool default "$name.qcow2" >/dev/null 2>&1 || true
	v vol-delete --pool default "$name-seed.iso" >/dev/null 2>&1 || true
	v vol-delete --pool default "tiny-base-$$.qcow2" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

# The template becomes the pool's base volume; each VM disk is a clone of it.
v vol-create-as default "tiny-base-$$.qcow2" "$VIRTUAL_SIZE" --format "$FORMAT" >/dev/null
v vol-upload --pool default "tiny-base-$$.qcow2" "$tdir/$FILE"
cat >"$work/vol.xml" <<EOF
<volume><name>$name.qcow2</name><capacity unit='G'>1</capacity>
<target><format type='qcow2'/></target></volume>
EOF
v vol-create-from default "$work/vol.xml" "tiny-base-$$.qcow2" --inputpool default >/dev/null
v vol-resize --pool default "$name.qcow2" 2G >/dev/null
disk=$(v vol-path --pool default "$name.qcow2")

mkdir -p "$work/seed"
printf 'instance-id: %s\nlocal-hostname: %s\n' "$name" "$host" >"$work/seed/meta-data"
printf '#cloud-config\n' >"$work/seed/user-data"
xorriso -as mkisofs -quiet -V cidata -J -r -o "$work/seed.iso" "$work/seed" 2>/dev/null
v vol-create-as default "$name-seed.iso" "$(stat -c %s "$work/seed.iso")" --format raw >/dev/null
v vol-upload --pool default "$name-seed.iso" "$work/seed.iso"
seed=$(v vol-path --pool default "$name-seed.iso")

serial="$work/serial.log"
cat >"$work/dom.xml" <<EOF
<domain type='qemu'>
  <name>$name</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>
  <features><acpi/></features>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/><source file='$disk'/><target dev='vda' bus='virtio'/>
    </disk>
    <disk type='file' device='cdrom'>
      <driver name='qemu' type='raw'/><source file='$seed'/><target dev='hdc' bus='ide'/><readonly/>
    </disk>
    <serial type='file'><source path='$serial'/><target port='0'/></serial>
    <graphics type='vnc' autoport='yes' listen='127.0.0.1'/>
    <video><model type='vga'/></video>
  </devices>
</domain>
EOF
v define "$work/dom.xml" >/dev/null

ms() { date +%s%3N; }
t0=$(ms)
v start "$name" >/dev/null
t_start=$(($(ms) - t0))
until [[ $(v domstate "$name") == running ]]; do sleep 0.02; done
t_running=$(($(ms) - t0))
deadline=$((SECONDS + 60))
until grep -q "hostname: $host" "$serial" 2>/dev/null; do
	if ((SECONDS > deadline)); then
		echo "smoke: no banner on the serial port after 60 s; serial log:" >&2
		cat "$serial" >&2 || true
		exit 1
	fi
	sleep 0.05
done
t_banner=$(($(ms) - t0))

display=$(v vncdisplay "$name")
port=$((5900 + ${display##*:}))
rfb=$(timeout 2 bash -c "head -c 12 </dev/tcp/127.0.0.1/$port")
[[ $rfb == "RFB 003.008" ]] || {
	echo "smoke: VNC port $port answered '$rfb'" >&2
	exit 1
}
sleep 1 # let the VGA console draw the banner before the screenshot
shot=${SMOKE_SCREENSHOT:-$tdir/smoke-screenshot.png}
v screenshot "$name" "$shot" >/dev/null
cp "$serial" "${shot%.*}-serial.log"

echo "start call: ${t_start} ms; start to running: ${t_running} ms; start to banner: ${t_banner} ms"
echo "vnc: 127.0.0.1:$port answered $rfb"
echo "serial:"
sed -n '/+---/,/+---/p' "$serial"
echo "screenshot: $shot"
