package services

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"abrak/store"
)

const goodPassword = "correct-horse-battery"

// newAccounts is the accounts service on a fresh SQLite file, with limits of
// three failures a minute on an injected clock.
func newAccounts(t *testing.T) (*Accounts, *store.DB, *clock) {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "abrak.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c := newClock()
	a, err := NewAccounts(db, NewAudit(db, slog.New(slog.NewTextHandler(io.Discard, nil))), nil, nil, AccountsConfig{
		PerIP:      NewAttemptLimiter(100, time.Minute, c.Now),
		PerAccount: NewAttemptLimiter(3, time.Minute, c.Now),
	})
	if err != nil {
		t.Fatal(err)
	}
	return a, db, c
}

func signUp(t *testing.T, a *Accounts, email string) Account {
	t.Helper()
	u, err := a.SignUp(context.Background(), SignUpInput{Email: email, Name: "Ana", Password: goodPassword, Confirm: goodPassword, Locale: "fa", IP: "10.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func wantError(t *testing.T, what string, err error, status int, key string) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("%s: %v, want a services.Error", what, err)
	}
	if e.Status != status || (key != "" && e.Key != key) {
		t.Fatalf("%s: status %d key %q, want %d %q", what, e.Status, e.Key, status, key)
	}
	return e
}

func TestSignUpNormalizesAndRefusesDuplicates(t *testing.T) {
	a, db, _ := newAccounts(t)
	ctx := context.Background()
	u := signUp(t, a, "  Ana@Example.com ")
	if u.Email != "ana@example.com" {
		t.Errorf("email stored as %q", u.Email)
	}
	stored, err := db.UserByID(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	ok, _ := CheckPassword(stored.PasswordHash, goodPassword)
	if !ok {
		t.Error("the stored hash does not verify the password")
	}
	_, err = a.SignUp(ctx, SignUpInput{Email: "ANA@example.com", Name: "Other", Password: goodPassword + "x", Confirm: goodPassword + "x"})
	e := wantError(t, "duplicate", err, http.StatusUnprocessableEntity, "")
	if e.Fields["email"] != "form.email_taken" {
		t.Errorf("fields %v", e.Fields)
	}
	_, err = a.SignUp(ctx, SignUpInput{Email: "bob@example.com", Name: "Bob", Password: goodPassword, Operator: true})
	if err != nil {
		t.Errorf("the CLI's sign-up without confirmation: %v", err)
	}
	var n int
	db.R.QueryRow(`SELECT count(*) FROM audit_events WHERE action = 'auth.signup'`).Scan(&n)
	if n != 2 {
		t.Errorf("%d sign-up events, want 2", n)
	}
}

func TestSignInSameAnswerForUnknownAndWrong(t *testing.T) {
	a, _, _ := newAccounts(t)
	ctx := context.Background()
	signUp(t, a, "ana@example.com")
	_, wrong := a.SignIn(ctx, "ana@example.com", "not-the-password", "10.0.0.1")
	_, unknown := a.SignIn(ctx, "bob@example.com", "not-the-password", "10.0.0.1")
	ew := wantError(t, "wrong password", wrong, http.StatusUnprocessableEntity, "auth.invalid_credentials")
	eu := wantError(t, "unknown email", unknown, http.StatusUnprocessableEntity, "auth.invalid_credentials")
	if ew.Code != eu.Code || len(ew.Fields) != 0 || len(eu.Fields) != 0 {
		t.Errorf("the answers differ: %+v and %+v", ew, eu)
	}
	res, err := a.SignIn(ctx, " ANA@example.com", goodPassword, "10.0.0.1")
	if err != nil || res.User.Email != "ana@example.com" || res.NeedsTOTP {
		t.Errorf("sign-in: %+v, %v", res, err)
	}
}

func TestSignInLimitPerAccountAndAddress(t *testing.T) {
	a, _, c := newAccounts(t)
	ctx := context.Background()
	signUp(t, a, "ana@example.com")
	for range 3 {
		a.SignIn(ctx, "ana@example.com", "wrong-password", "10.0.0.1")
	}
	_, err := a.SignIn(ctx, "ana@example.com", goodPassword, "10.0.0.1")
	e := wantError(t, "after three failures, from the same address", err, http.StatusTooManyRequests, "auth.too_many_attempts")
	if e.RetryAfter != time.Minute {
		t.Errorf("RetryAfter %v, want 1m", e.RetryAfter)
	}
	// The owner, elsewhere, is not locked out by someone else's guesses.
	if _, err := a.SignIn(ctx, "ana@example.com", goodPassword, "10.0.0.2"); err != nil {
		t.Fatalf("the right password from another address: %v", err)
	}
	c.Advance(time.Minute)
	if _, err := a.SignIn(ctx, "ana@example.com", goodPassword, "10.0.0.1"); err != nil {
		t.Fatalf("after the window: %v", err)
	}
	// A success clears the failures of its address.
	for range 2 {
		a.SignIn(ctx, "ana@example.com", "wrong-password", "10.0.0.1")
	}
	if _, err := a.SignIn(ctx, "ana@example.com", goodPassword, "10.0.0.1"); err != nil {
		t.Fatalf("two failures after a success: %v", err)
	}
	a.SignIn(ctx, "ana@example.com", "wrong-password", "10.0.0.1")
	if _, err := a.SignIn(ctx, "ana@example.com", goodPassword, "10.0.0.1"); err != nil {
		t.Fatalf("one failure after a success blocks: %v", err)
	}
}

// burst runs n checks at once and counts how many were judged (not refused with 429).
func burst(n int, check func(i int) error) (judged, refused int) {
	var wg sync.WaitGroup
	var j, r atomic.Int64
	for i := range n {
		wg.Go(func() {
			var e *Error
			if err := check(i); errors.As(err, &e) && e.Status == http.StatusTooManyRequests {
				r.Add(1)
			} else {
				j.Add(1)
			}
		})
	}
	wg.Wait()
	return int(j.Load()), int(r.Load())
}

// The black-box finding: the limit was checked before the slow password hash
// and the failure recorded after it, so a parallel burst was judged in full.
// Each attempt is reserved first now: a burst gets exactly the limit's worth.
func TestParallelGuessesGetNoMoreThanTheLimit(t *testing.T) {
	a, _, _ := newAccounts(t) // 3 per account and address, 100 per address
	ctx := context.Background()
	u := signUp(t, a, "ana@example.com")
	judged, refused := burst(30, func(int) error {
		_, err := a.SignIn(ctx, "ana@example.com", "wrong-password", "10.0.0.9")
		return err
	})
	if judged != 3 || refused != 27 {
		t.Fatalf("30 parallel wrong passwords: %d judged, %d refused; want 3 and 27", judged, refused)
	}
	if _, err := a.SignIn(ctx, "ana@example.com", goodPassword, "10.0.0.9"); err == nil {
		t.Fatal("the right password after the burst signed in from the guessing address")
	}

	p := Principal{UserID: u.ID, IP: "10.0.0.8"}
	judged, _ = burst(20, func(int) error {
		return a.ChangePassword(ctx, p, "wrong", "a-new-good-password", "a-new-good-password")
	})
	if judged != 3 {
		t.Fatalf("20 parallel password changes with a wrong current password: %d judged, want 3", judged)
	}
	p.IP = "10.0.0.7"
	for range 3 {
		a.DisableTOTP(ctx, p, "wrong")
	}
	wantError(t, "turning two-factor off after three wrong passwords", a.DisableTOTP(ctx, p, goodPassword), http.StatusTooManyRequests, "auth.too_many_attempts")

	// One address, many accounts: the address's own limit holds under a burst too.
	b, _, _ := newAccounts(t)
	b.perIP = NewAttemptLimiter(30, time.Minute, nil)
	judged, _ = burst(45, func(i int) error {
		_, err := b.SignIn(ctx, "guess"+strconv.Itoa(i)+"@example.com", "wrong-password", "10.0.0.6")
		return err
	})
	if judged != 30 {
		t.Fatalf("45 parallel sign-ins from one address: %d judged, want the limit of 30", judged)
	}
}

func TestChangePassword(t *testing.T) {
	a, db, _ := newAccounts(t)
	ctx := context.Background()
	u := signUp(t, a, "ana@example.com")
	p := Principal{UserID: u.ID, IP: "10.0.0.1"}
	err := a.ChangePassword(ctx, p, "wrong", "a-new-good-password", "a-new-good-password")
	if e := wantError(t, "wrong current", err, http.StatusUnprocessableEntity, ""); e.Fields["current"] != "account.current_password_wrong" {
		t.Errorf("fields %v", e.Fields)
	}
	if err := a.ChangePassword(ctx, p, goodPassword, "a-new-good-password", "a-new-good-password"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.SignIn(ctx, "ana@example.com", goodPassword, "10.0.0.1"); err == nil {
		t.Error("the old password still signs in")
	}
	if _, err := a.SignIn(ctx, "ana@example.com", "a-new-good-password", "10.0.0.1"); err != nil {
		t.Errorf("the new password: %v", err)
	}
	var n int
	db.R.QueryRow(`SELECT count(*) FROM audit_events WHERE action = 'account.password_changed' AND severity = 'security'`).Scan(&n)
	if n != 1 {
		t.Errorf("%d password_changed security events, want 1", n)
	}
}

func TestTwoFactorLifecycle(t *testing.T) {
	a, db, clk := newAccounts(t)
	ctx := context.Background()
	u := signUp(t, a, "ana@example.com")
	p := Principal{UserID: u.ID, Email: u.Email}

	if _, err := a.ConfirmTOTP(ctx, p, "123456"); err == nil {
		t.Fatal("confirmed two-factor that was never started")
	}
	en, err := a.BeginTOTP(ctx, p)
	if err != nil || en.Secret == "" || len(en.QRPNG) < 100 || en.URL == "" {
		t.Fatalf("BeginTOTP: %+v, %v", en, err)
	}
	again, err := a.PendingTOTP(ctx, p)
	if err != nil || again.Secret != en.Secret {
		t.Fatalf("PendingTOTP shows another secret: %v, %v", again.Secret, err)
	}
	code, _ := TOTPCode(en.Secret, time.Now())
	codes, err := a.ConfirmTOTP(ctx, p, code)
	if err != nil || len(codes) != 8 {
		t.Fatalf("ConfirmTOTP: %v, %v", codes, err)
	}
	if _, err := a.BeginTOTP(ctx, p); err == nil {
		t.Error("two-factor could be started again while on")
	}

	res, err := a.SignIn(ctx, "ana@example.com", goodPassword, "10.0.0.1")
	if err != nil || !res.NeedsTOTP {
		t.Fatalf("sign-in with two-factor on: %+v, %v", res, err)
	}
	if err := a.VerifySecondFactor(ctx, u.ID, "000000x", "10.0.0.1"); err == nil {
		t.Error("a wrong code passed")
	}
	code, _ = TOTPCode(en.Secret, time.Now())
	if err := a.VerifySecondFactor(ctx, u.ID, code, "10.0.0.1"); err != nil {
		t.Errorf("the right code: %v", err)
	}

	// Ten sign-ins race for one recovery code: exactly one wins.
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			if a.VerifySecondFactor(ctx, u.ID, codes[0], "10.0.0.1") == nil {
				wins.Add(1)
			}
		})
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Errorf("one recovery code signed in %d times", wins.Load())
	}
	clk.Advance(time.Minute) // the nine losers count as failures; let that window pass

	if err := a.DisableTOTP(ctx, p, "wrong"); err == nil {
		t.Error("two-factor turned off with a wrong password")
	}
	if err := a.DisableTOTP(ctx, p, goodPassword); err != nil {
		t.Fatal(err)
	}
	var left int
	db.R.QueryRow(`SELECT count(*) FROM recovery_codes WHERE user_id = ?`, u.ID).Scan(&left)
	if left != 0 {
		t.Errorf("%d recovery codes left after turning two-factor off", left)
	}
	err = a.VerifySecondFactor(ctx, u.ID, codes[1], "10.0.0.1")
	wantError(t, "a recovery code after two-factor was turned off", err, http.StatusUnprocessableEntity, "")
	if res, err := a.SignIn(ctx, "ana@example.com", goodPassword, "10.0.0.1"); err != nil || res.NeedsTOTP {
		t.Errorf("sign-in after turning two-factor off: %+v, %v", res, err)
	}
}
