package app_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"abrak/app"
	"abrak/store"
	"abrak/web"
)

// A backup the panel was making when it stopped is not left "in progress"
// for ever: the panel that starts next marks it errored (the backup worker
// is one of the loops Start starts).
func TestABackupCutShortByAStopIsSettledWhenThePanelStarts(t *testing.T) {
	ctx := context.Background()
	a, err := app.New(ctx, app.Config{Web: web.Config{BaseURL: "http://localhost"}, DBPath: filepath.Join(t.TempDir(), "abrak.db"),
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(a.DB.UpsertRegion(ctx, store.Region{Slug: "thr", NameFA: "تهران", NameEN: "Tehran"}))
	must(a.DB.UpsertPlan(ctx, store.Plan{Slug: "tiny", NameFA: "کوچک", NameEN: "Tiny", VCPUs: 1, MemoryMB: 256, DiskGB: 1, Active: true}))
	must(a.DB.UpsertOSTemplate(ctx, store.OSTemplate{Slug: "tiny", Name: "Tiny", Volume: "tiny-v1.qcow2", MinDiskGB: 1, Active: true}))
	u, err := a.DB.CreateUser(ctx, store.User{Email: "ana@example.com", Name: "Ana", PasswordHash: "x"})
	must(err)
	vm, _, _, err := a.DB.CreateVMOrder(ctx, store.NewVMOrder{VM: store.VM{UUID: uuid.NewString(), UserID: u.ID, DisplayName: "web-1",
		Hostname: "web-1", PlanSlug: "tiny", OSTemplateSlug: "tiny", Region: "thr", VCPUs: 1, MemoryMB: 256, DiskGB: 1, VNCPassword: "s3cret!x"}})
	must(err)
	st, err := a.DB.AddBackupStore(ctx, store.BackupStore{Name: "local", Region: "thr", Kind: store.BackupStoreDir, Path: t.TempDir()})
	must(err)
	bk, err := a.DB.StartBackup(ctx, store.Backup{VMID: vm.ID, StoreID: st.ID, Kind: store.BackupScheduled})
	must(err)

	must(a.Start(ctx))
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		bk, err = a.DB.BackupByID(ctx, bk.ID)
		must(err)
		if bk.Status != store.BackupInProgress || time.Now().After(deadline) {
			break
		}
	}
	if bk.Status != store.BackupErrored || !strings.Contains(bk.Error, "interrupted") {
		t.Fatalf("the backup a stop cut short is %s (%q), want errored as interrupted", bk.Status, bk.Error)
	}
}
