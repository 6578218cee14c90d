#!/bin/sh
# /init of the tiny OS template (busybox). Finds the VM's hostname in its NoCloud seed,
# shows a banner on the VGA console and the serial port, then hands over to busybox init,
# which keeps a shell on both and powers off on the ACPI power button.
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
exec </dev/console >/dev/console 2>&1

while read -r m; do insmod "/lib/modules/$m.ko" 2>/dev/null; done </etc/modules

# The seed's meta-data holds "local-hostname: NAME". ISO 9660 stores a file's bytes
# contiguously, so scanning the start of each disk finds it without mounting anything.
seed_hostname() {
	for dev in /dev/sr* /dev/vd* /dev/sd* /dev/hd*; do
		[ -b "$dev" ] || continue
		name=$(dd if="$dev" bs=65536 count=64 2>/dev/null | strings -n 8 |
			sed -n 's/^[[:space:]]*"\{0,1\}local-hostname"\{0,1\}:[[:space:]]*["'\'']\{0,1\}\([A-Za-z0-9.-]*\).*/\1/p' | head -n1)
		[ -n "$name" ] && echo "$name" && return 0
	done
	return 1
}
# Disks appear asynchronously after their driver loads: give them a moment.
host=""
i=0
while [ $i -lt 30 ]; do
	host=$(seed_hostname) && break
	i=$((i + 1))
	sleep 0.1
done
[ -n "$host" ] || host=tiny
hostname "$host"
ip link set lo up 2>/dev/null

banner="
  +--------------------------------------------------+
    Abrak tiny OS
    hostname: $host
    kernel:   $(uname -r)
  +--------------------------------------------------+
"
printf '\033[2J\033[H%s\n' "$banner" >/dev/tty0
printf '%s\n' "$banner" >/dev/ttyS0
echo "$banner" >/etc/motd

exec /bin/init
