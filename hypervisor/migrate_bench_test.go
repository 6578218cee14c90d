package hypervisor

import (
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkDiskMigrate moves a running tiny guest (1 GiB disk, the
// template's ~20 MiB written) live from one node to the other and back cold,
// beside `virsh vol-download` of its disk's file (libvirt's own client on the
// stream a cold move copies through) and `qemu-img convert -O qcow2` of it
// (one read and one write of what the disk holds, no libvirt). Reported per
// run: seconds of each (and of that, libvirt's migration call, and the cold
// move's copy: the rest of a cold move is the guest's shutdown and start),
// the guest's downtime in each move, bytes moved.
func BenchmarkDiskMigrate(b *testing.B) {
	r := newRegion(b)
	ctx := ctxT(b)
	vm := newUUID()
	r.runningGuest(b, r.a, regionSpec(vm, 20))
	diskIO(b, r.a, vm, marker)
	floor := filepath.Join(b.TempDir(), "convert.qcow2")
	var live, liveRun, liveDown, cold, coldCopy, coldDown, virsh, convert time.Duration
	var liveBytes, coldBytes uint64
	b.ResetTimer()
	for range b.N {
		res, err := r.a.Migrate(ctx, vm, r.b, MigrateOptions{})
		mustDo(b, err)
		if res.Mode != LiveMove {
			b.Fatalf("moved %s (%s)", res.Mode, res.Cold)
		}
		live += res.Took
		liveRun += res.Copying
		liveDown += res.Downtime
		liveBytes = res.Bytes

		res, err = r.b.Migrate(ctx, vm, r.a, MigrateOptions{Cold: true})
		mustDo(b, err)
		cold += res.Took
		coldCopy += res.Copying
		coldDown += res.Downtime
		coldBytes = res.Bytes
		r.waitAnswers(b, regionSpec(vm, 20).Net.IPv4)

		start := time.Now()
		cmd := exec.Command("virsh", "-c", r.da.uri("qemu"), "vol-download", rootVolume(vm), "--pool", r.a.Config().Pool, floor)
		if msg, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("virsh vol-download: %v\n%s", err, msg)
		}
		virsh += time.Since(start)
		start = time.Now()
		cmd = exec.Command("qemu-img", "convert", "-U", "-O", "qcow2", filepath.Join(r.da.dir, "pool", rootVolume(vm)), floor)
		if msg, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("qemu-img convert: %v\n%s", err, msg)
		}
		convert += time.Since(start)
	}
	b.StopTimer()
	runs := float64(b.N)
	b.ReportMetric(live.Seconds()/runs, "live-s")
	b.ReportMetric(liveRun.Seconds()/runs, "of-which-libvirt-migration-s")
	b.ReportMetric(float64(liveDown.Milliseconds())/runs, "live-downtime-ms")
	b.ReportMetric(float64(liveBytes), "live-bytes")
	b.ReportMetric(cold.Seconds()/runs, "cold-s")
	b.ReportMetric(coldCopy.Seconds()/runs, "of-which-copy-s")
	b.ReportMetric(coldDown.Seconds()/runs, "cold-downtime-s")
	b.ReportMetric(float64(coldBytes), "cold-bytes")
	b.ReportMetric(virsh.Seconds()/runs, "virsh-vol-download-s")
	b.ReportMetric(convert.Seconds()/runs, "qemu-img-convert-s")
}
