#!/bin/sh
# /sbin/qga of the tiny OS template: a minimal QEMU guest agent in busybox sh, so the
# panel's guest-agent calls (libvirt's virDomainSetUserPassword and friends) work on
# the demo guest as they do on a real cloud image running qemu-ga.
#
# Protocol (QGA, as libvirt speaks it): one JSON request per line on the virtio-serial
# port named org.qemu.guest_agent.0, one JSON reply per line. Before every command
# libvirt sends {"execute":"guest-sync","arguments":{"id":N}} and waits for
# {"return":N}; it skips lines it cannot parse and replies whose id differs, so a
# stale reply never desynchronises it. guest-sync-delimited (not used by libvirt)
# prefixes its reply with the byte 0xFF, as QEMU's qemu-ga does.
#
# File system freeze (libvirt's virDomainFSFreeze/FSThaw, which the panel's live backups
# call around their instant), as qemu-ga: guest-fsfreeze-freeze (and -freeze-list) freezes
# /data, the one file system on a disk (the root is RAM), and answers how many it froze;
# guest-fsfreeze-thaw answers how many it thawed (0 when none was frozen);
# guest-fsfreeze-status answers "frozen" or "thawed". Once frozen, every command but the
# few qemu-ga keeps (ping, info, sync, status, thaw) is refused as disabled, a second
# freeze included, until a thaw. The frozen state is a file in /run (RAM), as qemu-ga
# keeps its own, so a respawned agent still knows it.
# busybox init respawns this script should it ever exit.
export PATH=/bin
version=1.0.0-abrak

find_port() {
	for p in /sys/class/virtio-ports/*; do
		[ "$(cat "$p/name" 2>/dev/null)" = org.qemu.guest_agent.0 ] || continue
		[ -c "/dev/${p##*/}" ] && echo "/dev/${p##*/}" && return 0
	done
	return 1
}

# The customer watching the console (VGA or serial) learns what the panel did.
tell_console() {
	for tty in /dev/ttyS0 /dev/tty0; do
		[ -c "$tty" ] && printf '\r\n*** %s ***\r\n' "$1" >"$tty" 2>/dev/null
	done
}

# Field extractors for the flat requests libvirt sends; values are never nested
# deeper than "arguments". Backslashes go: JSON may escape "/" in base64 as "\/".
jstr() {
	printf '%s\n' "$req" | sed -n 's/.*"'"$1"'"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' | tr -d '\\'
}
jnum() {
	printf '%s\n' "$req" | sed -n 's/.*"'"$1"'"[[:space:]]*:[[:space:]]*\(-\{0,1\}[0-9][0-9]*\).*/\1/p'
}
jtrue() {
	printf '%s\n' "$req" | grep -q '"'"$1"'"[[:space:]]*:[[:space:]]*true'
}

reply() { printf '%s\n' "$1" >&3; }
fail() { reply "{\"error\":{\"class\":\"$1\",\"desc\":\"$2\"}}"; }

commands="guest-sync guest-sync-delimited guest-ping guest-info guest-get-host-name guest-get-osinfo guest-set-user-password guest-shutdown guest-fsfreeze-status guest-fsfreeze-freeze guest-fsfreeze-freeze-list guest-fsfreeze-thaw"
# What qemu-ga still answers while the file systems are frozen.
frozen_ok="guest-sync guest-sync-delimited guest-ping guest-info guest-fsfreeze-status guest-fsfreeze-thaw"
frozen_flag=/run/qga.frozen

enabled() {
	[ -e "$frozen_flag" ] || return 0
	case " $frozen_ok " in *" $1 "*) return 0 ;; esac
	return 1
}

guest_info() {
	list=""
	for c in $commands; do
		ok=true
		[ "$c" = guest-shutdown ] && ok=false # like qemu-ga: the guest goes away instead
		on=true
		enabled "$c" || on=false
		list="$list${list:+,}{\"name\":\"$c\",\"enabled\":$on,\"success-response\":$ok}"
	done
	reply "{\"return\":{\"version\":\"$version\",\"supported_commands\":[$list]}}"
}

set_password() {
	user=$(jstr username)
	b64=$(jstr password)
	if [ "$user" != root ]; then
		fail GenericError "user '$user' does not exist"
		return
	fi
	if jtrue crypted; then
		hash=$(printf '%s' "$b64" | base64 -d 2>/dev/null)
	else
		hash=$(printf '%s' "$b64" | base64 -d 2>/dev/null | mkpasswd -m sha512 -P 0 2>/dev/null)
	fi
	# A crypt(3) string is [A-Za-z0-9./$] (plus ,= for yescrypt-style parameters);
	# anything else would corrupt /etc/shadow.
	case $hash in
	'' | *[!A-Za-z0-9./\$,=-]*)
		fail InvalidParameterValue "password: not a valid password or crypt(3) hash"
		return
		;;
	esac
	days=$(($(date +%s) / 86400))
	awk -F: -v OFS=: -v h="$hash" -v d="$days" '$1 == "root" { $2 = h; $3 = d } 1' /etc/shadow >/etc/shadow.new &&
		chmod 0600 /etc/shadow.new && mv /etc/shadow.new /etc/shadow || {
		fail GenericError "cannot write /etc/shadow"
		return
	}
	reply '{"return":{}}'
	tell_console "root password changed by the panel"
}

shutdown_guest() {
	mode=$(jstr mode)
	case ${mode:-powerdown} in
	powerdown) cmd=poweroff ;;
	halt) cmd=halt ;;
	reboot) cmd=reboot ;;
	*)
		fail InvalidParameterValue "mode: expected powerdown, halt or reboot"
		return
		;;
	esac
	# No reply on success, as qemu-ga: libvirt waits for QEMU's SHUTDOWN or RESET event.
	tell_console "$mode requested by the panel"
	$cmd
}

# The file systems the agent freezes: /data when it is mounted.
freezable() {
	awk '$2 == "/data" { print $2; exit }' /proc/mounts
}

fs_freeze() {
	# freeze-list freezes the listed mount points only (none for an empty list).
	listed=""
	if [ "$cmd" = guest-fsfreeze-freeze-list ] && printf '%s' "$req" | grep -q '"mountpoints"'; then
		listed=" $(printf '%s\n' "$req" | sed -n 's/.*"mountpoints"[[:space:]]*:[[:space:]]*\[\([^]]*\)\].*/\1/p' | tr -d '\\"' | tr ',' ' ') "
	fi
	n=0
	for m in $(freezable); do
		if [ -n "$listed" ]; then
			case $listed in *" $m "*) ;; *) continue ;; esac
		fi
		if ! err=$(fsfreeze --freeze "$m" 2>&1); then
			# A failed freeze leaves nothing frozen, as qemu-ga's.
			for f in $(freezable); do fsfreeze --unfreeze "$f" 2>/dev/null; done
			fail GenericError "failed to freeze $m: ${err##*: }"
			return
		fi
		n=$((n + 1))
	done
	[ $n -eq 0 ] || : >"$frozen_flag"
	reply "{\"return\":$n}"
}

fs_thaw() {
	n=0
	for m in $(freezable); do
		fsfreeze --unfreeze "$m" 2>/dev/null && n=$((n + 1))
	done
	rm -f "$frozen_flag"
	reply "{\"return\":$n}"
}

handle() {
	cmd=$(jstr execute)
	case " $commands " in
	*" $cmd "*)
		if ! enabled "$cmd"; then
			fail CommandNotFound "Command $cmd has been disabled: the agent is in frozen state"
			return
		fi
		;;
	esac
	case $cmd in
	guest-sync | guest-sync-delimited)
		id=$(jnum id)
		if [ -z "$id" ]; then
			fail InvalidParameter "id: a number is required"
		elif [ "$cmd" = guest-sync ]; then
			reply "{\"return\":$id}"
		else
			printf '\377{"return":%s}\n' "$id" >&3
		fi
		;;
	guest-ping) reply '{"return":{}}' ;;
	guest-info) guest_info ;;
	guest-get-host-name) reply "{\"return\":{\"host-name\":\"$(hostname)\"}}" ;;
	guest-get-osinfo)
		reply "{\"return\":{\"id\":\"abrak-tiny\",\"name\":\"Abrak tiny OS\",\"pretty-name\":\"Abrak tiny OS\",\"kernel-release\":\"$(uname -r)\",\"kernel-version\":\"$(uname -v)\",\"machine\":\"$(uname -m)\"}}"
		;;
	guest-set-user-password) set_password ;;
	guest-shutdown) shutdown_guest ;;
	guest-fsfreeze-freeze | guest-fsfreeze-freeze-list) fs_freeze ;;
	guest-fsfreeze-thaw) fs_thaw ;;
	guest-fsfreeze-status)
		if [ -e "$frozen_flag" ]; then
			reply '{"return":"frozen"}'
		else
			reply '{"return":"thawed"}'
		fi
		;;
	'') fail GenericError "Expected 'execute' in the request" ;;
	*) fail CommandNotFound "The command $cmd has not been found" ;;
	esac
}

# virtio_console may be a module that /init loads a moment after starting us.
until port=$(find_port); do sleep 0.5; done
exec 3<>"$port"
while :; do
	# Until the host side connects (libvirt does so once it sees the guest open the
	# port) reads return end-of-file at once: wait instead of spinning.
	if ! IFS= read -r req <&3; then
		sleep 0.2
		continue
	fi
	# A client may send 0xFF to reset the parser; whatever precedes the JSON goes.
	case $req in
	*'{'*) req="{${req#*\{}" ;;
	*) continue ;;
	esac
	handle
done
