package services_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"abrak/console/rfb"
	"abrak/hypervisor"
	"abrak/services"
	"abrak/store"
	"abrak/testkit"
	"abrak/vmstatus"
)

// vncServer is a small real VNC server on loopback that insists on VNC
// authentication with its password, then sends ServerInit and keeps the
// connection open until the client leaves.
type vncServer struct {
	ln       net.Listener
	password string
	accepted atomic.Int32
	refused  atomic.Int32
}

func startVNC(t *testing.T, password string) *vncServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &vncServer{ln: ln, password: password}
	t.Cleanup(func() { ln.Close() })
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

func (s *vncServer) addr() hypervisor.VNCAddr {
	a := s.ln.Addr().(*net.TCPAddr)
	return hypervisor.VNCAddr{Host: "127.0.0.1", Port: a.Port, Password: s.password}
}

func (s *vncServer) serve(c net.Conn) {
	defer c.Close()
	io.WriteString(c, "RFB 003.008\n")
	ver := make([]byte, 12)
	if _, err := io.ReadFull(c, ver); err != nil {
		return
	}
	c.Write([]byte{1, 2})
	choice := make([]byte, 1)
	if _, err := io.ReadFull(c, choice); err != nil || choice[0] != 2 {
		return
	}
	var challenge [16]byte
	copy(challenge[:], "0123456789abcdef")
	c.Write(challenge[:])
	resp := make([]byte, 16)
	if _, err := io.ReadFull(c, resp); err != nil {
		return
	}
	if !bytes.Equal(resp, rfb.Response(s.password, challenge)) {
		s.refused.Add(1)
		binary.Write(c, binary.BigEndian, uint32(1))
		binary.Write(c, binary.BigEndian, uint32(len("bad password")))
		io.WriteString(c, "bad password")
		return
	}
	s.accepted.Add(1)
	binary.Write(c, binary.BigEndian, uint32(0))
	io.Copy(io.Discard, c)
}

// consoleEnv is a database with two customers and a running VM of the first.
type consoleEnv struct {
	db        *store.DB
	consoles  *services.Consoles
	vnc       *vncServer
	ana, bob  services.Principal
	vm        store.VM
	clock     *testkit.Clock
	locateErr atomic.Value // error returned by Locate when set
	password  atomic.Value // the password Locate reports
}

// errBox lets an atomic.Value hold errors of any type, or none.
type errBox struct{ err error }

func newConsoleEnv(t *testing.T, cfg services.ConsoleConfig) *consoleEnv {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "abrak.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	env := &consoleEnv{db: db, vnc: startVNC(t, "s3cret!x"), clock: testkit.NewClock(time.Now())}
	env.locateErr.Store(errBox{})
	env.password.Store(env.vnc.password)
	ana := seedUser(t, db, "ana@example.com")
	bob := seedUser(t, db, "bob@example.com")
	env.ana = services.Principal{UserID: ana.ID, Email: ana.Email, IP: "127.0.0.1", Session: browserSession(t, db)}
	env.bob = services.Principal{UserID: bob.ID, Email: bob.Email, IP: "127.0.0.1", Session: browserSession(t, db)}
	env.vm = seedVM(t, db, ana.ID, "running")
	cfg.Now = env.clock.Now
	cfg.Locate = func(ctx context.Context, vm store.VM) (hypervisor.VNCAddr, error) {
		if err := env.locateErr.Load().(errBox).err; err != nil {
			return hypervisor.VNCAddr{}, err
		}
		addr := env.vnc.addr()
		addr.Password = env.password.Load().(string)
		return addr, nil
	}
	env.consoles = services.NewConsoles(db, nil, slog.New(slog.NewTextHandler(io.Discard, nil)), cfg)
	t.Cleanup(env.consoles.CloseAll)
	return env
}

// browserSession makes a live session row, as a signed-in browser has one; its
// token is what a ticket minted in that browser is bound to.
func browserSession(t *testing.T, db *store.DB) string {
	t.Helper()
	token := uuid.NewString()
	if err := db.Sessions(0).Commit(token, []byte("test"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	return token
}

func seedUser(t *testing.T, db *store.DB, email string) store.User {
	t.Helper()
	u, err := db.CreateUser(context.Background(), store.User{Email: email, Name: email, PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func seedVM(t *testing.T, db *store.DB, userID int64, status vmstatus.Status) store.VM {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(db.UpsertRegion(ctx, store.Region{Slug: "thr", NameFA: "تهران", NameEN: "Tehran", IPNetwork: "192.0.2.0/24", Gateway: "192.0.2.1"}))
	must(db.UpsertPlan(ctx, store.Plan{Slug: "tiny", NameFA: "کوچک", NameEN: "Tiny", VCPUs: 1, MemoryMB: 256, DiskGB: 1, Active: true}))
	must(db.UpsertOSTemplate(ctx, store.OSTemplate{Slug: "tiny", Name: "Tiny", Volume: "tiny-v1.qcow2", MinDiskGB: 1, Active: true}))
	node, err := db.UpsertNode(ctx, store.Node{Name: "n1", Region: "thr", URI: "test:///default", Enabled: true})
	must(err)
	vm, _, _, err := db.CreateVMOrder(ctx, store.NewVMOrder{VM: store.VM{UUID: uuid.NewString(), UserID: userID, DisplayName: "web-1",
		Hostname: "web-1", PlanSlug: "tiny", OSTemplateSlug: "tiny", Region: "thr", VCPUs: 1, MemoryMB: 256, DiskGB: 1, VNCPassword: "s3cret!x"}})
	must(err)
	must(db.SetVMNode(ctx, vm.ID, node.ID))
	must(db.SetVMStatus(ctx, vm.ID, status))
	vm, err = db.VMByID(ctx, vm.ID)
	must(err)
	return vm
}

func wantCode(t *testing.T, what string, err error, status int) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: succeeded, want %d", what, status)
	}
	if got := services.AsError(err).Status; got != status {
		t.Fatalf("%s: %v (status %d), want %d", what, err, got, status)
	}
}

func TestConsoleTicketIsSingleUseAndAuthenticatesToVNC(t *testing.T) {
	env := newConsoleEnv(t, services.ConsoleConfig{})
	ctx := context.Background()
	tk, err := env.consoles.Issue(ctx, env.ana, env.vm.UUID)
	if err != nil {
		t.Fatal(err)
	}
	if len(tk.Secret) < 22 || tk.ExpiresAt.Sub(env.clock.Now()) != 60*time.Second {
		t.Fatalf("ticket %+v: want ≥128 random bits valid 60 s", tk)
	}
	var stored int
	env.db.R.QueryRow(`SELECT count(*) FROM console_tickets WHERE hash = ?`, tk.Secret).Scan(&stored)
	if stored != 0 {
		t.Fatal("the ticket's secret is stored in clear")
	}
	if _, err := env.consoles.Peek(ctx, tk.Secret); err != nil {
		t.Fatalf("peek at a fresh ticket: %v", err)
	}
	con, err := env.consoles.Open(ctx, tk.Secret, "127.0.0.1")
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer con.Close(services.CloseNormal)
	if env.vnc.accepted.Load() != 1 {
		t.Fatalf("the VNC server accepted %d authentications", env.vnc.accepted.Load())
	}
	_, err = env.consoles.Open(ctx, tk.Secret, "127.0.0.1")
	wantCode(t, "second use", err, 410)
	_, err = env.consoles.Peek(ctx, tk.Secret)
	wantCode(t, "peek at a used ticket", err, 410)

	var audits int
	env.db.R.QueryRow(`SELECT count(*) FROM audit_events WHERE user_id = ? AND action = 'vm.console' AND target_id = ?`, env.ana.UserID, env.vm.UUID).Scan(&audits)
	if audits != 1 {
		t.Fatalf("%d audit events for one console", audits)
	}
}

func TestConsoleTicketRace(t *testing.T) {
	env := newConsoleEnv(t, services.ConsoleConfig{PerVM: 20, PerUser: 20})
	tk, err := env.consoles.Issue(context.Background(), env.ana, env.vm.UUID)
	if err != nil {
		t.Fatal(err)
	}
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			if con, err := env.consoles.Open(context.Background(), tk.Secret, "127.0.0.1"); err == nil {
				wins.Add(1)
				con.Close(services.CloseNormal)
			}
		})
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d connections used one ticket", wins.Load())
	}
}

func TestConsoleTicketExpires(t *testing.T) {
	env := newConsoleEnv(t, services.ConsoleConfig{})
	ctx := context.Background()
	tk, err := env.consoles.Issue(ctx, env.ana, env.vm.UUID)
	if err != nil {
		t.Fatal(err)
	}
	env.clock.Add(61 * time.Second)
	_, err = env.consoles.Open(ctx, tk.Secret, "127.0.0.1")
	wantCode(t, "expired ticket", err, 410)
	if env.vnc.accepted.Load() != 0 {
		t.Fatal("an expired ticket reached the VNC server")
	}
}

func TestConsoleTicketOfAnotherCustomer(t *testing.T) {
	env := newConsoleEnv(t, services.ConsoleConfig{})
	ctx := context.Background()
	_, err := env.consoles.Issue(ctx, env.bob, env.vm.UUID)
	wantCode(t, "bob asks for ana's console", err, 404)

	// A ticket bound to bob for ana's VM (bob's own VM moved to ana, say) is
	// refused: the VM must still be the ticket holder's when it is used.
	secret := "bobs-ticket-for-anas-vm-0123456789abcdef"
	now := env.clock.Now()
	if err := env.db.CreateConsoleTicket(ctx, store.ConsoleTicket{Hash: sha(secret), UserID: env.bob.UserID, VMID: env.vm.ID,
		CreatedAt: now, ExpiresAt: now.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	_, err = env.consoles.Open(ctx, secret, "127.0.0.1")
	wantCode(t, "bob's ticket for ana's VM", err, 410)
	if env.vnc.accepted.Load() != 0 {
		t.Fatal("another customer's ticket reached the VNC server")
	}
}

func TestConsoleRefusals(t *testing.T) {
	env := newConsoleEnv(t, services.ConsoleConfig{})
	ctx := context.Background()
	stopped := seedVM(t, env.db, env.ana.UserID, "stopped")
	_, err := env.consoles.Issue(ctx, env.ana, stopped.UUID)
	wantCode(t, "stopped VM", err, 409)

	tokens := services.NewTokens(env.db, services.NewAudit(env.db, slog.New(slog.NewTextHandler(io.Discard, nil))), nil)
	_, tok, err := tokens.Create(ctx, env.ana, "ci", []string{services.ScopeVMRead}, 0)
	must(t, err)
	token := env.ana
	token.Session, token.TokenID, token.TokenName, token.Scopes = "", tok.ID, tok.Name, tok.Scopes
	_, err = env.consoles.Issue(ctx, token, env.vm.UUID)
	wantCode(t, "token without vm:console", err, 403)
	token.Scopes = []string{services.ScopeVMConsole}
	if _, err := env.consoles.Issue(ctx, token, env.vm.UUID); err != nil {
		t.Fatalf("token with vm:console: %v", err)
	}

	env.locateErr.Store(errBox{fmt.Errorf("%w: node down", hypervisor.ErrUnavailable)})
	_, err = env.consoles.Issue(ctx, env.ana, env.vm.UUID)
	wantCode(t, "node unavailable", err, 503)
	env.locateErr.Store(errBox{fmt.Errorf("%w: shut off", hypervisor.ErrInvalidState)})
	_, err = env.consoles.Issue(ctx, env.ana, env.vm.UUID)
	wantCode(t, "domain not running on its node", err, 409)
	env.locateErr.Store(errBox{})

	tk, err := env.consoles.Issue(ctx, env.ana, env.vm.UUID)
	if err != nil {
		t.Fatal(err)
	}
	// The node reports another password than the one the VNC server wants.
	env.password.Store("other!!!")
	_, err = env.consoles.Open(ctx, tk.Secret, "127.0.0.1")
	wantCode(t, "VNC refuses the password", err, 503)
	if env.consoles.OpenCount() != 0 {
		t.Fatal("a console that failed to open still counts")
	}
}

func open(t *testing.T, env *consoleEnv, p services.Principal, vm string) *services.Console {
	t.Helper()
	tk, err := env.consoles.Issue(context.Background(), p, vm)
	if err != nil {
		t.Fatalf("issue: %v", err)
	}
	con, err := env.consoles.Open(context.Background(), tk.Secret, "127.0.0.1")
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	return con
}

func waitClosed(t *testing.T, con *services.Console, reason string) {
	t.Helper()
	select {
	case <-con.Closed():
	case <-time.After(10 * time.Second):
		t.Fatalf("console still open, want it closed (%s)", reason)
	}
	if con.Reason() != reason {
		t.Fatalf("closed for %q, want %q", con.Reason(), reason)
	}
	if _, err := con.Server().Write([]byte{0}); err == nil {
		t.Fatal("the VNC connection of a closed console still writes")
	}
}

func TestConsoleLimitsAndClosing(t *testing.T) {
	env := newConsoleEnv(t, services.ConsoleConfig{PerVM: 2, PerUser: 3})
	ctx := context.Background()
	a1 := open(t, env, env.ana, env.vm.UUID)
	a2 := open(t, env, env.ana, env.vm.UUID)
	_, err := env.consoles.Issue(ctx, env.ana, env.vm.UUID)
	wantCode(t, "third console of one VM", err, 409)

	other := seedVM(t, env.db, env.ana.UserID, "running")
	b1 := open(t, env, env.ana, other.UUID)
	_, err = env.consoles.Issue(ctx, env.ana, other.UUID)
	wantCode(t, "fourth console of one customer", err, 429)

	env.consoles.OnVMStatus(env.vm.UUID, vmstatus.Stopped)
	waitClosed(t, a1, services.CloseVMStopped)
	waitClosed(t, a2, services.CloseVMStopped)
	select {
	case <-b1.Closed():
		t.Fatal("stopping one VM closed another VM's console")
	default:
	}
	env.consoles.End(services.ConsolesOf{UserID: env.bob.UserID}, services.CloseSignedOut)
	select {
	case <-b1.Closed():
		t.Fatal("bob's sign-out closed ana's console")
	default:
	}
	env.consoles.End(services.ConsolesOf{UserID: env.ana.UserID}, services.CloseSignedOut)
	waitClosed(t, b1, services.CloseSignedOut)
	if n := env.consoles.OpenCount(); n != 0 {
		t.Fatalf("%d consoles still counted", n)
	}
}

func TestConsoleIdleLimit(t *testing.T) {
	env := newConsoleEnv(t, services.ConsoleConfig{IdleLimit: 200 * time.Millisecond})
	con := open(t, env, env.ana, env.vm.UUID)
	waitClosed(t, con, services.CloseIdle)
}

func sha(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// The black-box finding: a ticket outlived what minted it. It is claimed only
// while its token is unrevoked or its browser session lives (and began after the
// last password change); revoking a token also closes the consoles it opened.
func TestATicketDiesWithWhatMintedIt(t *testing.T) {
	env := newConsoleEnv(t, services.ConsoleConfig{PerVM: 10, PerUser: 10})
	ctx := context.Background()
	tokens := services.NewTokens(env.db, services.NewAudit(env.db, slog.New(slog.NewTextHandler(io.Discard, nil))), env.consoles)
	mint := func() services.Principal {
		_, tok, err := tokens.Create(ctx, env.ana, "script", []string{services.ScopeVMConsole}, 0)
		must(t, err)
		p := env.ana
		p.Session, p.TokenID, p.TokenName, p.Scopes = "", tok.ID, tok.Name, tok.Scopes
		return p
	}
	revoked := mint()
	tk, err := env.consoles.Issue(ctx, revoked, env.vm.UUID)
	must(t, err)
	must(t, tokens.Revoke(ctx, env.ana, revoked.TokenID))
	_, err = env.consoles.Open(ctx, tk.Secret, "127.0.0.1")
	wantCode(t, "a revoked token's ticket", err, 410)

	live := mint()
	tk, err = env.consoles.Issue(ctx, live, env.vm.UUID)
	must(t, err)
	con, err := env.consoles.Open(ctx, tk.Secret, "127.0.0.1")
	must(t, err)
	must(t, tokens.Revoke(ctx, env.ana, live.TokenID))
	select {
	case <-con.Closed():
	case <-time.After(5 * time.Second):
		t.Fatal("revoking the token left its console open")
	}

	signedOut := env.ana
	signedOut.Session = browserSession(t, env.db)
	tk, err = env.consoles.Issue(ctx, signedOut, env.vm.UUID)
	must(t, err)
	must(t, env.db.Sessions(0).Delete(signedOut.Session))
	_, err = env.consoles.Open(ctx, tk.Secret, "127.0.0.1")
	wantCode(t, "the ticket of a session that signed out", err, 410)

	endedElsewhere := env.ana
	endedElsewhere.SessionID = browserRecord(t, env.db, env.ana.UserID)
	tk, err = env.consoles.Issue(ctx, endedElsewhere, env.vm.UUID)
	must(t, err)
	endRecord(t, env.db, env.ana.UserID, endedElsewhere.SessionID)
	_, err = env.consoles.Open(ctx, tk.Secret, "127.0.0.1")
	wantCode(t, "the ticket of a session ended from another browser", err, 410)

	tk, err = env.consoles.Issue(ctx, env.ana, env.vm.UUID)
	must(t, err)
	env.clock.Add(time.Millisecond)
	must(t, env.db.SetPasswordHash(ctx, env.ana.UserID, "changed"))
	_, err = env.consoles.Open(ctx, tk.Secret, "127.0.0.1")
	wantCode(t, "a ticket from before a password change", err, 410)
}

// browserRecord records a signed-in browser, as Accounts.StartSession does,
// and returns the public id its consoles carry.
func browserRecord(t *testing.T, db *store.DB, userID int64) string {
	t.Helper()
	id := uuid.NewString()
	must(t, db.CreateUserSession(context.Background(), userID, id, "127.0.0.1", "test", time.Now()))
	return id
}

// endRecord ends a browser's record, as the sessions page's "End session" does.
func endRecord(t *testing.T, db *store.DB, userID int64, publicID string) {
	t.Helper()
	var id int64
	must(t, db.R.QueryRow(`SELECT id FROM user_sessions WHERE public_id = ?`, publicID).Scan(&id))
	_, err := db.EndUserSession(context.Background(), userID, id, time.Now())
	must(t, err)
}

// The registry closes consoles by what opened them: one browser session, a
// customer's browsers but one, one API token, or everything of a customer
// (what a team will call when it removes a member). A console follows its
// browser to the session it goes on under.
func TestConsolesCloseWithWhatOpenedThem(t *testing.T) {
	env := newConsoleEnv(t, services.ConsoleConfig{PerVM: 10, PerUser: 10})
	ctx := context.Background()
	browser := func() services.Principal {
		p := env.ana
		p.Session, p.SessionID = browserSession(t, env.db), browserRecord(t, env.db, env.ana.UserID)
		return p
	}
	laptop, phone, desk := browser(), browser(), browser()
	tokens := services.NewTokens(env.db, services.NewAudit(env.db, slog.New(slog.NewTextHandler(io.Discard, nil))), nil)
	_, tok, err := tokens.Create(ctx, env.ana, "script", []string{services.ScopeVMConsole}, 0)
	must(t, err)
	script := env.ana
	script.Session, script.TokenID, script.TokenName, script.Scopes = "", tok.ID, tok.Name, tok.Scopes

	onLaptop, onPhone, onDesk := open(t, env, laptop, env.vm.UUID), open(t, env, phone, env.vm.UUID), open(t, env, desk, env.vm.UUID)
	ofScript := open(t, env, script, env.vm.UUID)
	stillOpen := func(what string, cons ...*services.Console) {
		t.Helper()
		for _, c := range cons {
			select {
			case <-c.Closed():
				t.Fatalf("%s closed a console it should have left open (%s's)", what, c.Reason())
			default:
			}
		}
	}

	env.consoles.End(services.ConsolesOf{}, services.CloseNormal)
	env.consoles.End(services.ConsolesOf{UserID: env.bob.UserID}, services.CloseNormal)
	stillOpen("ending nothing, or bob's", onLaptop, onPhone, onDesk, ofScript)

	env.consoles.End(services.ConsolesOf{UserID: env.ana.UserID, Browsers: true, Session: laptop.SessionID}, services.CloseSignedOut)
	waitClosed(t, onLaptop, services.CloseSignedOut)
	stillOpen("the laptop's sign-out", onPhone, onDesk, ofScript)

	renewed := browserRecord(t, env.db, env.ana.UserID)
	env.consoles.MoveSession(phone.SessionID, renewed)
	env.consoles.End(services.ConsolesOf{UserID: env.ana.UserID, Browsers: true, Except: renewed}, services.CloseSessionEnded)
	waitClosed(t, onDesk, services.CloseSessionEnded)
	stillOpen("signing out every other browser", onPhone, ofScript)
	env.consoles.End(services.ConsolesOf{Session: phone.SessionID}, services.CloseSignedOut)
	stillOpen("ending the session the phone left", onPhone)

	env.consoles.End(services.ConsolesOf{UserID: env.ana.UserID, TokenID: tok.ID}, services.CloseRevoked)
	waitClosed(t, ofScript, services.CloseRevoked)
	stillOpen("revoking the token", onPhone)

	env.consoles.End(services.ConsolesOf{UserID: env.ana.UserID}, services.CloseNormal)
	waitClosed(t, onPhone, services.CloseNormal)
	if n := env.consoles.OpenCount(); n != 0 {
		t.Fatalf("%d consoles still counted", n)
	}
}
