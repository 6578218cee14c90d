package hypervisor

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"abrak/vmstatus"
)

// BenchmarkDiskBackup backs up and restores a running VM's 10 GiB disk,
// mostly empty and with 1 GiB written, through the whole path a backup
// takes (libvirt's backup job on the node, the stream off it on a connection
// of its own, a file on this host), beside `qemu-img convert -O qcow2` of the
// same disk on the same machine: the floor, one read and one write of what
// the disk holds, with no libvirt and no stream; and beside `virsh
// vol-download` of the disk's file, libvirt's own client on the same stream.
// Reported per run: seconds of each, and the bytes a backup stores.
func BenchmarkDiskBackup(b *testing.B) {
	d := startDaemon(b)
	f, n := qemuNode(b, d, 1)
	ev := record(f)
	ctx := ctxT(b)
	for _, written := range []int{0, 1} {
		b.Run(fmt.Sprintf("written=%dGiB", written), func(b *testing.B) {
			vm := newUUID()
			spec := qemuSpec(vm)
			spec.DiskGB = 10
			mustDo(b, n.Create(ctx, spec))
			ev.waitFor(b, vm, vmstatus.Running)
			for i := range written * 8 {
				diskIO(b, n, vm, fmt.Sprintf("write -P 0x5a %dM 128M", 512+i*128))
			}
			file := filepath.Join(b.TempDir(), "backup.qcow2")
			floor := filepath.Join(b.TempDir(), "convert.qcow2")
			var backup, freeze, restore, convert, virsh time.Duration
			var stored int64
			b.ResetTimer()
			for range b.N {
				out, err := os.Create(file)
				mustDo(b, err)
				w := bufio.NewWriterSize(out, 1<<20)
				start := time.Now()
				bk, err := n.Backup(ctx, vm, w, nil)
				mustDo(b, err)
				mustDo(b, w.Flush())
				mustDo(b, out.Sync())
				mustDo(b, out.Close())
				backup += time.Since(start)
				freeze += bk.Took
				stored = bk.Size

				start = time.Now()
				cmd := exec.Command("qemu-img", "convert", "-U", "-O", "qcow2", filepath.Join(d.dir, "pool", rootVolume(vm)), floor)
				if msg, err := cmd.CombinedOutput(); err != nil {
					b.Fatalf("qemu-img convert: %v\n%s", err, msg)
				}
				convert += time.Since(start)

				start = time.Now()
				cmd = exec.Command("virsh", "-c", d.uri("qemu"), "vol-download", rootVolume(vm), "--pool", n.Config().Pool, floor)
				if msg, err := cmd.CombinedOutput(); err != nil {
					b.Fatalf("virsh vol-download: %v\n%s", err, msg)
				}
				virsh += time.Since(start)

				mustDo(b, n.PowerOff(ctx, vm))
				ev.waitFor(b, vm, vmstatus.Stopped)
				start = time.Now()
				mustDo(b, n.RestoreDisk(ctx, vm, DiskImage{Size: bk.Size, Capacity: bk.Capacity, SHA256: bk.SHA256, Open: openFile(file)}))
				restore += time.Since(start)
				mustDo(b, n.Start(ctx, vm))
				ev.waitFor(b, vm, vmstatus.Running)
			}
			b.StopTimer()
			runs := float64(b.N)
			b.ReportMetric(backup.Seconds()/runs, "backup-s")
			b.ReportMetric(freeze.Seconds()/runs, "of-which-on-node-s")
			b.ReportMetric(restore.Seconds()/runs, "restore-s")
			b.ReportMetric(convert.Seconds()/runs, "qemu-img-convert-s")
			b.ReportMetric(virsh.Seconds()/runs, "virsh-vol-download-s")
			b.ReportMetric(float64(stored), "stored-bytes")
			mustDo(b, n.Delete(ctx, vm))
		})
	}
}

// openFile is a DiskImage's Open for a file on this host.
func openFile(path string) func(context.Context) (io.ReadCloser, error) {
	return func(context.Context) (io.ReadCloser, error) { return os.Open(path) }
}
