#!/usr/bin/env bash
# debian.sh OUT_DIR — build a Debian 12 (bookworm) cloud image from Debian's package
# mirror, as distributions ship theirs: kernel, systemd, real cloud-init (NoCloud only),
# OpenSSH, qemu-guest-agent, cloud-guest-utils (growpart) and a boot loader (extlinux)
# on one ext4 partition, as a compressed qcow2 of 2 GiB that growpart grows to the
# plan's disk. Writes OUT_DIR/debian-12.qcow2; cached: nothing is done while it is
# newer than this script. Needs root (a loop device to install the boot loader) and
# the packages in debian-packages.txt beside this script.
# Environment: DEBIAN_MIRROR (default http://deb.debian.org/debian).
set -euo pipefail

if [[ $# -ne 1 || -z $1 ]]; then
	echo "usage: $0 OUT_DIR" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$1"
out=$(realpath "$1")
image="$out/debian-12.qcow2"
if [[ -e $image && $image -nt $here/debian.sh ]]; then
	echo "$image"
	exit 0
fi
exec 9>"$out/.debian.lock"
flock 9
if [[ -e $image && $image -nt $here/debian.sh ]]; then
	echo "$image"
	exit 0
fi
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
work=$(mktemp -d /tmp/debimg.XXXXXX)
mnt=""
loop=""
cleanup() {
	[[ -n $mnt ]] && umount "$mnt" 2>/dev/null || true
	[[ -n $loop ]] && losetup -d "$loop" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

root="$work/root"
echo "debian.sh: mmdebstrap bookworm from $mirror" >&2
mmdebstrap --quiet --variant=minbase --components=main \
	--include=linux-image-cloud-amd64,systemd-sysv,udev,dbus,cloud-init,openssh-server,qemu-guest-agent,cloud-guest-utils,e2fsprogs,ifupdown,iproute2,netbase,sudo,ca-certificates \
	--customize-hook='rm -f "$1"/etc/ssh/ssh_host_*' \
	--customize-hook='truncate -s 0 "$1"/etc/machine-id' \
	bookworm "$root" "$mirror" >&2

# cloud-init reads only the NoCloud seed Abrak attaches (no network probing of other
# clouds at boot); the seed's network-config is applied with ifupdown.
# minbase has no locales package, so cloud-init's locale module has nothing to set.
cat >"$root/etc/cloud/cloud.cfg.d/90-abrak.cfg" <<'CFG'
datasource_list: [ NoCloud, None ]
locale: false
CFG
echo debian >"$root/etc/hostname"
kernel=$(cd "$root/boot" && ls vmlinuz-* | sort -V | tail -n1)
initrd=initrd.img-${kernel#vmlinuz-}
[[ -e $root/boot/$initrd ]] || { echo "debian.sh: no $initrd" >&2; exit 1; }

# One partition from 1 MiB, ext4 filled from the tree (mkfs -d: no mount for that);
# extlinux does not read ext4's 64bit feature, so it is off.
size_mb=2048
part_mb=$((size_mb - 1))
uuid=$(cat /proc/sys/kernel/random/uuid)
cat >"$root/etc/fstab" <<FSTAB
UUID=$uuid / ext4 errors=remount-ro 0 1
FSTAB
mkdir -p "$root/boot/extlinux"
cat >"$root/boot/extlinux/extlinux.conf" <<BOOT
DEFAULT debian
PROMPT 0
TIMEOUT 0
LABEL debian
  LINUX /boot/$kernel
  INITRD /boot/$initrd
  APPEND root=UUID=$uuid ro console=tty0 console=ttyS0,115200 net.ifnames=1
BOOT
mkfs.ext4 -q -F -L root -U "$uuid" -O ^64bit,^metadata_csum -d "$root" "$work/part.img" "${part_mb}M" >&2
disk="$work/disk.img"
truncate -s "${size_mb}M" "$disk"
printf 'label: dos\nstart=2048, type=83, bootable\n' | sfdisk -q "$disk"
dd if="$work/part.img" of="$disk" bs=1M seek=1 conv=notrunc status=none
dd if=/usr/lib/syslinux/mbr/mbr.bin of="$disk" bs=440 count=1 conv=notrunc status=none

# extlinux installs into a mounted file system: the partition through a loop device
# at its offset (partition nodes of `losetup -P` do not appear on every machine).
loop=$(losetup -f --show -o $((1024 * 1024)) --sizelimit $((part_mb * 1024 * 1024)) "$disk")
mnt="$work/mnt"
mkdir -p "$mnt"
mount "$loop" "$mnt"
extlinux --install "$mnt/boot/extlinux" >/dev/null 2>&1
umount "$mnt"
mnt=""
losetup -d "$loop"
loop=""

qemu-img convert -q -c -f raw -O qcow2 "$disk" "$work/debian-12.qcow2"
mv "$work/debian-12.qcow2" "$image"
echo "$image"
