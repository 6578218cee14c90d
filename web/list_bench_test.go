package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"abrak/services"
	"abrak/testkit"

	"github.com/google/uuid"
)

// benchCustomer is a customer with 50 VMs (each with its order, both
// addresses and this month's traffic) among 2,000, and a token to list them.
func benchCustomer(b *testing.B) (*testkit.App, string) {
	a := testkit.NewApp(b, testkit.WithAPIRateLimit(1<<30, 1<<30))
	seedCatalog(b, a)
	ctx := context.Background()
	var token string
	for u := range 40 {
		c := benchSignUp(b, a, fmt.Sprintf("bench%d@example.com", u))
		if u == 0 {
			token = c.token
		}
		for v := range 50 {
			n := u*50 + v
			res, err := a.DB.W.ExecContext(ctx, `INSERT INTO vms (uuid, user_id, display_name, hostname, status, plan_slug, os_template_slug, region,
				public_ip, public_ipv6, mac, vcpus, memory_mb, disk_gb, vnc_password, created_at, updated_at)
				VALUES (?, ?, ?, ?, 'running', 'starter', 'debian-12', 'thr-1', ?, ?, ?, 1, 1024, 20, 'x', ?, ?)`,
				uuid.NewString(), c.id, fmt.Sprintf("web-%02d", v), fmt.Sprintf("web-%02d", v), fmt.Sprintf("10.%d.%d.%d", 20+n>>16, n>>8&255, n&255),
				fmt.Sprintf("2001:db8::%x", n), fmt.Sprintf("52:54:00:%02x:%02x:%02x", n>>16, n>>8&255, n&255), time.Now().Unix(), time.Now().Unix())
			if err != nil {
				b.Fatal(err)
			}
			id, _ := res.LastInsertId()
			for _, q := range []string{
				`INSERT INTO orders (user_id, vm_id, status, amount_rials, created_at, updated_at) VALUES (?2, ?1, 'provisioned', 1, 0, 0)`,
				`INSERT INTO traffic (vm_id, month, rx_bytes, tx_bytes) VALUES (?1, strftime('%Y-%m', 'now'), 1000000, 2000)`,
			} {
				if _, err := a.DB.W.ExecContext(ctx, q, id, c.id); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	return a, token
}

// BenchmarkAPIListCold is the CPU of one GET /api/v1/vms?limit=50 that
// nothing kept can answer (each asks a query never asked before), through
// the whole server but the network; BenchmarkAPIListKept is the same request
// answered from what was kept, and BenchmarkAPIListNotModified with 304.
func BenchmarkAPIListCold(b *testing.B)        { benchList(b, "cold") }
func BenchmarkAPIListKept(b *testing.B)        { benchList(b, "kept") }
func BenchmarkAPIListNotModified(b *testing.B) { benchList(b, "304") }

func benchList(b *testing.B, mode string) {
	a, token := benchCustomer(b)
	h := a.Server.Echo
	get := func(path, etag string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w
	}
	first := get("/api/v1/vms?limit=50", "")
	if first.Code != http.StatusOK {
		b.Fatalf("status %d", first.Code)
	}
	etag := first.Header().Get("ETag")
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		n++
		var w *httptest.ResponseRecorder
		switch mode {
		case "cold":
			w = get(fmt.Sprintf("/api/v1/vms?limit=50&cold=%d", n), "")
		case "kept":
			w = get("/api/v1/vms?limit=50", "")
		default:
			w = get("/api/v1/vms?limit=50", etag)
		}
		if w.Code != http.StatusOK && w.Code != http.StatusNotModified {
			b.Fatalf("status %d", w.Code)
		}
	}
}

// benchSignUp creates a customer as the operator's CLI does: forty customers'
// sign-ups from one address would meet the customers' own sign-up limit.
func benchSignUp(b *testing.B, a *testkit.App, email string) vmCustomer {
	b.Helper()
	if _, err := a.Accounts.SignUp(context.Background(), services.SignUpInput{Email: email, Name: "Bench", Password: testkit.Password, Operator: true}); err != nil {
		b.Fatal(err)
	}
	tok, _ := a.MintToken(b, email, services.AllScopes...)
	return vmCustomer{email: email, id: a.User(b, email).ID, token: tok}
}
