// Package smoke is a black-box test of the panel as an operator runs it: the real
// binary (`abrak serve`, built here), its own private libvirtd with the demo catalog
// (`abrak admin seed-demo`), and nothing but HTTP, websockets and the CLI from the
// outside. It repeats the findings of the black-box review that the hardening issue
// fixed, so that none of them comes back: money, limits, CSRF, consoles, names and
// defaults. `make test` runs it with every other test.
package smoke

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"abrak/hypervisor/localvirt"
)

// panel is one `abrak serve` process and what the operator set up around it.
type panel struct {
	t    *testing.T
	bin  string
	db   string
	url  string
	logs *logBuffer
}

// logBuffer collects the process's output, written and read at once.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *logBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

func (p *panel) admin(args ...string) string {
	p.t.Helper()
	cmd := exec.Command(p.bin, append([]string{"admin"}, args...)...)
	cmd.Env = append(os.Environ(), "ABRAK_DB="+p.db)
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		p.t.Fatalf("abrak admin %v: %v\n%s%s", args, err, out, stderr)
	}
	return strings.TrimSpace(string(out))
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startPanel builds the binary, gives it a private libvirtd with the demo catalog,
// and runs `abrak serve` until the test ends.
func startPanel(t *testing.T) *panel {
	t.Helper()
	if testing.Short() {
		t.Skip("runs the real binary with a libvirtd")
	}
	root := localvirt.RepoRoot()
	dir := t.TempDir()
	p := &panel{t: t, bin: filepath.Join(dir, "abrak"), db: filepath.Join(dir, "abrak.db"), logs: &logBuffer{}}
	build := exec.Command("go", "build", "-o", p.bin, ".")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	d := localvirt.Start(t)
	tf := localvirt.Template(t)
	p.admin("seed-demo", "--node-uri", "qemu+unix:///system?socket="+d.Socket, "--template-dir", tf.Dir,
		"--bridge", d.Bridge, "--vnc-socket-dir", d.VNCDir)

	addr := freePort(t)
	p.url = "http://" + addr
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, p.bin, "serve")
	cmd.Env = append(os.Environ(), "ABRAK_DB="+p.db, "ABRAK_ADDR="+addr, "ABRAK_BASE_URL="+p.url,
		"ABRAK_METRICS_ADDR=127.0.0.1:0", "ABRAK_API_RATE_PER_MIN=10000")
	cmd.Stdout, cmd.Stderr = p.logs, p.logs
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 20 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Stopped before the daemon (cleanups run last-registered first).
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("abrak serve said:\n%s", p.logs.String())
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		if r, err := http.Get(p.url + "/readyz"); err == nil {
			var body struct {
				Status string `json:"status"`
			}
			json.NewDecoder(r.Body).Decode(&body)
			r.Body.Close()
			if body.Status == "ready" {
				return p
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the panel never became ready:\n%s", p.logs.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// customer is someone with an account, a token of every scope and a browser.
type customer struct {
	email, token string
	browser      *http.Client
	csrf         string
}

const password = "smoke-password-1405"

func (p *panel) customer(email string, rials int64) *customer {
	p.t.Helper()
	p.admin("create-user", "--email", email, "--password", password, "--balance", fmt.Sprint(rials))
	c := &customer{email: email,
		token: p.admin("create-token", "--email", email, "--scopes", "vm:read,vm:create,vm:write,vm:delete,vm:console,account:read")}
	jar, _ := cookiejar.New(nil)
	c.browser = &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	p.page(c, "/signin")
	if r := p.form(c, "/signin", url.Values{"email": {email}, "password": {password}}); r.StatusCode != http.StatusSeeOther {
		p.t.Fatalf("%s signs in: %d", email, r.StatusCode)
	}
	p.page(c, "/vms")
	return c
}

var csrfRe = regexp.MustCompile(`name="csrf-token" content="([^"]+)"`)

// page is a browser's GET; it keeps the page's CSRF token, as its forms would.
func (p *panel) page(c *customer, path string) (int, string) {
	p.t.Helper()
	r, err := c.browser.Get(p.url + path)
	if err != nil {
		p.t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	if m := csrfRe.FindSubmatch(b); m != nil {
		c.csrf = string(m[1])
	}
	return r.StatusCode, string(b)
}

// form posts as the browser; extra headers after the values.
func (p *panel) form(c *customer, path string, v url.Values, header ...string) *http.Response {
	p.t.Helper()
	if v.Get("_csrf") == "" && c.csrf != "" {
		v.Set("_csrf", c.csrf)
	}
	if v.Get("_csrf") == "-" {
		v.Del("_csrf")
	}
	req, _ := http.NewRequest(http.MethodPost, p.url+path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	r, err := c.browser.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	io.Copy(io.Discard, r.Body)
	r.Body.Close()
	return r
}

// api calls the API with token ("" for none) and decodes into out when given.
func (p *panel) api(method, path, token, body string, out any) int {
	p.t.Helper()
	req, _ := http.NewRequest(method, p.url+"/api/v1"+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer r.Body.Close()
	if out != nil {
		json.NewDecoder(r.Body).Decode(out)
	}
	return r.StatusCode
}

type vmBody struct {
	VM struct {
		UUID   string `json:"uuid"`
		Status string `json:"status"`
	} `json:"vm"`
}

func (p *panel) order(c *customer, name string) string {
	p.t.Helper()
	var v vmBody
	st := p.api("POST", "/vms", c.token, `{"plan_slug":"starter","os_template_slug":"tiny-linux","auth_mode":"password","custom_password":"StrongPass123!","display_name":"`+name+`"}`, &v)
	if st != http.StatusAccepted {
		p.t.Fatalf("order %s: %d", name, st)
	}
	return v.VM.UUID
}

func (p *panel) waitStatus(c *customer, uuid, want string) {
	p.t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for {
		var v vmBody
		p.api("GET", "/vms/"+uuid, c.token, "", &v)
		if v.VM.Status == want {
			return
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("VM %s is %q, never %q", uuid, v.VM.Status, want)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func TestBlackBox(t *testing.T) {
	p := startPanel(t)
	const starterHour = 4_000                         // rials, the demo's starter plan
	ana := p.customer("ana@example.com", starterHour) // the first hour, nothing more
	bob := p.customer("bob@example.com", 100*starterHour)
	anaVM := p.order(ana, "ana-web")
	bobVM := p.order(bob, "bob-web")
	p.waitStatus(ana, anaVM, "running")
	p.waitStatus(bob, bobVM, "running")

	t.Run("an empty wallet starts nothing", func(t *testing.T) {
		var a struct {
			Action struct {
				ID int64 `json:"id"`
			} `json:"action"`
		}
		if st := p.api("POST", "/vms/"+anaVM+"/power/kill", ana.token, "", &a); st != http.StatusOK {
			t.Fatalf("kill: %d", st)
		}
		p.waitStatus(ana, anaVM, "stopped")
		if st := p.api("POST", "/vms/"+anaVM+"/power/start", ana.token, "", nil); st != http.StatusUnprocessableEntity {
			t.Errorf("start at balance 0: %d, want 422", st)
		}
		if st := p.api("POST", "/vms/"+anaVM+"/resize", ana.token, `{"plan_slug":"pro"}`, nil); st != http.StatusUnprocessableEntity {
			t.Errorf("resize to a dearer plan at balance 0: %d, want 422", st)
		}
		if st := p.api("POST", "/vms/"+anaVM+"/rebuild", ana.token, `{}`, nil); st != http.StatusUnprocessableEntity {
			t.Errorf("rebuild at balance 0: %d, want 422", st)
		}
	})

	t.Run("one customer cannot reach another's VM", func(t *testing.T) {
		for _, probe := range []struct{ method, path, body string }{
			{"GET", "/vms/" + anaVM, ""}, {"PATCH", "/vms/" + anaVM, `{"display_name":"mine"}`},
			{"POST", "/vms/" + anaVM + "/power/start", ""}, {"POST", "/vms/" + anaVM + "/console", ""}, {"DELETE", "/vms/" + anaVM, ""},
		} {
			if st := p.api(probe.method, probe.path, bob.token, probe.body, nil); st != http.StatusNotFound {
				t.Errorf("bob %s %s: %d, want 404", probe.method, probe.path, st)
			}
		}
		if st, _ := p.page(bob, "/vms/"+anaVM); st != http.StatusNotFound {
			t.Errorf("bob's browser on ana's VM page: %d", st)
		}
	})

	t.Run("CSRF: a junk bearer earns no exemption, and a made-up token is refused", func(t *testing.T) {
		r := p.form(bob, "/vms/"+bobVM+"/rename", url.Values{"display_name": {"renamed"}, "_csrf": {"-"}}, "Authorization", "Bearer junk")
		if r.StatusCode != http.StatusForbidden {
			t.Errorf("rename with a junk bearer and no token: %d, want 403", r.StatusCode)
		}
		r = p.form(bob, "/tokens", url.Values{"name": {"minted"}, "scopes": {"vm:read"}, "_csrf": {strings.Repeat("A", 43) + "." + strings.Repeat("B", 43)}})
		if r.StatusCode != http.StatusForbidden {
			t.Errorf("minting a token with a made-up CSRF token: %d, want 403", r.StatusCode)
		}
		p.page(bob, "/vms/"+bobVM)
		if st := p.form(bob, "/vms/"+bobVM+"/rename", url.Values{"display_name": {"renamed"}}); st.StatusCode != http.StatusSeeOther {
			t.Errorf("the real form: %d", st.StatusCode)
		}
	})

	t.Run("a console ticket dies with the token that minted it", func(t *testing.T) {
		script := p.admin("create-token", "--email", bob.email, "--scopes", "vm:console,vm:read", "--name", "console-script")
		var ticket struct {
			URL string `json:"url"`
		}
		if st := p.api("POST", "/vms/"+bobVM+"/console", script, "", &ticket); st != http.StatusOK {
			t.Fatalf("console ticket: %d", st)
		}
		_, body := p.page(bob, "/tokens")
		revoke := ""
		for _, row := range strings.Split(body, "<tr") {
			if m := regexp.MustCompile(`action="(/tokens/\d+/revoke)"`).FindStringSubmatch(row); m != nil && strings.Contains(row, "console-script") {
				revoke = m[1]
			}
		}
		if revoke == "" {
			t.Fatal("the tokens page has no revoke form for the console script's token")
		}
		if r := p.form(bob, revoke, url.Values{}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("revoke: %d", r.StatusCode)
		}
		if st := p.api("GET", "/account", script, "", nil); st != http.StatusUnauthorized {
			t.Fatalf("the revoked token still answers: %d", st)
		}
		u, _ := url.Parse(ticket.URL)
		ws := "ws://" + strings.TrimPrefix(p.url, "http://") + "/console/ws/" + strings.TrimPrefix(u.Path, "/console/")
		conn, resp, err := websocket.DefaultDialer.Dial(ws, http.Header{"Origin": {p.url}})
		if err == nil {
			conn.Close()
			t.Fatal("a revoked token's console ticket opened the VM's screen")
		}
		if resp != nil && resp.StatusCode != http.StatusGone {
			t.Errorf("a revoked token's ticket: %d, want 410", resp.StatusCode)
		}
	})

	t.Run("parallel wrong passwords get no more than the limit", func(t *testing.T) {
		var judged, refused atomic.Int64
		var wg sync.WaitGroup
		for range 30 {
			wg.Go(func() {
				c := &customer{}
				jar, _ := cookiejar.New(nil)
				c.browser = &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
				p.page(c, "/signin")
				r := p.form(c, "/signin", url.Values{"email": {bob.email}, "password": {"not-the-password"}})
				if r.StatusCode == http.StatusTooManyRequests {
					refused.Add(1)
				} else {
					judged.Add(1)
				}
			})
		}
		wg.Wait()
		if judged.Load() > 5 {
			t.Errorf("30 parallel wrong passwords: %d judged, want at most the limit of 5", judged.Load())
		}
	})

	t.Run("token-less requests do not lock out a valid token", func(t *testing.T) {
		for range 61 {
			p.api("GET", "/account", "", "", nil)
		}
		if st := p.api("GET", "/account", bob.token, "", nil); st != http.StatusOK {
			t.Errorf("a valid token after 61 token-less requests from its address: %d", st)
		}
	})

	t.Run("names cannot disguise themselves", func(t *testing.T) {
		if st := p.api("PATCH", "/vms/"+bobVM, bob.token, `{"display_name":"invoice\u202egpj.exe"}`, nil); st != http.StatusUnprocessableEntity {
			t.Errorf("a name with U+202E: %d, want 422", st)
		}
		if st := p.api("PATCH", "/vms/"+bobVM, bob.token, `{"display_name":"\u200b\u200b"}`, nil); st != http.StatusUnprocessableEntity {
			t.Errorf("an invisible name: %d, want 422", st)
		}
	})

	t.Run("defaults", func(t *testing.T) {
		if r, err := http.Get(p.url + "/metrics"); err != nil || r.StatusCode != http.StatusNotFound {
			t.Errorf("/metrics on the public listener: %v %v", r.StatusCode, err)
		}
		req, _ := http.NewRequest("GET", p.url+"/no-such-page", nil)
		req.Header.Set("X-Request-Id", "client-chosen-id")
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r.Body)
		r.Body.Close()
		if r.Header.Get("X-Request-Id") == "client-chosen-id" || bytes.Contains(b, []byte("client-chosen-id")) {
			t.Error("the client's request id was echoed")
		}
		_, body := p.page(bob, "//evil.example/x")
		if strings.Contains(body, "evil.example") {
			t.Error("a page links to the host in its path")
		}
		// ?lang= changes the page and the cookie; the account's choice stays.
		p.page(bob, "/vms?lang=en")
		u, _ := url.Parse(p.url)
		var keep []*http.Cookie
		for _, ck := range bob.browser.Jar.Cookies(u) {
			if ck.Name != "abrak_lang" {
				keep = append(keep, ck)
			}
		}
		jar, _ := cookiejar.New(nil)
		jar.SetCookies(u, keep)
		if _, body := p.page(&customer{browser: &http.Client{Jar: jar}}, "/vms"); !strings.Contains(body, `lang="fa"`) {
			t.Error("a GET ?lang= was saved on the account")
		}
		sc := bufio.NewScanner(strings.NewReader(p.logs.String()))
		for sc.Scan() {
			if strings.Contains(sc.Text(), "level=ERROR") && strings.Contains(sc.Text(), "context canceled") {
				t.Errorf("a client's hang-up logged as an error: %s", sc.Text())
			}
		}
	})
}
