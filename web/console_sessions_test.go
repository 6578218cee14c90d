package web_test

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"html"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"abrak/app"
	"abrak/services"
	"abrak/testkit"
	"abrak/views/i18n"
)

// A console's life follows what opened it: the browser session whose page
// opened it, or the API token whose ticket did. These tests open consoles of a
// real guest through the real websocket and end what opened them.

// withRoomForConsoles lets one customer hold the consoles of several browsers at once.
func withRoomForConsoles(c *app.Config) {
	c.Console = services.ConsoleConfig{PerVM: 8, PerUser: 8}
}

// liveConsole is a console as its viewer holds it: connected past ServerInit.
type liveConsole struct {
	what string
	ws   *websocket.Conn
	rw   *rfbStream
	si   serverInit
}

// browser signs a new browser in, under a User-Agent of its own so the
// sessions page can tell it from the others.
func (w *consoleWorld) browser(t *testing.T, email, password, userAgent string) *testkit.Client {
	t.Helper()
	c := w.Client(t)
	c.Header.Set("User-Agent", userAgent)
	c.SignIn(email, password)
	return c
}

// openConsole opens the VM's console page in a browser and connects its
// websocket as the page's viewer does.
func (w *consoleWorld) openConsole(t *testing.T, c *testkit.Client, what string) *liveConsole {
	t.Helper()
	page := c.Get("/vms/" + w.vm.UUID + "/console")
	testkit.MustStatus(t, what+": console page", page, http.StatusOK)
	m := wsURLRe.FindStringSubmatch(page.Body)
	if m == nil {
		t.Fatalf("%s: the console page names no websocket", what)
	}
	return w.connect(t, html.UnescapeString(m[1]), what)
}

// openTokenConsole asks the API for a console link with token and connects to it.
func (w *consoleWorld) openTokenConsole(t *testing.T, token, what string) *liveConsole {
	t.Helper()
	r := w.APICall(t, "POST", "/api/v1/vms/"+w.vm.UUID+"/console", token, "")
	testkit.MustStatus(t, what+": console link", r, http.StatusOK)
	var body struct {
		URL string `json:"url"`
	}
	if err := json.Unmarshal([]byte(r.Body), &body); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(body.URL)
	if err != nil {
		t.Fatal(err)
	}
	return w.connect(t, "/console/ws/"+strings.TrimPrefix(u.Path, "/console/"), what)
}

func (w *consoleWorld) connect(t *testing.T, wsPath, what string) *liveConsole {
	t.Helper()
	ws, status, err := consoleDial(w.URL, wsPath, w.URL)
	if err != nil {
		t.Fatalf("%s: websocket %d %v", what, status, err)
	}
	t.Cleanup(func() { ws.Close() })
	_, si := viewerToServerInit(t, ws)
	return &liveConsole{what: what, ws: ws, rw: &rfbStream{ws: ws}, si: si}
}

// showsTheScreen asks the guest for a corner of its screen and reads the
// update that answers: the console is still open and still the guest's.
func (l *liveConsole) showsTheScreen(t *testing.T) {
	t.Helper()
	l.ws.SetReadDeadline(time.Now().Add(time.Minute))
	// FramebufferUpdateRequest, not incremental, of the 16×16 pixels at the origin.
	req := []byte{3, 0, 0, 0, 0, 0, 0, 16, 0, 16}
	if _, err := l.rw.Write(req); err != nil {
		t.Fatalf("%s takes no more requests: %v", l.what, err)
	}
	read := func(p []byte) {
		t.Helper()
		if _, err := io.ReadFull(l.rw, p); err != nil {
			t.Fatalf("%s no longer shows the screen: %v", l.what, err)
		}
	}
	for {
		var typ [1]byte
		read(typ[:])
		switch typ[0] {
		case 0: // FramebufferUpdate: padding, the number of rectangles, each raw
			var head [3]byte
			read(head[:])
			for range binary.BigEndian.Uint16(head[1:3]) {
				var rect [12]byte
				read(rect[:])
				if enc := int32(binary.BigEndian.Uint32(rect[8:12])); enc != 0 {
					t.Fatalf("%s: an update in encoding %d, which was not asked for", l.what, enc)
				}
				w, h := int(binary.BigEndian.Uint16(rect[4:6])), int(binary.BigEndian.Uint16(rect[6:8]))
				read(make([]byte, w*h*l.si.BitsPerPixel/8))
			}
			return
		case 2: // Bell
		case 3: // ServerCutText
			var head [7]byte
			read(head[:])
			read(make([]byte, binary.BigEndian.Uint32(head[3:7])))
		default:
			t.Fatalf("%s: message type %d from the guest", l.what, typ[0])
		}
	}
}

// closesWhileTyping presses and releases Shift every 100 ms, as a customer
// still at the keyboard would, until the panel closes the console (or a minute
// has passed); it returns the reason the close frame gives.
func (l *liveConsole) closesWhileTyping(t *testing.T) string {
	t.Helper()
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			for _, down := range []byte{1, 0} {
				if l.ws.WriteMessage(websocket.BinaryMessage, []byte{4, down, 0, 0, 0, 0, 0xff, 0xe1}) != nil {
					return
				}
			}
		}
	}()
	l.ws.SetReadDeadline(time.Now().Add(time.Minute))
	_, err := io.Copy(io.Discard, l.rw)
	close(stop)
	<-stopped
	var ce *websocket.CloseError
	if !errors.As(err, &ce) {
		t.Fatalf("%s is still open a minute later, though typed into (%v)", l.what, err)
	}
	// Typing into the closed console reaches nothing and opens nothing.
	if err := l.ws.WriteMessage(websocket.BinaryMessage, []byte{4, 1, 0, 0, 0, 0, 0xff, 0xe1}); err == nil {
		if _, _, err := l.ws.NextReader(); err == nil {
			t.Fatalf("%s answered again after its close", l.what)
		}
	}
	return ce.Text
}

func wantClosedFor(t *testing.T, l *liveConsole, reason string) {
	t.Helper()
	if got := l.closesWhileTyping(t); got != reason {
		t.Errorf("%s closed for %q, want %q", l.what, got, reason)
	}
}

func (w *consoleWorld) wantOpenConsoles(t *testing.T, n int) {
	t.Helper()
	if got := w.Consoles.OpenCount(); got != n {
		t.Errorf("%d consoles open, want %d", got, n)
	}
}

const (
	uaLinux   = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
	uaIPhone  = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
	uaWindows = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
)

// A browser that signs out, whose session is ended from the sessions page, or
// that "sign out every other browser" signs out loses its consoles, however
// busily they are typed into; the browsers that stay signed in, and API
// tokens, keep theirs.
func TestABrowsersConsoleClosesWhenItsSessionEnds(t *testing.T) {
	t.Parallel()
	w := newConsoleWorld(t, withRoomForConsoles)
	token, _ := w.MintToken(t, "ana@example.com", services.ScopeVMConsole)
	laptop := w.browser(t, "ana@example.com", testkit.Password, uaLinux)
	phone := w.browser(t, "ana@example.com", testkit.Password, uaIPhone)
	desk := w.browser(t, "ana@example.com", testkit.Password, uaWindows)

	onLaptop := w.openConsole(t, laptop, "the laptop's console")
	onPhone := w.openConsole(t, phone, "the phone's console")
	ofToken := w.openTokenConsole(t, token, "the token's console")

	t.Run("signing out closes this browser's console and no other", func(t *testing.T) {
		testkit.WantRedirect(t, "sign out", laptop.Post("/signout", nil), "/signin")
		wantClosedFor(t, onLaptop, services.CloseSignedOut)
		onPhone.showsTheScreen(t)
		ofToken.showsTheScreen(t)
		page := phone.Get("/account?lang=en")
		if n := strings.Count(page.Body, "data-session="); n != 2 || testkit.Contains(page.Body, "Chrome, Linux") {
			t.Errorf("after the laptop signed out the sessions page lists %d sessions (the laptop's among them: %v), want the phone and the desk",
				n, testkit.Contains(page.Body, "Chrome, Linux"))
		}
		if r := laptop.Get("/vms/" + w.vm.UUID + "/console"); r.Status != http.StatusSeeOther {
			t.Errorf("the signed-out browser opens a console again (%d)", r.Status)
		}
	})

	t.Run("a session ended from the sessions page loses its console", func(t *testing.T) {
		onDesk := w.openConsole(t, desk, "the desk's console")
		var id int64
		if err := w.DB.R.QueryRow(`SELECT id FROM user_sessions WHERE user_agent = ? AND ended_at IS NULL`, uaWindows).Scan(&id); err != nil {
			t.Fatal(err)
		}
		phone.Get("/account")
		testkit.WantRedirect(t, "end the desk's session", phone.Post("/account/sessions/"+itoa(id)+"/end", nil), "/account#sessions")
		wantClosedFor(t, onDesk, services.CloseSessionEnded)
		onPhone.showsTheScreen(t)
		ofToken.showsTheScreen(t)
	})

	t.Run("signing out every other browser closes their consoles, not this one's", func(t *testing.T) {
		laptop.SignIn("ana@example.com", testkit.Password)
		again := w.openConsole(t, laptop, "the laptop's second console")
		phone.Get("/account")
		testkit.WantRedirect(t, "sign out every other browser", phone.Post("/account/sessions/end-others", nil), "/account#sessions")
		wantClosedFor(t, again, services.CloseSessionEnded)
		onPhone.showsTheScreen(t)
		ofToken.showsTheScreen(t)
		w.wantOpenConsoles(t, 2)

		// The phone's console now belongs to the phone's new session: it ends with it.
		testkit.WantRedirect(t, "the phone signs out", phone.Post("/signout", nil), "/signin")
		wantClosedFor(t, onPhone, services.CloseSignedOut)
		ofToken.showsTheScreen(t)
		w.wantOpenConsoles(t, 1)
	})
}

// Changing the password closes the consoles of every other browser; the
// browser that changed it keeps its console, which then ends with that
// browser's session. API tokens outlive a password change, and their consoles too.
func TestAPasswordChangeClosesTheOtherBrowsersConsoles(t *testing.T) {
	t.Parallel()
	w := newConsoleWorld(t, withRoomForConsoles)
	token, _ := w.MintToken(t, "ana@example.com", services.ScopeVMConsole)
	laptop := w.browser(t, "ana@example.com", testkit.Password, uaLinux)
	phone := w.browser(t, "ana@example.com", testkit.Password, uaIPhone)
	onLaptop := w.openConsole(t, laptop, "the laptop's console")
	onPhone := w.openConsole(t, phone, "the phone's console")
	ofToken := w.openTokenConsole(t, token, "the token's console")

	laptop.Get("/account")
	r := laptop.Post("/account/password", testkit.Form("current", testkit.Password, "password", "Another-pass-42", "confirm", "Another-pass-42"))
	testkit.WantRedirect(t, "change the password", r, "/account")
	wantClosedFor(t, onPhone, services.ClosePasswordChanged)
	onLaptop.showsTheScreen(t)
	ofToken.showsTheScreen(t)
	if r := laptop.Get("/vms/" + w.vm.UUID + "/console"); r.Status != http.StatusOK {
		t.Errorf("the browser that changed the password cannot open a console (%d)", r.Status)
	}
	w.wantOpenConsoles(t, 2)

	testkit.WantRedirect(t, "the laptop signs out", laptop.Post("/signout", nil), "/signin")
	wantClosedFor(t, onLaptop, services.CloseSignedOut)
	ofToken.showsTheScreen(t)
	w.wantOpenConsoles(t, 1)
}

// A password reset by e-mail link closes every console of the account and
// revokes its API tokens (the reset page says so beforehand), and the activity
// log shows each token that was revoked.
func TestAPasswordResetClosesEveryConsoleAndRevokesTheTokens(t *testing.T) {
	t.Parallel()
	ms := testkit.NewMailServer(t)
	w := newConsoleWorld(t, withRoomForConsoles, testkit.WithMail(ms))
	token, _ := w.MintToken(t, "ana@example.com", services.ScopeVMConsole, services.ScopeVMRead)
	idle, _ := w.MintToken(t, "ana@example.com", services.ScopeVMRead)
	laptop := w.browser(t, "ana@example.com", testkit.Password, uaLinux)
	onLaptop := w.openConsole(t, laptop, "the laptop's console")
	ofToken := w.openTokenConsole(t, token, "the token's console")
	testkit.MustStatus(t, "the token before the reset", w.APICall(t, "GET", "/api/v1/vms", idle, ""), http.StatusOK)

	stranger := w.Client(t)
	stranger.Get("/forgot-password")
	stranger.Post("/forgot-password", testkit.Form("email", "ana@example.com"))
	link := testkit.LinkIn(t, ms.Await(t, "ana@example.com", i18n.T(i18n.FA, "mail.reset.subject", "provider", "Abrak Cloud")), w.URL+"/reset-password?token=")
	secret := strings.TrimPrefix(link, w.URL+"/reset-password?token=")
	for _, lang := range []i18n.Locale{i18n.EN, i18n.FA} {
		page := stranger.Get("/reset-password?lang=" + string(lang) + "&token=" + url.QueryEscape(secret))
		testkit.MustStatus(t, "the reset page", page, http.StatusOK)
		if words := map[i18n.Locale]string{i18n.EN: "API token", i18n.FA: "توکن"}[lang]; !strings.Contains(page.Body, words) {
			t.Errorf("the %s reset page does not say the API tokens will be revoked", lang)
		}
	}
	r := stranger.Post("/reset-password", testkit.Form("token", secret, "password", "Another-pass-42", "confirm", "Another-pass-42"))
	testkit.WantRedirect(t, "the reset", r, "/signin")

	wantClosedFor(t, onLaptop, services.ClosePasswordChanged)
	wantClosedFor(t, ofToken, services.ClosePasswordChanged)
	w.wantOpenConsoles(t, 0)
	for _, tok := range []string{token, idle} {
		testkit.MustStatus(t, "a token after the reset", w.APICall(t, "GET", "/api/v1/vms", tok, ""), http.StatusUnauthorized)
	}
	testkit.MustStatus(t, "a console link after the reset", w.APICall(t, "POST", "/api/v1/vms/"+w.vm.UUID+"/console", token, ""), http.StatusUnauthorized)

	ana := w.Client(t)
	ana.SignIn("ana@example.com", "Another-pass-42")
	activity := ana.Get("/activity?lang=en")
	if n := strings.Count(activity.Body, html.EscapeString(i18n.T(i18n.EN, "audit.token.revoked_by_reset"))); n != 2 {
		t.Errorf("the activity log shows %d tokens revoked by the reset, want 2", n)
	}
	if n := w.Count(t, `SELECT count(*) FROM audit_events WHERE action = 'token.revoked_by_reset' AND severity = 'security'`); n != 2 {
		t.Errorf("%d security events for the revoked tokens, want 2", n)
	}
}
