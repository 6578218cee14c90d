#!/usr/bin/env bash
# down.sh [--keep-guests] STATE_DIR — stop the private libvirtd that up.sh started for
# STATE_DIR: TERM, then KILL after a few seconds. Its QEMU guests are killed too, unless
# --keep-guests is given (a libvirtd restart on a real host leaves guests running; the
# next up.sh reconnects to them). Idempotent: nothing running is not an error.
# Environment: LIBVIRT_CAPS_CACHE (see up.sh) receives the daemon's QEMU capability probe.
set -euo pipefail

keep_guests=0
if [[ ${1:-} == --keep-guests ]]; then
	keep_guests=1
	shift
fi
if [[ $# -ne 1 || -z $1 ]]; then
	echo "usage: $0 [--keep-guests] STATE_DIR" >&2
	exit 2
fi
[[ -d $1 ]] || exit 0
S=$(realpath "$1")
PIDFILE="$S/libvirtd.pid"

# stop PID... — TERM, wait up to 5 s, then KILL; returns once all are gone.
stop() {
	(($# > 0)) || return 0
	kill -TERM "$@" 2>/dev/null || true
	for _ in $(seq 50); do
		local alive=0 p
		for p in "$@"; do kill -0 "$p" 2>/dev/null && alive=1; done
		((alive)) || return 0
		sleep 0.1
	done
	kill -KILL "$@" 2>/dev/null || true
	for _ in $(seq 50); do
		local alive=0 p
		for p in "$@"; do kill -0 "$p" 2>/dev/null && alive=1; done
		((alive)) || return 0
		sleep 0.1
	done
}

# ours PID — true when PID runs in a mount namespace of this STATE_DIR, i.e. sees our
# passwd bind-mounted over /etc/passwd. Namespace ids alone are not enough: the kernel
# reuses them as soon as a namespace dies, possibly for another state dir's daemon.
ours() {
	awk -v want="$S/passwd" '$5 == "/etc/passwd" {
		n = length($4); if (n > 0 && substr(want, length(want) - n + 1) == $4) found = 1
	} END { exit !found }' "/proc/$1/mountinfo" 2>/dev/null
}

# Guests: processes left in a namespace one of our daemons ran in, plus any QEMU whose
# pidfile libvirt left under our run dir.
guest_pids() {
	local p f
	{
		if [[ -s $S/mntns ]]; then
			# One find for all of /proc: a readlink per process is slow on a busy machine.
			find /proc/[0-9]*/ns/mnt -maxdepth 0 -printf '%l %p\n' 2>/dev/null |
				awk -v self=$$ 'NR == FNR { want[$1] = 1; next }
					($1 in want) { split($2, a, "/"); if (a[3] != self) print a[3] }' "$S/mntns" - || true
		fi
		for f in "$S"/run/qemu/*.pid; do
			[[ -s $f ]] || continue
			p=$(<"$f")
			[[ $p =~ ^[0-9]+$ ]] && grep -qa qemu "/proc/$p/cmdline" 2>/dev/null && echo "$p"
		done
	} | sort -u | while read -r p; do
		ours "$p" && echo "$p"
	done
	return 0
}

daemon=""
if [[ -s $PIDFILE ]]; then
	daemon=$(<"$PIDFILE")
	if ! [[ $daemon =~ ^[0-9]+$ ]] || ! grep -qaF "$S/etc/libvirtd.conf" "/proc/$daemon/cmdline" 2>/dev/null; then
		daemon=""
	fi
fi

if [[ -n $daemon ]]; then
	stop "$daemon"
fi
rm -f "$PIDFILE"

if ((keep_guests == 0)); then
	mapfile -t guests < <(guest_pids)
	stop "${guests[@]}"
	rm -f "$S/mntns"
	# The network namespace goes with its guests (up.sh makes it again), unless
	# another daemon (LIBVIRT_NETNS of up.sh: two nodes of one region) still runs in it.
	if [[ -s $S/netns ]]; then
		ns=$(<"$S/netns")
		if [[ -z $(ip netns pids "$ns" 2>/dev/null) ]]; then
			ip netns del "$ns" 2>/dev/null || true
		fi
		rm -f "$S/netns"
	fi
fi

# A daemon without kvm keeps its capability probe apart (see up.sh).
if [[ -e $S/no-kvm && -n ${LIBVIRT_CAPS_CACHE:-} ]]; then
	LIBVIRT_CAPS_CACHE=$LIBVIRT_CAPS_CACHE/no-kvm
fi
if [[ -n ${LIBVIRT_CAPS_CACHE:-} ]] && compgen -G "$S/cache/qemu/capabilities/*.xml" >/dev/null; then
	mkdir -p "$LIBVIRT_CAPS_CACHE"
	for f in "$S"/cache/qemu/capabilities/*.xml; do
		[[ -e $LIBVIRT_CAPS_CACHE/${f##*/} && ! $f -nt $LIBVIRT_CAPS_CACHE/${f##*/} ]] && continue
		cp -p "$f" "$LIBVIRT_CAPS_CACHE/.${f##*/}.$$" &&
			mv "$LIBVIRT_CAPS_CACHE/.${f##*/}.$$" "$LIBVIRT_CAPS_CACHE/${f##*/}"
	done
fi
exit 0
