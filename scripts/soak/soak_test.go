//go:build soak

// Package soak is `make soak`: the real binary (`abrak serve`) with its own private
// libvirtd and the tiny template guest, ordered from through its API by a handful of
// customers while the machine fails under it. A customer's order, top-up or delete
// that meets a dead panel is sent again, as a script would (orders with the same
// Idempotency-Key). At the end the database, the gateway and the node are compared
// and a table printed: every count in it must be 0.
//
// Bounded: SOAK_ORDERS orders (100), SOAK_CONCURRENCY at a time (16: a new VM's
// first boot is watched for a minute, and tiny guests under TCG share 2 cores), the order phase stops after SOAK_DURATION
// (10m) and the settling after 2 minutes. Loopback and the daemon's own namespace only.
package soak

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"abrak/hypervisor/localvirt"
	"abrak/testkit"
)

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

func envDuration(name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(name)); err == nil && d > 0 {
		return d
	}
	return def
}

// panel is the `abrak serve` under test, started again after each kill on the
// same database and address.
type panel struct {
	t        *testing.T
	bin, db  string
	url      string
	env      []string
	logPath  string
	mu       sync.Mutex
	cmd      *exec.Cmd
	restarts []time.Duration // kill → /healthz answers
}

func (p *panel) start() {
	p.t.Helper()
	logs, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		p.t.Fatal(err)
	}
	cmd := exec.Command(p.bin, "serve")
	cmd.Env = p.env
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	go func() { _ = cmd.Wait(); logs.Close() }()
	p.mu.Lock()
	p.cmd = cmd
	p.mu.Unlock()
}

// healthy waits until the panel answers /healthz.
func (p *panel) healthy(within time.Duration) bool {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if r, err := http.Get(p.url + "/healthz"); err == nil {
			r.Body.Close()
			if r.StatusCode == http.StatusOK {
				return true
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

// kill SIGKILLs the panel wherever it is and starts it again at once.
func (p *panel) kill() {
	p.mu.Lock()
	proc := p.cmd.Process
	p.mu.Unlock()
	at := time.Now()
	_ = proc.Signal(syscall.SIGKILL)
	for proc.Signal(syscall.Signal(0)) == nil {
		time.Sleep(10 * time.Millisecond)
	}
	p.start()
	if !p.healthy(time.Minute) {
		p.t.Errorf("the panel did not come back within a minute of kill %d", len(p.restarts)+1)
	}
	p.restarts = append(p.restarts, time.Since(at))
}

// stop asks the panel to stop as an operator does, and waits.
func (p *panel) stop() {
	p.mu.Lock()
	proc := p.cmd.Process
	p.mu.Unlock()
	_ = proc.Signal(os.Interrupt)
	deadline := time.Now().Add(30 * time.Second)
	for proc.Signal(syscall.Signal(0)) == nil && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	_ = proc.Kill()
}

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

// customer has a token for the API and a signed-in browser for the gateway's callback.
type customer struct {
	email, token string
	browser      *http.Client
	topups       atomic.Int64
	// short is set by an order the wallet refused, until a top-up is under way.
	short atomic.Bool
}

var client = &http.Client{Timeout: 30 * time.Second}

// call is one API request; err is the network's (a dead panel), not a status.
func (p *panel) call(method, path, token, key, body string, out any) (int, error) {
	req, _ := http.NewRequest(method, p.url+"/api/v1"+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	r, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer r.Body.Close()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return 0, err
	}
	if out != nil && r.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			return 0, err
		}
	}
	return r.StatusCode, nil
}

// order is POST /vms, and the Location it answers with (a 503 has one when the
// order was taken and waits for a node).
func (p *panel) order(token, key, body string, out any) (int, string, error) {
	req, _ := http.NewRequest("POST", p.url+"/api/v1/vms", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Idempotency-Key", key)
	r, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer r.Body.Close()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return 0, "", err
	}
	if r.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			return 0, "", err
		}
	}
	return r.StatusCode, r.Header.Get("Location"), nil
}

// retry runs f until it says done, or until deadline; between tries it waits a
// little (the panel restarting, a wallet waiting for its top-up).
func retry(deadline time.Time, f func() bool) bool {
	for time.Now().Before(deadline) {
		if f() {
			return true
		}
		time.Sleep(time.Duration(150+rand.IntN(200)) * time.Millisecond)
	}
	return false
}

type vmBody struct {
	VM struct {
		UUID   string `json:"uuid"`
		Status string `json:"status"`
	} `json:"vm"`
}

// status is the VM's status as its owner reads it; "gone" for a 404.
func (p *panel) status(c *customer, uuid string) string {
	var v vmBody
	st, err := p.call("GET", "/vms/"+uuid, c.token, "", "", &v)
	switch {
	case err != nil || st >= 500:
		return ""
	case st == http.StatusNotFound:
		return "gone"
	}
	return v.VM.Status
}

func (p *panel) waitStatus(c *customer, uuid, want string, within time.Duration) bool {
	return retry(time.Now().Add(within), func() bool { return p.status(c, uuid) == want })
}

var csrfRe = regexp.MustCompile(`name="csrf-token" content="([^"]+)"|name="_csrf" value="([^"]+)"`)

// signIn gives c a browser session, as the customer coming back from the gateway has.
func (p *panel) signIn(c *customer, password string) {
	p.t.Helper()
	jar, _ := cookiejar.New(nil)
	c.browser = &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	r, err := c.browser.Get(p.url + "/signin")
	if err != nil {
		p.t.Fatal(err)
	}
	b, _ := io.ReadAll(r.Body)
	r.Body.Close()
	m := csrfRe.FindSubmatch(b)
	if m == nil {
		p.t.Fatal("the sign-in page has no CSRF token")
	}
	token := string(m[1]) + string(m[2])
	r, err = c.browser.PostForm(p.url+"/signin", url.Values{"_csrf": {token}, "email": {c.email}, "password": {password}})
	if err != nil {
		p.t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusSeeOther {
		p.t.Fatalf("%s signs in: %d", c.email, r.StatusCode)
	}
}

// result is what the customers saw.
type result struct {
	mu sync.Mutex
	// accepted: Idempotency-Key → every VM the panel answered it with.
	accepted map[string][]string
	// waited: Idempotency-Key → the VM a 503 named (taken, waiting for a node).
	waited   map[string]string
	running  []time.Duration  // create → running, from the first try of the order
	restored []time.Duration  // restore → running
	paid     map[string]int64 // authority the customer paid at the gateway → rials for the wallet
	never    []string         // what a customer waited for in vain
	refused  atomic.Int64     // orders answered 422 (wallet short) before a top-up came
	placed   atomic.Int64
}

func (r *result) fail(format string, a ...any) {
	r.mu.Lock()
	r.never = append(r.never, fmt.Sprintf(format, a...))
	r.mu.Unlock()
}

const orderBody = `{"plan_slug":"starter","os_template_slug":"tiny-linux","auth_mode":"password","custom_password":"StrongPass123!","display_name":"soak-%d"}`

// lifecycle orders VM i and takes it through what customers do: every fourth
// is deleted, restored from the recycle bin and deleted again, every fourth
// deleted for good at once, the others left in the recycle bin (whose domains
// are off, so that a hundred tiny guests never run at once).
func (p *panel) lifecycle(i int, c *customer, res *result, deadline time.Time) {
	key := fmt.Sprintf("soak-order-%d", i)
	body := fmt.Sprintf(orderBody, i)
	t0 := time.Now()
	var uuid string
	ok := retry(deadline, func() bool {
		var v vmBody
		st, loc, err := p.order(c.token, key, body, &v)
		switch {
		case err == nil && st == http.StatusServiceUnavailable && loc != "":
			// No node can take it now: the order is taken and charged, and
			// waits (its Location is the VM). Sent again, it is answered 202.
			res.mu.Lock()
			res.waited[key] = loc[strings.LastIndex(loc, "/")+1:]
			res.mu.Unlock()
			return false
		case err != nil || st >= 500:
			return false
		case st == http.StatusUnprocessableEntity:
			res.refused.Add(1)
			c.short.Store(true)     // the top-ups see it
			time.Sleep(time.Second) // and pay while the other orders go on
			return false
		case st >= 300:
			res.fail("order %d: %d", i, st)
			return true
		}
		uuid = v.VM.UUID
		res.mu.Lock()
		if !slices.Contains(res.accepted[key], uuid) {
			res.accepted[key] = append(res.accepted[key], uuid)
		}
		res.mu.Unlock()
		return true
	})
	if !ok || uuid == "" {
		if !ok {
			res.fail("order %d never accepted", i)
		}
		return
	}
	res.placed.Add(1)
	if !p.waitStatus(c, uuid, "running", 5*time.Minute) {
		res.fail("VM %d (%s) never running: %q", i, uuid, p.status(c, uuid))
		return
	}
	res.mu.Lock()
	res.running = append(res.running, time.Since(t0))
	res.mu.Unlock()

	del := func(purge bool) bool {
		want, path := "deleted", "/vms/"+uuid
		if purge {
			want, path = "gone", path+"?purge=true"
		}
		// A delete sent again after the panel died may find it done: read first.
		return retry(time.Now().Add(3*time.Minute), func() bool {
			if s := p.status(c, uuid); s == want || s == "gone" || s == "destroyed" || (s == "deleted" && !purge) {
				return true
			} else if s == "" || s == "creating" {
				return false
			}
			st, err := p.call("DELETE", path, c.token, "", "", nil)
			if err != nil || st >= 500 {
				return false
			}
			return retry(time.Now().Add(time.Minute), func() bool {
				s := p.status(c, uuid)
				return s == want || purge && s == "destroyed"
			})
		})
	}
	switch i % 4 {
	case 1:
		if !del(true) {
			res.fail("VM %d (%s) never purged: %q", i, uuid, p.status(c, uuid))
		}
		return
	case 0:
		if !del(false) {
			res.fail("VM %d (%s) never in the recycle bin: %q", i, uuid, p.status(c, uuid))
			return
		}
		r0 := time.Now()
		ok := retry(time.Now().Add(3*time.Minute), func() bool {
			switch p.status(c, uuid) {
			case "running":
				return true
			case "deleted":
				st, err := p.call("POST", "/vms/"+uuid+"/restore", c.token, "", "", nil)
				if err == nil && st < 300 {
					return p.waitStatus(c, uuid, "running", time.Minute)
				}
			case "stopped":
				// Out of the bin, its start failed (the node away): the customer starts it.
				st, err := p.call("POST", "/vms/"+uuid+"/power/start", c.token, "", "", nil)
				if err == nil && st < 300 {
					return p.waitStatus(c, uuid, "running", time.Minute)
				}
			}
			return false
		})
		if !ok {
			res.fail("VM %d (%s) never back from the recycle bin: %q", i, uuid, p.status(c, uuid))
			return
		}
		res.mu.Lock()
		res.restored = append(res.restored, time.Since(r0))
		res.mu.Unlock()
	}
	if !del(false) {
		res.fail("VM %d (%s) never in the recycle bin: %q", i, uuid, p.status(c, uuid))
	}
}

// topUp pays rials into c's wallet through the gateway and comes back to the
// panel's callback in c's browser, again until the panel answers.
func (p *panel) topUp(c *customer, z *testkit.Zarinpal, rials int64, res *result, deadline time.Time) {
	var tu struct {
		TopUp struct {
			PayURL string `json:"pay_url"`
		} `json:"topup"`
	}
	if !retry(deadline, func() bool {
		st, err := p.call("POST", "/billing/topups", c.token, "", fmt.Sprintf(`{"amount":%d}`, rials), &tu)
		return err == nil && st < 300 && tu.TopUp.PayURL != ""
	}) {
		return // the order phase ended
	}
	authority := tu.TopUp.PayURL[strings.LastIndex(tu.TopUp.PayURL, "/")+1:]
	// The customer pays on the gateway's page, which sends them back.
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	r, err := noFollow.Get(z.URL + "/pg/pay/" + authority)
	if err != nil {
		p.t.Errorf("the gateway: %v", err)
		return
	}
	r.Body.Close()
	back := r.Header.Get("Location")
	res.mu.Lock()
	res.paid[authority] = rials
	res.mu.Unlock()
	// Paid: the money is the customer's whatever the panel is doing.
	if !retry(time.Now().Add(3*time.Minute), func() bool {
		r, err := c.browser.Get(back)
		if err != nil {
			return false
		}
		r.Body.Close()
		return r.StatusCode < 500
	}) {
		res.fail("the callback of top-up %s never answered", authority)
	}
}

// killLibvirtd SIGKILLs the node's daemon (its guests keep running, as on a
// real host) and starts it again after a few seconds.
func killLibvirtd(t *testing.T, d *localvirt.Daemon) {
	b, err := os.ReadFile(filepath.Join(d.Dir, "libvirtd.pid"))
	if err != nil {
		t.Errorf("libvirtd's pid: %v", err)
		return
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Errorf("kill libvirtd %d: %v", pid, err)
	}
	for syscall.Kill(pid, 0) == nil {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(time.Duration(2+rand.IntN(4)) * time.Second)
	if err := d.Up(); err != nil {
		t.Errorf("libvirtd again: %v", err)
	}
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func pct(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(float64(len(s))*q+0.5) - 1
	return s[max(0, min(i, len(s)-1))].Round(100 * time.Millisecond)
}

func TestSoak(t *testing.T) {
	orders := envInt("SOAK_ORDERS", 100)
	conc := envInt("SOAK_CONCURRENCY", 16)
	kills := envInt("SOAK_PANEL_KILLS", 10)
	phase := envDuration("SOAK_DURATION", 10*time.Minute)
	const customers, password = 10, "soak-password-1405"

	root := localvirt.RepoRoot()
	out := filepath.Join(root, "artefacts", "soak")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	p := &panel{t: t, bin: filepath.Join(root, "bin", "abrak"), db: filepath.Join(dir, "abrak.db"), logPath: filepath.Join(out, "serve.log")}
	os.Remove(p.logPath)
	if _, err := os.Stat(p.bin); err != nil {
		t.Fatalf("%v: run make build first (make soak does)", err)
	}
	d := localvirt.Start(t)
	tf := localvirt.Template(t)
	p.admin("seed-demo", "--node-uri", "qemu+unix:///system?socket="+d.Socket, "--template-dir", tf.Dir,
		"--bridge", d.Bridge, "--vnc-socket-dir", d.VNCDir)
	// The accelerator: this machine's kvm faults, and the panel's probe of it
	// costs 6–18 s at every start, ten of them; SOAK_VIRT_TYPE=auto probes.
	virt := os.Getenv("SOAK_VIRT_TYPE")
	if virt == "" {
		virt = "qemu"
	}
	p.admin("set-node", "--name", "local-1", "--virt-type", virt)
	// The demo node offers 32 vCPUs; VMs in the recycle bin keep theirs, and a
	// hundred of them must fit: the soak measures faults, not placement.
	if db, err := sql.Open("sqlite", p.db); err == nil {
		_, err = db.Exec(`UPDATE nodes SET vcpus = 1000, memory_mb = 1000000, disk_gb = 100000`)
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	z := testkit.NewZarinpal(t)
	addr := freeAddr(t)
	p.url = "http://" + addr
	p.env = append(os.Environ(), "ABRAK_DB="+p.db, "ABRAK_ADDR="+addr, "ABRAK_BASE_URL="+p.url,
		"ABRAK_METRICS_ADDR=127.0.0.1:0", "ABRAK_API_RATE_PER_MIN=1000000", "ABRAK_LOG_FORMAT=json",
		"ABRAK_ZARINPAL_MERCHANT="+testkit.ZarinpalMerchant, "ABRAK_ZARINPAL_API_BASE="+z.URL+"/pg/v4/payment",
		"ABRAK_ZARINPAL_PAY_BASE="+z.URL+"/pg/StartPay")

	// Each wallet starts with two starter hours and each customer orders ten:
	// orders soon meet a short wallet, and the top-ups race them.
	// wallet, and the top-ups race them.
	var cs []*customer
	for i := range customers {
		c := &customer{email: fmt.Sprintf("soak%02d@example.com", i)}
		p.admin("create-user", "--email", c.email, "--password", password, "--balance", "8000")
		c.token = p.admin("create-token", "--email", c.email, "--scopes", "vm:read,vm:create,vm:write,vm:delete,wallet:write,account:read")
		cs = append(cs, c)
	}
	p.start()
	t.Cleanup(p.stop)
	if !p.healthy(time.Minute) {
		t.Fatal("the panel never answered /healthz")
	}
	for _, c := range cs {
		p.signIn(c, password)
	}

	res := &result{accepted: map[string][]string{}, waited: map[string]string{}, paid: map[string]int64{}}
	start := time.Now()
	deadline := start.Add(phase)

	// Where the faults fall: after a random number of orders accepted.
	var panelAt []int
	for len(panelAt) < kills {
		if n := 2 + rand.IntN(max(1, orders-4)); !slices.Contains(panelAt, n) {
			panelAt = append(panelAt, n)
		}
	}
	slices.Sort(panelAt)
	libvirtAt := []int{orders/3 + rand.IntN(5), 2*orders/3 + rand.IntN(5)}
	var faults []string
	chaosDone, ordered := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(chaosDone)
		for time.Now().Before(deadline) && (len(panelAt) > 0 || len(libvirtAt) > 0) {
			select {
			case <-ordered:
				return
			default:
			}
			n := int(res.placed.Load())
			switch {
			case len(libvirtAt) > 0 && n >= libvirtAt[0]:
				libvirtAt = libvirtAt[1:]
				time.Sleep(time.Duration(rand.IntN(3000)) * time.Millisecond)
				at := time.Now()
				killLibvirtd(t, d)
				faults = append(faults, fmt.Sprintf("%s libvirtd SIGKILLed after %d orders, back after %s", at.Sub(start).Round(time.Second), n, time.Since(at).Round(100*time.Millisecond)))
			case len(panelAt) > 0 && n >= panelAt[0]:
				panelAt = panelAt[1:]
				time.Sleep(time.Duration(rand.IntN(3000)) * time.Millisecond)
				at := time.Now()
				p.kill()
				faults = append(faults, fmt.Sprintf("%s panel SIGKILLed after %d orders, answering again after %s", at.Sub(start).Round(time.Second), n, time.Since(at).Round(10*time.Millisecond)))
			default:
				time.Sleep(100 * time.Millisecond)
			}
		}
	}()

	// Top-ups (the smallest the panel takes, 100,000 rials, is 25 starter
	// hours): whenever an order found its wallet short, and now and then at
	// random beside the orders; at most four a customer (the panel allows five
	// in ten minutes).
	var wg sync.WaitGroup
	stopTopUps := make(chan struct{})
	var n atomic.Int64
	for w := range 2 {
		wg.Go(func() {
			for {
				select {
				case <-stopTopUps:
					return
				case <-time.After(time.Duration(200+rand.IntN(300)) * time.Millisecond):
				}
				var c *customer
				for _, o := range cs {
					if o.short.CompareAndSwap(true, false) {
						c = o
						break
					}
				}
				if c == nil && rand.IntN(100) == 0 { // about one in 50 s a worker
					c = cs[rand.IntN(customers)]
				}
				if c == nil || c.topups.Add(1) > 4 {
					continue
				}
				k := n.Add(1)
				p.topUp(c, z, 100_000+(k*2+int64(w))*10, res, deadline)
			}
		})
	}

	var next atomic.Int64
	var orderers sync.WaitGroup
	for range conc {
		orderers.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= orders || time.Now().After(deadline) {
					return
				}
				p.lifecycle(i, cs[i%customers], res, deadline)
			}
		})
	}
	orderers.Wait()
	close(ordered)
	close(stopTopUps)
	wg.Wait()
	<-chaosDone
	phaseTook := time.Since(start)

	// Settling: the panel finishes what it started (actions, orders) on its own.
	db, err := sql.Open("sqlite", "file:"+p.db+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	count := func(q string, args ...any) int {
		var n int
		if err := db.QueryRow(q, args...).Scan(&n); err != nil {
			t.Errorf("%s: %v", q, err)
		}
		return n
	}
	busy := func() int {
		return count(`SELECT count(*) FROM actions WHERE status = 'in-progress'`) +
			count(`SELECT count(*) FROM orders WHERE status IN ('paid_pending_provision', 'provisioning')`)
	}
	retry(time.Now().Add(2*time.Minute), func() bool { return busy() == 0 })
	p.stop()
	// Kept beside the log, to be read when a count is not 0.
	for _, f := range []string{"", "-wal"} {
		os.Remove(filepath.Join(out, "abrak.db"+f))
		if b, err := os.ReadFile(p.db + f); err == nil {
			_ = os.WriteFile(filepath.Join(out, "abrak.db"+f), b, 0o644)
		}
	}

	// Orders lost: a key the panel accepted whose VM is not there, or whose
	// order failed (refunded or not); doubled: a key answered with two VMs, or
	// more VMs than keys.
	lost, doubled := 0, 0
	for key, uuid := range res.waited {
		if len(res.accepted[key]) == 0 {
			res.accepted[key] = []string{uuid} // taken, never answered 202 before the phase ended
		}
	}
	for key, uuids := range res.accepted {
		if len(uuids) > 1 {
			doubled += len(uuids) - 1
			t.Errorf("key %s answered with %d VMs", key, len(uuids))
		}
		if count(`SELECT count(*) FROM vms v JOIN orders o ON o.vm_id = v.id WHERE v.uuid = ? AND o.status = 'provisioned'`, uuids[0]) != 1 {
			lost++
			t.Errorf("order %s (%s) is lost", key, uuids[0])
		}
	}
	known := map[string]bool{}
	for _, uuids := range res.accepted {
		for _, u := range uuids {
			known[u] = true
		}
	}
	if rows, err := db.Query(`SELECT v.uuid, v.status FROM vms v JOIN users u ON u.id = v.user_id WHERE u.email LIKE 'soak%'`); err == nil {
		for rows.Next() {
			var u, st string
			rows.Scan(&u, &st)
			if !known[u] {
				doubled++
				t.Errorf("VM %s (%s) was never answered to any order", u, st)
			}
		}
		rows.Close()
	}
	// Charges: one debit a VM (its first hour: the soak is shorter than an
	// hour, and a restore inside the paid hour is free), one credit a payment.
	if rows, err := db.Query(`SELECT ref, kind, count(*) FROM ledger WHERE (amount_rials < 0 AND ref <> '') OR (kind = 'topup' AND ref <> 'admin')
		GROUP BY ref, kind HAVING count(*) > 1`); err == nil {
		for rows.Next() {
			var ref, kind string
			var n int
			rows.Scan(&ref, &kind, &n)
			doubled += n - 1
			t.Errorf("%d ledger rows of kind %s for %s", n, kind, ref)
		}
		rows.Close()
	}
	credited := count(`SELECT count(*) FROM ledger WHERE kind = 'topup' AND ref <> 'admin'`) // create-user's credit is 'admin'
	topupsLost := 0
	for authority, rials := range res.paid {
		if count(`SELECT count(*) FROM ledger l JOIN topups t ON t.user_id = l.user_id AND l.kind = 'topup' AND l.amount_rials = t.amount_rials
			WHERE t.authority = ? AND t.status = 'paid' AND t.amount_rials = ?`, authority, rials) < 1 {
			topupsLost++
			t.Errorf("top-up %s paid at the gateway, not in the wallet", authority)
		}
	}
	negative := count(`SELECT count(*) FROM users WHERE balance_rials < 0`)
	// Every ledger row follows the one before it, and the last is the balance.
	ledgerOff := count(`SELECT count(*) FROM (SELECT balance_after, amount_rials, lag(balance_after) OVER (PARTITION BY user_id ORDER BY id) prev FROM ledger)
		WHERE prev IS NOT NULL AND prev + amount_rials <> balance_after`) +
		count(`SELECT count(*) FROM users u WHERE u.email LIKE 'soak%' AND u.balance_rials <> (SELECT balance_after FROM ledger WHERE user_id = u.id ORDER BY id DESC LIMIT 1)`)
	stuckActions := count(`SELECT count(*) FROM actions WHERE status = 'in-progress'`)
	interrupted := count(`SELECT count(*) FROM actions WHERE error = 'action.error.interrupted'`)
	stuckOrders := count(`SELECT count(*) FROM orders WHERE status IN ('paid_pending_provision', 'provisioning')`)

	// The node: a domain the panel does not hold is an orphan, and so is one
	// running for a VM the panel holds as deleted; a VM the panel says runs
	// without its domain running is missing.
	d.Up() // in case it died with the last fault
	virsh := func(args ...string) []string {
		cmd := exec.Command("virsh", append([]string{"-c", "qemu+unix:///system?socket=" + d.Socket}, args...)...)
		b, err := cmd.Output()
		if err != nil {
			t.Errorf("virsh %v: %v", args, err)
		}
		return strings.Fields(string(b))
	}
	// Domains are named by their VM's UUID; the accelerator's probe guests are the panel's own.
	all, running := virsh("list", "--all", "--name"), virsh("list", "--name")
	orphans, missing := 0, 0
	for _, u := range all {
		if strings.HasPrefix(u, "abrak-probe-") {
			continue
		}
		var status string
		if err := db.QueryRow(`SELECT status FROM vms WHERE uuid = ?`, u).Scan(&status); err != nil || status == "destroyed" ||
			(status == "deleted" && slices.Contains(running, u)) {
			orphans++
			t.Errorf("orphan domain %s (panel: %q)", u, status)
		}
	}
	rows, err := db.Query(`SELECT uuid FROM vms WHERE status = 'running'`)
	if err == nil {
		for rows.Next() {
			var u string
			rows.Scan(&u)
			if !slices.Contains(running, u) {
				missing++
				t.Errorf("VM %s runs in the panel, not on the node", u)
			}
		}
		rows.Close()
	}
	for _, f := range res.never {
		t.Error(f)
	}

	var b bytes.Buffer
	host, _ := os.Hostname()
	cpu := "?"
	if ci, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		if m := regexp.MustCompile(`model name\s*:\s*(.*)`).FindSubmatch(ci); m != nil {
			cpu = string(m[1])
		}
	}
	// What the panel's accelerator probe chose, as it logged it.
	kvm := "KVM"
	if logs, _ := os.ReadFile(p.logPath); bytes.Contains(logs, []byte(`"virt_type":"qemu"`)) {
		kvm = "TCG (software emulation, SOAK_VIRT_TYPE=" + virt + ")"
	}
	fmt.Fprintf(&b, "make soak — %s, %s: %d × %s, %s, guests under %s\n", time.Now().UTC().Format("2006-01-02 15:04 MST"), host, runtime.NumCPU(), cpu, runtime.GOOS+"/"+runtime.GOARCH, kvm)
	fmt.Fprintf(&b, "%d orders placed of %d (%d at a time, %d customers), in %s; %d answered 422 for a short wallet first; %d top-ups paid; %d restores; %d panel kills, %d libvirtd kills\n\n",
		res.placed.Load(), orders, conc, customers, phaseTook.Round(time.Second), res.refused.Load(), len(res.paid), len(res.restored), len(p.restarts), 2-len(libvirtAt))
	row := func(name string, n int) { fmt.Fprintf(&b, "| %-34s | %8d |\n", name, n) }
	fmt.Fprintf(&b, "| %-34s | %8s |\n|%s|%s|\n", "must be 0", "count", strings.Repeat("-", 36), strings.Repeat("-", 10))
	row("orders lost", lost)
	row("double charges", doubled)
	row("orphan domains", orphans)
	row("negative balances", negative)
	row("stuck actions", stuckActions)
	row("stuck orders", stuckOrders)
	row("top-ups paid, not credited", topupsLost)
	row("ledger rows not adding up", ledgerOff)
	row("VMs running without their domain", missing)
	row("waits that never ended", len(res.never))
	fmt.Fprintf(&b, "\n| %-34s | %8s | %8s | %8s |\n|%s|%s|%s|%s|\n", "latency", "p50", "p99", "max", strings.Repeat("-", 36), strings.Repeat("-", 10), strings.Repeat("-", 10), strings.Repeat("-", 10))
	lat := func(name string, ds []time.Duration) {
		fmt.Fprintf(&b, "| %-34s | %8s | %8s | %8s |\n", fmt.Sprintf("%s (%d)", name, len(ds)), pct(ds, .5), pct(ds, .99), pct(ds, 1))
	}
	lat("create → running", res.running)
	lat("restore → running", res.restored)
	lat("panel kill → answering", p.restarts)
	fmt.Fprintf(&b, "\nfaults:\n")
	for _, f := range faults {
		fmt.Fprintf(&b, "  %s\n", f)
	}
	fmt.Fprintf(&b, "top-ups credited: %d ledger rows for %d payments\n", credited, len(res.paid))
	fmt.Fprintf(&b, "actions a kill cut short (ended as interrupted, and sent again by the customer): %d\n", interrupted)
	fmt.Print(b.String())
	if err := os.WriteFile(filepath.Join(out, "table.md"), b.Bytes(), 0o644); err != nil {
		t.Error(err)
	}
	if lost+doubled+orphans+negative+stuckActions+stuckOrders+topupsLost+ledgerOff+missing+len(res.never) > 0 {
		t.Error("the soak found faults (table above)")
	}
	if res.placed.Load() < int64(orders) {
		t.Errorf("only %d of %d orders placed within %s", res.placed.Load(), orders, phase)
	}
}
