package web_test

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"abrak/app"
	"abrak/testkit"
	"abrak/views/i18n"
	"abrak/web"
)

// tooMany checks a 429 that asks to wait (Retry-After, at most the hour of the
// letter limits) and says so in the form's message in l; it returns the body
// from the message on.
func tooMany(t *testing.T, what string, r testkit.Response, l i18n.Locale) string {
	t.Helper()
	testkit.MustStatus(t, what, r, http.StatusTooManyRequests)
	s, err := strconv.Atoi(r.Header.Get("Retry-After"))
	if err != nil || s < 1 || s > 3600 {
		t.Fatalf("%s: Retry-After %q, want 1…3600 seconds", what, r.Header.Get("Retry-After"))
	}
	if msg, want := testkit.FormMessage(r.Body), i18n.T(l, "auth.too_many_attempts", "seconds", strconv.Itoa(s)); msg != want {
		t.Errorf("%s: message %q, want %q", what, msg, want)
	}
	i := strings.Index(r.Body, `data-testid="form-message"`)
	if i < 0 {
		t.Fatalf("%s: no message on the page\n%s", what, testkit.Trim(r.Body))
	}
	return r.Body[i:]
}

// Twenty sign-ups from one address mail only the first ten of the strangers
// they name: the rest are refused above the form, in Persian and in English,
// before any account is made or any letter queued.
func TestSignUpsFromOneAddressMailOnlyTheFirstTen(t *testing.T) {
	t.Parallel()
	ms := testkit.NewMailServer(t)
	a := testkit.NewApp(t, testkit.WithMail(ms))
	for i := range 20 {
		c := a.Client(t)
		if i == 19 {
			c.Header.Set("Accept-Language", "en")
		}
		email := fmt.Sprintf("stranger%d@example.com", i)
		r := c.SignUp(email, "Stranger", testkit.Password)
		switch {
		case i < 10:
			testkit.WantRedirect(t, "sign-up "+strconv.Itoa(i+1), r, "/vms")
		case i == 19:
			tooMany(t, "the twentieth sign-up, in English", r, i18n.EN)
		default:
			tooMany(t, "sign-up "+strconv.Itoa(i+1), r, i18n.FA)
			if !strings.Contains(r.Body, `value="`+email+`"`) || c.Cookie(testkit.SessionCookie) != "" {
				t.Errorf("sign-up %d: the refused form lost the address, or the visitor got a session", i+1)
			}
		}
	}
	for i := range 10 {
		ms.Await(t, fmt.Sprintf("stranger%d@example.com", i), "")
	}
	if n := a.Count(t, `SELECT count(*) FROM users`); n != 10 {
		t.Errorf("%d accounts, want 10", n)
	}
	// Every letter queued has arrived: nothing more is on its way.
	if n, got := a.Count(t, `SELECT count(*) FROM mail_queue`), len(ms.Messages()); n != 10 || got != 10 {
		t.Errorf("%d letters queued and %d received, want 10", n, got)
	}
}

// One address is signed up at most five times an hour, from however many
// client addresses: each try costs a password hash.
func TestOneAddressIsTriedAtMostFiveTimesAnHour(t *testing.T) {
	t.Parallel()
	loopback, err := web.ParseCIDRs("127.0.0.1, ::1")
	if err != nil {
		t.Fatal(err)
	}
	a := testkit.NewApp(t, func(c *app.Config) { c.Web.TrustedProxies = loopback })
	for i := range 6 {
		c := a.Client(t)
		c.Header.Set("X-Forwarded-For", fmt.Sprintf("198.51.100.%d", i+1))
		r := c.SignUp("ana@example.com", "Ana", testkit.Password)
		switch {
		case i == 0:
			testkit.WantRedirect(t, "the first sign-up", r, "/vms")
		case i < 5:
			testkit.MustStatus(t, "sign-up "+strconv.Itoa(i+1), r, http.StatusUnprocessableEntity)
			wantFieldError(t, r.Body, "email", "form.email_taken")
		default:
			tooMany(t, "the sixth sign-up of the address", r, i18n.FA)
		}
	}
}

// Addresses a mail server should never be asked to reach are refused beside
// the field: an address literal, a bare number, a name of one label, and the
// special-use names (the panel's own network or names that cannot exist).
func TestSignUpRefusesAddressesNoMailServerShouldReach(t *testing.T) {
	t.Parallel()
	ms := testkit.NewMailServer(t)
	a := testkit.NewApp(t, testkit.WithMail(ms))
	c := a.Client(t)
	for _, tc := range []struct{ email, key string }{
		{"x@[127.0.0.1]", "form.email_unreachable"},
		{"x@127.0.0.1", "form.email_unreachable"},
		{"x@10.0.0.1", "form.email_unreachable"},
		{"x@localhost", "form.invalid_email"},
		{"first.last@localhost", "form.invalid_email"},
		{"x@-panel.com", "form.invalid_email"},
		{"x@panel.localhost", "form.email_unreachable"},
		{"x@printer.local", "form.email_unreachable"},
		{"x@closed.invalid", "form.email_unreachable"},
		{"x@mail.test", "form.email_unreachable"},
		{"x@www.example", "form.email_unreachable"},
		{"x@db.internal", "form.email_unreachable"},
		{"x@router.home.arpa", "form.email_unreachable"},
		{"x@hidden.onion", "form.email_unreachable"},
	} {
		r := c.SignUp(tc.email, "X", testkit.Password)
		testkit.MustStatus(t, tc.email, r, http.StatusUnprocessableEntity)
		wantFieldError(t, r.Body, "email", tc.key)
	}
	en := a.Client(t)
	en.Header.Set("Accept-Language", "en")
	r := en.SignUp("x@[127.0.0.1]", "X", testkit.Password)
	if got, want := testkit.FieldErrors(r.Body)["email"], i18n.T(i18n.EN, "form.email_unreachable"); got != want {
		t.Errorf("in English: %q, want %q", got, want)
	}
	if n := a.Count(t, `SELECT count(*) FROM users`) + a.Count(t, `SELECT count(*) FROM mail_queue`); n != 0 {
		t.Errorf("refused addresses made %d accounts and letters", n)
	}
	// A real domain, international names among them, still signs up.
	testkit.WantRedirect(t, "an address at a public domain", a.Client(t).SignUp("ana@mail.example.com", "Ana", testkit.Password), "/vms")
	testkit.WantRedirect(t, "an address at an international domain", a.Client(t).SignUp("sara@نمونه.ایران", "Sara", testkit.Password), "/vms")
}

// Twenty-five "send the link again" mail five links; the rest are refused in
// the banner beside the button, in Persian and in English. One client
// address is bounded across its accounts too.
func TestSendingTheLinkAgainIsLimited(t *testing.T) {
	t.Parallel()
	ms := testkit.NewMailServer(t)
	a := testkit.NewApp(t, testkit.WithMail(ms))
	resend := func(c *testkit.Client, query string) testkit.Response {
		t.Helper()
		c.Get("/account")
		return c.Post("/account/verify-email"+query, nil)
	}
	leo := a.Client(t)
	testkit.WantRedirect(t, "sign-up", leo.SignUp("leo@example.com", "Leo", testkit.Password), "/vms")
	for i := range 25 {
		what := "sending the link again, " + strconv.Itoa(i+1)
		switch r := resend(leo, ""); {
		case i < 5:
			testkit.WantRedirect(t, what, r, "/vms")
		case i == 24:
			tooMany(t, what+", in English", resend(leo, "?lang=en"), i18n.EN)
		default:
			after := tooMany(t, what, r, i18n.FA)
			if !strings.Contains(r.Body, `data-testid="unverified"`) || strings.Contains(after, `data-testid="resend-verification"`) || !strings.Contains(after, `id="flash"`) {
				t.Fatalf("%s: the refusal is not in the banner beside its button\n%s", what, testkit.Trim(r.Body))
			}
		}
	}
	ms.AwaitNth(t, "leo@example.com", 6) // the sign-up's letter and five more
	if n := a.Count(t, `SELECT count(*) FROM mail_queue WHERE to_addr = 'leo@example.com'`); n != 6 {
		t.Errorf("%d letters to leo, want 6", n)
	}

	// Leo's refusals spent nothing of his address's ten: Mia sends five, and
	// Nia, from the same address, is refused her first.
	mia, nia := a.Client(t), a.Client(t)
	testkit.WantRedirect(t, "Mia's sign-up", mia.SignUp("mia@example.com", "Mia", testkit.Password), "/vms")
	testkit.WantRedirect(t, "Nia's sign-up", nia.SignUp("nia@example.com", "Nia", testkit.Password), "/vms")
	for i := range 5 {
		testkit.WantRedirect(t, "Mia sends the link again "+strconv.Itoa(i+1), resend(mia, ""), "/vms")
	}
	tooMany(t, "Nia's first, from the same address", resend(nia, ""), i18n.FA)
	ms.AwaitNth(t, "mia@example.com", 6)
	ms.Await(t, "nia@example.com", "")
	if n := a.Count(t, `SELECT count(*) FROM mail_queue`); n != 13 {
		t.Errorf("%d letters queued, want 13 (three sign-ups and ten links again)", n)
	}
}
