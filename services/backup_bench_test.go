package services_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"abrak/services"
	"abrak/store"
	"abrak/testkit"
	"abrak/vmstatus"
)

// BenchmarkBackupWindow runs one day's backup window over 20 running VMs with
// backups on (the worker's passes, a node backing up one VM at a time, into a
// directory store) and reports the panel's CPU for the whole window, the
// bytes stored and the window's length; beside it, the CPU of `cp` copying the
// same files (the yardstick for moving those bytes through this host).
func BenchmarkBackupWindow(b *testing.B) {
	e := newVMEnv(b, "qemu")
	clock := testkit.NewClock(time.Now())
	e.cfg.Now = clock.Now
	e.cfg.Backups = services.BackupConfig{WindowStart: time.Hour, WindowLength: 4 * time.Hour, Zone: time.UTC}
	dir := filepath.Join(b.TempDir(), "store")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		b.Fatal(err)
	}
	if _, err := e.db.AddBackupStore(e.ctx, store.BackupStore{Name: "bench", Region: vmtRegion, Kind: store.BackupStoreDir, Path: dir}); err != nil {
		b.Fatal(err)
	}
	owner := e.customer("window@example.com", 10_000*vmtPrice)
	p := e.openReady(true)
	var uuids []string
	for i := range 20 {
		vm, err := p.Create(e.ctx, owner, vmOrder(fmt.Sprintf("w%02d", i)))
		if err != nil {
			b.Fatal(err)
		}
		uuids = append(uuids, vm.UUID)
	}
	for _, id := range uuids {
		e.waitStatus(id, vmstatus.Running, 10*time.Minute)
		if _, err := p.SetBackups(e.ctx, owner, id, true); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for day := range b.N {
		before := cpu()
		start := time.Now()
		at := time.Date(2030, 1, 10+day, 6, 0, 0, 0, time.UTC)
		done := func() int {
			n := 0
			for _, id := range uuids {
				if l, _ := p.Backups(e.ctx, owner, id); len(l) > day && l[0].Status == store.BackupCompleted {
					n++
				}
			}
			return n
		}
		for done() < len(uuids) {
			clock.Set(at)
			p.BackupPass(e.ctx, at)
			at = at.Add(time.Minute)
			time.Sleep(200 * time.Millisecond)
		}
		took, used := time.Since(start), cpu()-before
		var bytes int64
		entries, _ := os.ReadDir(dir)
		for _, f := range entries {
			if info, err := f.Info(); err == nil {
				bytes += info.Size()
			}
		}
		copyDir := b.TempDir()
		cmd := exec.Command("sh", "-c", "cp "+dir+"/* "+copyDir+" && sync")
		if err := cmd.Run(); err != nil {
			b.Fatal(err)
		}
		cp := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		b.ReportMetric(used.Seconds(), "panel-cpu-s")
		b.ReportMetric(cp.Seconds(), "cp-cpu-s")
		b.ReportMetric(took.Seconds(), "window-s")
		b.ReportMetric(float64(bytes), "stored-bytes")
	}
}

// cpu is the CPU time this process has used, user and system.
func cpu() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
