package web_test

import (
	"context"
	"net/http"
	"regexp"
	"testing"
	"time"

	"abrak/app"
	"abrak/services"
	"abrak/store"
	"abrak/testkit"
	"abrak/vmstatus"
)

// The rescue system's one-time root password is shown once, in the answer
// that starts rescue (the API's body, the page drawn in place of a redirect):
// neither may be kept by any cache, the browser's own included.
func TestARescuePasswordIsNeverCached(t *testing.T) {
	ctx := context.Background()
	a := testkit.NewTestDriverPanel(t, func(c *app.Config) { c.VM.RescueTemplate = "tiny" })
	u := a.CreateUser(t, "sara@example.com", testkit.Password)
	if _, err := a.DB.Credit(ctx, u.ID, 100_000, "test", ""); err != nil {
		t.Fatal(err)
	}
	who := services.Principal{UserID: u.ID, Email: u.Email}
	o, err := a.VMs.Create(ctx, who, services.CreateVMInput{PlanSlug: "tiny", OSTemplateSlug: "tiny", AuthMode: "password",
		CustomPassword: "StrongPass123!", DisplayName: "web", Region: "thr-t"})
	if err != nil {
		t.Fatal(err)
	}
	uuid := o.VM.UUID
	testkit.WaitFor(t, time.Minute, "the VM runs", func() bool { return vmRow(t, a, uuid).Status == vmstatus.Running })
	settled := func() bool {
		acts, _, err := a.VMs.Actions(ctx, who, uuid, 1, 0)
		return err == nil && len(acts) > 0 && acts[0].Status != store.ActionInProgress
	}
	testkit.WaitFor(t, time.Minute, "the VM is idle", settled)

	token, _ := a.MintToken(t, u.Email, "vm:read", "vm:write")
	r := a.APICall(t, http.MethodPost, "/api/v1/vms/"+uuid+"/boot", token, `{"boot_type":"rescue"}`)
	testkit.MustStatus(t, "rescue through the API", r, http.StatusOK)
	if cc := r.Header.Get("Cache-Control"); cc != "no-store" || !regexp.MustCompile(`"rescue_password":"[^"]+"`).MatchString(r.Body) {
		t.Errorf("the API's answer with the rescue password has Cache-Control %q, want no-store\n%s", cc, r.Body)
	}
	testkit.WaitFor(t, time.Minute, "the rescue boot ends", settled)

	c := a.Client(t)
	c.SignIn(u.Email, testkit.Password)
	c.Get("/vms/" + uuid + "?tab=settings")
	r = c.Post("/vms/"+uuid+"/boot", testkit.Form("boot_type", "rescue", "confirm", "yes", "tab", "settings"))
	testkit.MustStatus(t, "rescue from the page", r, http.StatusOK)
	if cc := r.Header.Get("Cache-Control"); cc != "no-store" || !regexp.MustCompile(`id="rescue-password"[^>]*>[^<]+<`).MatchString(r.Body) {
		t.Errorf("the page with the rescue password has Cache-Control %q, want no-store", cc)
	}
}
