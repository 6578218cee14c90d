package services_test

import (
	"bytes"
	"testing"
	"time"

	"abrak/services"
	"abrak/store"
	"abrak/vmstatus"
)

// Seed 002's wait_for, when the guest stops on its own: a shutdown, and a
// resize of a running VM, ask it (ACPI) and the action says acpi; the resize
// then applies the new plan to the stopped VM.
func TestAShutdownTheGuestHonoursSaysACPI(t *testing.T) {
	t.Parallel()
	e := newVMEnv(t, "test")
	must(t, e.db.UpsertPlan(e.ctx, store.Plan{Slug: "double", NameFA: "دوتایی", NameEN: "Double", VCPUs: 2, MemoryMB: 512, DiskGB: 1,
		PriceHourlyRials: vmtPrice, Sort: 2, Active: true}))
	owner := e.customer("acpi@example.com", 1000*vmtPrice)
	p := e.openReady(true)
	vm := e.runningVM(p, owner, "acpi")

	wait, two := 0.5, 2.0
	a, err := p.PowerWait(e.ctx, owner, vm.UUID, "shutdown", &wait)
	must(t, err)
	if a = waitAction(t, p, owner, a.ID); a.Status != store.ActionCompleted || a.Result != store.ActionResultACPI {
		t.Fatalf("the shutdown ended %+v, want completed by acpi", a)
	}
	e.waitStatus(vm.UUID, vmstatus.Stopped, time.Minute)

	start, err := p.Power(e.ctx, owner, vm.UUID, "start")
	must(t, err)
	waitAction(t, p, owner, start.ID)
	e.waitStatus(vm.UUID, vmstatus.Running, time.Minute)
	if _, err := p.Resize(e.ctx, owner, vm.UUID, "double"); err == nil {
		t.Fatal("a running VM was resized without wait_for")
	}
	r, err := p.RunAction(e.ctx, owner, vm.UUID, services.ActionRequest{Type: "resize", Resource: "cpu", Size: &two, WaitFor: &wait})
	must(t, err)
	if a := waitAction(t, p, owner, r.Action.ID); a.Status != store.ActionCompleted || a.Result != store.ActionResultACPI {
		t.Fatalf("the resize ended %+v, want completed after an acpi shutdown", a)
	}
	if got := e.vm(vm.UUID); got.PlanSlug != "double" || got.VCPUs != 2 || got.Status != vmstatus.Stopped {
		t.Fatalf("after the resize: plan %q, %d vCPUs, status %q", got.PlanSlug, got.VCPUs, got.Status)
	}
}

// A guest that ignores ACPI (QEMU with no operating system on its disk: the
// power button press reaches nothing) is powered off once wait_for has passed,
// and the action says forced.
func TestAShutdownTheGuestIgnoresIsForcedAfterTheWait(t *testing.T) {
	t.Parallel()
	e := newVMEnv(t, "qemu")
	e.cfg.FirstBoot = 2 * time.Second
	blank := make([]byte, 1<<20)
	must(t, e.keeper.ImportTemplate(e.ctx, "blank.raw", bytes.NewReader(blank), int64(len(blank)), "raw"))
	must(t, e.db.UpsertOSTemplate(e.ctx, store.OSTemplate{Slug: "blank", Name: "No OS", Volume: "blank.raw", MinDiskGB: 1, Sort: 2, Active: true}))
	owner := e.customer("deaf@example.com", 1000*vmtPrice)
	p := e.openReady(true)
	order := vmOrder("deaf")
	order.OSTemplateSlug = "blank"
	created, err := p.Create(e.ctx, owner, order)
	must(t, err)
	e.waitStatus(created.UUID, vmstatus.Running, 3*time.Minute)

	wait := 0.05 // three seconds
	asked := time.Now()
	a, err := p.PowerWait(e.ctx, owner, created.UUID, "shutdown", &wait)
	must(t, err)
	if a = waitAction(t, p, owner, a.ID); a.Status != store.ActionCompleted || a.Result != store.ActionResultForced {
		t.Fatalf("the shutdown ended %+v, want completed by force", a)
	}
	if took := time.Since(asked); took < 3*time.Second {
		t.Errorf("forced off %s after asking, before the wait had passed", took)
	}
	if st := e.vm(created.UUID).Status; st != vmstatus.Stopped {
		t.Errorf("status %q after the forced shutdown", st)
	}
}
