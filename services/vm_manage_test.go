package services_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"abrak/services"
	"abrak/store"
	"abrak/vmstatus"
)

// A customer resizes a stopped VM, keeps snapshots of it and rebuilds it; the
// record follows only what the node did, and the VM keeps who it is.
func TestResizeSnapshotsAndRebuildOnTheTestDriver(t *testing.T) {
	t.Parallel()
	e := newVMEnv(t, "test")
	ctx := e.ctx
	must(t, e.db.UpsertPlan(ctx, store.Plan{Slug: "small", NameFA: "کوچک ۲", NameEN: "Small", VCPUs: 2, MemoryMB: 512, DiskGB: 2, PriceHourlyRials: 2 * vmtPrice, Sort: 2, Active: true}))
	must(t, e.db.UpsertOSTemplate(ctx, store.OSTemplate{Slug: "tiny-next", Name: "Tiny Linux Next", Volume: vmtVolume, MinDiskGB: 1, Sort: 2, Active: true}))
	owner := e.customer("owner@example.com", 10*vmtPrice)
	other := e.customer("other@example.com", 10*vmtPrice)
	p := e.openReady(true)
	vm, err := p.Create(ctx, owner, vmOrder("web"))
	must(t, err)
	e.waitStatus(vm.UUID, vmstatus.Running, 20*time.Second)
	vm = e.vm(vm.UUID)

	done := func(a services.Action, err error) services.Action {
		t.Helper()
		must(t, err)
		if a = waitAction(t, p, owner, a.ID); a.Status != store.ActionCompleted {
			t.Fatalf("%s action %+v", a.Type, a)
		}
		return a
	}

	// Resize: only while stopped, only to a known plan, never to a smaller disk.
	_, err = p.Resize(ctx, owner, vm.UUID, "small")
	wantStatus(t, err, 409, "")
	if services.AsError(err).Key != "vm.must_be_stopped" {
		t.Fatalf("resize of a running VM: %v", err)
	}
	_, err = p.Resize(ctx, owner, vm.UUID, "huge")
	wantStatus(t, err, 422, "plan_slug")
	done(p.Power(ctx, owner, vm.UUID, "shutdown"))
	e.waitStatus(vm.UUID, vmstatus.Stopped, 30*time.Second)
	if a := done(p.Resize(ctx, owner, vm.UUID, "small")); a.Type != "resize" {
		t.Fatalf("resize recorded as %q", a.Type)
	}
	if got := e.vm(vm.UUID); got.PlanSlug != "small" || got.VCPUs != 2 || got.MemoryMB != 512 || got.DiskGB != 2 || got.PriceHourly != 2*vmtPrice || got.Locked {
		t.Fatalf("after resize: plan %q %d vCPU %d MB %d GB, %d rials/h, locked %v", got.PlanSlug, got.VCPUs, got.MemoryMB, got.DiskGB, got.PriceHourly, got.Locked)
	}
	_, err = p.Resize(ctx, owner, vm.UUID, vmtPlan)
	wantStatus(t, err, 422, "plan_slug")

	// Snapshots: named or stamped, unique, at most five, reverted to the state they saved.
	snaps, err := p.Snapshots(ctx, owner, vm.UUID)
	must(t, err)
	if len(snaps) != 0 {
		t.Fatalf("a new VM has snapshots %+v", snaps)
	}
	done(p.CreateSnapshot(ctx, owner, vm.UUID, "before"))
	_, err = p.CreateSnapshot(ctx, owner, vm.UUID, "before")
	wantStatus(t, err, 409, "")
	// Any printable name is a display name now; a name that hides itself or is too long is not.
	for _, bad := range []string{"gpj\u202eexe", "\u3164", strings.Repeat("x", 65)} {
		_, err = p.CreateSnapshot(ctx, owner, vm.UUID, bad)
		wantStatus(t, err, 422, "name")
	}
	done(p.CreateSnapshot(ctx, owner, vm.UUID, ""))
	done(p.Power(ctx, owner, vm.UUID, "start"))
	e.waitStatus(vm.UUID, vmstatus.Running, 30*time.Second)
	for _, n := range []string{"s3", "s4", "s5"} {
		done(p.CreateSnapshot(ctx, owner, vm.UUID, n))
	}
	_, err = p.CreateSnapshot(ctx, owner, vm.UUID, "s6")
	wantStatus(t, err, 409, "")
	snaps, err = p.Snapshots(ctx, owner, vm.UUID)
	must(t, err)
	// Taken within the same second, they may list in any order among themselves.
	names, current, stamped := []string{}, "", false
	for _, s := range snaps {
		names = append(names, s.Name)
		stamped = stamped || strings.HasPrefix(s.Name, "snap-")
		if s.Current {
			current = s.Name
		}
	}
	slices.Sort(names)
	if len(snaps) != services.MaxSnapshots || !stamped || current != "s5" || !slices.Contains(names, "before") {
		t.Fatalf("snapshots %v, current %q", names, current)
	}
	done(p.RevertSnapshot(ctx, owner, vm.UUID, "before"))
	if got := e.vm(vm.UUID); got.Status != vmstatus.Stopped || got.Locked {
		t.Fatalf("after reverting to a snapshot of a stopped VM: %q, locked %v", got.Status, got.Locked)
	}
	_, err = p.RevertSnapshot(ctx, owner, vm.UUID, "nope")
	wantStatus(t, err, 404, "")
	_, err = p.DeleteSnapshot(ctx, owner, vm.UUID, "nope")
	wantStatus(t, err, 404, "")
	done(p.DeleteSnapshot(ctx, owner, vm.UUID, "s5"))
	snaps, err = p.Snapshots(ctx, owner, vm.UUID)
	must(t, err)
	if len(snaps) != 4 || slices.ContainsFunc(snaps, func(s services.Snapshot) bool { return s.Name == "s5" }) {
		t.Fatalf("after deleting s5: %+v", snaps)
	}

	// Another customer finds nothing; a token that may only read cannot change anything.
	for name, call := range map[string]func(who services.Principal) error{
		"resize":   func(w services.Principal) error { _, err := p.Resize(ctx, w, vm.UUID, "small"); return err },
		"list":     func(w services.Principal) error { _, err := p.Snapshots(ctx, w, vm.UUID); return err },
		"snapshot": func(w services.Principal) error { _, err := p.CreateSnapshot(ctx, w, vm.UUID, "x"); return err },
		"revert":   func(w services.Principal) error { _, err := p.RevertSnapshot(ctx, w, vm.UUID, "before"); return err },
		"delete":   func(w services.Principal) error { _, err := p.DeleteSnapshot(ctx, w, vm.UUID, "before"); return err },
		"rebuild":  func(w services.Principal) error { _, err := p.Rebuild(ctx, w, vm.UUID, ""); return err },
	} {
		if err := call(other); errStatus(err) != 404 {
			t.Errorf("%s by another customer: %v, want 404", name, err)
		}
		reader := owner
		reader.TokenID, reader.TokenName, reader.Scopes = 1, "ro", []string{services.ScopeVMRead}
		if err := call(reader); name == "list" {
			must(t, err)
		} else {
			wantForbidden(t, err, services.ScopeVMWrite)
		}
	}

	// Rebuild: a fresh disk from another template, the same VM.
	_, err = p.Rebuild(ctx, owner, vm.UUID, "windows")
	wantStatus(t, err, 422, "os_template_slug")
	done(p.Rebuild(ctx, owner, vm.UUID, "tiny-next"))
	got := e.vm(vm.UUID)
	if got.OSTemplateSlug != "tiny-next" || got.PublicIP != vm.PublicIP || got.RootCrypt != vm.RootCrypt || got.Hostname != vm.Hostname ||
		got.Status != vmstatus.Running || got.Locked || got.PlanSlug != "small" {
		t.Fatalf("after rebuild: template %q ip %q status %q locked %v plan %q", got.OSTemplateSlug, got.PublicIP, got.Status, got.Locked, got.PlanSlug)
	}
	if _, ok := e.domains()[vm.UUID]; !ok {
		t.Fatal("the rebuilt VM's domain is not under its UUID")
	}
	if snaps, err = p.Snapshots(ctx, owner, vm.UUID); err != nil || len(snaps) != 0 {
		t.Fatalf("snapshots after rebuild: %+v %v", snaps, err)
	}
	pg, err := p.Page(ctx, owner, vm.UUID, 1, 50)
	events := pg.Events
	must(t, err)
	if i := slices.IndexFunc(events, func(ev services.Event) bool { return ev.Action == "vm.rebuild" }); i < 0 || events[i].Severity != services.SeverityWarning {
		t.Fatalf("no warning event for the rebuild: %+v", events)
	}
}
