#!/bin/sh
# /init of the tiny OS template (busybox). Finds the VM's hostname and root password in
# its NoCloud seed, shows a banner on the VGA console and the serial port, then hands
# over to busybox init, which keeps a shell on both, runs the guest agent (/sbin/qga)
# and powers off on the ACPI power button.
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
exec </dev/console >/dev/console 2>&1

while read -r m; do insmod "/lib/modules/$m.ko" 2>/dev/null; done </etc/modules

# The seed's meta-data holds "local-hostname": NAME and its user-data the root
# password as "hashed_passwd": CRYPT. ISO 9660 stores a file's bytes contiguously, so
# the printable strings at the start of each disk show both without mounting anything.
seed_strings() {
	for dev in /dev/sr* /dev/vd* /dev/sd* /dev/hd*; do
		[ -b "$dev" ] || continue
		dd if="$dev" bs=65536 count=64 2>/dev/null | strings -n 8 >/tmp/seed.txt
		grep -q 'local-hostname' /tmp/seed.txt && return 0
	done
	return 1
}
seed_value() {
	sed -n 's/^[[:space:]]*"\{0,1\}'"$1"'"\{0,1\}:[[:space:]]*["'\'']\{0,1\}\('"$2"'*\).*/\1/p' /tmp/seed.txt | head -n1
}
# Disks appear asynchronously after their driver loads: give them a moment.
host=""
crypt=""
i=0
while [ $i -lt 30 ]; do
	if seed_strings; then
		host=$(seed_value local-hostname '[A-Za-z0-9.-]')
		crypt=$(seed_value hashed_passwd '[A-Za-z0-9./$,=-]')
		break
	fi
	i=$((i + 1))
	sleep 0.1
done
rm -f /tmp/seed.txt
[ -n "$host" ] || host=tiny
hostname "$host"
# Without a password in the seed root stays locked, as cloud-init's lock_passwd does.
printf 'root:%s:%s:0:99999:7:::\n' "${crypt:-!}" $(($(date +%s) / 86400)) >/etc/shadow
chmod 0600 /etc/shadow
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
