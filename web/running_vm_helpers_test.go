package web_test

import (
	"context"
	"testing"
	"time"

	"abrak/services"
	"abrak/store"
	"abrak/testkit"
	"abrak/vmstatus"
)

// runningWebServer is a customer email with money and a running tiny VM named
// "Web Server" on a test-driver panel, for the tests of the VM page's
// controls.
func runningWebServer(t *testing.T, a *testkit.App, email string) (store.User, store.VM) {
	t.Helper()
	ctx := context.Background()
	u := a.CreateUser(t, email, testkit.Password)
	if _, err := a.DB.Credit(ctx, u.ID, 1_000_000, "test", ""); err != nil {
		t.Fatal(err)
	}
	owner := services.Principal{UserID: u.ID, Email: u.Email, Scopes: services.AllScopes}
	o, err := a.VMs.Create(ctx, owner, services.CreateVMInput{PlanSlug: "tiny", OSTemplateSlug: "tiny",
		AuthMode: "password", CustomPassword: "StrongPass123!", DisplayName: "Web Server", Region: "thr-t"})
	if err != nil {
		t.Fatal(err)
	}
	uuid := o.VM.UUID
	testkit.WaitFor(t, time.Minute, "the VM runs", func() bool { return vmRow(t, a, uuid).Status == vmstatus.Running })
	return u, vmRow(t, a, uuid)
}
