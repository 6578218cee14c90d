package handlers

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/gorilla/websocket"
	"github.com/labstack/echo/v4"

	"abrak/console/rfb"
	"abrak/hypervisor"
	"abrak/services"
	"abrak/store"
	"abrak/vmstatus"
)

// rfbSource is a VNC server on loopback: it asks for VNC authentication with
// its password, and once the viewer's ClientInit arrived hands the connection
// to then (which writes what the test wants and returns; the connection is
// closed after it).
type rfbSource struct {
	ln       net.Listener
	password string
	then     func(c net.Conn)
}

func startSource(tb testing.TB, password string, then func(c net.Conn)) *rfbSource {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	s := &rfbSource{ln: ln, password: password, then: then}
	tb.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

func (s *rfbSource) port() int { return s.ln.Addr().(*net.TCPAddr).Port }

func (s *rfbSource) serve(c net.Conn) {
	defer c.Close()
	io.WriteString(c, "RFB 003.008\n")
	var ver [12]byte
	if _, err := io.ReadFull(c, ver[:]); err != nil {
		return
	}
	c.Write([]byte{1, 2})
	var choice [1]byte
	if _, err := io.ReadFull(c, choice[:]); err != nil || choice[0] != 2 {
		return
	}
	var challenge [16]byte
	rand.Read(challenge[:])
	c.Write(challenge[:])
	var resp [16]byte
	if _, err := io.ReadFull(c, resp[:]); err != nil {
		return
	}
	if !bytes.Equal(resp[:], rfb.Response(s.password, challenge)) {
		binary.Write(c, binary.BigEndian, uint32(1))
		return
	}
	binary.Write(c, binary.BigEndian, uint32(0))
	var clientInit [1]byte
	if _, err := io.ReadFull(c, clientInit[:]); err != nil {
		return
	}
	s.then(c)
}

// serverInit is a minimal ServerInit: 640×480, 32 bpp, named "bench".
func serverInit() []byte {
	b := []byte{2, 128, 1, 224, 32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0, 0, 0, 0, 0, 0, 0, 5}
	return append(b, "bench"...)
}

// viewerHandshake is a viewer's side of the RFB handshake up to ServerInit. It
// answers VNC authentication when password is set and returns the security
// types the server offered.
func viewerHandshake(rw io.ReadWriter, password string) ([]byte, error) {
	var ver [12]byte
	if _, err := io.ReadFull(rw, ver[:]); err != nil {
		return nil, err
	}
	if _, err := io.WriteString(rw, "RFB 003.008\n"); err != nil {
		return nil, err
	}
	var n [1]byte
	if _, err := io.ReadFull(rw, n[:]); err != nil {
		return nil, err
	}
	types := make([]byte, n[0])
	if _, err := io.ReadFull(rw, types); err != nil {
		return nil, err
	}
	switch {
	case bytes.IndexByte(types, 1) >= 0:
		if _, err := rw.Write([]byte{1}); err != nil {
			return types, err
		}
	case bytes.IndexByte(types, 2) >= 0 && password != "":
		rw.Write([]byte{2})
		var challenge [16]byte
		if _, err := io.ReadFull(rw, challenge[:]); err != nil {
			return types, err
		}
		rw.Write(rfb.Response(password, challenge))
	default:
		return types, fmt.Errorf("offered %v", types)
	}
	var result uint32
	if err := binary.Read(rw, binary.BigEndian, &result); err != nil || result != 0 {
		return types, fmt.Errorf("security result %d, %v", result, err)
	}
	_, err := rw.Write([]byte{1}) // ClientInit: shared
	return types, err
}

// proxyEnv is the console websocket of a Handlers on a real SQLite file, with
// its VM's VNC server at a local source.
type proxyEnv struct {
	db       *store.DB
	consoles *services.Consoles
	server   *httptest.Server
	user     services.Principal
	vm       store.VM
	port     func() int
}

func newProxyEnv(tb testing.TB, src func() int, cfg services.ConsoleConfig) *proxyEnv {
	tb.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(tb.TempDir(), "abrak.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	env := &proxyEnv{db: db, port: src}
	u, err := db.CreateUser(ctx, store.User{Email: "ana@example.com", Name: "Ana", PasswordHash: "x"})
	if err != nil {
		tb.Fatal(err)
	}
	env.user = services.Principal{UserID: u.ID, Email: u.Email, Session: liveSession(tb, db)}
	env.vm = seedRunningVM(tb, db, u.ID)
	cfg.Locate = func(context.Context, store.VM) (hypervisor.VNCAddr, error) {
		return hypervisor.VNCAddr{Host: "127.0.0.1", Port: env.port(), Password: "pw-1234"}, nil
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	env.consoles = services.NewConsoles(db, nil, log, cfg)
	// Customers reach the panel at the brand's address, the operator at its own.
	brands := services.NewBrands(db, nil, services.Brand{BaseURL: "https://cloud.example.net"})
	h := New(Deps{Log: log, Consoles: env.consoles, BaseURL: "https://panel.example", Brands: brands})
	e := echo.New()
	e.HTTPErrorHandler = h.HandleError
	e.GET("/console/ws/:ticket", h.ConsoleWS)
	env.server = httptest.NewServer(e)
	tb.Cleanup(func() {
		env.consoles.CloseAll()
		env.server.Close()
	})
	return env
}

func seedRunningVM(tb testing.TB, db *store.DB, userID int64) store.VM {
	tb.Helper()
	ctx := context.Background()
	steps := []func() error{
		func() error {
			return db.UpsertRegion(ctx, store.Region{Slug: "thr", NameFA: "تهران", NameEN: "Tehran", IPNetwork: "192.0.2.0/24"})
		},
		func() error {
			return db.UpsertPlan(ctx, store.Plan{Slug: "tiny", NameFA: "کوچک", NameEN: "Tiny", VCPUs: 1, MemoryMB: 256, DiskGB: 1, Active: true})
		},
		func() error {
			return db.UpsertOSTemplate(ctx, store.OSTemplate{Slug: "tiny", Name: "Tiny", Volume: "tiny.qcow2", MinDiskGB: 1, Active: true})
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			tb.Fatal(err)
		}
	}
	node, err := db.UpsertNode(ctx, store.Node{Name: "n1", Region: "thr", URI: "test:///default", Enabled: true})
	if err != nil {
		tb.Fatal(err)
	}
	vm, _, _, err := db.CreateVMOrder(ctx, store.NewVMOrder{VM: store.VM{UUID: uuid.NewString(), UserID: userID, DisplayName: "web-1",
		Hostname: "web-1", PlanSlug: "tiny", OSTemplateSlug: "tiny", Region: "thr", VCPUs: 1, MemoryMB: 256, DiskGB: 1, VNCPassword: "pw-1234"}})
	if err == nil {
		err = db.SetVMNode(ctx, vm.ID, node.ID)
	}
	if err == nil {
		err = db.SetVMStatus(ctx, vm.ID, vmstatus.Running)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return vm
}

func (env *proxyEnv) ticket(tb testing.TB) string {
	tb.Helper()
	t, err := env.consoles.Issue(context.Background(), env.user, env.vm.UUID)
	if err != nil {
		tb.Fatalf("issue: %v", err)
	}
	return t.Secret
}

// dial opens the console websocket with an Origin; on a refusal before the
// upgrade it returns the HTTP status.
func (env *proxyEnv) dial(secret, origin string) (*websocket.Conn, int, error) {
	u := "ws" + strings.TrimPrefix(env.server.URL, "http") + "/console/ws/" + secret
	h := http.Header{}
	if origin != "" {
		h.Set("Origin", origin)
	}
	ws, resp, err := websocket.DefaultDialer.Dial(u, h)
	status := 0
	if resp != nil {
		status = resp.StatusCode
	}
	return ws, status, err
}

func TestConsoleProxyDeliversEveryByteWhenVNCClosesFirst(t *testing.T) {
	payload := make([]byte, 3<<20+12345)
	rand.Read(payload)
	src := startSource(t, "pw-1234", func(c net.Conn) {
		c.Write(serverInit())
		c.Write(payload)
	})
	env := newProxyEnv(t, src.port, services.ConsoleConfig{})
	ws, status, err := env.dial(env.ticket(t), env.server.URL)
	if err != nil {
		t.Fatalf("dial: %d %v", status, err)
	}
	defer ws.Close()
	viewer := &wsStream{ws: ws}
	types, err := viewerHandshake(viewer, "")
	if err != nil {
		t.Fatalf("handshake: %v", err)
	}
	if !bytes.Equal(types, []byte{1}) {
		t.Fatalf("the browser was offered security types %v, want None only", types)
	}
	got, err := io.ReadAll(viewer)
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.CloseNormalClosure || ce.Text != services.CloseVNCEnded {
		t.Fatalf("stream ended with %v, want a normal close saying the VNC server ended", err)
	}
	want := append(serverInit(), payload...)
	if len(got) != len(want) || !bytes.Equal(got, want) {
		t.Fatalf("the viewer got %d bytes, the VNC server sent %d (equal: %v)", len(got), len(want), bytes.Equal(got, want))
	}
}

func TestConsoleProxyRefusesForeignOrigins(t *testing.T) {
	src := startSource(t, "pw-1234", func(c net.Conn) { c.Write(serverInit()); io.Copy(io.Discard, c) })
	// Closed consoles leave the registry a moment after their viewer left; room for all of them.
	env := newProxyEnv(t, src.port, services.ConsoleConfig{PerVM: 10, PerUser: 10})
	secret := env.ticket(t)
	for _, origin := range []string{"", "https://evil.example", "http://panel.example", "http://cloud.example.net", "null"} {
		if _, status, _ := env.dial(secret, origin); status != http.StatusForbidden {
			t.Errorf("Origin %q: status %d, want 403", origin, status)
		}
	}
	// A refused Origin does not burn the ticket, and the panel's own origins
	// pass: ABRAK_BASE_URL's, the brand's base URL's and the request's host.
	for _, origin := range []string{"https://panel.example", "https://cloud.example.net", env.server.URL} {
		ws, status, err := env.dial(secret, origin)
		if err != nil {
			t.Fatalf("Origin %q: %d %v", origin, status, err)
		}
		ws.Close()
		secret = env.ticket(t)
	}
}

func TestConsoleProxyRefusesUsedAndUnknownTickets(t *testing.T) {
	src := startSource(t, "pw-1234", func(c net.Conn) { c.Write(serverInit()); io.Copy(io.Discard, c) })
	env := newProxyEnv(t, src.port, services.ConsoleConfig{})
	secret := env.ticket(t)
	ws, _, err := env.dial(secret, env.server.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if _, status, _ := env.dial(secret, env.server.URL); status != http.StatusGone {
		t.Fatalf("second use: status %d, want 410", status)
	}
	if _, status, _ := env.dial("not-a-ticket", env.server.URL); status != http.StatusGone {
		t.Fatalf("unknown ticket: status %d, want 410", status)
	}
}

func TestConsoleProxyClosesWhenTheVMStops(t *testing.T) {
	src := startSource(t, "pw-1234", func(c net.Conn) { c.Write(serverInit()); io.Copy(io.Discard, c) })
	env := newProxyEnv(t, src.port, services.ConsoleConfig{})
	ws, _, err := env.dial(env.ticket(t), env.server.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	viewer := &wsStream{ws: ws}
	if _, err := viewerHandshake(viewer, ""); err != nil {
		t.Fatal(err)
	}
	init := make([]byte, len(serverInit()))
	if _, err := io.ReadFull(viewer, init); err != nil {
		t.Fatal(err)
	}
	env.consoles.OnVMStatus(env.vm.UUID, vmstatus.Stopped)
	ws.SetReadDeadline(time.Now().Add(30 * time.Second))
	_, err = io.ReadAll(viewer)
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Text != services.CloseVMStopped {
		t.Fatalf("after the VM stopped the viewer saw %v", err)
	}
}

// liveSession makes a session row, as a signed-in browser has one: the tickets
// it mints are bound to it.
func liveSession(tb testing.TB, db *store.DB) string {
	tb.Helper()
	token := "session-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	if err := db.Sessions(0).Commit(token, []byte("test"), time.Now().Add(time.Hour)); err != nil {
		tb.Fatal(err)
	}
	return token
}
