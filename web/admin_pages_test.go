package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"abrak/services"
	"abrak/store"
	"abrak/testkit"
	"abrak/views/i18n"
)

// staffPeople are the people every admin route is tried with: a visitor, a
// customer, an admin who has not turned two-factor sign-in on, support and
// an admin who have.
type staffPeople struct {
	anon, customer, adminNo2FA, support, admin *testkit.Client
}

// newStaffPeople signs each person in on a; each staff member's role is
// given as the operator gives it (`abrak admin set-role`), and two-factor
// sign-in is turned on after the password step, as the account page does.
// staffMember is a new person with a role on the operator's side, given by
// the command line.
func staffMember(t *testing.T, a *testkit.App, email, role string) {
	t.Helper()
	a.CreateUser(t, email, testkit.Password)
	if _, err := a.Staff.SetRole(context.Background(), services.OperatorOnMachine(), email, role); err != nil {
		t.Fatal(err)
	}
}

func newStaffPeople(t *testing.T, a *testkit.App) staffPeople {
	t.Helper()
	person := func(email, role string, totp bool) *testkit.Client {
		a.CreateUser(t, email, testkit.Password)
		if role != "" {
			if _, err := a.Staff.SetRole(context.Background(), services.OperatorOnMachine(), email, role); err != nil {
				t.Fatal(err)
			}
		}
		c := a.Client(t)
		testkit.WantRedirect(t, "sign in "+email, c.SignIn(email, testkit.Password), "/vms")
		if totp {
			enableTOTP(t, a, email)
		}
		return c
	}
	return staffPeople{
		anon:       a.Client(t),
		customer:   person("cyrus@example.com", "", true),
		adminNo2FA: person("new-admin@example.com", store.StaffAdmin, false),
		support:    person("sara@example.com", store.StaffSupport, true),
		admin:      person("ops@example.com", store.StaffAdmin, true),
	}
}

// The door to the operator's pages: a visitor and a customer get the 404 of
// any unknown page (the door is not revealed, even at a path under it); an
// admin without two-factor sign-in is sent to turn it on; support and an
// admin with it enter. Only staff see the header's "Operator" link.
func TestTheOperatorsDoorOpensForStaffWithTwoFactorOnly(t *testing.T) {
	t.Parallel()
	a := testkit.NewApp(t)
	pp := newStaffPeople(t, a)
	for _, path := range []string{"/admin", "/admin/", "/admin/no-such-page"} {
		for name, c := range map[string]*testkit.Client{"visitor": pp.anon, "customer": pp.customer} {
			r := c.Get(path)
			testkit.MustStatus(t, name+" GET "+path, r, http.StatusNotFound)
			if testkit.Contains(r.Body, i18n.T(i18n.EN, "admin.title")) || testkit.Contains(r.Body, i18n.T(i18n.FA, "admin.title")) {
				t.Errorf("%s GET %s: the 404 names the operator's side", name, path)
			}
		}
	}
	testkit.WantRedirect(t, "admin without two-factor", pp.adminNo2FA.Get("/admin"), "/account#two-factor")
	if r := pp.adminNo2FA.Get("/account?lang=en"); !testkit.Contains(r.Body, i18n.T(i18n.EN, "admin.needs_two_factor")) {
		t.Errorf("the account page does not say why the admin was sent there\n%s", testkit.Trim(r.Body))
	}
	for name, c := range map[string]*testkit.Client{"support": pp.support, "admin": pp.admin} {
		r := c.Get("/admin?lang=en")
		testkit.MustStatus(t, name+" GET /admin", r, http.StatusOK)
		if !testkit.Contains(r.Body, i18n.T(i18n.EN, "admin.overview.revenue_month")) {
			t.Errorf("%s: the overview is not shown\n%s", name, testkit.Trim(r.Body))
		}
		if !strings.Contains(c.Get("/vms?lang=en").Body, `data-testid="operator-link"`) {
			t.Errorf("%s: the header has no Operator link", name)
		}
	}
	if strings.Contains(pp.customer.Get("/vms?lang=en").Body, `data-testid="operator-link"`) {
		t.Error("a customer's header links to the operator's side")
	}
}

// The services own the staff rule: support reads and acts on customers but
// never manages (roles here), a customer is refused everything with one
// code, and a session without two-factor is refused even for an admin. A role
// given is audited with who gave it, and the last admin keeps the role.
func TestStaffRolesAreTheServicesRule(t *testing.T) {
	t.Parallel()
	a := testkit.NewApp(t)
	ctx := context.Background()
	for _, email := range []string{"ops@example.com", "sara@example.com", "cyrus@example.com"} {
		a.CreateUser(t, email, testkit.Password)
	}
	machine := services.OperatorOnMachine()
	if _, err := a.Staff.SetRole(ctx, machine, "ops@example.com", "admin"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Staff.SetRole(ctx, machine, "sara@example.com", "support"); err != nil {
		t.Fatal(err)
	}
	staff := func(email string, twoFactor bool) services.Principal {
		p := a.PrincipalOf(t, email)
		p.StaffRole, p.TwoFactor = a.User(t, email).StaffRole, twoFactor
		return p
	}
	admin, support, customer := staff("ops@example.com", true), staff("sara@example.com", true), staff("cyrus@example.com", true)
	cases := []struct {
		who  string
		p    services.Principal
		what string
		code string // "" allowed
	}{
		{"admin", admin, services.StaffManage, ""},
		{"admin", admin, services.StaffAct, ""},
		{"support", support, services.StaffRead, ""},
		{"support", support, services.StaffAct, ""},
		{"support", support, services.StaffManage, "staff_forbidden"},
		{"customer", customer, services.StaffRead, "staff_forbidden"},
		{"admin without two-factor", staff("ops@example.com", false), services.StaffRead, "two_factor_required"},
	}
	for _, c := range cases {
		err := c.p.RequireStaff(c.what)
		if got := services.AsError(err); (c.code == "" && err != nil) || (c.code != "" && (err == nil || got.Code != c.code)) {
			t.Errorf("%s asking to %s: %v, want code %q", c.who, c.what, err, c.code)
		}
	}

	if _, err := a.Staff.SetRole(ctx, support, "cyrus@example.com", "support"); services.AsError(err).Code != "staff_forbidden" {
		t.Errorf("support gave a role: %v", err)
	}
	if a.User(t, "cyrus@example.com").StaffRole != "" {
		t.Fatal("support's refused role change was written")
	}
	if _, err := a.Staff.SetRole(ctx, admin, "ops@example.com", "none"); services.AsError(err).Status != http.StatusConflict {
		t.Errorf("the last admin gave the role away: %v", err)
	}
	if _, err := a.Staff.SetRole(ctx, admin, "cyrus@example.com", "support"); err != nil {
		t.Fatal(err)
	}
	if u := a.User(t, "cyrus@example.com"); u.StaffRole != store.StaffSupport || u.IsAdmin {
		t.Errorf("cyrus is %q (is_admin %v), want support", u.StaffRole, u.IsAdmin)
	}
	ops := a.User(t, "ops@example.com")
	if n := a.Count(t, `SELECT count(*) FROM audit_events WHERE action = 'admin.role_set' AND user_id = ? AND target_type = 'user' AND target_id = ?`,
		ops.ID, a.User(t, "cyrus@example.com").ID); n != 1 {
		t.Errorf("%d audit rows of the role ops gave, want 1", n)
	}
}

// The overview counts what an operator watches: the day's and the month's
// revenue from the ledger (charges less refunds, a top-up is no revenue),
// wallets whose VMs burn them within three days, letters given up on.
func TestTheOverviewCountsWhatTheOperatorWatches(t *testing.T) {
	t.Parallel()
	a := testkit.NewApp(t)
	ctx := context.Background()
	pp := newStaffPeople(t, a)
	u := a.User(t, "cyrus@example.com")
	for _, e := range []struct {
		amount int64
		kind   string
	}{{1_000_000, "topup"}, {-300_000, "charge"}, {50_000, "refund"}} {
		if _, err := a.DB.Credit(ctx, u.ID, e.amount, e.kind, "test"); err != nil {
			t.Fatal(err)
		}
	}
	id, err := a.DB.QueueMail(ctx, store.Mail{UserID: u.ID, Kind: "verify", To: u.Email, Subject: "s", Text: "t", HTML: "h"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := a.DB.MailFailed(ctx, id, "550 no such mailbox"); err != nil {
		t.Fatal(err)
	}
	for _, l := range []i18n.Locale{i18n.EN, i18n.FA} {
		r := pp.support.Get("/admin?lang=" + string(l))
		testkit.MustStatus(t, "the overview", r, http.StatusOK)
		want := map[string]string{
			"revenue-today": i18n.Money(l, 250_000),
			"revenue-month": i18n.Money(l, 250_000),
			"mail-failed":   i18n.Number(l, 1),
			"nodes-down":    i18n.Number(l, 0),
		}
		for id, v := range want {
			if !strings.Contains(r.Body, `data-testid="value-`+id+`">`+v+`<`) {
				t.Errorf("%s: %s is not %q", l, id, v)
			}
		}
	}
}
