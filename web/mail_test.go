package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"abrak/app"
	"abrak/hypervisor"
	"abrak/services"
	"abrak/store"
	"abrak/testkit"
	"abrak/views/i18n"
	"abrak/vmstatus"
)

// fakeClock is a clock a test moves by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// withMailByHand points the panel at the server on a clock of the test's own;
// nothing is delivered until the test calls DeliverDue.
func withMailByHand(ms *testkit.MailServer, clock *fakeClock) func(*app.Config) {
	return func(c *app.Config) {
		testkit.WithMail(ms)(c)
		c.Mail.Now = clock.now
	}
}

func mailRow(t *testing.T, a *testkit.App, to string) store.Mail {
	t.Helper()
	ms, err := a.DB.MailTo(context.Background(), to)
	if err != nil || len(ms) == 0 {
		t.Fatalf("no letter to %s in the queue (%v)", to, err)
	}
	return ms[len(ms)-1]
}

// A letter waits in the queue while the mail server refuses it for now (4xx),
// is tried again after a growing wait, and arrives whole once the server takes
// it: subject, both alternatives, sender and the link, in the customer's
// language. A refusal for good (5xx) is kept in the queue, marked failed.
func TestLettersWaitInTheQueueUntilTheServerTakesThem(t *testing.T) {
	t.Parallel()
	ms := testkit.NewMailServer(t)
	clock := &fakeClock{t: time.Now()}
	a := testkit.NewApp(t, withMailByHand(ms, clock))
	ms.Refuse(2, false)
	ctx := context.Background()

	c := a.Client(t)
	r := c.SignUp("nika@example.com", "Nika", testkit.Password)
	testkit.MustStatus(t, "sign-up while the mail server refuses", r, http.StatusSeeOther)
	if got := mailRow(t, a, "nika@example.com"); got.Status != store.MailPending || got.Attempts != 0 {
		t.Fatalf("the verification letter is %s after %d attempts, want pending and untried", got.Status, got.Attempts)
	}

	a.Mailer.DeliverDue(ctx)
	first := mailRow(t, a, "nika@example.com")
	if ms.Attempts() != 1 || first.Status != store.MailPending || !strings.Contains(first.LastError, "451") {
		t.Fatalf("after a 451: %d attempts at the server, letter %s, error %q", ms.Attempts(), first.Status, first.LastError)
	}
	if wait := first.NextAttemptAt.Sub(clock.now()); wait < 29*time.Second || wait > 31*time.Second {
		t.Errorf("the first retry waits %s, want 30 s", wait)
	}
	a.Mailer.DeliverDue(ctx) // too early: nothing is tried
	if ms.Attempts() != 1 {
		t.Fatalf("a letter was tried again before its time (%d attempts)", ms.Attempts())
	}
	clock.add(31 * time.Second)
	a.Mailer.DeliverDue(ctx)
	second := mailRow(t, a, "nika@example.com")
	if ms.Attempts() != 2 || second.NextAttemptAt.Sub(clock.now()) < 59*time.Second {
		t.Fatalf("the second refusal: %d attempts, next in %s; want 2 and a wait of 60 s", ms.Attempts(), second.NextAttemptAt.Sub(clock.now()))
	}
	clock.add(61 * time.Second)
	a.Mailer.DeliverDue(ctx)
	got := ms.Await(t, "nika@example.com", "Abrak Cloud")
	if row := mailRow(t, a, "nika@example.com"); row.Status != store.MailSent || row.Attempts != 3 {
		t.Errorf("after the server took it: %s after %d attempts, want sent after 3", row.Status, row.Attempts)
	}
	if got.From != "panel@abrak.test" || !strings.Contains(got.Header.Get("From"), "panel@abrak.test") {
		t.Errorf("sender %q / From %q", got.From, got.Header.Get("From"))
	}
	fa := func(key string) string { return i18n.T(i18n.FA, key, "provider", "Abrak Cloud") }
	if got.Subject != fa("mail.verify.subject") {
		t.Errorf("subject %q, want the Persian %q", got.Subject, fa("mail.verify.subject"))
	}
	if !strings.Contains(got.TextCT, "utf-8") || !strings.Contains(got.Text, "سلام Nika") || !strings.Contains(got.Text, a.URL+"/verify-email?token=") {
		t.Errorf("the text part lacks the greeting or the link\n%s", got.Text)
	}
	if !strings.Contains(got.HTML, `dir="rtl"`) || !strings.Contains(got.HTML, `lang="fa"`) || !strings.Contains(got.HTML, a.URL+"/verify-email?token=") {
		t.Errorf("the HTML part is not right to left Persian with the link\n%s", got.HTML)
	}

	// Refused for good: kept, marked failed, not tried again.
	ms.Refuse(0, true)
	u := a.User(t, "nika@example.com")
	if err := a.Accounts.ResendVerification(ctx, services.Principal{UserID: u.ID, IP: "127.0.0.1"}); err != nil {
		t.Fatal(err)
	}
	a.Mailer.DeliverDue(ctx)
	clock.add(time.Hour)
	a.Mailer.DeliverDue(ctx)
	if row := mailRow(t, a, "nika@example.com"); row.Status != store.MailFailed || !strings.Contains(row.LastError, "550") || ms.Attempts() != 4 {
		t.Errorf("a 550: letter %s (%q) after %d attempts at the server; want failed, kept, tried once", row.Status, row.LastError, ms.Attempts())
	}
}

// A forgotten password is reset through a single-use link mailed to the
// account's address, for 30 minutes; every session of the account ends, and
// the form tells nobody whether an address has an account.
func TestPasswordResetByMail(t *testing.T) {
	t.Parallel()
	ms := testkit.NewMailServer(t)
	a := testkit.NewApp(t, testkit.WithMail(ms))
	a.CreateUser(t, "ana@example.com", testkit.Password)
	old := a.Client(t)
	old.SignIn("ana@example.com", testkit.Password)

	c := a.Client(t)
	if r := c.Get("/signin?lang=en"); !strings.Contains(r.Body, `href="/forgot-password"`) {
		t.Fatal("the sign-in page has no forgot-password link")
	}
	c.Get("/forgot-password")
	nobody := c.Post("/forgot-password", testkit.Form("email", "nobody@example.com"))
	ana := c.Post("/forgot-password", testkit.Form("email", "ANA@example.com "))
	testkit.MustStatus(t, "forgot, unknown address", nobody, http.StatusOK)
	testkit.MustStatus(t, "forgot, known address", ana, http.StatusOK)
	sent := i18n.T(i18n.EN, "auth.forgot_sent", "email", "\u2068ANA@example.com \u2069")
	if !testkit.Contains(ana.Body, "If an account with the address") || strings.ReplaceAll(nobody.Body, "nobody@example.com", "X") != strings.ReplaceAll(ana.Body, "ANA@example.com ", "X") {
		t.Errorf("the answers for a known and an unknown address differ beyond the address (%q)", sent)
	}
	letter := ms.Await(t, "ana@example.com", i18n.T(i18n.FA, "mail.reset.subject", "provider", "Abrak Cloud")) // her language
	link := testkit.LinkIn(t, letter, a.URL+"/reset-password?token=")
	path := strings.TrimPrefix(link, a.URL)
	if n := a.Count(t, `SELECT count(*) FROM mail_queue WHERE to_addr = 'nobody@example.com'`); n != 0 {
		t.Errorf("%d letters to an address without an account", n)
	}

	r := c.Get(path)
	testkit.MustStatus(t, "the reset link", r, http.StatusOK)
	r = c.Post("/reset-password", testkit.Form("token", strings.TrimPrefix(path, "/reset-password?token="), "password", "Another-pass-42", "confirm", "Another-pass-43"))
	testkit.MustStatus(t, "mismatched confirmation", r, http.StatusUnprocessableEntity)
	if !strings.Contains(r.Body, `data-field-error="confirm"`) && !testkit.Contains(r.Body, i18n.T(i18n.EN, "form.passwords_mismatch")) {
		t.Errorf("the mismatch is not shown beside its field\n%s", testkit.Trim(r.Body))
	}
	token := strings.TrimPrefix(path, "/reset-password?token=")
	r = c.Post("/reset-password", testkit.Form("token", token, "password", "Another-pass-42", "confirm", "Another-pass-42"))
	if r.Status != http.StatusSeeOther || r.Location() != "/signin" {
		t.Fatalf("reset: %d → %q, want 303 → /signin\n%s", r.Status, r.Location(), testkit.Trim(r.Body))
	}
	if r = c.Get("/signin"); !testkit.Contains(r.Body, i18n.T(i18n.EN, "auth.password_reset_done")) {
		t.Error("the sign-in page does not say the password was changed")
	}
	if r = old.Get("/vms"); r.Status != http.StatusSeeOther || r.Location() != "/signin" {
		t.Errorf("a session from before the reset still opens the VM list (%d → %q)", r.Status, r.Location())
	}
	c.Get("/signin")
	if r = c.Post("/signin", testkit.Form("email", "ana@example.com", "password", testkit.Password)); r.Status == http.StatusSeeOther {
		t.Error("the old password still signs in")
	}
	c.SignIn("ana@example.com", "Another-pass-42")

	// The link works once; a newer link replaces an older one; links expire.
	other := a.Client(t)
	if r = other.Get(path); r.Status != http.StatusGone || !strings.Contains(r.Body, `data-testid="link-invalid"`) {
		t.Errorf("a used link: %d, want 410 with the page that says so", r.Status)
	}
	other.Get("/forgot-password")
	other.Post("/forgot-password", testkit.Form("email", "ana@example.com"))
	first := testkit.LinkIn(t, ms.AwaitNth(t, "ana@example.com", 3), a.URL+"/reset-password?token=")
	other.Post("/forgot-password", testkit.Form("email", "ana@example.com"))
	second := testkit.LinkIn(t, ms.AwaitNth(t, "ana@example.com", 4), a.URL+"/reset-password?token=")
	if r = other.Get(strings.TrimPrefix(first, a.URL)); r.Status != http.StatusGone {
		t.Errorf("an older link still works after a newer one was sent (%d)", r.Status)
	}
	if _, err := a.DB.W.Exec(`UPDATE email_links SET expires_at = unixepoch() - 1 WHERE used_at IS NULL`); err != nil {
		t.Fatal(err)
	}
	if r = other.Get(strings.TrimPrefix(second, a.URL)); r.Status != http.StatusGone {
		t.Errorf("a link past its 30 minutes still works (%d)", r.Status)
	}
	r = other.Post("/reset-password", testkit.Form("token", strings.TrimPrefix(second, a.URL+"/reset-password?token="), "password", "Third-pass-4242", "confirm", "Third-pass-4242"))
	if r.Status != http.StatusGone {
		t.Errorf("an expired link changed the password (%d)", r.Status)
	}

	// Bounded: five letters an hour per account.
	for i := 0; i < 3; i++ {
		other.Post("/forgot-password", testkit.Form("email", "ana@example.com"))
	}
	if r = other.Post("/forgot-password", testkit.Form("email", "ana@example.com")); r.Status != http.StatusTooManyRequests {
		t.Errorf("the sixth reset letter in an hour: %d, want 429", r.Status)
	}
	if n := a.Count(t, `SELECT count(*) FROM audit_events WHERE action = 'account.password_reset' AND severity = 'security'`); n != 1 {
		t.Errorf("%d security audit events for the reset, want 1", n)
	}
}

// Without a mail server the forgot-password page says how to get help instead.
func TestPasswordResetWithoutMail(t *testing.T) {
	t.Parallel()
	a := testkit.NewApp(t)
	c := a.Client(t)
	r := c.Get("/forgot-password?lang=en")
	if !strings.Contains(r.Body, `data-testid="forgot-unavailable"`) || strings.Contains(r.Body, `action="/forgot-password"`) {
		t.Errorf("without mail the page still offers a reset by e-mail\n%s", testkit.Trim(r.Body))
	}
	u := a.CreateUser(t, "ana@example.com", testkit.Password)
	if !u.EmailVerified {
		t.Error("without mail to confirm it with, a new address is left unconfirmed")
	}
}

// A new account confirms its address from the letter sent at sign-up before
// it can order; the banner offers another link, which replaces the first.
func TestAddressVerificationComesBeforeOrders(t *testing.T) {
	t.Parallel()
	ms := testkit.NewMailServer(t)
	a := testkit.NewApp(t, testkit.WithMail(ms))
	seedCatalog(t, a)
	c := a.Client(t)
	c.Get("/signup?lang=en")
	testkit.MustStatus(t, "sign-up", c.Post("/signup", testkit.Form("email", "leo@example.com", "name", "Leo", "password", testkit.Password, "confirm", testkit.Password)), http.StatusSeeOther)
	first := ms.Await(t, "leo@example.com", "Confirm your e-mail address at Abrak Cloud")
	if !strings.Contains(first.HTML, `dir="ltr"`) || !strings.Contains(first.Text, "Hello Leo,") {
		t.Errorf("the English letter is not left to right or lacks its greeting\n%s", first.Text)
	}
	r := c.Get("/vms")
	if !strings.Contains(r.Body, `data-testid="unverified"`) {
		t.Error("the dashboard does not say the address is unconfirmed")
	}
	u := a.User(t, "leo@example.com")
	if _, err := a.DB.Credit(context.Background(), u.ID, startBalanceRials, "topup", "test"); err != nil {
		t.Fatal(err)
	}
	tok, _ := a.MintToken(t, "leo@example.com", services.AllScopes...)
	r = a.APICall(t, http.MethodPost, "/api/v1/vms", tok, orderBody("leo", "leo"))
	testkit.MustStatus(t, "an order before the address is confirmed", r, http.StatusForbidden)
	if !strings.Contains(r.Body, `"email_unverified"`) || a.Count(t, `SELECT count(*) FROM vms`) != 0 || balanceOf(t, a, "leo@example.com") != startBalanceRials {
		t.Errorf("the refusal does not say why, or something was ordered or charged\n%s", r.Body)
	}
	if r = a.APICall(t, http.MethodGet, "/api/v1/account", tok, ""); !strings.Contains(r.Body, `"email_verified":false`) {
		t.Errorf("the account does not say the address is unconfirmed: %s", r.Body)
	}

	// Another link replaces the first.
	testkit.MustStatus(t, "send the link again", c.Post("/account/verify-email", nil), http.StatusSeeOther)
	second := ms.AwaitNth(t, "leo@example.com", 2)
	if r = c.Get(strings.TrimPrefix(testkit.LinkIn(t, first, a.URL+"/verify-email?token="), a.URL)); r.Status != http.StatusGone {
		t.Errorf("the first link still confirms after a second was sent (%d)", r.Status)
	}
	r = c.Get(strings.TrimPrefix(testkit.LinkIn(t, second, a.URL+"/verify-email?token="), a.URL))
	if r.Status != http.StatusSeeOther || r.Location() != "/vms" {
		t.Fatalf("the newest link: %d → %q, want 303 → /vms", r.Status, r.Location())
	}
	if r = c.Get("/vms"); strings.Contains(r.Body, `data-testid="unverified"`) || !testkit.Contains(r.Body, i18n.T(i18n.EN, "mail.verified")) {
		t.Error("after confirming, the banner stays or no message says so")
	}
	orderVM(t, a, vmCustomer{email: "leo@example.com", id: u.ID, token: tok}, "leo", "leo") // 503: kept for a node, not refused
	if r = a.APICall(t, http.MethodGet, "/api/v1/account", tok, ""); !strings.Contains(r.Body, `"email_verified":true`) {
		t.Errorf("the account does not say the address is confirmed: %s", r.Body)
	}
}

// The running-out ladder: a letter when the balance lasts under 72, 24 and 1
// hours, each once per episode; a new episode once a top-up makes the balance
// last again; a letter when a VM is powered off for want of funds; after the
// grace period a suspension (only deleting is allowed), lifted by a top-up.
func TestRunningOutOfMoneyIsToldByMail(t *testing.T) {
	t.Parallel()
	ms := testkit.NewMailServer(t)
	clock := &fakeClock{t: time.Now()}
	a := testkit.NewApp(t, withMailByHand(ms, clock))
	seedCatalog(t, a)
	ctx := context.Background()
	ana := newVMCustomer(t, a, "ana@example.com", startBalanceRials)
	if _, err := a.DB.W.Exec(`UPDATE users SET email_verified_at = unixepoch(), locale = 'en'`); err != nil {
		t.Fatal(err)
	}
	one := orderVM(t, a, ana, "one", "one")
	settle(t, a, one, vmstatus.Stopped)
	setBalance := func(rials int64) {
		t.Helper()
		if _, err := a.DB.W.Exec(`UPDATE users SET balance_rials = ? WHERE id = ?`, rials, ana.id); err != nil {
			t.Fatal(err)
		}
	}
	letters := func(kind string) int {
		t.Helper()
		n := 0
		ml, _ := a.DB.MailTo(ctx, ana.email)
		for _, m := range ml {
			if m.Kind == kind {
				n++
			}
		}
		return n
	}
	ladder := func(balanceHours int64, want map[string]int) {
		t.Helper()
		setBalance(balanceHours * starterPriceRials)
		a.Workers.WarnLowBalances(ctx)
		a.Workers.WarnLowBalances(ctx) // a second pass warns of nothing new
		for kind, n := range want {
			if got := letters(kind); got != n {
				t.Errorf("at %d hours left: %d %s letters, want %d", balanceHours, got, kind, n)
			}
		}
	}
	ladder(100, map[string]int{"low_balance": 0})
	ladder(50, map[string]int{"low_balance": 1})
	ladder(30, map[string]int{"low_balance": 1})
	ladder(10, map[string]int{"low_balance": 2})
	ladder(0, map[string]int{"low_balance": 2, "low_balance_hour": 1})
	ladder(200, map[string]int{"low_balance": 2, "low_balance_hour": 1}) // topped up: the episode ends
	ladder(60, map[string]int{"low_balance": 3})                         // and a new one begins

	a.Mailer.DeliverDue(ctx)
	m := ms.AwaitNth(t, ana.email, 5) // the confirmation, then the warnings at 50, 10, 0 and 60 hours
	if !strings.Contains(m.Text, "lasts about 60 more hours") || !strings.Contains(m.Text, "300,000 toman") || !strings.Contains(m.Text, a.URL+"/wallet") {
		t.Errorf("the warning lacks the hours, the balance or the link to top up\n%s", m.Text)
	}

	// The hour comes due and the wallet cannot pay it: powered off, and told.
	setBalance(0)
	if _, err := a.DB.W.Exec(`UPDATE vms SET paid_until = ? WHERE uuid = ?`, clock.now().Add(-time.Minute).Unix(), one); err != nil {
		t.Fatal(err)
	}
	a.Workers.BillDue(ctx, clock.now())
	if vmRow(t, a, one).UnpaidSince.IsZero() {
		t.Fatal("the unpaid VM was not held")
	}
	a.Mailer.DeliverDue(ctx)
	off := ms.Await(t, ana.email, "was powered off")
	if !strings.Contains(off.Subject, "one") || !strings.Contains(off.Text, "Top up") {
		t.Errorf("the powered-off letter does not name the VM or say what to do\n%s\n%s", off.Subject, off.Text)
	}
	a.Workers.BillDue(ctx, clock.now())
	a.Workers.DeleteLongUnpaid(ctx, clock.now().Add(365*24*time.Hour)) // off by default: a year later, nothing
	if vmRow(t, a, one).Status == vmstatus.Destroyed || letters("delete_warning") != 0 {
		t.Error("with deletion of unpaid VMs off (the default), an unpaid VM was deleted or its owner warned")
	}
	if n := letters("unpaid_off"); n != 1 {
		t.Errorf("%d powered-off letters for one VM held, want 1", n)
	}
	vmBody := func() string {
		t.Helper()
		r := a.APICall(t, http.MethodGet, "/api/v1/vms/"+one, ana.token, "")
		testkit.MustStatus(t, "the VM", r, http.StatusOK)
		return r.Body
	}
	if b := vmBody(); !strings.Contains(b, `"held_for_funds":true`) || !strings.Contains(b, `"suspended":false`) {
		t.Errorf("the API does not say the VM is held for funds: %s", b)
	}

	// Held past the grace period (7 days) with the wallet still empty: suspended.
	a.Workers.SuspendOverdue(ctx, clock.now().Add(6*24*time.Hour))
	if vmRow(t, a, one).Suspended() {
		t.Fatal("suspended before the grace period ended")
	}
	a.Workers.SuspendOverdue(ctx, clock.now().Add(7*24*time.Hour+time.Minute))
	if !vmRow(t, a, one).Suspended() || letters("suspended") != 1 {
		t.Fatalf("after the grace period: suspended %v, %d letters", vmRow(t, a, one).Suspended(), letters("suspended"))
	}
	a.Workers.SuspendOverdue(ctx, clock.now().Add(8*24*time.Hour))
	if n := letters("suspended"); n != 1 {
		t.Errorf("%d suspension letters, want 1", n)
	}
	if b := vmBody(); !strings.Contains(b, `"suspended":true`) {
		t.Errorf("the API does not say the VM is suspended: %s", b)
	}
	r := a.APICall(t, http.MethodPost, "/api/v1/vms/"+one+"/power/start", ana.token, "")
	if r.Status != http.StatusConflict || !strings.Contains(r.Body, `"suspended_unpaid"`) {
		t.Errorf("starting a suspended VM: %d %s, want 409 suspended_unpaid", r.Status, r.Body)
	}
	c := a.Client(t)
	c.SignIn(ana.email, testkit.Password)
	if r = c.Get("/vms/" + one + "?lang=en"); !strings.Contains(r.Body, `data-testid="vm-suspended"`) {
		t.Error("the VM page does not say the VM is suspended")
	}
	// Money in lifts it at once; the VM is held as before, for a start that pays.
	if _, err := a.Wallet.TopUp(ctx, ana.id, 10_000, "bank"); err != nil {
		t.Fatal(err)
	}
	if b := vmBody(); !strings.Contains(b, `"suspended":false`) || !strings.Contains(b, `"held_for_funds":true`) {
		t.Errorf("a top-up did not lift the suspension: %s", b)
	}
	if r = c.Get("/vms/" + one + "?lang=en"); strings.Contains(r.Body, `data-testid="vm-suspended"`) || !strings.Contains(r.Body, `data-testid="vm-held"`) {
		t.Error("after the top-up the VM page still says suspended, or not that the VM is off for funds")
	}
}

// A payment received is acknowledged by mail, with the amount and the
// gateway's reference.
func TestATopUpIsAcknowledgedByMail(t *testing.T) {
	t.Parallel()
	z := testkit.NewZarinpal(t)
	ms := testkit.NewMailServer(t)
	a := testkit.NewApp(t, z.Gateway(testkit.ZarinpalMerchant), testkit.WithMail(ms))
	ana := newVMCustomer(t, a, "ana@example.com", 0)
	c := a.Client(t)
	c.SignIn(ana.email, testkit.Password)
	if _, err := a.DB.W.Exec(`UPDATE users SET locale = 'en'`); err != nil {
		t.Fatal(err)
	}
	auth := startTopUp(t, c, z, "50000")
	c.Get(payOnGateway(t, z, auth))
	m := ms.Await(t, ana.email, "topped up")
	if ref := z.Payment(auth).RefID; !strings.Contains(m.Text, "50,000 toman") || !strings.Contains(m.Text, fmt.Sprint(ref)) {
		t.Errorf("the letter lacks the amount or the reference %v\n%s", ref, m.Text)
	}
	c.Get(payOnGateway(t, z, auth)) // a replayed callback credits nothing, and says nothing
	if n := a.Count(t, `SELECT count(*) FROM mail_queue WHERE kind = 'topup'`); n != 1 {
		t.Errorf("%d top-up letters for one payment, want 1", n)
	}
}

// A VM that has booted is announced by mail with its addresses and how to connect.
func TestANewVMIsAnnouncedByMail(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	ms := testkit.NewMailServer(t)
	a := testkit.NewTestDriverPanel(t, testkit.WithMail(ms))
	u := a.CreateUser(t, "sara@example.com", testkit.Password)
	_, err := a.DB.W.Exec(`UPDATE users SET email_verified_at = unixepoch(), locale = 'en', balance_rials = 100000 WHERE id = ?`, u.ID)
	must(err)
	o, err := a.VMs.Create(ctx, services.Principal{UserID: u.ID, Email: u.Email}, services.CreateVMInput{PlanSlug: "tiny", OSTemplateSlug: "tiny",
		AuthMode: "password", CustomPassword: "StrongPass123!", DisplayName: "web-1", Region: "thr-t"})
	must(err)
	m := ms.Await(t, u.Email, "Your server web-1 is ready")
	vm := vmRow(t, a, o.VM.UUID)
	if vm.PublicIP == "" || !strings.Contains(m.Text, "ssh root@"+vm.PublicIP) || !strings.Contains(m.HTML, vm.PublicIP) ||
		!strings.Contains(m.Text, a.URL+"/vms/"+vm.UUID) {
		t.Errorf("the letter lacks the address %q, the command to connect or the VM's page\n%s", vm.PublicIP, m.Text)
	}
}

// A customer who forgot the password gets back in from the sign-in page, in
// Persian on a phone and in English on a desktop, through the mailed link.
func TestPasswordResetInTheBrowser(t *testing.T) {
	ms := testkit.NewMailServer(t)
	a := testkit.NewApp(t, testkit.WithMail(ms))
	for i, run := range []struct {
		lang  string
		phone bool
	}{{"fa", true}, {"en", false}} {
		email := fmt.Sprintf("reset%d@example.com", i)
		a.CreateUser(t, email, testkit.Password)
		if _, err := a.DB.W.Exec(`UPDATE users SET locale = ? WHERE email = ?`, run.lang, email); err != nil {
			t.Fatal(err)
		}
		p := testkit.NewTab(t, testkit.NewBrowser(t), a.URL) // a browser of its own: no session from the run before
		p.Open("/signin?lang=" + run.lang)
		p.Click(`[data-testid=forgot-link]`, `[data-testid=forgot-submit]`)
		size := "desktop"
		if run.phone {
			p.AtPhoneSize()
			size = "phone"
		}
		p.WantLangDir(run.lang, map[string]string{"fa": "rtl", "en": "ltr"}[run.lang])
		p.SaveScreenshot("forgot-password-" + run.lang + "-" + size)
		p.Fill(map[string]string{"#f-email": email})
		p.Click(`[data-testid=forgot-submit]`, `[data-testid=forgot-sent]`)
		if run.phone {
			p.AtPhoneSize()
		}
		link := testkit.LinkIn(t, ms.AwaitNth(t, email, 2), a.URL+"/reset-password?token=")
		p.Open(strings.TrimPrefix(link, a.URL))
		p.Fill(map[string]string{"#f-password": "Fresh-pass-2026", "#f-confirm": "Fresh-pass-2026"})
		p.SaveScreenshot("reset-password-" + run.lang + "-" + size)
		p.Click(`[data-testid=reset-submit]`, `#flash .flash-success`)
		if p.Path() != "/signin" {
			t.Fatalf("%s: after the reset the browser is at %s, want /signin", run.lang, p.Path())
		}
		p.Fill(map[string]string{"#f-email": email, "#f-password": "Fresh-pass-2026"})
		p.Click(`form[action="/signin"] button[type=submit]`, `[data-testid=balance]`)
	}
}

// With deletion of long-unpaid VMs turned on, a VM held for want of funds is
// announced 72 hours ahead, then its disk is copied to a final backup and the
// VM is deleted, and its owner is told.
func TestLongUnpaidVMsAreDeletedAfterAWarningAndABackup(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ms := testkit.NewMailServer(t)
	a := testkit.NewTestDriverPanel(t, testkit.WithMail(ms), func(c *app.Config) { c.VM.UnpaidDeleteAfter = 10 * 24 * time.Hour })
	u := a.CreateUser(t, "omid@example.com", testkit.Password)
	if _, err := a.DB.W.Exec(`UPDATE users SET email_verified_at = unixepoch(), locale = 'en', balance_rials = 1000 WHERE id = ?`, u.ID); err != nil {
		t.Fatal(err)
	}
	o, err := a.VMs.Create(ctx, services.Principal{UserID: u.ID, Email: u.Email}, services.CreateVMInput{PlanSlug: "tiny", OSTemplateSlug: "tiny",
		AuthMode: "password", CustomPassword: "StrongPass123!", DisplayName: "old-box", Region: "thr-t"})
	if err != nil {
		t.Fatal(err)
	}
	uuid := o.VM.UUID
	testkit.WaitFor(t, time.Minute, "the VM runs", func() bool { return vmRow(t, a, uuid).Status == vmstatus.Running })
	now := time.Now()
	if _, err := a.DB.W.Exec(`UPDATE vms SET paid_until = ? WHERE uuid = ?`, now.Add(-time.Minute).Unix(), uuid); err != nil {
		t.Fatal(err)
	}
	a.Workers.BillDue(ctx, now) // the wallet is empty after the first hour: powered off and held
	if vm := vmRow(t, a, uuid); !vm.Held() || vm.Status != vmstatus.Stopped {
		t.Fatalf("the unpaid VM is %s, held %v", vm.Status, vm.Held())
	}
	node, err := a.Fleet.Node(vmRow(t, a, uuid).NodeID)
	if err != nil {
		t.Fatal(err)
	}
	a.Workers.DeleteLongUnpaid(ctx, now.Add(6*24*time.Hour))
	if n := a.Count(t, `SELECT count(*) FROM mail_queue WHERE kind = 'delete_warning'`); n != 0 {
		t.Fatalf("warned %d times 4 days before the deletion", n)
	}
	a.Workers.DeleteLongUnpaid(ctx, now.Add(7*24*time.Hour+time.Minute))
	warning := ms.Await(t, u.Email, "will be deleted in 72 hours")
	if !strings.Contains(warning.Subject, "old-box") {
		t.Errorf("the warning does not name the VM: %q", warning.Subject)
	}
	a.Workers.DeleteLongUnpaid(ctx, now.Add(9*24*time.Hour))
	if vmRow(t, a, uuid).Status == vmstatus.Destroyed {
		t.Fatal("deleted before its time")
	}
	a.Workers.DeleteLongUnpaid(ctx, now.Add(10*24*time.Hour+2*time.Minute))
	vm := vmRow(t, a, uuid)
	if vm.Status != vmstatus.Destroyed {
		t.Fatalf("after ten days and the warning the VM is %s", vm.Status)
	}
	vols, err := node.Volumes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	backup := hypervisor.FinalBackupVolume(uuid)
	var kept, disk bool
	for _, v := range vols {
		kept = kept || v == backup
		disk = disk || v == uuid+".qcow2"
	}
	if !kept || disk || a.Count(t, `SELECT count(*) FROM vms WHERE uuid = ? AND final_backup = ?`, uuid, backup) != 1 {
		t.Errorf("after the deletion: backup %s kept %v, disk still there %v (volumes %v)", backup, kept, disk, vols)
	}
	ms.Await(t, u.Email, "was deleted for non-payment")
	if n := a.Count(t, `SELECT count(*) FROM mail_queue WHERE kind = 'delete_warning'`); n != 1 {
		t.Errorf("%d warnings, want 1", n)
	}
}

// A reset link's pages carry its token (in the address and the form), so no
// cache may keep them; and following the link proves the address, so a reset
// confirms an address that was not confirmed yet.
func TestAPasswordResetIsNeverCachedAndConfirmsTheAddress(t *testing.T) {
	t.Parallel()
	ms := testkit.NewMailServer(t)
	a := testkit.NewApp(t, testkit.WithMail(ms))
	c := a.Client(t)
	c.Header.Set("Accept-Language", "en")
	testkit.MustStatus(t, "sign-up", c.SignUp("ana@example.com", "Ana", testkit.Password), http.StatusSeeOther)
	if a.User(t, "ana@example.com").EmailVerified {
		t.Fatal("a new address is confirmed before its letter is opened")
	}
	c.Post("/signout", nil)
	c.Get("/forgot-password")
	testkit.MustStatus(t, "forgot", c.Post("/forgot-password", testkit.Form("email", "ana@example.com")), http.StatusOK)
	path := strings.TrimPrefix(testkit.LinkIn(t, ms.AwaitNth(t, "ana@example.com", 2), a.URL+"/reset-password?token="), a.URL)
	token := strings.TrimPrefix(path, "/reset-password?token=")

	r := c.Get(path)
	testkit.MustStatus(t, "the reset link", r, http.StatusOK)
	if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("the reset page has Cache-Control %q, want no-store", cc)
	}
	r = c.Post("/reset-password", testkit.Form("token", token, "password", "Another-pass-42", "confirm", "Another-pass-43"))
	testkit.MustStatus(t, "mismatched confirmation", r, http.StatusUnprocessableEntity)
	if cc := r.Header.Get("Cache-Control"); cc != "no-store" || !strings.Contains(r.Body, token) {
		t.Errorf("the refused reset form (holding the token %v) has Cache-Control %q, want no-store", strings.Contains(r.Body, token), cc)
	}
	testkit.MustStatus(t, "reset", c.Post("/reset-password", testkit.Form("token", token, "password", "Another-pass-42", "confirm", "Another-pass-42")), http.StatusSeeOther)
	if !a.User(t, "ana@example.com").EmailVerified {
		t.Error("the reset through the mailed link did not confirm the address")
	}
	c.SignIn("ana@example.com", "Another-pass-42")
	if r := c.Get("/vms"); r.Status != http.StatusOK || strings.Contains(r.Body, `data-testid="unverified"`) {
		t.Errorf("after the reset the dashboard (%d) still asks to confirm the address", r.Status)
	}
}
