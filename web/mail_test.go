package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"abrak/app"
	"abrak/services"
	"abrak/store"
	"abrak/testkit"
	"abrak/views/i18n"
)

// withMailByHand points the panel at the server on a clock of the test's own;
// nothing is delivered until the test calls DeliverDue.
func withMailByHand(ms *testkit.MailServer, clock *testkit.Clock) func(*app.Config) {
	return func(c *app.Config) {
		testkit.WithMail(ms)(c)
		c.Mail.Now = clock.Now
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
	clock := testkit.NewClock(time.Now())
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
	if wait := first.NextAttemptAt.Sub(clock.Now()); wait < 29*time.Second || wait > 31*time.Second {
		t.Errorf("the first retry waits %s, want 30 s", wait)
	}
	a.Mailer.DeliverDue(ctx) // too early: nothing is tried
	if ms.Attempts() != 1 {
		t.Fatalf("a letter was tried again before its time (%d attempts)", ms.Attempts())
	}
	clock.Add(31 * time.Second)
	a.Mailer.DeliverDue(ctx)
	second := mailRow(t, a, "nika@example.com")
	if ms.Attempts() != 2 || second.NextAttemptAt.Sub(clock.Now()) < 59*time.Second {
		t.Fatalf("the second refusal: %d attempts, next in %s; want 2 and a wait of 60 s", ms.Attempts(), second.NextAttemptAt.Sub(clock.Now()))
	}
	clock.Add(61 * time.Second)
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
	clock.Add(time.Hour)
	a.Mailer.DeliverDue(ctx)
	if row := mailRow(t, a, "nika@example.com"); row.Status != store.MailFailed || !strings.Contains(row.LastError, "550") || ms.Attempts() != 4 {
		t.Errorf("a 550: letter %s (%q) after %d attempts at the server; want failed, kept, tried once", row.Status, row.LastError, ms.Attempts())
	}
}
