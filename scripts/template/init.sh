#!/bin/sh
# /init of the tiny OS template (busybox). Applies the VM's NoCloud seed: hostname, root
# password, SSH keys and network (static IPv4/IPv6 by MAC). Mounts the VM's persistent
# /data from its disk's second partition, formatting it at the first boot (the root
# itself is RAM). Shows a banner on the VGA console and the serial port, then hands over
# to busybox init, which keeps a shell on both, runs the guest agent (/sbin/qga) and the
# SSH server (/sbin/sshd: dropbear), powers off on the ACPI power button and unmounts
# /data on the way down.
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /dev/pts
mount -t devpts devpts /dev/pts
exec </dev/console >/dev/console 2>&1

while read -r m; do insmod "/lib/modules/$m.ko" 2>/dev/null; done </etc/modules

# The seed (NoCloud, label cidata) is an ISO 9660 CD-ROM; its files are JSON, one
# value per line (hypervisor/seed.go), which sed and awk read without a parser. Disks
# appear asynchronously after their driver loads: give them a moment.
seed=/mnt/seed
i=0
while [ $i -lt 50 ]; do
	for dev in /dev/sr* /dev/hd* /dev/vd* /dev/sd*; do
		[ -b "$dev" ] || continue
		if mount -t iso9660 -o ro "$dev" "$seed" 2>/dev/null; then
			[ -f "$seed/meta-data" ] && break 2
			umount "$seed"
		fi
	done
	i=$((i + 1))
	sleep 0.1
done
# value FILE KEY CHARS: the first "KEY": "VALUE" of FILE, VALUE made of CHARS.
value() {
	[ -f "$seed/$1" ] || return 0
	sed -n 's/^[[:space:]]*"'"$2"'":[[:space:]]*"\('"$3"'*\)".*/\1/p' "$seed/$1" | head -n1
}
# unjson undoes the escapes Go's encoder writes into a string.
unjson() {
	sed -e 's/\\u003c/</g; s/\\u003e/>/g; s/\\u0026/\&/g; s/\\"/"/g; s/\\\\/\\/g'
}
host=$(value meta-data local-hostname '[A-Za-z0-9.-]')
crypt=$(value user-data hashed_passwd '[A-Za-z0-9./$,=-]')
[ -n "$host" ] || host=tiny
hostname "$host"
# Without a password in the seed root stays locked, as cloud-init's lock_passwd does.
printf 'root:%s:%s:0:99999:7:::\n' "${crypt:-!}" $(($(date +%s) / 86400)) >/etc/shadow
chmod 0600 /etc/shadow
# The order's SSH keys, for root: the lines of the ssh_authorized_keys list.
if [ -f "$seed/user-data" ]; then
	awk '/"ssh_authorized_keys"/ { k = 1; next }
		k && /^[[:space:]]*\]/ { k = 0 }
		k { sub(/^[[:space:]]*"/, ""); sub(/",?[[:space:]]*$/, ""); print }' "$seed/user-data" | unjson >/root/.ssh/authorized_keys
	chmod 0600 /root/.ssh/authorized_keys
fi
ip link set lo up 2>/dev/null

# The network, as network-config v2 describes it: one interface, matched by its MAC
# and renamed eth0, with static addresses (a slash in a list item), default routes
# ("to" then "via": the encoder sorts keys) and resolvers (list items without one).
net="$seed/network-config"
if [ -f "$net" ]; then
	mac=$(value network-config macaddress '[0-9a-f:]')
	nic=""
	i=0
	while [ -z "$nic" ] && [ $i -lt 50 ]; do
		for d in /sys/class/net/*; do
			n=${d##*/}
			[ "$n" = lo ] && continue
			if [ -z "$mac" ] || [ "$(cat "$d/address")" = "$mac" ]; then
				nic=$n
				break
			fi
		done
		[ -n "$nic" ] || sleep 0.1
		i=$((i + 1))
	done
	if [ -n "$nic" ]; then
		[ "$nic" = eth0 ] || ip link set "$nic" name eth0
		# Static addresses only, usable at once: no router advertisements, no
		# duplicate-address wait.
		for k in accept_ra autoconf accept_dad; do
			echo 0 >/proc/sys/net/ipv6/conf/eth0/$k 2>/dev/null
		done
		ip link set eth0 up
		for a in $(sed -n 's/^[[:space:]]*"\([0-9A-Fa-f.:]*\/[0-9]*\)",\{0,1\}[[:space:]]*$/\1/p' "$net"); do
			ip addr add "$a" dev eth0
		done
		awk -F'"' '/"to":/ { to = $4 } /"via":/ { print to, $4 }' "$net" | while read -r to via; do
			case $to in
			*:*) ip -6 route add default via "$via" dev eth0 ;;
			*) ip route add default via "$via" dev eth0 ;;
			esac
		done
		: >/etc/resolv.conf
		for r in $(sed -n 's/^[[:space:]]*"\([0-9A-Fa-f.:]*\)",\{0,1\}[[:space:]]*$/\1/p' "$net"); do
			echo "nameserver $r" >>/etc/resolv.conf
		done
	fi
fi
umount "$seed" 2>/dev/null

# The VM's data file system, /data: ext2 on the second partition of the VM's own disk
# (build.sh: from 256 MiB, 128 MiB long). The first boot finds no ext2 superblock there
# and formats it; later boots mount what is there. Only the disk booted from (vda),
# writable and carrying the template's boot partition (label TINYOS), is used: the live
# ISO and the rescue system (whose vda is its shared read-only copy, the customer's disk
# vdb) leave the disks alone. A partition, not a loop device over a region of the disk: a
# loop device's writes wait in the page cache of the disk below it, which one sync does
# not write out, so data synced before a power cut could be lost.
mount_data() {
	case " $(cat /proc/cmdline) " in *" abrak.boot=iso "*) return 1 ;; esac
	i=0
	while [ ! -b /dev/vda ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -b /dev/vda2 ] && [ "$(cat /sys/block/vda/ro)" = 0 ] || return 1
	[ "$(findfs LABEL=TINYOS 2>/dev/null)" = /dev/vda1 ] || return 1
	# The ext2 superblock's magic, 0xEF53, sits 1080 bytes into the file system.
	if [ "$(od -A n -t x2 -j 1080 -N 2 /dev/vda2 | tr -d ' ')" != ef53 ]; then
		mke2fs -m 0 -L data /dev/vda2 >/dev/null 2>&1 || return 1
	fi
	mkdir -p /data
	mount -t ext2 /dev/vda2 /data
}
data=none
mount_data && data="/data ($(($(cat /sys/block/vda/vda2/size) / 2048)) MiB on the disk)"
addrs=$(ip -o addr show dev eth0 2>/dev/null | awk '$3 == "inet" || ($3 == "inet6" && $4 !~ /^fe80/) { print $4 }' | tr '\n' ' ')

banner="
  +--------------------------------------------------+
    Abrak tiny OS
    hostname: $host
    booted:   $(case " $(cat /proc/cmdline) " in *" abrak.boot=iso "*) echo "from ISO" ;; *) echo "from disk" ;; esac)
    address:  ${addrs:-none}
    data:     $data
    kernel:   $(uname -r)
  +--------------------------------------------------+
"
printf '\033[2J\033[H%s\n' "$banner" >/dev/tty0
printf '%s\n' "$banner" >/dev/ttyS0
echo "$banner" >/etc/motd

exec /bin/init
