package web_test

import (
	"context"
	"io"
	"net"
	"net/http"
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
