package web_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"abrak/app"
	"abrak/services"
	"abrak/store"
	"abrak/testkit"
	"abrak/vmstatus"
)

// consoleWorld is a panel with one qemu node on a private libvirtd
// (testkit.NewQEMUPanel) and a running VM of ana's, built from the tiny
// template through the VM service.
type consoleWorld struct {
	*testkit.App
	ana services.Principal
	vm  store.VM
}

func newConsoleWorld(t *testing.T, opts ...func(*app.Config)) *consoleWorld {
	t.Helper()
	qp := testkit.NewQEMUPanel(t, opts...)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	u := qp.Customer(t, "ana@example.com")
	// With a mail server an address is confirmed before it orders; that is not this world's subject.
	if _, err := qp.DB.W.Exec(`UPDATE users SET email_verified_at = coalesce(email_verified_at, unixepoch()) WHERE id = ?`, u.ID); err != nil {
		t.Fatal(err)
	}
	ana := services.Principal{UserID: u.ID, Email: u.Email, IP: "127.0.0.1"}
	o, err := qp.VMs.Create(ctx, ana, services.CreateVMInput{PlanSlug: testkit.QEMUPlan, OSTemplateSlug: testkit.QEMUTemplate, AuthMode: "password",
		CustomPassword: "Correct-Horse-42!", DisplayName: "console-vm", Hostname: "console-vm"})
	if err != nil {
		t.Fatal(err)
	}
	var vm store.VM
	testkit.WaitFor(t, 3*time.Minute, "the VM runs", func() bool {
		vm, err = qp.DB.VMByUUID(ctx, o.VM.UUID)
		return err == nil && vm.Status == vmstatus.Running
	})
	return &consoleWorld{App: qp.App, ana: ana, vm: vm}
}

// consoleDial opens a console websocket as a browser on origin would.
func consoleDial(base, wsPath, origin string) (*websocket.Conn, int, error) {
	u := "ws" + strings.TrimPrefix(base, "http") + wsPath
	ws, resp, err := websocket.DefaultDialer.Dial(u, http.Header{"Origin": {origin}})
	status := 0
	if resp != nil {
		status = resp.StatusCode
	}
	return ws, status, err
}

// rfbStream reads binary messages as one stream and writes each Write as one message.
type rfbStream struct {
	ws *websocket.Conn
	r  io.Reader
}

func (s *rfbStream) Read(p []byte) (int, error) {
	for {
		if s.r == nil {
			_, r, err := s.ws.NextReader()
			if err != nil {
				return 0, err
			}
			s.r = r
		}
		n, err := s.r.Read(p)
		if err == io.EOF {
			s.r = nil
			if n == 0 {
				continue
			}
			err = nil
		}
		return n, err
	}
}

func (s *rfbStream) Write(p []byte) (int, error) {
	return len(p), s.ws.WriteMessage(websocket.BinaryMessage, p)
}

// serverInit is what a viewer learns from the VNC server after the handshake.
type serverInit struct {
	Width, Height int
	Name          string
	// BitsPerPixel is the pixel format's, which a raw update's size follows.
	BitsPerPixel int
}

// viewerToServerInit plays noVNC's part up to ServerInit and returns the
// security types the browser side was offered.
func viewerToServerInit(t *testing.T, ws *websocket.Conn) ([]byte, serverInit) {
	t.Helper()
	ws.SetReadDeadline(time.Now().Add(time.Minute))
	rw := &rfbStream{ws: ws}
	var ver [12]byte
	if _, err := io.ReadFull(rw, ver[:]); err != nil || string(ver[:]) != "RFB 003.008\n" {
		t.Fatalf("version %q, %v", ver, err)
	}
	io.WriteString(rw, "RFB 003.008\n")
	var n [1]byte
	io.ReadFull(rw, n[:])
	types := make([]byte, n[0])
	if _, err := io.ReadFull(rw, types); err != nil {
		t.Fatal(err)
	}
	rw.Write([]byte{1})
	var result uint32
	if err := binary.Read(rw, binary.BigEndian, &result); err != nil || result != 0 {
		t.Fatalf("security result %d, %v", result, err)
	}
	rw.Write([]byte{1}) // ClientInit, shared
	var head [24]byte
	if _, err := io.ReadFull(rw, head[:]); err != nil {
		t.Fatalf("ServerInit: %v", err)
	}
	name := make([]byte, binary.BigEndian.Uint32(head[20:24]))
	if _, err := io.ReadFull(rw, name); err != nil {
		t.Fatal(err)
	}
	return types, serverInit{Width: int(binary.BigEndian.Uint16(head[0:2])), Height: int(binary.BigEndian.Uint16(head[2:4])), Name: string(name),
		BitsPerPixel: int(head[4])}
}

var wsURLRe = regexp.MustCompile(`data-ws-url="([^"]+)"`)

func TestConsoleOfARealGuest(t *testing.T) {
	t.Parallel()
	w := newConsoleWorld(t)
	a := w.App
	path := "/api/v1/vms/" + w.vm.UUID + "/console"

	token, _ := a.MintToken(t, "ana@example.com", services.ScopeVMConsole)
	readOnly, _ := a.MintToken(t, "ana@example.com", services.ScopeVMRead)
	a.CreateUser(t, "bob@example.com", testkit.Password)
	bobs, _ := a.MintToken(t, "bob@example.com", services.ScopeVMConsole)
	testkit.MustStatus(t, "bob's token on ana's VM", a.APICall(t, "POST", path, bobs, ""), http.StatusNotFound)
	testkit.MustStatus(t, "a token without vm:console", a.APICall(t, "POST", path, readOnly, ""), http.StatusForbidden)
	testkit.MustStatus(t, "no token", a.APICall(t, "POST", path, "", ""), http.StatusUnauthorized)

	r := a.APICall(t, "POST", path, token, "")
	testkit.MustStatus(t, "console ticket", r, http.StatusOK)
	var body struct {
		URL       string `json:"url"`
		ExpiresAt string `json:"expires_at"`
		TTLSec    int    `json:"ttl_sec"`
	}
	if err := json.Unmarshal([]byte(r.Body), &body); err != nil {
		t.Fatal(err)
	}
	exp, err := time.Parse(time.RFC3339, body.ExpiresAt)
	if body.TTLSec != 60 || err != nil || time.Until(exp) > 61*time.Second || !strings.HasPrefix(body.URL, "http://localhost/console/") {
		t.Fatalf("answer %+v (%v)", body, err)
	}

	// The URL works in a browser that has no session: the ticket is the credential.
	u, _ := url.Parse(body.URL)
	page := a.APICall(t, "GET", u.Path+"?lang=en", "", "")
	testkit.MustStatus(t, "ticket page", page, http.StatusOK)
	m := wsURLRe.FindStringSubmatch(page.Body)
	if m == nil || !strings.Contains(page.Body, "console-vm") || strings.Contains(page.Body, "data-ticket-url") {
		t.Fatalf("ticket page lacks the websocket or shows a reconnect it cannot do:\n%s", testkit.Trim(page.Body))
	}
	wsPath := html.UnescapeString(m[1])

	if _, status, _ := consoleDial(a.URL, wsPath, "https://evil.example"); status != http.StatusForbidden {
		t.Fatalf("foreign origin: %d, want 403", status)
	}
	ws, status, err := consoleDial(a.URL, wsPath, a.URL)
	if err != nil {
		t.Fatalf("console websocket: %d %v", status, err)
	}
	defer ws.Close()
	types, si := viewerToServerInit(t, ws)
	if !bytes.Equal(types, []byte{1}) {
		t.Fatalf("the browser was offered security types %v; want None only, the proxy answers the VNC password", types)
	}
	if si.Width < 320 || si.Height < 200 || si.Name == "" {
		t.Fatalf("ServerInit %+v", si)
	}
	if _, status, _ := consoleDial(a.URL, wsPath, a.URL); status != http.StatusGone {
		t.Fatalf("second use of the ticket: %d, want 410", status)
	}
	if page := a.APICall(t, "GET", u.Path, "", ""); page.Status != http.StatusGone {
		t.Fatalf("page of a used ticket: %d, want 410", page.Status)
	}
	if n := a.Count(t, `SELECT count(*) FROM audit_events WHERE action = 'vm.console' AND target_id = ?`, w.vm.UUID); n != 1 {
		t.Fatalf("%d audit events for one console", n)
	}

	// Killing the VM closes its console, and no new one can be opened.
	if _, err := a.VMs.Power(context.Background(), w.ana, w.vm.UUID, "kill"); err != nil {
		t.Fatal(err)
	}
	ws.SetReadDeadline(time.Now().Add(time.Minute))
	_, err = io.Copy(io.Discard, &rfbStream{ws: ws})
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.CloseNormalClosure {
		t.Fatalf("after the kill the console ended with %v", err)
	}
	testkit.WaitFor(t, 30*time.Second, "the VM is recorded stopped", func() bool {
		vm, err := a.DB.VMByID(context.Background(), w.vm.ID)
		return err == nil && vm.Status == vmstatus.Stopped
	})
	testkit.MustStatus(t, "console of a stopped VM", a.APICall(t, "POST", path, token, ""), http.StatusConflict)
}

func TestConsoleDashboardPage(t *testing.T) {
	t.Parallel()
	w := newConsoleWorld(t)
	a := w.App
	c := a.Client(t)
	c.SignIn("ana@example.com", testkit.Password)
	r := c.Get("/vms/" + w.vm.UUID + "/console?lang=en")
	if r.Status != http.StatusOK {
		t.Fatalf("console page: %d\n%s", r.Status, testkit.Trim(r.Body))
	}
	for _, want := range []string{`id="console-screen"`, `data-ticket-url="/vms/` + w.vm.UUID + `/console/ticket"`, `id="console-cad"`, `id="console-reconnect"`, "Connecting…"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("console page lacks %s", want)
		}
	}
	fresh := c.Do("POST", "/vms/"+w.vm.UUID+"/console/ticket", nil, testkit.Header("Accept", "application/json", "X-CSRF-Token", c.Token()))
	if fresh.Status != http.StatusOK || !strings.Contains(fresh.Body, `"ws_url":"/console/ws/`) {
		t.Fatalf("reconnect ticket: %d %s", fresh.Status, testkit.Trim(fresh.Body))
	}
	var body struct {
		WSURL string `json:"ws_url"`
	}
	json.Unmarshal([]byte(fresh.Body), &body)
	ws, status, err := consoleDial(a.URL, body.WSURL, a.URL)
	if err != nil {
		t.Fatalf("reconnect websocket: %d %v", status, err)
	}
	ws.Close()

	a.CreateUser(t, "bob@example.com", testkit.Password)
	bob := a.Client(t)
	bob.SignIn("bob@example.com", testkit.Password)
	if r := bob.Get("/vms/" + w.vm.UUID + "/console"); r.Status != http.StatusNotFound {
		t.Fatalf("bob opens ana's console page: %d, want 404", r.Status)
	}
	anon := a.Client(t)
	if r := anon.Get("/vms/" + w.vm.UUID + "/console"); r.Status != http.StatusSeeOther {
		t.Fatalf("anonymous console page: %d, want a redirect to sign in", r.Status)
	}
}
