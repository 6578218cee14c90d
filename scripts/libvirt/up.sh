#!/usr/bin/env bash
# up.sh STATE_DIR — start a private libvirtd whose whole state lives under STATE_DIR.
#
# The daemon runs in its own mount namespace where private folders of STATE_DIR are
# bind-mounted over libvirt's system paths, so several daemons can run side by side
# and the machine's own /etc, /run and /var stay untouched. No systemd, dbus or polkit.
# Domains, pools and their volumes persist under STATE_DIR across down.sh/up.sh.
#
# The daemon and its guests run in a named network namespace of their own (printed as
# "network namespace: NAME"), holding the bridge the guests join with the region's
# gateway addresses on it: guests are reachable from there (`ip netns exec NAME ssh …`)
# and from nowhere else. Their consoles are UNIX sockets under STATE_DIR/vnc, which the
# panel reaches from outside the namespace. Guests migrating in live listen on UNIX
# sockets under STATE_DIR/migrate (a node's MigrationAddress unix://STATE_DIR/migrate):
# every daemon's mount namespace sees /tmp, where the other daemon's QEMU connects.
#
# Prints the socket's absolute path as the last line of stdout (qemu:///system and
# test:///default both answer on it). Idempotent: a running daemon is left alone.
# Environment: LIBVIRT_UP_TIMEOUT (seconds to wait for the socket, default 60);
# LIBVIRT_CAPS_CACHE (a folder shared by many state dirs: the QEMU capability probe,
# ~4 s on the first qemu:///system call of a fresh daemon, is copied in from there and
# saved back by down.sh; libvirt re-probes by itself when QEMU or libvirt changed);
# LIBVIRT_NO_KVM=1 (the daemon, and every later start of it on STATE_DIR, sees a /dev
# without kvm: a host that offers no kvm, on any host; its capability cache is kept apart);
# LIBVIRT_NETNS (the namespace's name, default abrak-<hash of STATE_DIR>), LIBVIRT_BRIDGE
# (default br0), LIBVIRT_GATEWAY4 and LIBVIRT_GATEWAY6 (the bridge's addresses, default
# 198.51.100.1/24 and 2001:db8:ab::1/64, documentation ranges that match seed-demo's pools).
set -euo pipefail

if [[ $# -ne 1 || -z $1 ]]; then
	echo "usage: $0 STATE_DIR" >&2
	exit 2
fi
mkdir -p "$1"
S=$(realpath "$1")
SOCK="$S/run/libvirt-sock"
PIDFILE="$S/libvirtd.pid"
LOG="$S/libvirtd.log"
timeout_s=${LIBVIRT_UP_TIMEOUT:-60}
# A daemon started without kvm stays without it across restarts: the marker remembers.
[[ ${LIBVIRT_NO_KVM:-} == 1 ]] && touch "$S/no-kvm"
if [[ -e $S/no-kvm && -n ${LIBVIRT_CAPS_CACHE:-} ]]; then
	LIBVIRT_CAPS_CACHE=$LIBVIRT_CAPS_CACHE/no-kvm
fi

# Unix socket paths are limited to 108 bytes; fail early rather than with a puzzling bind error.
if ((${#SOCK} >= 100)); then
	echo "up.sh: state dir path too long for a unix socket: $SOCK" >&2
	exit 1
fi

daemon_pid() {
	local pid
	[[ -s $PIDFILE ]] || return 1
	pid=$(<"$PIDFILE")
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	grep -qaF "$S/etc/libvirtd.conf" "/proc/$pid/cmdline" 2>/dev/null || return 1
	echo "$pid"
}

answers() {
	virsh -q -c "qemu:///system?socket=$SOCK" uri >/dev/null 2>&1
}

wait_for_socket() {
	local pid=$1 deadline=$((SECONDS + timeout_s))
	until [[ -S $SOCK ]] && answers; do
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "up.sh: libvirtd exited during start; last lines of $LOG:" >&2
			tail -n 30 "$LOG" >&2 || true
			exit 1
		fi
		if ((SECONDS >= deadline)); then
			echo "up.sh: libvirtd socket $SOCK did not answer within ${timeout_s}s; last lines of $LOG:" >&2
			tail -n 30 "$LOG" >&2 || true
			exit 1
		fi
		sleep 0.05
	done
}

NETNS=${LIBVIRT_NETNS:-abrak-$(printf '%s' "$S" | cksum | cut -d' ' -f1)}
BRIDGE=${LIBVIRT_BRIDGE:-br0}
GW4=${LIBVIRT_GATEWAY4:-198.51.100.1/24}
GW6=${LIBVIRT_GATEWAY6:-2001:db8:ab::1/64}

# network makes the namespace and its bridge, once: nothing in it is routed anywhere.
network() {
	if ! ip netns list | awk '{print $1}' | grep -qxF "$NETNS"; then
		ip netns add "$NETNS"
	fi
	ip netns exec "$NETNS" ip link set lo up
	if ! ip netns exec "$NETNS" ip link show "$BRIDGE" >/dev/null 2>&1; then
		ip netns exec "$NETNS" ip link add "$BRIDGE" type bridge
		ip netns exec "$NETNS" ip addr add "$GW4" dev "$BRIDGE"
		ip netns exec "$NETNS" ip -6 addr add "$GW6" dev "$BRIDGE" nodad
		ip netns exec "$NETNS" ip link set "$BRIDGE" up
	fi
	echo "$NETNS" >"$S/netns"
}

if pid=$(daemon_pid); then
	wait_for_socket "$pid"
	echo "network namespace: $(cat "$S/netns" 2>/dev/null || echo "$NETNS")"
	echo "$SOCK"
	exit 0
fi
network

# Private trees that stand in for libvirt's system paths inside the namespace.
mkdir -p "$S/etc/qemu/autostart" "$S/etc/storage/autostart" "$S/run" "$S/lib/images" \
	"$S/lib/qemu" "$S/cache" "$S/log/qemu" "$S/images" "$S/vnc" "$S/migrate" "$S/dev"
if [[ -n ${LIBVIRT_CAPS_CACHE:-} ]] && compgen -G "$LIBVIRT_CAPS_CACHE/*.xml" >/dev/null; then
	mkdir -p "$S/cache/qemu/capabilities"
	cp -np "$LIBVIRT_CAPS_CACHE"/*.xml "$S/cache/qemu/capabilities/"
fi
rm -f "$SOCK" "$S/run/libvirt-sock-ro" "$S/run/libvirt-admin-sock"

# Every daemon of this machine would read the same host UUID from its SMBIOS, and
# libvirt refuses to migrate a guest between two daemons of one host: each state dir
# has its own, derived from its path, so it stays the same across restarts.
host_uuid=$(printf '%s' "$S" | sha256sum | cut -c1-32)
host_uuid="${host_uuid:0:8}-${host_uuid:8:4}-${host_uuid:12:4}-${host_uuid:16:4}-${host_uuid:20:12}"

cat >"$S/etc/libvirtd.conf" <<EOF
host_uuid = "$host_uuid"
unix_sock_dir = "$S/run"
unix_sock_group = "root"
unix_sock_rw_perms = "0770"
auth_unix_ro = "none"
auth_unix_rw = "none"
log_outputs = "3:file:$LOG"
max_clients = 512
max_workers = 40
EOF

# stdio_handler: no virtlogd runs here. cgroup_controllers: cgroups may be read-only.
# user/group root: guests' disks may live anywhere the caller can write.
# namespaces: guests stay in the daemon's mount namespace, where down.sh finds them.
cat >"$S/etc/qemu.conf" <<'EOF'
user = "root"
group = "root"
dynamic_ownership = 0
remember_owner = 0
security_driver = "none"
stdio_handler = "file"
cgroup_controllers = [ ]
namespaces = [ ]
vnc_listen = "127.0.0.1"
vnc_auto_unix_socket = 0
spice_listen = "127.0.0.1"
EOF
# Every private daemon would otherwise start its VNC autoport at 5900, and two
# daemons on one machine would race for the same ports: give each state dir its
# own range of 100 ports, derived from its path.
vnc_base=$(( 5900 + ( $(printf '%s' "$S" | cksum | cut -d' ' -f1) % 590 ) * 100 ))
printf 'remote_display_port_min = %d\nremote_display_port_max = %d\n' "$vnc_base" "$((vnc_base + 99))" >>"$S/etc/qemu.conf"

# The default pool lives at a real path (visible outside the namespace, unlike
# /var/lib/libvirt/images) so tools outside the daemon see the same files.
if [[ ! -e $S/etc/storage/default.xml ]]; then
	cat >"$S/etc/storage/default.xml" <<EOF
<pool type='dir'>
  <name>default</name>
  <target><path>$S/images</path></target>
</pool>
EOF
	ln -sf ../default.xml "$S/etc/storage/autostart/default.xml"
fi

# Debian's libvirtd resolves libvirt-qemu before it reads qemu.conf and exits without
# it: give the namespace a passwd/group that has it, rather than adding a user here.
cp /etc/passwd "$S/passwd"
cp /etc/group "$S/group"
grep -q '^libvirt-qemu:' "$S/group" || echo 'libvirt-qemu:x:64055:' >>"$S/group"
grep -q '^kvm:' "$S/group" || echo 'kvm:x:64056:libvirt-qemu' >>"$S/group"
grep -q '^libvirt:' "$S/group" || echo 'libvirt:x:64057:' >>"$S/group"
grep -q '^libvirt-qemu:' "$S/passwd" ||
	echo 'libvirt-qemu:x:64055:64055:Libvirt Qemu:/var/lib/libvirt:/usr/sbin/nologin' >>"$S/passwd"

# mkdir inside the namespace: the mount points may be missing on a fresh machine.
inner='set -e
for d in /etc/libvirt /run/libvirt /var/lib/libvirt /var/cache/libvirt /var/log/libvirt; do
	mkdir -p "$d"
done
mount --bind "$S/etc" /etc/libvirt
mount --bind "$S/run" /run/libvirt
mount --bind "$S/lib" /var/lib/libvirt
mount --bind "$S/cache" /var/cache/libvirt
mount --bind "$S/log" /var/log/libvirt
mount --bind "$S/passwd" /etc/passwd
mount --bind "$S/group" /etc/group
if [[ -e "$S/no-kvm" ]]; then
	# A /dev of our own: a copy of the host'"'"'s device nodes but kvm, and its mounts
	# (pts, shm, …) bound in, moved over /dev in this namespace only.
	mount -t tmpfs -o mode=0755,nosuid abrak-dev "$S/dev"
	(cd /dev && tar --one-file-system --exclude=./kvm -cf - .) | tar -C "$S/dev" -xpf -
	awk '"'"'$5 ~ "^/dev/" { print $5 }'"'"' /proc/self/mountinfo | while read -r m; do
		[[ -d "$S/dev${m#/dev}" ]] && mount --rbind "$m" "$S/dev${m#/dev}"
	done
	mount --move "$S/dev" /dev
fi
exec libvirtd --config "$S/etc/libvirtd.conf" --pid-file "$S/libvirtd.pid"'

# Spell the paths out so that both the launcher and libvirtd name STATE_DIR in their
# command line, which is how down.sh and the check above recognise them.
inner=${inner//'"$S/'/\"$S/}

rm -f "$PIDFILE"
echo "=== up.sh $(date -Is)" >>"$LOG"
setsid ip netns exec "$NETNS" unshare --mount --propagation private -- bash -c "$inner" \
	</dev/null >>"$LOG" 2>&1 &
pid=$!
echo "$pid" >"$PIDFILE"
# Remember the namespace: down.sh kills every process left in it (the guests). It is
# the one whose mounts hold our passwd (ip netns exec passes through one of its own first).
for _ in $(seq 300); do
	ns=$(readlink "/proc/$pid/ns/mnt" 2>/dev/null) || break
	grep -qF "$S/passwd" "/proc/$pid/mountinfo" 2>/dev/null && break
	sleep 0.01
done
[[ -n ${ns:-} ]] && echo "$ns" >>"$S/mntns"

wait_for_socket "$pid"
echo "network namespace: $NETNS"
echo "$SOCK"
