package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"abrak/services"
	"abrak/testkit"
	"abrak/views/i18n"
	"abrak/vmstatus"
)

// Suspending an account needs a reason; from then on its running VM is
// powered off, its API token is refused with account_suspended (worded in
// both languages), its pages say why and offer no change, and a change sent
// anyway is refused. Lifted, the token works again and the VM stays off.
func TestASuspendedAccountIsReadOnlyAndItsVMsOff(t *testing.T) {
	t.Parallel()
	a := testkit.NewTestDriverPanel(t)
	ctx := context.Background()
	ana := newVMCustomer(t, a, "ana@example.com", 1_000_000)
	o, err := a.VMs.Create(ctx, a.PrincipalOf(t, ana.email), services.CreateVMInput{PlanSlug: "tiny", OSTemplateSlug: "tiny", Region: "thr-t",
		AuthMode: "password", CustomPassword: "StrongPass123!", DisplayName: "web"})
	if err != nil {
		t.Fatal(err)
	}
	uuid := o.VM.UUID
	testkit.WaitFor(t, time.Minute, "the VM runs", func() bool { return vmRow(t, a, uuid).Status == vmstatus.Running })
	pp := newStaffPeople(t, a)
	customer := a.Client(t)
	testkit.WantRedirect(t, "ana signs in", customer.SignIn(ana.email, testkit.Password), "/vms")
	page := "/admin/customers/" + itoa(ana.id)

	r := pp.support.Post(page+"/suspend", testkit.Form("reason", "  "))
	testkit.MustStatus(t, "a suspension without a reason", r, http.StatusUnprocessableEntity)
	testkit.MustStatus(t, "the API before", a.APICall(t, http.MethodGet, "/api/v1/vms", ana.token, ""), http.StatusOK)

	testkit.WantRedirect(t, "suspend", pp.support.Post(page+"/suspend", testkit.Form("reason", "Unpaid invoice 1405-09")), page)
	testkit.WaitFor(t, time.Minute, "the VM is powered off", func() bool { return vmRow(t, a, uuid).Status == vmstatus.Stopped })
	for _, l := range []i18n.Locale{i18n.FA, i18n.EN} {
		r = a.APICall(t, http.MethodGet, "/api/v1/vms?lang="+string(l), ana.token, "", "Accept-Language", string(l))
		testkit.MustStatus(t, "the API while suspended", r, http.StatusForbidden)
		if e := testkit.APIErrorOf(t, r); e.Error.Code != "account_suspended" || e.Error.Message != i18n.T(l, "error.account_suspended") {
			t.Errorf("%s: %s %q", l, e.Error.Code, e.Error.Message)
		}
	}
	r = customer.Get("/vms/" + uuid + "?lang=en")
	testkit.MustStatus(t, "the VM page while suspended", r, http.StatusOK)
	if !strings.Contains(r.Body, "Unpaid invoice 1405-09") || strings.Contains(r.Body, `action="/vms/`+uuid+`/power/start"`) {
		t.Error("the suspended customer's VM page does not say why, or offers to start the VM")
	}
	r = customer.Post("/vms/"+uuid+"/power/start", nil)
	testkit.MustStatus(t, "a start while suspended", r, http.StatusForbidden)
	if vmRow(t, a, uuid).Status != vmstatus.Stopped {
		t.Error("the suspended customer's VM was started")
	}
	ops := a.User(t, "sara@example.com")
	if n := a.Count(t, `SELECT count(*) FROM audit_events WHERE action = 'admin.suspend' AND user_id = ? AND target_id = ? AND detail = 'Unpaid invoice 1405-09'`, ops.ID, itoa(ana.id)); n != 1 {
		t.Errorf("%d audit rows of the suspension, want 1", n)
	}

	testkit.WantRedirect(t, "unsuspend", pp.support.Post(page+"/unsuspend", nil), page)
	testkit.MustStatus(t, "the API after", a.APICall(t, http.MethodGet, "/api/v1/vms", ana.token, ""), http.StatusOK)
	if r := customer.Get("/vms?lang=en"); strings.Contains(r.Body, `data-testid="account-suspended"`) {
		t.Error("the banner stays after the suspension is lifted")
	}
	if vmRow(t, a, uuid).Status != vmstatus.Stopped {
		t.Error("lifting the suspension started the VM")
	}
}

// Two-factor sign-in is turned off for a customer with a recorded reason,
// and both logs say so; the confirmation link is sent again for an
// unconfirmed address. Neither is a customer's to do.
func TestTheOperatorResetsTwoFactorAndResendsTheLink(t *testing.T) {
	t.Parallel()
	ms := testkit.NewMailServer(t)
	a := testkit.NewApp(t, testkit.WithMail(ms))
	pp := newStaffPeople(t, a)
	ana := a.CreateUser(t, "ana@example.com", testkit.Password)
	enableTOTP(t, a, "ana@example.com")
	page := "/admin/customers/" + itoa(ana.ID)

	testkit.MustStatus(t, "a reset without a reason", pp.support.Post(page+"/reset-2fa", testkit.Form("reason", "")), http.StatusUnprocessableEntity)
	testkit.MustStatus(t, "a customer resets", pp.customer.Post(page+"/reset-2fa", testkit.Form("reason", "x")), http.StatusNotFound)
	if !a.User(t, "ana@example.com").TOTPEnabled {
		t.Fatal("a refused reset turned two-factor off")
	}
	testkit.WantRedirect(t, "reset", pp.support.Post(page+"/reset-2fa", testkit.Form("reason", "Lost phone, ID checked on a call")), page)
	if u := a.User(t, "ana@example.com"); u.TOTPEnabled || u.TOTPSecret != "" {
		t.Error("two-factor is still on after the reset")
	}
	if n := a.Count(t, `SELECT count(*) FROM audit_events WHERE action = 'admin.totp_reset' AND detail = 'Lost phone, ID checked on a call' AND user_id = ?`, a.User(t, "sara@example.com").ID); n != 1 {
		t.Errorf("%d audit rows of the reset with its reason, want 1", n)
	}
	if n := a.Count(t, `SELECT count(*) FROM audit_events WHERE action = 'admin.totp_reset' AND user_id = ?`, ana.ID); n != 1 {
		t.Errorf("%d rows of the reset in the customer's own log, want 1", n)
	}

	// The real letter, sent again: one more in ana's box.
	testkit.WantRedirect(t, "the link again", pp.support.Post(page+"/resend-verification", nil), page)
	ms.AwaitNth(t, "ana@example.com", 2)
	if n := a.Count(t, `SELECT count(*) FROM audit_events WHERE action = 'admin.verification_sent' AND user_id = ?`, a.User(t, "sara@example.com").ID); n != 1 {
		t.Errorf("%d audit rows of the link sent again, want 1", n)
	}
}
