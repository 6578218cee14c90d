package client_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"abrak/app"
	"abrak/client"
	"abrak/services"
	"abrak/testkit"
	"abrak/web"
)

// newCustomer makes a user with money and an all-scopes token on a, and a
// client for it whose every exchange is checked against the OpenAPI document.
func newCustomer(t *testing.T, a *testkit.App, email string) (*client.Client, *testkit.CheckedTransport) {
	t.Helper()
	u := a.CreateUser(t, email, testkit.Password)
	if _, err := a.DB.Credit(context.Background(), u.ID, 1_000_000, "topup", "test"); err != nil {
		t.Fatal(err)
	}
	tok, _ := a.MintToken(t, email, services.AllScopes...)
	c := client.New(a.URL+"/", tok)
	ct := a.CheckedTransport(t)
	c.HTTP = &http.Client{Transport: ct}
	c.Language = "en"
	return c, ct
}

// A script's day with the client on a real panel (libvirt's test driver as
// its node): it orders VMs and follows the build to the end, powers one off
// and on, snapshots it, pages through the list, and reads a refused order's
// fields.
func TestClientDrivesAPanel(t *testing.T) {
	a := testkit.NewTestDriverPanel(t, testkit.WithAPIRateLimit(100_000, 100_000))
	c, _ := newCustomer(t, a, "script@example.com")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	order := client.CreateVM{PlanSlug: "tiny", OSTemplateSlug: "tiny", AuthMode: "password", CustomPassword: "StrongPass123!",
		DisplayName: "Web Server", Hostname: "web-1", Region: "thr-t"}
	vm, err := c.CreateVM(ctx, order)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if vm.UUID == "" || vm.DisplayName != "Web Server" || vm.Plan.Slug != "tiny" {
		t.Fatalf("created %+v", vm)
	}
	created, err := c.CreateActionOf(ctx, vm.UUID)
	if err != nil {
		t.Fatal(err)
	}
	var polls int
	done, err := c.WaitForAction(ctx, created.ID, func(client.Action) { polls++ })
	if err != nil || done.Status != "completed" || done.ResourceID != vm.UUID {
		t.Fatalf("wait for create: %+v, %v", done, err)
	}
	t.Logf("the create action ended after %d polls", polls)
	got, err := c.GetVM(ctx, vm.UUID)
	if err != nil || got.Status != "running" {
		t.Fatalf("after create: %s, %v", got.Status, err)
	}

	// The same idempotency key orders once: the second call answers with the first VM.
	order.IdempotencyKey, order.Hostname, order.DisplayName = "run-42", "db-1", "db-1"
	first, err := c.CreateVM(ctx, order)
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.CreateVM(ctx, order)
	if err != nil || again.UUID != first.UUID {
		t.Fatalf("a repeated key ordered %q then %q (%v)", first.UUID, again.UUID, err)
	}

	for _, step := range []struct {
		power, want string
	}{{client.PowerShutdown, "stopped"}, {client.PowerStart, "running"}} {
		var act client.Action
		if step.power == client.PowerShutdown {
			// Seed 002's wait_for: the guest stops when asked, and the action says acpi.
			act, err = c.ShutdownWait(ctx, vm.UUID, 0.5)
		} else {
			act, err = c.Power(ctx, vm.UUID, step.power)
		}
		if err != nil {
			t.Fatalf("%s: %v", step.power, err)
		}
		ended, err := c.WaitForAction(ctx, act.ID)
		if err != nil {
			t.Fatalf("wait for %s: %v", step.power, err)
		}
		if step.power == client.PowerShutdown && (ended.Result == nil || *ended.Result != "acpi") {
			t.Errorf("the shutdown's result %v, want acpi", ended.Result)
		}
		testkit.WaitFor(t, time.Minute, "the VM is "+step.want, func() bool {
			v, err := c.GetVM(ctx, vm.UUID)
			return err == nil && v.Status == step.want
		})
	}

	// The test driver's guest has no agent: the answer says the name comes at the next boot.
	named, err := c.SetHostname(ctx, vm.UUID, "web-2")
	if err != nil || named.VM.Hostname != "web-2" || named.Applied != "next_boot" {
		t.Fatalf("set hostname: %+v, %v", named, err)
	}

	snap, err := c.CreateSnapshot(ctx, vm.UUID, "before upgrade")
	if err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	if _, err := c.WaitForAction(ctx, snap.ID); err != nil {
		t.Fatalf("wait for snapshot: %v", err)
	}
	snaps, err := c.Snapshots(ctx, vm.UUID)
	if err != nil || len(snaps) != 1 || snaps[0].DisplayName != "before upgrade" {
		t.Fatalf("snapshots %+v, %v", snaps, err)
	}

	// Seed 003's actions by type: a rename, followed to its end.
	renamed, _, err := c.RunAction(ctx, vm.UUID, client.RunAction{Type: client.ActionRename, Name: "API Box"})
	if err != nil {
		t.Fatalf("rename by type: %v", err)
	}
	if _, err := c.WaitForAction(ctx, renamed.ID); err != nil {
		t.Fatalf("wait for rename: %v", err)
	}
	if v, err := c.GetVM(ctx, vm.UUID); err != nil || v.DisplayName != "API Box" {
		t.Errorf("after rename by type: %q, %v", v.DisplayName, err)
	}

	// Pages of one: the iterator walks both VMs, each once.
	seen := map[string]int{}
	for v, err := range c.VMs(ctx, client.ListVMs{Limit: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		seen[v.UUID]++
	}
	if len(seen) != 2 || seen[vm.UUID] != 1 || seen[first.UUID] != 1 {
		t.Errorf("iterated %v", seen)
	}
	page, meta, err := c.ListVMs(ctx, client.ListVMs{Limit: 1, Offset: 1})
	if err != nil || len(page) != 1 || meta.Total != 2 || meta.Offset != 1 {
		t.Errorf("second page %d VMs, meta %+v, %v", len(page), meta, err)
	}
	var actions int
	for _, err := range c.Actions(ctx, client.ListActions{Type: "create", Limit: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		actions++
	}
	if actions != 2 {
		t.Errorf("%d create actions, want 2", actions)
	}

	_, err = c.CreateVM(ctx, client.CreateVM{PlanSlug: "no-such-plan", OSTemplateSlug: "tiny", AuthMode: "password", CustomPassword: "x"})
	var apiErr *client.Error
	if !errors.As(err, &apiErr) {
		t.Fatalf("a bad order: %v, want a *client.Error", err)
	}
	if apiErr.Status != 422 || apiErr.Code != "validation" || apiErr.Fields["plan_slug"] == "" || apiErr.RequestID == "" {
		t.Errorf("a bad order's error: %+v", apiErr)
	}
	t.Logf("a bad order: %v", apiErr)

	// The rest of the customer's door, each exchange held to the document by the transport.
	if acc, err := c.GetAccount(ctx); err != nil || acc.Email != "script@example.com" || acc.BalanceRials <= 0 {
		t.Errorf("account %+v, %v", acc, err)
	}
	if team, err := c.GetTeam(ctx); err != nil || !team.Personal || team.Role != "owner" {
		t.Errorf("team %+v, %v", team, err)
	}
	if ms, err := c.TeamMembers(ctx); err != nil || len(ms) != 1 {
		t.Errorf("members %+v, %v", ms, err)
	}
	if _, err := c.TeamInvitations(ctx); err != nil {
		t.Errorf("invitations: %v", err)
	}
	if plans, err := c.Plans(ctx); err != nil || len(plans) != 1 || plans[0].Slug != "tiny" {
		t.Errorf("plans %+v, %v", plans, err)
	}
	if regions, err := c.Regions(ctx); err != nil || len(regions) != 1 {
		t.Errorf("regions %+v, %v", regions, err)
	}
	if tpls, err := c.OSTemplates(ctx); err != nil || len(tpls) != 1 {
		t.Errorf("templates %+v, %v", tpls, err)
	}
	if _, err := c.ISOs(ctx); err != nil {
		t.Errorf("isos: %v", err)
	}
	alert, err := c.CreateAlert(ctx, client.CreateAlert{VMUUID: vm.UUID, Kind: "cpu", Threshold: 90, Minutes: 5})
	if err != nil {
		t.Fatalf("alert: %v", err)
	}
	if as, err := c.Alerts(ctx, vm.UUID); err != nil || len(as) != 1 || as[0].ID != alert.ID {
		t.Errorf("alerts %+v, %v", as, err)
	}
	if err := c.DeleteAlert(ctx, alert.ID); err != nil {
		t.Errorf("delete alert: %v", err)
	}
	if bs, err := c.Backups(ctx, vm.UUID); err != nil || len(bs) != 0 {
		t.Errorf("backups %+v, %v", bs, err)
	}
	if m, err := c.Metrics(ctx, vm.UUID, client.MetricsQuery{Type: "cpu"}); err != nil || m.Type != "cpu" {
		t.Errorf("metrics %+v, %v", m, err)
	}
	if as, _, err := c.ListVMActions(ctx, vm.UUID, 0, 0); err != nil || len(as) < 4 {
		t.Errorf("the VM's actions %+v, %v", as, err)
	}

	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	sshPub, _ := ssh.NewPublicKey(pub)
	key, err := c.CreateSSHKey(ctx, "laptop", strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sshPub))))
	if err != nil {
		t.Fatalf("ssh key: %v", err)
	}
	if got, err := c.GetSSHKey(ctx, key.ID); err != nil || got.Fingerprint != key.Fingerprint || got.Fingerprint == "" {
		t.Errorf("ssh key %+v, %v", got, err)
	}
	if err := c.DeleteSSHKey(ctx, key.ID); err != nil {
		t.Errorf("delete ssh key: %v", err)
	}

	// To the recycle bin and back; then destroyed for good.
	firstBuilt, err := c.CreateActionOf(ctx, first.UUID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.WaitForAction(ctx, firstBuilt.ID); err != nil {
		t.Fatalf("wait for the second VM: %v", err)
	}
	if err := c.DeleteVM(ctx, first.UUID, false); err != nil {
		t.Fatalf("delete: %v", err)
	}
	binned, _, err := c.ListVMs(ctx, client.ListVMs{Status: "deleted"})
	if err != nil || len(binned) != 1 || binned[0].UUID != first.UUID {
		t.Fatalf("the recycle bin %+v, %v", binned, err)
	}
	// The move into the bin stops the VM under its lock; a script waits for it to let go.
	testkit.WaitFor(t, time.Minute, "the binned VM is free", func() bool {
		v, err := c.GetVM(ctx, first.UUID)
		return err == nil && !v.Locked
	})
	restored, err := c.RestoreVM(ctx, first.UUID)
	if err != nil {
		t.Fatalf("restore: %v", err)
	}
	if _, err := c.WaitForAction(ctx, restored.ID); err != nil {
		t.Fatalf("wait for restore: %v", err)
	}
	if err := c.DeleteVM(ctx, first.UUID, true); err != nil {
		t.Fatalf("purge: %v", err)
	}
	testkit.WaitFor(t, time.Minute, "the purged VM is destroyed", func() bool {
		v, err := c.GetVM(ctx, first.UUID)
		return err == nil && v.Status == "destroyed"
	})
}

// A 429 from the panel's own rate limiter is waited out as its Retry-After
// says and the call succeeds; a client told not to wait that long gets the
// 429 as an error carrying the wait.
func TestClientRetriesWhenRateLimited(t *testing.T) {
	a := testkit.NewApp(t, func(c *app.Config) {
		rl := web.NewRateLimiter()
		rl.PerToken, rl.PerIP, rl.Window = 2, 100, 2*time.Second
		c.Web.APIRateLimit = rl
	})
	c, ct := newCustomer(t, a, "busy@example.com")
	ctx := context.Background()
	for i := range 3 {
		if _, err := c.GetAccount(ctx); err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
	}
	if ct.Counts[http.StatusTooManyRequests] == 0 || ct.Counts[http.StatusOK] != 3 {
		t.Fatalf("answers by status %v: want a 429 retried to three 200s", ct.Counts)
	}
	c.MaxRetryWait = time.Millisecond
	_, err := c.GetAccount(ctx)
	_, err2 := c.GetAccount(ctx)
	var apiErr *client.Error
	if !errors.As(errors.Join(err, err2), &apiErr) || apiErr.Status != 429 || apiErr.Code != "rate_limited" || apiErr.RetryAfter <= 0 {
		t.Errorf("without waiting: %v, %v", err, err2)
	}
}
