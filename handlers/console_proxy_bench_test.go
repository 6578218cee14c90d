package handlers

// The console proxy beside Debian's websockify, on loopback, against the same
// RFB source: throughput of one stream, round trips of small messages, connect
// time, and how many 1 MiB/s consoles each sustains with what memory. Run by
// scripts/bench-console.sh (`make bench`):
//
//	go test -run '^$' -bench '^BenchmarkConsoleProxy$' -benchtime 1x ./handlers
//
// Abrak's proxy runs in a child process (this test binary again, see
// TestConsoleBenchProxyProcess) so its memory is measured alone; tickets are
// minted for every connection and the proxy does the VNC authentication, as in
// production. websockify passes bytes through, so its clients answer the VNC
// password themselves.

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/labstack/echo/v4"

	"abrak/hypervisor"
	"abrak/services"
	"abrak/store"
)

const benchPassword = "pw-1234"

// rateBurst is the size of the rate source's bursts, 32 a second.
const rateBurst = 32 << 10

// Source modes: what the RFB source does after ServerInit.
var benchModes = []string{"stream", "echo", "rate", "idle"}

func startBenchSource(tb testing.TB, mode string) *rfbSource {
	return startSource(tb, benchPassword, func(c net.Conn) {
		c.Write(serverInit())
		switch mode {
		case "stream":
			buf := make([]byte, 64<<10)
			for {
				if _, err := c.Write(buf); err != nil {
					return
				}
			}
		case "echo":
			io.Copy(c, c)
		case "rate":
			// 1 MiB/s in 32 bursts a second, fine enough that a console's rate
			// over a few seconds is not a matter of how many bursts fell in it.
			// Each burst starts with the time it was sent, so viewers can tell a
			// console that keeps up from one that drains a backlog.
			go io.Copy(io.Discard, c)
			buf := make([]byte, rateBurst)
			t := time.NewTicker(time.Second / 32)
			defer t.Stop()
			for range t.C {
				binary.BigEndian.PutUint64(buf, uint64(time.Now().UnixNano()))
				if _, err := c.Write(buf); err != nil {
					return
				}
			}
		default:
			io.Copy(io.Discard, c)
		}
	})
}

// TestConsoleBenchProxyProcess is the proxy side of the benchmark; it runs only
// in the child process the benchmark starts, serving until killed.
func TestConsoleBenchProxyProcess(t *testing.T) {
	if os.Getenv("ABRAK_BENCH_ROLE") != "proxy" {
		t.Skip("the console benchmark's child process")
	}
	ports := map[string]int{}
	for _, kv := range strings.Split(os.Getenv("ABRAK_BENCH_PORTS"), ",") {
		k, v, _ := strings.Cut(kv, "=")
		ports[k], _ = strconv.Atoi(v)
	}
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "abrak-bench")
	defer os.RemoveAll(dir)
	db, err := store.Open(ctx, filepath.Join(dir, "abrak.db"))
	if err != nil {
		t.Fatal(err)
	}
	u, err := db.CreateUser(ctx, store.User{Email: "bench@example.com", Name: "Bench", PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	user := services.Principal{UserID: u.ID, Session: liveSession(t, db)}
	vmMode := map[string]string{}
	modeVM := map[string]string{}
	for _, m := range benchModes {
		vm := seedRunningVM(t, db, u.ID)
		vmMode[vm.UUID], modeVM[m] = m, vm.UUID
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	consoles := services.NewConsoles(db, nil, log, services.ConsoleConfig{PerVM: 1 << 20, PerUser: 1 << 20,
		Locate: func(_ context.Context, vm store.VM) (hypervisor.VNCAddr, error) {
			return hypervisor.VNCAddr{Host: "127.0.0.1", Port: ports[vmMode[vm.UUID]], Password: benchPassword}, nil
		}})
	h := New(Deps{Log: log, Consoles: consoles, BaseURL: "http://127.0.0.1"})
	e := echo.New()
	e.HTTPErrorHandler = h.HandleError
	e.GET("/console/ws/:ticket", h.ConsoleWS)
	// Minting stands for the API call a browser's page makes before it connects.
	e.POST("/bench/ticket/:mode", func(c echo.Context) error {
		tk, err := consoles.Issue(c.Request().Context(), user, modeVM[c.Param("mode")])
		if err != nil {
			return err
		}
		return c.String(http.StatusOK, consoleWSURL(tk.Secret))
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("LISTEN %s\n", ln.Addr())
	http.Serve(ln, e)
}

// benchTarget is one proxy under test: how to get a websocket URL for a mode,
// whether the client must answer the VNC password, and its processes.
type benchTarget struct {
	name     string
	url      func(mode string) (string, error)
	password string // "" when the proxy authenticates itself
	pids     func() []int
	origin   string
}

func startAbrakProxy(b *testing.B, ports string) *benchTarget {
	cmd := exec.Command(os.Args[0], "-test.run=^TestConsoleBenchProxyProcess$", "-test.v=false")
	cmd.Env = append(os.Environ(), "ABRAK_BENCH_ROLE=proxy", "ABRAK_BENCH_PORTS="+ports)
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "LISTEN ")
	if err != nil || !ok {
		b.Fatalf("proxy process said %q, %v", line, err)
	}
	go io.Copy(io.Discard, out)
	base := "http://" + addr
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	return &benchTarget{
		name:   "abrak",
		origin: base,
		url: func(mode string) (string, error) {
			res, err := client.Post(base+"/bench/ticket/"+mode, "", nil)
			if err != nil {
				return "", err
			}
			defer res.Body.Close()
			p, err := io.ReadAll(res.Body)
			if res.StatusCode != http.StatusOK {
				return "", fmt.Errorf("ticket: %d %s", res.StatusCode, p)
			}
			return "ws://" + addr + string(p), err
		},
		pids: func() []int { return []int{cmd.Process.Pid} },
	}
}

func freePort(b *testing.B) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func startWebsockify(b *testing.B, sources map[string]*rfbSource) *benchTarget {
	bin, err := exec.LookPath("websockify")
	if err != nil {
		b.Skip("websockify is not installed (Debian package websockify)")
	}
	listen := map[string]int{}
	var parents []*exec.Cmd
	for mode, src := range sources {
		port := freePort(b)
		cmd := exec.Command(bin, "127.0.0.1:"+strconv.Itoa(port), "127.0.0.1:"+strconv.Itoa(src.port()))
		cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		listen[mode] = port
		parents = append(parents, cmd)
		waitListening(b, port)
	}
	return &benchTarget{
		name:     "websockify",
		origin:   "http://127.0.0.1",
		password: benchPassword,
		url: func(mode string) (string, error) {
			return "ws://127.0.0.1:" + strconv.Itoa(listen[mode]) + "/", nil
		},
		pids: func() []int {
			var all []int
			for _, p := range parents {
				all = append(all, withDescendants(p.Process.Pid)...)
			}
			return all
		},
	}
}

func waitListening(b *testing.B, port int) {
	for i := 0; i < 200; i++ {
		if c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port)); err == nil {
			c.Close()
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	b.Fatalf("nothing listens on %d", port)
}

// withDescendants lists pid and every process below it (websockify forks one
// process per connection).
func withDescendants(pid int) []int {
	children := map[int][]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// The command name may hold spaces; fields after its ')' are fixed.
		i := strings.LastIndexByte(string(stat), ')')
		f := strings.Fields(string(stat[i+1:]))
		if len(f) > 1 {
			pp, _ := strconv.Atoi(f[1])
			children[pp] = append(children[pp], p)
		}
	}
	out := []int{pid}
	for i := 0; i < len(out); i++ {
		out = append(out, children[out[i]]...)
	}
	return out
}

// memory sums RSS and PSS (shared pages divided among their sharers) in MiB.
func memory(pids []int) (rss, pss float64) {
	for _, pid := range pids {
		data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/smaps_rollup")
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(data), "\n") {
			f := strings.Fields(line)
			if len(f) < 2 {
				continue
			}
			kb, _ := strconv.ParseFloat(f[1], 64)
			switch f[0] {
			case "Rss:":
				rss += kb / 1024
			case "Pss:":
				pss += kb / 1024
			}
		}
	}
	return rss, pss
}

// cpuSeconds sums the user and system time of processes (clock ticks of 1/100 s).
func cpuSeconds(pids []int) float64 {
	var ticks float64
	for _, pid := range pids {
		stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			continue
		}
		f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if len(f) > 12 {
			u, _ := strconv.ParseFloat(f[11], 64)
			s, _ := strconv.ParseFloat(f[12], 64)
			ticks += u + s
		}
	}
	return ticks / 100
}

// benchConn is one viewer, connected and past ServerInit.
type benchConn struct {
	ws *websocket.Conn
	rw *wsStream
}

var benchDialer = websocket.Dialer{HandshakeTimeout: 30 * time.Second, ReadBufferSize: 64 << 10, WriteBufferSize: 4 << 10}

func (bt *benchTarget) connect(mode string) (*benchConn, time.Duration, error) {
	u, err := bt.url(mode)
	if err != nil {
		return nil, 0, err
	}
	start := time.Now()
	ws, _, err := benchDialer.Dial(u, http.Header{"Origin": {bt.origin}})
	if err != nil {
		return nil, 0, err
	}
	rw := &wsStream{ws: ws}
	ws.SetReadDeadline(time.Now().Add(30 * time.Second))
	if _, err := viewerHandshake(rw, bt.password); err != nil {
		ws.Close()
		return nil, 0, err
	}
	init := make([]byte, len(serverInit()))
	if _, err := io.ReadFull(rw, init); err != nil {
		ws.Close()
		return nil, 0, err
	}
	ws.SetReadDeadline(time.Time{})
	return &benchConn{ws: ws, rw: rw}, time.Since(start), nil
}

type benchResult struct {
	throughput     float64 // MiB/s
	rttP50, rttP99 time.Duration
	connectP50     time.Duration
	capacityStep
}

func pct(d []time.Duration, p float64) time.Duration {
	slices.Sort(d)
	return d[min(len(d)-1, int(float64(len(d))*p))]
}

func (bt *benchTarget) throughput(b *testing.B, window time.Duration) float64 {
	c, _, err := bt.connect("stream")
	if err != nil {
		b.Fatalf("%s stream: %v", bt.name, err)
	}
	defer c.ws.Close()
	buf := make([]byte, 256<<10)
	// A second to warm up, then the window.
	var n int64
	start := time.Now()
	var measured time.Time
	for time.Since(start) < time.Second+window {
		k, err := c.rw.Read(buf)
		if err != nil {
			b.Fatalf("%s stream read: %v", bt.name, err)
		}
		if time.Since(start) >= time.Second {
			if measured.IsZero() {
				measured = time.Now()
			}
			n += int64(k)
		}
	}
	return float64(n) / (1 << 20) / time.Since(measured).Seconds()
}

func (bt *benchTarget) latency(b *testing.B, rounds int) (time.Duration, time.Duration) {
	c, _, err := bt.connect("echo")
	if err != nil {
		b.Fatalf("%s echo: %v", bt.name, err)
	}
	defer c.ws.Close()
	// Two KeyEvents: what a keystroke costs on the wire.
	msg := []byte{4, 1, 0, 0, 0, 0, 0, 0x61, 4, 0, 0, 0, 0, 0, 0, 0x61}
	got := make([]byte, len(msg))
	rtt := make([]time.Duration, 0, rounds)
	for i := 0; i < rounds+100; i++ {
		start := time.Now()
		if _, err := c.rw.Write(msg); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(c.rw, got); err != nil {
			b.Fatal(err)
		}
		if i >= 100 {
			rtt = append(rtt, time.Since(start))
		}
	}
	return pct(rtt, 0.5), pct(slices.Clone(rtt), 0.99)
}

func (bt *benchTarget) connectTime(b *testing.B, n int) time.Duration {
	times := make([]time.Duration, 0, n)
	for i := 0; i < n; i++ {
		c, d, err := bt.connect("idle")
		if err != nil {
			b.Fatalf("%s connect: %v", bt.name, err)
		}
		times = append(times, d)
		c.ws.Close()
	}
	return pct(times, 0.5)
}

// viewerStats is what one rate viewer received.
type viewerStats struct {
	bytes  atomic.Int64
	maxLag atomic.Int64 // nanoseconds from a burst's sending to its arrival
}

// maxLag is the most a sustained console may run behind its source.
const maxLag = 500 * time.Millisecond

// capacityStep is the largest step a proxy sustained.
type capacityStep struct {
	consoles      int
	rss, pss, cpu float64 // MiB, MiB, percent of one CPU
}

// capacity opens ever more 1 MiB/s consoles until they no longer get their
// rate: over the window every console must receive at least 80% of 1 MiB/s,
// all of them together 95% of N MiB/s, and 99% of them must never run more
// than maxLag behind the source (a proxy draining a backlog gets the rate but
// not the lag).
func (bt *benchTarget) capacity(b *testing.B, steps []int, window, budget time.Duration) capacityStep {
	var conns []*benchConn
	var viewers []*viewerStats
	var wg sync.WaitGroup
	defer func() {
		for _, c := range conns {
			c.ws.Close()
		}
		wg.Wait()
	}()
	var best capacityStep
	deadline := time.Now().Add(budget)
	for _, n := range steps {
		if time.Now().After(deadline) {
			break
		}
		var mu sync.Mutex
		var failed atomic.Bool
		var dial sync.WaitGroup
		sem := make(chan struct{}, 32)
		for i := len(conns); i < n; i++ {
			dial.Add(1)
			sem <- struct{}{}
			go func() {
				defer dial.Done()
				defer func() { <-sem }()
				c, _, err := bt.connect("rate")
				if err != nil {
					failed.Store(true)
					return
				}
				v := &viewerStats{}
				mu.Lock()
				conns = append(conns, c)
				viewers = append(viewers, v)
				mu.Unlock()
				wg.Add(1)
				go func() {
					defer wg.Done()
					buf := make([]byte, rateBurst)
					for {
						k, err := io.ReadFull(c.rw, buf)
						v.bytes.Add(int64(k))
						if err != nil {
							return
						}
						lag := time.Now().UnixNano() - int64(binary.BigEndian.Uint64(buf))
						if lag > v.maxLag.Load() {
							v.maxLag.Store(lag)
						}
					}
				}()
			}()
		}
		dial.Wait()
		if failed.Load() {
			b.Logf("%s: connections failed on the way to %d consoles", bt.name, n)
			break
		}
		time.Sleep(2 * time.Second) // let the new consoles settle into their rate
		before := make([]int64, len(viewers))
		for i, v := range viewers {
			before[i] = v.bytes.Load()
			v.maxLag.Store(0)
		}
		cpu0 := cpuSeconds(bt.pids())
		start := time.Now()
		time.Sleep(window)
		secs := time.Since(start).Seconds()
		cpu := (cpuSeconds(bt.pids()) - cpu0) / secs * 100
		total, worst := 0.0, 1e9
		lags := make([]time.Duration, len(viewers))
		for i, v := range viewers {
			r := float64(v.bytes.Load()-before[i]) / (1 << 20) / secs
			total += r
			worst = min(worst, r)
			lags[i] = time.Duration(v.maxLag.Load())
		}
		lag := pct(lags, 0.99)
		rss, pss := memory(bt.pids())
		b.Logf("%s: %4d consoles: %.0f MiB/s in all, slowest %.2f MiB/s, p99 of worst lag %v, proxy CPU %.0f%%, RSS %.0f MiB, PSS %.0f MiB",
			bt.name, n, total, worst, lag.Round(time.Millisecond), cpu, rss, pss)
		if total < 0.95*float64(n) || worst < 0.8 || lag > maxLag {
			break
		}
		best = capacityStep{consoles: n, rss: rss, pss: pss, cpu: cpu}
	}
	return best
}

func BenchmarkConsoleProxy(b *testing.B) {
	sources := map[string]*rfbSource{}
	var ports []string
	for _, m := range benchModes {
		sources[m] = startBenchSource(b, m)
		ports = append(ports, m+"="+strconv.Itoa(sources[m].port()))
	}
	targets := []*benchTarget{startAbrakProxy(b, strings.Join(ports, ",")), startWebsockify(b, sources)}
	steps := []int{50, 100, 200, 300, 400, 500, 600, 800, 1000, 1200, 1500, 2000}
	results := map[string]benchResult{}
	for _, bt := range targets {
		var r benchResult
		r.throughput = bt.throughput(b, 3*time.Second)
		r.rttP50, r.rttP99 = bt.latency(b, 2000)
		r.connectP50 = bt.connectTime(b, 50)
		r.capacityStep = bt.capacity(b, steps, 3*time.Second, 45*time.Second)
		results[bt.name] = r
	}
	a, w := results["abrak"], results["websockify"]
	ms := func(d time.Duration) string { return fmt.Sprintf("%.3f ms", float64(d)/float64(time.Millisecond)) }
	per := func(mem float64, n int) string {
		if n == 0 {
			return "-"
		}
		return fmt.Sprintf("%.2f MiB", mem/float64(n))
	}
	fmt.Printf("\nconsole proxy on loopback (%d CPUs), same RFB source:\n", runtime.NumCPU())
	fmt.Printf("%-34s %16s %16s %10s\n", "", "abrak", "websockify", "ratio")
	fmt.Printf("%-34s %16.0f %16.0f %9.2fx\n", "one stream (MiB/s)", a.throughput, w.throughput, a.throughput/w.throughput)
	fmt.Printf("%-34s %16s %16s %9.2fx\n", "round trip p50 (16 B)", ms(a.rttP50), ms(w.rttP50), float64(w.rttP50)/float64(a.rttP50))
	fmt.Printf("%-34s %16s %16s %9.2fx\n", "round trip p99 (16 B)", ms(a.rttP99), ms(w.rttP99), float64(w.rttP99)/float64(a.rttP99))
	fmt.Printf("%-34s %16s %16s %9.2fx\n", "connect to ServerInit p50", ms(a.connectP50), ms(w.connectP50), float64(w.connectP50)/float64(a.connectP50))
	fmt.Printf("%-34s %16d %16d %9.2fx\n", "consoles sustained at 1 MiB/s", a.consoles, w.consoles, float64(a.consoles)/float64(max(1, w.consoles)))
	fmt.Printf("%-34s %16.0f %16.0f\n", "  total RSS at that many (MiB)", a.rss, w.rss)
	fmt.Printf("%-34s %16.0f %16.0f\n", "  total PSS at that many (MiB)", a.pss, w.pss)
	fmt.Printf("%-34s %16s %16s\n", "  RSS per console", per(a.rss, a.consoles), per(w.rss, w.consoles))
	fmt.Printf("%-34s %15.0f%% %15.0f%%\n", "  proxy CPU at that many", a.cpu, w.cpu)
	if a.consoles > 0 && w.consoles > 0 {
		ac, wc := a.cpu/float64(a.consoles)*100, w.cpu/float64(w.consoles)*100
		fmt.Printf("%-34s %15.1f%% %15.1f%% %9.2fx\n", "  proxy CPU per 100 consoles", ac, wc, wc/ac)
	}
	if a.consoles > 0 && w.consoles > 0 {
		fmt.Printf("%-34s %16.0f %16.0f %9.2fx\n", "consoles per GiB of RSS", float64(a.consoles)/a.rss*1024, float64(w.consoles)/w.rss*1024,
			(float64(a.consoles)/a.rss)/(float64(w.consoles)/w.rss))
		fmt.Printf("%-34s %16.0f %16.0f %9.2fx\n", "consoles per GiB of PSS", float64(a.consoles)/a.pss*1024, float64(w.consoles)/w.pss*1024,
			(float64(a.consoles)/a.pss)/(float64(w.consoles)/w.pss))
	}
	b.ReportMetric(a.throughput, "abrak-MiB/s")
	b.ReportMetric(float64(a.connectP50.Microseconds()), "abrak-connect-µs")
	b.ReportMetric(float64(a.consoles), "abrak-consoles")
}
