package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"abrak/app"
	"abrak/testkit"
)

func listen(t *testing.T) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// The metrics are served on a listener of their own (ABRAK_METRICS_ADDR,
// 127.0.0.1:9090 by default), not on the public one, and both stop on shutdown.
func TestMetricsOnTheirOwnListener(t *testing.T) {
	t.Parallel()
	publicLn, privateLn := listen(t), listen(t)
	public, private := publicLn.Addr().String(), privateLn.Addr().String()
	a := testkit.NewApp(t, func(c *app.Config) { c.Web.MetricsAddr = private })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Server.Serve(ctx, publicLn, privateLn) }()

	get := func(url string) (int, string) {
		deadline := time.Now().Add(20 * time.Second)
		for {
			r, err := http.Get(url)
			if err == nil {
				b, _ := io.ReadAll(r.Body)
				r.Body.Close()
				return r.StatusCode, string(b)
			}
			if time.Now().After(deadline) {
				t.Fatalf("GET %s: %v", url, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	if st, _ := get("http://" + public + "/healthz"); st != http.StatusOK {
		t.Fatalf("public /healthz: %d", st)
	}
	if st, _ := get("http://" + public + "/metrics"); st != http.StatusNotFound {
		t.Errorf("public /metrics: %d, want 404", st)
	}
	st, body := get("http://" + private + "/metrics")
	if st != http.StatusOK || !strings.Contains(body, `abrak_http_requests_total{`) || !strings.Contains(body, `route="/healthz"`) {
		t.Errorf("metrics listener: %d\n%.300s", st, body)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve after shutdown: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Serve did not return after its context ended")
	}
	if _, err := http.Get("http://" + private + "/metrics"); err == nil {
		t.Error("the metrics listener still answers after shutdown")
	}
}

func TestProbesAndMetrics(t *testing.T) {
	t.Parallel()
	if r := testkit.NewApp(t).Client(t).Get("/metrics"); r.Status != http.StatusNotFound {
		t.Errorf("/metrics on the public listener by default: %d, want 404", r.Status)
	}
	a := testkit.NewApp(t, func(c *app.Config) { c.Web.MetricsPublic = true }) // the operator opted in
	c := a.Client(t)

	r := c.Get("/healthz")
	testkit.MustStatus(t, "/healthz", r, http.StatusOK)

	// The database answers; a test app has no hypervisor node, so /readyz may
	// be 503, and then another check must say what is missing.
	r = c.Get("/readyz")
	var ready struct {
		Status string            `json:"status"`
		Checks map[string]string `json:"checks"`
	}
	if err := json.Unmarshal([]byte(r.Body), &ready); err != nil {
		t.Fatalf("/readyz body %q: %v", r.Body, err)
	}
	if ready.Checks["database"] != "ok" {
		t.Errorf("/readyz database check %q", ready.Checks["database"])
	}
	switch r.Status {
	case http.StatusOK:
		if ready.Status != "ready" {
			t.Errorf("/readyz 200 with status %q", ready.Status)
		}
	case http.StatusServiceUnavailable:
		missing := 0
		for name, v := range ready.Checks {
			if v != "ok" && v != "" && name != "database" {
				missing++
			}
		}
		if missing == 0 || ready.Status == "ready" {
			t.Errorf("/readyz 503 without saying what is missing: %s", r.Body)
		}
	default:
		t.Errorf("/readyz status %d: %s", r.Status, r.Body)
	}

	c.Get("/signin")
	c.Get("/signin")
	c.Get("/no-such-page")
	m := c.Get("/metrics")
	testkit.MustStatus(t, "/metrics", m, http.StatusOK)
	for _, re := range []string{
		`abrak_http_requests_total\{[^}]*route="/signin"[^}]*status="200"[^}]*\} 2\b`,
		`abrak_http_requests_total\{[^}]*status="404"[^}]*\} 1\b`,
		`abrak_http_request_duration_seconds_bucket\{[^}]*route="/signin"`,
	} {
		if !regexp.MustCompile(re).MatchString(m.Body) {
			t.Errorf("/metrics lacks %s", re)
		}
	}
	if strings.Contains(m.Body, `route="/no-such-page"`) {
		t.Error("raw paths leak into the route label")
	}
}
