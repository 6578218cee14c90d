package services

import (
	"context"
	"crypto/hmac"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"abrak/mail"
	"abrak/store"
)

// receiver is a webhook endpoint on loopback that checks every signature
// with the secret it is given, and answers with what answer says.
type receiver struct {
	t      testing.TB
	srv    *httptest.Server
	mu     sync.Mutex
	secret string
	got    []receivedEvent
	bad    int // deliveries whose signature did not verify
	answer func(n int, ev receivedEvent) int
}

type receivedEvent struct {
	ID, Type string
	VMUUID   string
	Seq      int
	Header   http.Header
	Body     []byte
}

func newReceiver(t testing.TB) *receiver {
	r := &receiver{t: t, answer: func(int, receivedEvent) int { return http.StatusOK }}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		var ev struct {
			ID, Type string
			Data     map[string]any
		}
		_ = json.Unmarshal(body, &ev)
		re := receivedEvent{ID: ev.ID, Type: ev.Type, Header: req.Header.Clone(), Body: body}
		if u, ok := ev.Data["uuid"].(string); ok {
			re.VMUUID = u
		}
		if n, ok := ev.Data["seq"].(float64); ok {
			re.Seq = int(n)
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		if !verify(r.secret, req.Header, body) || req.Header.Get("webhook-id") != ev.ID {
			r.bad++
		}
		r.got = append(r.got, re)
		w.WriteHeader(r.answer(len(r.got), re))
	}))
	t.Cleanup(r.srv.Close)
	return r
}

// verify is what a customer's receiver does (docs/webhooks.md): the HMAC of
// "id.timestamp.body" with the secret's bytes, compared in constant time.
func verify(secret string, h http.Header, body []byte) bool {
	want := Sign(secret, h.Get("webhook-id"), h.Get("webhook-timestamp"), body)
	for _, sig := range strings.Fields(h.Get("webhook-signature")) {
		if hmac.Equal([]byte(sig), []byte(want)) {
			return true
		}
	}
	return false
}

func (r *receiver) events() []receivedEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]receivedEvent(nil), r.got...)
}

type hookWorld struct {
	db    *store.DB
	hooks *Webhooks
	emit  hookEmitter
	p     Principal
	now   time.Time
	cfg   WebhookConfig
}

func (w *hookWorld) clock() time.Time { return w.now }

// newHookWorld is an account on a fresh database and the webhooks service
// with a clock the test moves; allowLoopback is the operator's setting.
func newHookWorld(t testing.TB, allowLoopback bool) *hookWorld {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "abrak.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	u, err := db.CreateUser(ctx, store.User{Email: "ana@example.com", Name: "Ana", PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	// The clock starts a little ahead: events are queued at the real time, so
	// a pass at once finds them due even when a second turns in between.
	w := &hookWorld{db: db, p: Principal{UserID: u.ID, Email: u.Email}, now: time.Now().Add(5 * time.Second), emit: hookEmitter{db: db, log: log}}
	w.cfg = WebhookConfig{AllowLoopback: allowLoopback, Now: w.clock, Lookup: testLookup}
	w.hooks = NewWebhooks(db, NewAudit(db, log), nil, log, w.cfg)
	return w
}

// testLookup answers for the test's own names, and asks the system for the rest (localhost).
func testLookup(ctx context.Context, host string) ([]netip.Addr, error) {
	names := map[string][]string{
		"loopback.test":  {"127.0.0.1"},
		"loopback6.test": {"::1"},
		"private.test":   {"10.1.2.3"},
		"metadata.test":  {"169.254.169.254"},
		"cgnat.test":     {"100.64.0.9"},
		"mixed.test":     {"93.184.216.34", "192.168.1.1"},
		"public.test":    {"93.184.216.34"},
	}
	if ips, ok := names[host]; ok {
		var out []netip.Addr
		for _, ip := range ips {
			out = append(out, netip.MustParseAddr(ip))
		}
		return out, nil
	}
	return defaultLookup(ctx, host)
}

func (w *hookWorld) register(t testing.TB, url string, events ...string) Webhook {
	t.Helper()
	if len(events) == 0 {
		events = WebhookEvents
	}
	hook, err := w.hooks.Create(context.Background(), w.p, WebhookInput{URL: &url, Events: events})
	if err != nil {
		t.Fatalf("registering %s: %v", url, err)
	}
	if !strings.HasPrefix(hook.Secret, secretPrefix) {
		t.Fatalf("the create answer's secret is %q", hook.Secret)
	}
	return hook
}

func (w *hookWorld) deliveries(t *testing.T, id int64) []WebhookDelivery {
	t.Helper()
	ds, err := w.hooks.Deliveries(context.Background(), w.p, id)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

func TestWebhookReceiverVerifiesEverySignatureAndSeesRetries(t *testing.T) {
	w := newHookWorld(t, true)
	r := newReceiver(t)
	r.answer = func(n int, _ receivedEvent) int {
		if n <= 2 {
			return http.StatusInternalServerError
		}
		return http.StatusOK
	}
	hook := w.register(t, r.srv.URL+"/hooks")
	r.secret = hook.Secret
	ctx := context.Background()
	w.emit.emit(ctx, w.p.UserID, 0, EventWalletToppedUp, map[string]any{"amount": 10_000})

	w.hooks.DeliverDue(ctx)
	if got := len(r.events()); got != 1 {
		t.Fatalf("after the first pass the receiver saw %d deliveries, want 1", got)
	}
	w.hooks.DeliverDue(ctx) // not due yet: the backoff holds it
	if got := len(r.events()); got != 1 {
		t.Fatalf("a pass before the backoff ended delivered again: %d deliveries", got)
	}
	ds := w.deliveries(t, hook.ID)
	if len(ds) != 1 || ds[0].Status != store.DeliveryPending || ds[0].StatusCode != 500 || ds[0].Attempts != 1 {
		t.Fatalf("after a 500 the delivery is %+v, want pending after 1 attempt with 500", ds)
	}
	for i := 0; i < 2; i++ {
		w.now = w.now.Add(2 * time.Hour)
		w.hooks.DeliverDue(ctx)
	}
	got := r.events()
	if len(got) != 3 {
		t.Fatalf("the receiver saw %d deliveries, want 3 (500, 500, 200)", len(got))
	}
	if r.bad != 0 {
		t.Fatalf("%d deliveries failed the receiver's signature check", r.bad)
	}
	for _, ev := range got {
		if ev.ID != got[0].ID || ev.Type != EventWalletToppedUp {
			t.Fatalf("a retry changed the event: %+v beside %+v", ev, got[0])
		}
	}
	ds = w.deliveries(t, hook.ID)
	if ds[0].Status != store.DeliveryDelivered || ds[0].StatusCode != 200 || ds[0].Attempts != 3 {
		t.Fatalf("the delivery ended %+v, want delivered with 200 after 3 attempts", ds[0])
	}
	// A body changed on the way fails the check.
	if verify(hook.Secret, got[0].Header, append(got[0].Body, ' ')) {
		t.Fatal("a changed body still verifies")
	}
}

func TestWebhookDeliveriesGoInOrderPerVM(t *testing.T) {
	w := newHookWorld(t, true)
	r := newReceiver(t)
	failedOnce := false
	r.answer = func(_ int, ev receivedEvent) int {
		if ev.VMUUID == "vm-a" && ev.Seq == 3 && !failedOnce {
			failedOnce = true
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	}
	hook := w.register(t, r.srv.URL)
	r.secret = hook.Secret
	ctx := context.Background()
	for seq := 1; seq <= 10; seq++ {
		for vm, uuid := range map[int64]string{1: "vm-a", 2: "vm-b"} {
			w.emit.emit(ctx, w.p.UserID, vm, EventVMStatusChanged, map[string]any{"uuid": uuid, "seq": seq})
		}
	}
	w.hooks.DeliverDue(ctx)
	seen := func() map[string][]int {
		out := map[string][]int{}
		for _, ev := range r.events() {
			out[ev.VMUUID] = append(out[ev.VMUUID], ev.Seq)
		}
		return out
	}
	first := seen()
	if want := []int{1, 2, 3}; !equalInts(first["vm-a"], want) {
		t.Fatalf("vm-a's deliveries in the first pass: %v, want %v (held behind the failed third)", first["vm-a"], want)
	}
	if len(first["vm-b"]) != 10 {
		t.Fatalf("vm-b's deliveries waited for vm-a's: %v", first["vm-b"])
	}
	w.hooks.DeliverDue(ctx) // vm-a's third is not due: nothing of vm-a goes
	if got := seen()["vm-a"]; len(got) != 3 {
		t.Fatalf("vm-a's later deliveries overtook the failed one: %v", got)
	}
	w.now = w.now.Add(time.Minute)
	w.hooks.DeliverDue(ctx)
	want := []int{1, 2, 3, 3, 4, 5, 6, 7, 8, 9, 10}
	if got := seen()["vm-a"]; !equalInts(got, want) {
		t.Fatalf("vm-a's deliveries arrived as %v, want %v", got, want)
	}
	if r.bad != 0 {
		t.Fatalf("%d signatures did not verify", r.bad)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestWebhookURLsOnlyReachThePublicInternet(t *testing.T) {
	w := newHookWorld(t, false)
	ctx := context.Background()
	for _, tt := range []struct{ url, key string }{
		{"http://127.0.0.1/hook", "webhook.url_loopback"},
		{"http://127.8.9.10:8080/hook", "webhook.url_loopback"},
		{"http://[::1]/hook", "webhook.url_loopback"},
		{"http://localhost:9000/hook", "webhook.url_loopback"},
		{"https://loopback.test/hook", "webhook.url_loopback"},
		{"https://loopback6.test/hook", "webhook.url_loopback"},
		{"http://[::ffff:127.0.0.1]/hook", "webhook.url_loopback"},
		{"http://10.0.0.5/hook", "webhook.url_private"},
		{"http://172.16.3.4/hook", "webhook.url_private"},
		{"http://192.168.1.1/hook", "webhook.url_private"},
		{"http://[fd12:3456::1]/hook", "webhook.url_private"},
		{"https://private.test/hook", "webhook.url_private"},
		{"https://mixed.test/hook", "webhook.url_private"},
		{"http://169.254.10.20/hook", "webhook.url_link_local"},
		{"http://[fe80::1]/hook", "webhook.url_link_local"},
		{"http://169.254.169.254/latest/meta-data/", "webhook.url_metadata"},
		{"https://metadata.test/", "webhook.url_metadata"},
		{"http://100.64.1.2/hook", "webhook.url_cgnat"},
		{"https://cgnat.test/hook", "webhook.url_cgnat"},
		{"http://224.0.0.1/hook", "webhook.url_multicast"},
		{"http://[ff02::1]/hook", "webhook.url_multicast"},
		{"http://0.0.0.0/hook", "webhook.url_unspecified"},
		{"http://[::]/hook", "webhook.url_unspecified"},
		{"http://[64:ff9b::a00:1]/hook", "webhook.url_private"},
		{"ftp://public.test/hook", "webhook.url_invalid"},
		{"public.test/hook", "webhook.url_invalid"},
		{"https://user:pass@public.test/hook", "webhook.url_credentials"},
		{"https://no-such-host.invalid/hook", "webhook.url_unresolvable"},
	} {
		u := tt.url
		_, err := w.hooks.Create(ctx, w.p, WebhookInput{URL: &u, Events: []string{EventVMCreated}})
		if err == nil {
			t.Errorf("%s was registered", tt.url)
			continue
		}
		if e := AsError(err); e.Status != http.StatusUnprocessableEntity || e.Fields["url"] != tt.key {
			t.Errorf("%s: %d %v, want 422 with url %s", tt.url, e.Status, e.Fields, tt.key)
		}
	}
	u := "https://public.test/hook"
	if _, err := w.hooks.Create(ctx, w.p, WebhookInput{URL: &u, Events: []string{EventVMCreated}}); err != nil {
		t.Fatalf("a public URL was refused: %v", err)
	}
}

func TestWebhookAddressIsCheckedAgainAtDelivery(t *testing.T) {
	// Registered while the operator allowed loopback; the setting is off when it is delivered.
	allowed := newHookWorld(t, true)
	r := newReceiver(t)
	hook := allowed.register(t, r.srv.URL)
	ctx := context.Background()
	allowed.emit.emit(ctx, allowed.p.UserID, 0, EventWalletLow, map[string]any{"hours_left": 5})
	strict := NewWebhooks(allowed.db, NewAudit(allowed.db, slog.New(slog.NewTextHandler(io.Discard, nil))), nil,
		slog.New(slog.NewTextHandler(io.Discard, nil)), WebhookConfig{Now: allowed.clock, Lookup: testLookup})
	strict.DeliverDue(ctx)
	if got := len(r.events()); got != 0 {
		t.Fatalf("the receiver on loopback got %d deliveries with the setting off", got)
	}
	ds := allowed.deliveries(t, hook.ID)
	if len(ds) != 1 || ds[0].Error != "webhook.url_loopback" || ds[0].Status != store.DeliveryPending || ds[0].Attempts != 1 {
		t.Fatalf("the refused delivery is recorded as %+v, want pending with the loopback refusal", ds)
	}
	// A name that resolves to loopback is refused at the connection too.
	u := strings.Replace(r.srv.URL, "127.0.0.1", "loopback.test", 1)
	if _, err := allowed.hooks.Update(ctx, allowed.p, hook.ID, WebhookInput{URL: &u}); err != nil {
		t.Fatal(err)
	}
	allowed.now = allowed.now.Add(time.Hour)
	strict.DeliverDue(ctx)
	if ds := allowed.deliveries(t, hook.ID); ds[0].Error != "webhook.url_loopback" || ds[0].Attempts != 2 || len(r.events()) != 0 {
		t.Fatalf("a name resolving to loopback was reached: %+v, %d received", ds[0], len(r.events()))
	}
	// No redirect is followed: a 302 is the endpoint's answer.
	target := newReceiver(t)
	redirect := httptest.NewServer(http.RedirectHandler(target.srv.URL, http.StatusFound))
	defer redirect.Close()
	if _, err := allowed.hooks.Update(ctx, allowed.p, hook.ID, WebhookInput{URL: &redirect.URL}); err != nil {
		t.Fatal(err)
	}
	allowed.now = allowed.now.Add(2 * time.Hour)
	allowed.hooks.DeliverDue(ctx)
	if ds := allowed.deliveries(t, hook.ID); ds[0].StatusCode != http.StatusFound || len(target.events()) != 0 {
		t.Fatalf("a redirect was followed: %+v, the target got %d", ds[0], len(target.events()))
	}
}

func TestWebhookGivenUpAfterADayAndEndpointTurnedOffAfterThree(t *testing.T) {
	w := newHookWorld(t, true)
	r := newReceiver(t)
	r.answer = func(int, receivedEvent) int { return http.StatusBadGateway }
	hook := w.register(t, r.srv.URL)
	r.secret = hook.Secret
	ctx := context.Background()
	start := w.now
	w.emit.emit(ctx, w.p.UserID, 0, EventWalletLow, map[string]any{})
	for w.now.Sub(start) < 27*time.Hour {
		w.hooks.DeliverDue(ctx)
		w.now = w.now.Add(30 * time.Minute)
	}
	ds := w.deliveries(t, hook.ID)
	if ds[0].Status != store.DeliveryFailed {
		t.Fatalf("after 27 h of 502s the delivery is %s after %d attempts, want given up", ds[0].Status, ds[0].Attempts)
	}
	attempts := ds[0].Attempts
	if attempts < 10 || attempts > 40 {
		t.Fatalf("%d attempts in a day: the backoff is not exponential", attempts)
	}
	if got, _ := w.hooks.Get(ctx, w.p, hook.ID); !got.Enabled {
		t.Fatal("the endpoint was turned off after one day")
	}
	for w.now.Sub(start) < 80*time.Hour {
		w.emit.emit(ctx, w.p.UserID, 0, EventWalletLow, map[string]any{})
		w.hooks.DeliverDue(ctx)
		w.now = w.now.Add(6 * time.Hour)
	}
	got, _ := w.hooks.Get(ctx, w.p, hook.ID)
	if got.Enabled || got.DisabledAt.IsZero() {
		t.Fatalf("an endpoint failing for three days is still on: %+v", got)
	}
	// Turned on again by its owner, it starts afresh.
	on := true
	if got, err := w.hooks.Update(ctx, w.p, hook.ID, WebhookInput{Enabled: &on}); err != nil || !got.Enabled || !got.FailingSince.IsZero() {
		t.Fatalf("turned on again: %+v, %v", got, err)
	}
}

func TestWebhookTestEventAndRedelivery(t *testing.T) {
	w := newHookWorld(t, true)
	r := newReceiver(t)
	hook := w.register(t, r.srv.URL, EventVMCreated)
	r.secret = hook.Secret
	ctx := context.Background()
	w.emit.emit(ctx, w.p.UserID, 0, EventWalletLow, map[string]any{}) // not wanted
	if err := w.hooks.Test(ctx, w.p, hook.ID); err != nil {
		t.Fatal(err)
	}
	w.hooks.DeliverDue(ctx)
	got := r.events()
	if len(got) != 1 || got[0].Type != EventPing {
		t.Fatalf("the receiver got %+v, want the ping alone", got)
	}
	ds := w.deliveries(t, hook.ID)
	if err := w.hooks.Redeliver(ctx, w.p, hook.ID, ds[0].ID); err != nil {
		t.Fatal(err)
	}
	w.hooks.DeliverDue(ctx)
	if got := r.events(); len(got) != 2 || got[1].ID != got[0].ID || r.bad != 0 {
		t.Fatalf("sent again: %+v", got)
	}
	if ds := w.deliveries(t, hook.ID); len(ds) != 2 || ds[0].Status != store.DeliveryDelivered {
		t.Fatalf("deliveries after sending again: %+v", ds)
	}
	// Another account sees none of it.
	other, err := w.db.CreateUser(ctx, store.User{Email: "bob@example.com", Name: "Bob", PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	bob := Principal{UserID: other.ID}
	if _, err := w.hooks.Get(ctx, bob, hook.ID); AsError(err).Status != http.StatusNotFound {
		t.Fatalf("another account reads the webhook: %v", err)
	}
	if err := w.hooks.Redeliver(ctx, bob, hook.ID, ds[0].ID); AsError(err).Status != http.StatusNotFound {
		t.Fatalf("another account sends again: %v", err)
	}
	if err := w.hooks.Delete(ctx, bob, hook.ID); AsError(err).Status != http.StatusNotFound {
		t.Fatalf("another account deletes: %v", err)
	}
}

// The signature docs/webhooks.md's shell snippet (openssl) computes for the
// same secret, id, timestamp and body.
func TestSignIsWhatTheDocsOpensslSnippetComputes(t *testing.T) {
	got := Sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "evt_1", "1796609400", []byte(`{"a":1}`))
	if want := "v1,+5+T1vCoYMBr8GW/xcKpirybhkEcSfMPOSxPE9+FzKY="; got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
}

// An endpoint turned off after three days of failures tells its account in
// a letter; a month on, its finished deliveries are pruned.
func TestWebhookTurnedOffWithALetterAndOldDeliveriesPruned(t *testing.T) {
	w := newHookWorld(t, true)
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	mailer := NewMailer(w.db, MailConfig{Server: mail.Server{Addr: "127.0.0.1:1"}, BaseURL: "https://panel.example"},
		func(l mail.Letter) mail.Message {
			return mail.Message{Subject: l.Kind + " " + strings.Join(l.Args, " "), Text: l.Link}
		}, log)
	w.hooks = NewWebhooks(w.db, NewAudit(w.db, log), mailer, log, w.cfg)
	r := newReceiver(t)
	r.answer = func(int, receivedEvent) int { return http.StatusInternalServerError }
	hook := w.register(t, r.srv.URL)
	r.secret = hook.Secret
	start := w.now
	w.emit.emit(ctx, w.p.UserID, 0, EventWalletLow, map[string]any{})
	for w.now.Sub(start) < 80*time.Hour {
		w.hooks.DeliverDue(ctx)
		w.now = w.now.Add(30 * time.Minute)
	}
	w.hooks.DeliverDue(ctx)
	letters, err := w.db.MailTo(ctx, "ana@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if len(letters) != 1 || letters[0].Kind != "webhook_disabled" || !strings.Contains(letters[0].Subject, r.srv.URL) ||
		letters[0].Text != "https://panel.example/webhooks" {
		t.Fatalf("letters after the endpoint was turned off: %+v", letters)
	}
	ds := w.deliveries(t, hook.ID)
	if len(ds) != 1 || ds[0].Status != store.DeliveryFailed || ds[0].Attempts < 10 {
		t.Fatalf("the delivery before the endpoint was turned off: %+v", ds)
	}
	before := len(ds)
	w.now = w.now.Add(31 * 24 * time.Hour)
	w.hooks.DeliverDue(ctx)
	if after := len(w.deliveries(t, hook.ID)); before == 0 || after != 0 {
		t.Fatalf("deliveries a month after they were given up: %d, before %d", after, before)
	}
}

// A top-up credited to the wallet is a wallet.topped_up event.
func TestTopUpIsAWebhookEvent(t *testing.T) {
	w := newHookWorld(t, true)
	ctx := context.Background()
	hook := w.register(t, "http://127.0.0.1:1/hook", EventWalletToppedUp)
	if _, err := NewWallet(w.db, NewAudit(w.db, slog.New(slog.NewTextHandler(io.Discard, nil)))).TopUp(ctx, w.p.UserID, 50_000, "bank-7"); err != nil {
		t.Fatal(err)
	}
	ds := w.deliveries(t, hook.ID)
	if len(ds) != 1 || ds[0].Type != EventWalletToppedUp {
		t.Fatalf("deliveries after a top-up: %+v", ds)
	}
	d, err := w.db.WebhookDeliveryOf(ctx, w.p.UserID, hook.ID, ds[0].ID)
	if err != nil || !strings.Contains(d.Body, `"amount":50000`) || !strings.Contains(d.Body, `"reference":"bank-7"`) {
		t.Fatalf("the event's body: %s (%v)", d.Body, err)
	}
}
