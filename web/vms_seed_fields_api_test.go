package web_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"abrak/testkit"
)

// seedVM is a VM body read with seed 001's names only, as a script written
// for that seed reads it.
type seedVM struct {
	Memory *float64 `json:"memory"`
	VCPUs  *int     `json:"vcpus"`
	Disk   *int     `json:"disk"`
	Image  *struct {
		ID, Distro, Name string
	} `json:"image"`
	Features    []string  `json:"features"`
	SnapshotIDs *[]string `json:"snapshot_ids"`
	BackupIDs   *[]int64  `json:"backup_ids"`
	UpdatedAt   string    `json:"updated_at"`
	CreatedAt   string    `json:"created_at"`
}

// A script written for seed 001 finds the VM's memory and disk in GB (not
// Abrak's MB), its vCPUs, image, features, snapshot and backup ids and when it
// last changed, in the one VM's answer and in the list, beside Abrak's own fields.
func TestAPIVMCarriesSeed001Fields(t *testing.T) {
	w := newVMWorld(t)
	get := func() seedVM {
		t.Helper()
		r := w.a.APICall(t, "GET", "/api/v1/vms/"+w.web, w.ana.token, "")
		testkit.MustStatus(t, "get", r, 200)
		var b struct{ VM seedVM }
		if err := json.Unmarshal([]byte(r.Body), &b); err != nil {
			t.Fatal(err)
		}
		return b.VM
	}
	v := get()
	// The starter plan: 1024 MB, 1 vCPU, 20 GB.
	if v.Memory == nil || *v.Memory != 1 || v.VCPUs == nil || *v.VCPUs != 1 || v.Disk == nil || *v.Disk != 20 {
		t.Errorf("memory %v GB, vcpus %v, disk %v GB: want 1, 1, 20", deref(v.Memory), deref(v.VCPUs), deref(v.Disk))
	}
	if v.Image == nil || v.Image.ID != "debian-12" || v.Image.Distro != "debian-12" || v.Image.Name != "Debian 12" {
		t.Errorf("image %+v", v.Image)
	}
	if !slices.Equal(v.Features, []string{"guest_agent"}) {
		t.Errorf("features %q, want [guest_agent] for a VM without IPv6 or backups", v.Features)
	}
	if v.SnapshotIDs == nil || len(*v.SnapshotIDs) != 0 {
		t.Errorf("snapshot_ids %v, want [] for a VM without snapshots", v.SnapshotIDs)
	}
	if v.BackupIDs == nil || len(*v.BackupIDs) != 0 {
		t.Errorf("backup_ids %v, want []", v.BackupIDs)
	}
	created, err1 := time.Parse(time.RFC3339, v.CreatedAt)
	updated, err2 := time.Parse(time.RFC3339, v.UpdatedAt)
	if err1 != nil || err2 != nil || updated.Before(created) {
		t.Errorf("created_at %q, updated_at %q", v.CreatedAt, v.UpdatedAt)
	}

	// Backups on: the feature is listed.
	if err := w.a.DB.SetBackups(context.Background(), vmRow(t, w.a, w.web).ID, true, 5000); err != nil {
		t.Fatal(err)
	}
	if v := get(); !slices.Equal(v.Features, []string{"guest_agent", "backups"}) {
		t.Errorf("features %q with backups on", v.Features)
	}

	// The list carries the same fields (but snapshot_ids, which live on each VM's hypervisor).
	r := w.a.APICall(t, "GET", "/api/v1/vms", w.ana.token, "")
	testkit.MustStatus(t, "list", r, 200)
	for _, raw := range testkit.Decode[listBody](t, r).VMs {
		var l seedVM
		if err := json.Unmarshal(raw, &l); err != nil {
			t.Fatal(err)
		}
		if l.Memory == nil || *l.Memory != 1 || l.VCPUs == nil || l.Disk == nil || *l.Disk != 20 || l.Image == nil || l.Features == nil || l.UpdatedAt == "" {
			t.Errorf("listed VM lacks seed 001's fields: %s", raw)
		}
		if l.SnapshotIDs != nil {
			t.Errorf("a listed VM has snapshot_ids: %s", raw)
		}
	}
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}
