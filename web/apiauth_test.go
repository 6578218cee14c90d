package web_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"abrak/app"
	"abrak/testkit"
	"abrak/views/i18n"
	"abrak/web"
)

func TestAPIAuthentication(t *testing.T) {
	type row struct {
		name string
		// token returns the bearer token to send ("" sends none), after any setup.
		token    func(t *testing.T, a *testkit.App) string
		pairs    []string // extra headers
		cookie   bool     // also send a signed-in browser's cookies
		status   int
		code     string
		message  string // wanted error message, exactly
		wwwAuth  string // wanted substring of WWW-Authenticate
		wantBody string // wanted substring of a 200 body
	}
	full := func(t *testing.T, a *testkit.App) string {
		s, _ := a.MintToken(t, "ana@example.com", "vm:read", "account:read")
		return s
	}
	fixed := func(s string) func(*testing.T, *testkit.App) string {
		return func(*testing.T, *testkit.App) string { return s }
	}
	invalidFA := i18n.T(i18n.FA, "error.token_invalid")
	rows := []row{
		{name: "valid token", token: full, status: 200, wantBody: `"email":"ana@example.com"`},
		{name: "no token", token: fixed(""), status: 401, code: "unauthorized", message: i18n.T(i18n.FA, "error.token_missing"), wwwAuth: "Bearer"},
		{name: "no token, English client", token: fixed(""), pairs: []string{"Accept-Language", "en-US,en;q=0.9"},
			status: 401, code: "unauthorized", message: i18n.T(i18n.EN, "error.token_missing"), wwwAuth: "Bearer"},
		{name: "malformed token", token: fixed("ic_pat_nope"), status: 401, code: "unauthorized", message: invalidFA, wwwAuth: `error="invalid_token"`},
		{name: "unknown token", token: fixed("ic_pat_" + strings.Repeat("Z", 43)), status: 401, code: "unauthorized", message: invalidFA, wwwAuth: "invalid_token"},
		{name: "unknown token, English client", token: fixed("ic_pat_" + strings.Repeat("Z", 43)), pairs: []string{"Accept-Language", "en"},
			status: 401, code: "unauthorized", message: i18n.T(i18n.EN, "error.token_invalid")},
		{name: "revoked token", token: func(t *testing.T, a *testkit.App) string {
			s, tok := a.MintToken(t, "ana@example.com", "account:read")
			if err := a.Tokens.Revoke(context.Background(), a.PrincipalOf(t, "ana@example.com"), tok.ID); err != nil {
				t.Fatal(err)
			}
			return s
		}, status: 401, code: "unauthorized", message: invalidFA},
		{name: "expired token", token: func(t *testing.T, a *testkit.App) string {
			s, tok := a.MintToken(t, "ana@example.com", "account:read")
			if _, err := a.DB.W.Exec(`UPDATE api_tokens SET expires_at = ? WHERE id = ?`, time.Now().Add(-time.Second).Unix(), tok.ID); err != nil {
				t.Fatal(err)
			}
			return s
		}, status: 401, code: "unauthorized", message: invalidFA},
		{name: "token without account:read", token: func(t *testing.T, a *testkit.App) string {
			s, _ := a.MintToken(t, "ana@example.com", "vm:read", "vm:write")
			return s
		}, pairs: []string{"Accept-Language", "en"}, status: 403, code: "forbidden", message: i18n.T(i18n.EN, "error.missing_scope", "scope", "account:read")},
		{name: "session cookie alone", token: fixed(""), cookie: true, status: 401, code: "unauthorized"},
		{name: "basic auth", token: fixed(""), pairs: []string{"Authorization", "Basic YW5hOnB3"}, status: 401, code: "unauthorized"},
	}
	for _, tt := range rows {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := testkit.NewApp(t)
			a.CreateUser(t, "ana@example.com", testkit.Password)
			token := tt.token(t, a)
			var r testkit.Response
			if tt.cookie {
				c := a.Client(t)
				c.SignIn("ana@example.com", testkit.Password)
				r = c.Do(http.MethodGet, "/api/v1/account", nil, testkit.Header(tt.pairs...))
			} else {
				r = a.APICall(t, http.MethodGet, "/api/v1/account", token, "", tt.pairs...)
			}
			testkit.MustStatus(t, tt.name, r, tt.status)
			if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
				t.Errorf("Content-Type %q, want JSON", r.Header.Get("Content-Type"))
			}
			if tt.status == 200 {
				if !strings.Contains(r.Body, tt.wantBody) {
					t.Errorf("body lacks %s: %s", tt.wantBody, r.Body)
				}
				return
			}
			e := testkit.APIErrorOf(t, r)
			if e.Error.Code != tt.code || tt.message != "" && e.Error.Message != tt.message || e.RequestID == "" {
				t.Errorf("error %+v, want code %q message %q and a request id", e, tt.code, tt.message)
			}
			if got := r.Header.Get("WWW-Authenticate"); !strings.Contains(got, tt.wwwAuth) || tt.status == 401 && got == "" {
				t.Errorf("WWW-Authenticate %q, want it to hold %q", got, tt.wwwAuth)
			}
		})
	}
}

func TestAPIAccountBody(t *testing.T) {
	a := testkit.NewApp(t)
	u := a.CreateUser(t, "ana@example.com", testkit.Password)
	if _, err := a.DB.Credit(context.Background(), u.ID, 1_234_560, "topup", "test"); err != nil {
		t.Fatal(err)
	}
	secret, _ := a.MintToken(t, "ana@example.com", "account:read")
	r := a.APICall(t, http.MethodGet, "/api/v1/account", secret, "")
	testkit.MustStatus(t, "account", r, http.StatusOK)
	acc := testkit.Decode[struct {
		Account struct {
			Email        string  `json:"email"`
			Name         string  `json:"name"`
			BalanceRials int64   `json:"balance_rials"`
			BalanceToman float64 `json:"balance_toman"`
			CreatedAt    string  `json:"created_at"`
		} `json:"account"`
	}](t, r).Account
	if _, err := time.Parse(time.RFC3339, acc.CreatedAt); err != nil || acc.Email != "ana@example.com" || acc.Name != "Test ana" ||
		acc.BalanceRials != 1_234_560 || acc.BalanceToman != 123_456 {
		t.Fatalf("account = %+v", acc)
	}
}

func TestAPIRateLimitPerToken(t *testing.T) {
	a := testkit.NewApp(t, testkit.WithAPIRateLimit(3, 100))
	a.CreateUser(t, "ana@example.com", testkit.Password)
	secret, _ := a.MintToken(t, "ana@example.com", "account:read")
	other, _ := a.MintToken(t, "ana@example.com", "account:read")

	for i, want := range []string{"2", "1", "0"} {
		r := a.APICall(t, http.MethodGet, "/api/v1/account", secret, "")
		testkit.MustStatus(t, "request "+strconv.Itoa(i+1), r, http.StatusOK)
		if r.Header.Get("RateLimit-Limit") != "3" || r.Header.Get("RateLimit-Remaining") != want {
			t.Fatalf("request %d: RateLimit-Limit %q Remaining %q, want 3 and %s", i+1, r.Header.Get("RateLimit-Limit"), r.Header.Get("RateLimit-Remaining"), want)
		}
		if reset, err := strconv.Atoi(r.Header.Get("RateLimit-Reset")); err != nil || reset < 1 || reset > 60 {
			t.Fatalf("request %d: RateLimit-Reset %q, want seconds within the minute", i+1, r.Header.Get("RateLimit-Reset"))
		}
	}
	r := a.APICall(t, http.MethodGet, "/api/v1/account", secret, "", "Accept-Language", "en")
	testkit.MustStatus(t, "the 4th request", r, http.StatusTooManyRequests)
	retry, err := strconv.Atoi(r.Header.Get("Retry-After"))
	if err != nil || retry < 1 || retry > 60 || r.Header.Get("RateLimit-Remaining") != "0" {
		t.Fatalf("429: Retry-After %q RateLimit-Remaining %q", r.Header.Get("Retry-After"), r.Header.Get("RateLimit-Remaining"))
	}
	if e := testkit.APIErrorOf(t, r); e.Error.Code != "rate_limited" || !strings.Contains(e.Error.Message, "Try again") {
		t.Fatalf("429 body %+v", e)
	}
	r = a.APICall(t, http.MethodGet, "/api/v1/account", other, "")
	if r.Status != http.StatusOK || r.Header.Get("RateLimit-Remaining") != "2" {
		t.Fatalf("another token: %d remaining %q, want its own full budget", r.Status, r.Header.Get("RateLimit-Remaining"))
	}
}

func TestAPIRateLimitWithoutValidToken(t *testing.T) {
	a := testkit.NewApp(t, testkit.WithAPIRateLimit(100, 3))
	a.CreateUser(t, "ana@example.com", testkit.Password)
	bad := "ic_pat_" + strings.Repeat("Q", 43)
	for i, want := range []string{"2", "1", "0"} {
		token := bad
		if i == 0 {
			token = "" // a missing token spends the same budget
		}
		r := a.APICall(t, http.MethodGet, "/api/v1/account", token, "")
		testkit.MustStatus(t, "bad request "+strconv.Itoa(i+1), r, http.StatusUnauthorized)
		if r.Header.Get("RateLimit-Remaining") != want {
			t.Fatalf("bad request %d: remaining %q, want %s", i+1, r.Header.Get("RateLimit-Remaining"), want)
		}
	}
	r := a.APICall(t, http.MethodGet, "/api/v1/account", bad, "")
	testkit.MustStatus(t, "a 4th bad token", r, http.StatusTooManyRequests)
	if r.Header.Get("Retry-After") == "" || testkit.APIErrorOf(t, r).Error.Code != "rate_limited" {
		t.Fatalf("429 without Retry-After or code: %v %s", r.Header, r.Body)
	}
}

// The black-box finding: token-less requests from one address spent a budget
// that every valid token from that address was then refused by. Behind a NAT or
// a proxy that is every customer; a valid token answers to its own budget only.
func TestAValidTokenIsNotRefusedForItsNeighbours(t *testing.T) {
	t.Parallel()
	a := testkit.NewApp(t, testkit.WithAPIRateLimit(100, 3))
	a.CreateUser(t, "ana@example.com", testkit.Password)
	good, _ := a.MintToken(t, "ana@example.com", "account:read")
	for range 5 {
		a.APICall(t, http.MethodGet, "/api/v1/account", "", "")
	}
	testkit.MustStatus(t, "the address's budget is spent", a.APICall(t, http.MethodGet, "/api/v1/account", "", ""), http.StatusTooManyRequests)
	r := a.APICall(t, http.MethodGet, "/api/v1/account", good, "")
	testkit.MustStatus(t, "a valid token from the same address", r, http.StatusOK)
	if r.Header.Get("RateLimit-Limit") != "100" {
		t.Errorf("a valid token's budget is %q, want its own 100", r.Header.Get("RateLimit-Limit"))
	}
}

// Behind a trusted reverse proxy each client has its own budget, read from
// X-Forwarded-For; from anyone else that header is ignored.
func TestTrustedProxiesNameTheClient(t *testing.T) {
	t.Parallel()
	loopback, err := web.ParseCIDRs("127.0.0.1, ::1")
	if err != nil {
		t.Fatal(err)
	}
	behind := testkit.NewApp(t, testkit.WithAPIRateLimit(100, 2), func(c *app.Config) { c.Web.TrustedProxies = loopback })
	direct := testkit.NewApp(t, testkit.WithAPIRateLimit(100, 2))
	for name, a := range map[string]*testkit.App{"behind the proxy": behind, "direct": direct} {
		for range 2 {
			a.APICall(t, http.MethodGet, "/api/v1/account", "", "", "X-Forwarded-For", "198.51.100.7")
		}
		r := a.APICall(t, http.MethodGet, "/api/v1/account", "", "", "X-Forwarded-For", "198.51.100.8")
		want := http.StatusUnauthorized // a client of its own, with its own budget
		if a == direct {
			want = http.StatusTooManyRequests // the header is the client's say-so: one address
		}
		testkit.MustStatus(t, name+": another client", r, want)
	}
	if _, err := web.ParseCIDRs("10.0.0.0/33"); err == nil {
		t.Error("a malformed CIDR was accepted")
	}
}
