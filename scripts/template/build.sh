#!/usr/bin/env bash
# build.sh OUT_DIR — build the tiny bootable OS template: one small qcow2 disk that
# SeaBIOS boots (syslinux's MBR, then syslinux on a FAT boot partition, made with sfdisk
# and mtools: no loop devices, no mounts) holding Debian's cloud kernel and a busybox
# initramfs, which is the guest's root (RAM); its second partition is the guest's
# persistent /data (ext2, formatted by the guest at its first boot). The guest reads its
# NoCloud seed (label cidata): hostname, root password, SSH keys and its network-config
# (static IPv4 and IPv6 by MAC, routes, resolvers); prints a banner on the VGA console
# and the serial port and keeps a shell on both; runs Debian's dropbear as its SSH
# server; a small QEMU guest agent (qga.sh) lets the panel set the root password and
# freezes /data around a live backup's instant. The panel clones the disk and grows it.
#
# Writes OUT_DIR/tiny.qcow2 and OUT_DIR/template.env. Cached: does nothing when both
# exist and are newer than this script and the guest scripts it embeds.
# Needs the packages in debian-packages.txt beside this script, and apt's lists.
set -euo pipefail

if [[ $# -ne 1 || -z $1 ]]; then
	echo "usage: $0 OUT_DIR" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$1"
out=$(realpath "$1")
image="$out/tiny.qcow2"
envfile="$out/template.env"

fresh() {
	local f src
	for f in "$image" "$envfile" "$out/tiny.iso"; do
		for src in build.sh init.sh qga.sh; do
			[[ -e $f && $f -nt $here/$src ]] || return 1
		done
	done
}
if fresh; then
	echo "$envfile"
	exit 0
fi
# Test packages run in parallel and may all ask for the template: build it once.
exec 9>"$out/.build.lock"
flock 9
if fresh; then
	echo "$envfile"
	exit 0
fi

work=$(mktemp -d /tmp/tinyos.XXXXXX)
trap 'rm -rf "$work"' EXIT

# The meta-package only points at the versioned kernel package; take that one.
meta=linux-image-cloud-amd64
kpkg=$(apt-cache depends "$meta" 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
if [[ -z $kpkg ]]; then
	echo "build.sh: apt knows no kernel behind $meta (run apt-get update)" >&2
	exit 1
fi
(cd "$work" && apt-get download -q "$kpkg" >/dev/null 2>&1) || {
	echo "build.sh: apt-get download $kpkg failed" >&2
	exit 1
}
dpkg-deb -x "$work"/"$kpkg"_*.deb "$work/kernel"
kver=$(ls "$work/kernel/lib/modules")
moddir="$work/kernel/lib/modules/$kver"

# Drivers for the disks and CD-ROMs a seed may sit on (virtio, SCSI, IDE/SATA), for
# the ACPI power button, the guest agent's virtio-serial port, the virtio NIC and /data's
# ext2 (which Debian's kernel serves with its ext4 driver, built in there), with
# everything they depend on, in load order.
wanted="virtio_pci virtio_blk virtio_scsi sd_mod sr_mod ata_piix ata_generic isofs button evdev virtio_console virtio_net ext4"
declare -A path_of=() done_=()
while IFS= read -r f; do
	n=${f##*/}
	n=${n%.ko}
	path_of[${n//-/_}]=$f
done < <(find "$moddir/kernel" -name '*.ko')
order=()
visit() {
	local n=${1//-/_} dep deps
	[[ -n ${done_[$n]:-} ]] && return 0
	done_[$n]=1
	[[ -n ${path_of[$n]:-} ]] || return 0 # built into the kernel
	deps=$(busybox strings -a "${path_of[$n]}" | sed -n 's/^depends=//p' | head -n1)
	for dep in ${deps//,/ }; do visit "$dep"; done
	order+=("$n")
}
for m in $wanted; do visit "$m"; done

root="$work/root"
mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,run,data,mnt/seed,etc/acpi/PWRF,etc/dropbear,lib/modules,root/.ssh,var/log}
chmod 0700 "$root/root" "$root/root/.ssh"
cp /bin/busybox "$root/bin/busybox"
for a in $("$root/bin/busybox" --list); do
	[[ $a == busybox ]] || ln -s busybox "$root/bin/$a"
done
for n in "${order[@]}"; do
	cp "${path_of[$n]}" "$root/lib/modules/$n.ko"
	echo "$n" >>"$root/etc/modules"
done
# Debian's dropbear SSH server, with the shared libraries it loads.
install -m 0755 /usr/sbin/dropbear "$root/sbin/dropbear"
for lib in $(ldd /usr/sbin/dropbear | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\/.*ld-linux/ {print $1}'); do
	mkdir -p "$root$(dirname "$lib")"
	cp -L "$lib" "$root$lib"
done
printf '#!/bin/sh\nexec /sbin/dropbear -F -E -R -p 22 2>>/var/log/dropbear.log\n' >"$root/sbin/sshd"
chmod 0755 "$root/sbin/sshd"
echo /bin/sh >"$root/etc/shells"
install -m 0755 "$here/init.sh" "$root/init"
install -m 0755 "$here/qga.sh" "$root/sbin/qga"
cat >"$root/etc/inittab" <<'EOF'
tty1::respawn:-/bin/sh
ttyS0::respawn:-/bin/sh
::respawn:/bin/acpid -f -c /etc/acpi
::respawn:/sbin/qga
::respawn:/sbin/sshd
::ctrlaltdel:/bin/reboot
::shutdown:/sbin/data-down
::shutdown:/bin/sync
EOF
# At shutdown /data is thawed (an unmount would wait on a frozen file system forever) and
# unmounted, so the next boot finds it clean; a shell still in it keeps it mounted, which
# the final sync covers.
cat >"$root/sbin/data-down" <<'EOF'
#!/bin/sh
grep -q ' /data ' /proc/mounts || exit 0
fsfreeze --unfreeze /data 2>/dev/null
rm -f /run/qga.frozen
umount /data 2>/dev/null
EOF
chmod 0755 "$root/sbin/data-down"
# ACPI power button (graceful shutdown from the panel): busybox acpid runs this.
printf '#!/bin/sh\nexec /bin/poweroff\n' >"$root/etc/acpi/PWRF/00000080"
chmod 0755 "$root/etc/acpi/PWRF/00000080"
printf 'export PS1="$(hostname)# "\n' >"$root/etc/profile"
# The password itself lives in /etc/shadow, which /init writes from the seed and the
# guest agent rewrites when the panel sets a new one.
echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
echo 'root:x:0:' >"$root/etc/group"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -9 >"$work/initrd.img"

cat >"$work/syslinux.cfg" <<'EOF'
DEFAULT tiny
PROMPT 0
TIMEOUT 0
LABEL tiny
  LINUX /vmlinuz
  INITRD /initrd.img
  APPEND console=tty0 console=ttyS0,115200 quiet loglevel=3 panic=10 mitigations=off
EOF

# An MBR disk (syslinux's MBR code): partition 1, from 1 MiB, the boot FAT (syslinux's
# boot sector, the kernel, the initrd); partition 2, from 256 MiB and 128 MiB long, the
# data partition, left empty: the guest formats it at its first boot (init.sh). It fits
# the panel's smallest disk (1 GiB) and leaves the boot partition room to grow. The
# image's virtual size ends with partition 2; the panel grows every clone to its plan.
disk="$work/disk.img"
kernel=("$work"/kernel/boot/vmlinuz-*)
need=$((($(stat -c %s "${kernel[0]}") + $(stat -c %s "$work/initrd.img")) / 1048576 + 8))
data_start=256
data_size=128
if ((1 + need > data_start)); then
	echo "build.sh: the boot partition ($need MiB) would reach the data partition" >&2
	exit 1
fi
truncate -s "$((data_start + data_size))M" "$disk"
printf 'label: dos\nstart=2048, size=%d, type=e, bootable\nstart=%d, size=%d, type=83\n' \
	$((need * 2048)) $((data_start * 2048)) $((data_size * 2048)) | sfdisk -q "$disk"
dd if=/usr/lib/syslinux/mbr/mbr.bin of="$disk" bs=440 count=1 conv=notrunc status=none
boot="$disk@@1048576"
mformat -i "$boot" -v TINYOS -T $((need * 2048)) -H 2048 -h 64 -s 32 ::
syslinux --offset 1048576 --install "$disk"
mcopy -i "$boot" "${kernel[0]}" ::/vmlinuz
mcopy -i "$boot" "$work/initrd.img" ::/initrd.img
mcopy -i "$boot" "$work/syslinux.cfg" ::/syslinux.cfg
qemu-img convert -q -f raw -O qcow2 "$disk" "$work/tiny.qcow2"

# The same system as a bootable CD (isolinux, El Torito), for tests of booting a VM
# from an ISO: its kernel line says so (abrak.boot=iso), which the banner shows.
iso="$out/tiny.iso"
mkdir -p "$work/iso/isolinux"
cp /usr/lib/ISOLINUX/isolinux.bin /usr/lib/syslinux/modules/bios/ldlinux.c32 "$work/iso/isolinux/"
cp "${kernel[0]}" "$work/iso/vmlinuz"
cp "$work/initrd.img" "$work/iso/initrd.img"
sed 's/APPEND /APPEND abrak.boot=iso /' "$work/syslinux.cfg" >"$work/iso/isolinux/isolinux.cfg"
xorriso -as mkisofs -quiet -o "$work/tiny.iso" -V TINYISO -b isolinux/isolinux.bin -c isolinux/boot.cat \
	-no-emul-boot -boot-load-size 4 -boot-info-table "$work/iso" 2>/dev/null
mv "$work/tiny.iso" "$iso"
mv "$work/tiny.qcow2" "$image"
cat >"$work/template.env" <<EOF
# The tiny OS template: a bootable qcow2 disk (BIOS, syslinux, Debian's $kver kernel).
# Clone it (StorageVolCreateXMLFrom) and grow the clone; attach a NoCloud seed (cidata).
FORMAT=qcow2
FILE=tiny.qcow2
# The same system as a bootable ISO (kernel line abrak.boot=iso).
ISO_FILE=tiny.iso
VIRTUAL_SIZE=$(qemu-img info --output=json "$image" | sed -n 's/.*"virtual-size": *\([0-9]*\).*/\1/p')
KERNEL_VERSION=$kver
EOF
mv "$work/template.env" "$envfile"
echo "$envfile"
