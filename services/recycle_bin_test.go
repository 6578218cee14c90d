package services_test

import (
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"abrak/hypervisor"
	"abrak/hypervisor/localvirt"
	"abrak/services"
	"abrak/store"
	"abrak/testkit"
	"abrak/vmstatus"
)

// A deleted VM reads deleted at once and waits in the recycle bin: off, billed
// nothing, refusing every change, its disk and addresses kept. Restored, it is
// the same VM (MAC, addresses) running again, paying the hour it starts in and
// never the hours in the bin. Deleted again and left past the grace, it is
// destroyed and its addresses go to quarantine; purge skips the bin. A VM held
// for want of funds comes back held: the bin is no way out of a debt.
func TestADeletedVMWaitsInTheRecycleBinAndComesBackAsItWas(t *testing.T) {
	t.Parallel()
	e := newVMEnv(t, "qemu")
	clock := testkit.NewClock(time.Now())
	e.cfg.Now = clock.Now
	e.cfg.Backups.RecycleGrace = 24 * time.Hour
	owner := e.customer("bin@example.com", 1000*vmtPrice)
	p := e.openReady(true)
	vm := e.runningVM(p, owner, "binned")

	a, err := p.Delete(e.ctx, owner, vm.UUID, false)
	must(t, err)
	if got := e.vm(vm.UUID); got.Status != vmstatus.Deleted || got.DeletedAt.IsZero() {
		t.Fatalf("right after the delete: %q, deleted at %v", got.Status, got.DeletedAt)
	}
	if a = waitAction(t, p, owner, a.ID); a.Status != store.ActionCompleted {
		t.Fatalf("delete into the bin: %+v", a)
	}
	eventually(t, time.Minute, "the binned VM's domain is off", func() (bool, string) {
		st := e.domains()[vm.UUID]
		return st == vmstatus.Stopped, string(st)
	})
	if _, err := p.Power(e.ctx, owner, vm.UUID, "start"); services.AsError(err).Code != "in_recycle_bin" {
		t.Fatalf("starting a binned VM: %v", err)
	}
	if l, _, err := p.List(e.ctx, owner, services.ListInput{Limit: 50}); err != nil || len(l) != 0 {
		t.Fatalf("the VM list shows the binned VM: %v %v", l, err)
	}
	if l, _, err := p.List(e.ctx, owner, services.ListInput{Status: "deleted", Limit: 50}); err != nil || len(l) != 1 {
		t.Fatalf("recently deleted: %v %v", l, err)
	}
	// Three hours in the bin: nothing is billed for them.
	hours, _ := e.ledgerRows(owner, "hourly", vm.UUID)
	later := clock.Add(3 * time.Hour)
	p.BillDue(e.ctx, later)
	if n, _ := e.ledgerRows(owner, "hourly", vm.UUID); n != hours {
		t.Fatalf("%d hourly charges while in the bin", n-hours)
	}

	r, err := p.Restore(e.ctx, owner, vm.UUID)
	must(t, err)
	if r = waitAction(t, p, owner, r.ID); r.Status != store.ActionCompleted {
		t.Fatalf("restore: %+v", r)
	}
	e.waitStatus(vm.UUID, vmstatus.Running, time.Minute)
	back := e.vm(vm.UUID)
	if back.MAC != vm.MAC || back.PublicIP != vm.PublicIP || back.PublicIPv6 != vm.PublicIPv6 || !back.DeletedAt.IsZero() {
		t.Fatalf("restored as %s %s %s, was %s %s %s", back.MAC, back.PublicIP, back.PublicIPv6, vm.MAC, vm.PublicIP, vm.PublicIPv6)
	}
	if n, sum := e.ledgerRows(owner, "hourly", vm.UUID); n != hours+1 || sum == 0 {
		t.Fatalf("restoring charged %d hours, want the one it starts in", n-hours)
	}
	if !back.PaidUntil.After(later) {
		t.Fatalf("restored with its hour paid until %v, before now (%v)", back.PaidUntil, later)
	}
	if _, err := p.Restore(e.ctx, owner, vm.UUID); services.AsError(err).Code != "not_in_recycle_bin" {
		t.Fatalf("restoring a VM not in the bin: %v", err)
	}

	// Deleted again and left past the grace: destroyed, its addresses quarantined.
	_, err = p.Delete(e.ctx, owner, vm.UUID, false)
	must(t, err)
	p.EmptyRecycleBin(e.ctx, clock.Add(23*time.Hour))
	if st := e.vm(vm.UUID).Status; st != vmstatus.Deleted {
		t.Fatalf("destroyed before the grace ended: %q", st)
	}
	p.EmptyRecycleBin(e.ctx, clock.Add(2*time.Hour))
	if st := e.vm(vm.UUID).Status; st != vmstatus.Destroyed {
		t.Fatalf("after the grace: %q", st)
	}
	if _, ok := e.domains()[vm.UUID]; ok {
		t.Fatal("the node keeps the domain of a VM destroyed after its grace")
	}
	var live int
	must(t, e.db.R.QueryRowContext(e.ctx, `SELECT count(*) FROM addresses WHERE vm_id = ? AND released_at IS NULL`, vm.ID).Scan(&live))
	if live != 0 {
		t.Fatalf("the destroyed VM holds %d addresses", live)
	}

	// Purge skips the bin.
	other := e.runningVM(p, owner, "purged")
	a, err = p.Delete(e.ctx, owner, other.UUID, true)
	must(t, err)
	if a = waitAction(t, p, owner, a.ID); a.Status != store.ActionCompleted || e.vm(other.UUID).Status != vmstatus.Destroyed {
		t.Fatalf("purge: %+v, status %q", a, e.vm(other.UUID).Status)
	}

	// A VM held for want of funds comes back held, and charges nothing.
	held := e.runningVM(p, owner, "held")
	k, err := p.Power(e.ctx, owner, held.UUID, "kill")
	must(t, err)
	waitAction(t, p, owner, k.ID)
	_, err = e.db.W.ExecContext(e.ctx, `UPDATE vms SET unpaid_since = ? WHERE id = ?`, clock.Now().Unix(), held.ID)
	must(t, err)
	d, err := p.Delete(e.ctx, owner, held.UUID, false)
	must(t, err)
	// The delete holds the VM until its power-off has ended, as the page shows.
	waitAction(t, p, owner, d.ID)
	before := e.balance(owner)
	_, err = p.Restore(e.ctx, owner, held.UUID)
	must(t, err)
	if got := e.vm(held.UUID); got.Status != vmstatus.Stopped || !got.Held() || e.balance(owner) != before {
		t.Fatalf("a held VM restored: %q held %v, balance %d (was %d)", got.Status, got.Held(), e.balance(owner), before)
	}
}

// A backup of a running VM is kept on the region's other node (checked in
// libvirt: the volume is in that node's pool, not in the VM's), and comes back
// as a new VM on that node, an order charged as one, with what the disk held.
func TestABackupOnAnotherNodeComesBackAsANewVMThere(t *testing.T) {
	t.Parallel()
	e := newVMEnv(t, "qemu")
	owner := e.customer("new-from-backup@example.com", 1000*vmtPrice)
	must(t, e.db.UpsertPlan(e.ctx, store.Plan{Slug: "two", NameFA: "دو", NameEN: "Two", VCPUs: 1, MemoryMB: 256, DiskGB: 2, PriceHourlyRials: vmtPrice, Sort: 2, Active: true}))
	p := e.openReady(true)
	big := vmOrder("source")
	big.PlanSlug = "two"
	source, err := p.Create(e.ctx, owner, big)
	must(t, err)
	e.waitStatus(source.UUID, vmstatus.Running, 3*time.Minute)
	vm := e.vm(source.UUID)
	// The region's second node comes after the VM, with the region's backup store.
	second := e.addQEMUNode("qemu-2")
	_, err = e.db.AddBackupStore(e.ctx, store.BackupStore{Name: "on-2", Region: vmtRegion, Kind: store.BackupStorePool, NodeID: second.node.ID})
	must(t, err)
	must(t, p.SyncNodes(e.ctx))
	waitForNode(t, p.fleet, second.node.ID)
	diskWrite(t, e, vm.UUID, "write -P 0x7e 512M 64k")
	a, err := p.BackupNow(e.ctx, owner, vm.UUID)
	must(t, err)
	if a = waitAction(t, p, owner, a.ID); a.Status != store.ActionCompleted {
		t.Fatalf("backup: %+v", a)
	}
	bks, err := p.Backups(e.ctx, owner, vm.UUID)
	must(t, err)
	file := vm.UUID + "-" + strconv.FormatInt(bks[0].ID, 10) + ".qcow2"
	if vols, _ := second.keeper.Volumes(e.ctx); !slices.Contains(vols, file) {
		t.Fatalf("node 2's pool holds %v, not the backup %s", vols, file)
	}
	if vols, _ := e.keeper.Volumes(e.ctx); slices.Contains(vols, file) {
		t.Fatalf("the backup is on the VM's own node: %v", vols)
	}

	// The source goes; node 2 takes VMs again, node 1 none.
	_, err = p.Delete(e.ctx, owner, vm.UUID, true)
	must(t, err)
	_, err = e.db.W.ExecContext(e.ctx, `UPDATE nodes SET enabled = CASE WHEN id = ? THEN 1 ELSE 0 END`, second.node.ID)
	must(t, err)
	must(t, p.SyncNodes(e.ctx))
	small := vmOrder("restored")
	if _, err := p.RestoreBackupAsNew(e.ctx, owner, vm.UUID, bks[0].ID, small); services.AsError(err).Fields["plan_slug"] != "backup.plan_too_small" {
		t.Fatalf("a plan whose disk is smaller than the backup's: %v", err)
	}
	balance := e.balance(owner)
	o, err := p.RestoreBackupAsNew(e.ctx, owner, vm.UUID, bks[0].ID, big)
	must(t, err)
	e.waitStatus(o.VM.UUID, vmstatus.Running, 3*time.Minute)
	restored := e.vm(o.VM.UUID)
	if restored.NodeID != second.node.ID || restored.OSTemplateSlug != vm.OSTemplateSlug {
		t.Fatalf("restored onto node %d with template %q", restored.NodeID, restored.OSTemplateSlug)
	}
	if got := e.balance(owner); got != balance-vmtPrice {
		t.Fatalf("the new VM cost %d, want an order's first hour (%d)", balance-got, vmtPrice)
	}
	out, err := exec.Command("virsh", "-c", "qemu+unix:///system?socket="+second.daemon.Socket, "qemu-monitor-command", restored.UUID, "--hmp",
		`qemu-io -d /machine/peripheral/virtio-disk0/virtio-backend "read -P 0x7e 512M 64k"`).CombinedOutput()
	if err != nil || strings.Contains(strings.ToLower(string(out)), "fail") {
		t.Fatalf("the restored disk does not hold what the source wrote: %v\n%s", err, out)
	}
}

// secondNode is one more QEMU node of the test region, with the template.
type secondNode struct {
	daemon *localvirt.Daemon
	node   store.Node
	keeper *hypervisor.Node
}

func (e *vmEnv) addQEMUNode(name string) secondNode {
	e.t.Helper()
	d := localvirt.Start(e.t)
	n, err := e.db.UpsertNode(e.ctx, store.Node{Name: name, Region: vmtRegion, URI: "qemu+unix:///system?socket=" + d.Socket,
		VNCHost: "127.0.0.1", Enabled: true, VNCSocketDir: d.VNCDir})
	must(e.t, err)
	keeper := hypervisor.NewFleet(e.log, fleetOptions())
	e.t.Cleanup(func() { keeper.Close() })
	keeper.SetNodes([]hypervisor.NodeConfig{nodeConfig(n)})
	k := waitForNode(e.t, keeper, n.ID)
	tf := localvirt.Template(e.t)
	f, err := os.Open(tf.File)
	must(e.t, err)
	defer f.Close()
	st, err := f.Stat()
	must(e.t, err)
	must(e.t, k.ImportTemplate(e.ctx, vmtVolume, f, st.Size(), tf.Format))
	return secondNode{daemon: d, node: n, keeper: k}
}

// A restore that finds the VM busy (its delete's power-off still running, as
// the soak met it) is refused and leaves the VM in the recycle bin, where a
// restore tried again finds it; it never comes out of the bin off.
func TestARestoreRefusedWhileTheVMIsBusyLeavesItInTheBin(t *testing.T) {
	t.Parallel()
	e := newVMEnv(t, "qemu")
	owner := e.customer("busy-bin@example.com", 1000*vmtPrice)
	p := e.openReady(true)
	vm := e.runningVM(p, owner, "busy")
	a, err := p.Delete(e.ctx, owner, vm.UUID, false)
	must(t, err)
	waitAction(t, p, owner, a.ID)
	ok, err := e.db.TryLockVM(e.ctx, vm.ID) // another operation holds the VM
	must(t, err)
	if !ok {
		t.Fatal("the binned VM is still locked after its delete completed")
	}
	if _, err := p.Restore(e.ctx, owner, vm.UUID); err == nil || services.AsError(err).Key != "vm.locked" {
		t.Fatalf("restoring a busy VM: %v", err)
	}
	if got := e.vm(vm.UUID); got.Status != vmstatus.Deleted || got.DeletedAt.IsZero() {
		t.Fatalf("a refused restore left the VM %q (deleted at %v), not in the bin", got.Status, got.DeletedAt)
	}
	must(t, e.db.SetVMLocked(e.ctx, vm.ID, false))
	r, err := p.Restore(e.ctx, owner, vm.UUID)
	must(t, err)
	if r = waitAction(t, p, owner, r.ID); r.Status != store.ActionCompleted {
		t.Fatalf("the restore tried again: %+v", r)
	}
	e.waitStatus(vm.UUID, vmstatus.Running, time.Minute)
}

// A purge is recorded before the node is asked for anything: asked while the
// node does not answer (as after a restart that cut a purge short), the VM
// reads deleted at once, is billed no hour more, cannot be restored, and is
// destroyed by the recycle bin's pass once its node is back, though its grace
// is far from over.
func TestAPurgeTheNodeCouldNotFinishIsFinishedByTheBin(t *testing.T) {
	t.Parallel()
	e := newVMEnv(t, "test")
	clock := testkit.NewClock(time.Now())
	e.cfg.Now = clock.Now
	e.cfg.Backups.RecycleGrace = 24 * time.Hour
	owner := e.customer("purge-away@example.com", 1000*vmtPrice)
	p := e.openReady(false)
	vm, err := p.Create(e.ctx, owner, vmOrder("purged-away"))
	must(t, err)
	p.run()
	e.waitStatus(vm.UUID, vmstatus.Running, time.Minute)

	must(t, e.daemon.Stop())
	eventually(t, 20*time.Second, "the node is seen away", func() (bool, string) {
		_, err := p.fleet.Node(e.node.ID)
		return err != nil, "answering"
	})
	_, err = p.Delete(e.ctx, owner, vm.UUID, true)
	must(t, err)
	if got := e.vm(vm.UUID); got.Status != vmstatus.Deleted {
		t.Fatalf("a purge asked while the node is away left the VM %q, billed", got.Status)
	}
	hours, _ := e.ledgerRows(owner, "hourly", vm.UUID)
	clock.Add(3 * time.Hour)
	p.BillDue(e.ctx, clock.Now())
	if n, _ := e.ledgerRows(owner, "hourly", vm.UUID); n != hours {
		t.Fatalf("%d hours charged for a VM being purged", n-hours)
	}
	if _, err := p.Restore(e.ctx, owner, vm.UUID); services.AsError(err).Code == "" {
		t.Fatal("a VM being purged was restored")
	}

	must(t, e.daemon.Up())
	waitForNode(t, p.fleet, e.node.ID)
	p.EmptyRecycleBin(e.ctx, clock.Now())
	if st := e.vm(vm.UUID).Status; st != vmstatus.Destroyed {
		t.Fatalf("the bin's pass left a purged VM %q", st)
	}
	var live int
	must(t, e.db.R.QueryRowContext(e.ctx, `SELECT count(*) FROM addresses WHERE vm_id = ? AND released_at IS NULL`, vm.ID).Scan(&live))
	if live != 0 {
		t.Fatalf("the purged VM holds %d addresses", live)
	}
}
