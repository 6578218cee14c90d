package services

import (
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Why a console was closed, as the viewer is told in the websocket's close frame.
const (
	CloseNormal          = "closed"
	CloseVMStopped       = "vm_stopped"
	CloseIdle            = "idle"
	CloseSignedOut       = "signed_out"
	CloseSessionEnded    = "session_ended"
	ClosePasswordChanged = "password_changed"
	CloseRevoked         = "token_revoked"
	CloseVNCEnded        = "vnc_closed"
	CloseShutdown        = "panel_stopping"
	// CloseVMMoved: the VM now runs on another node, whose console is elsewhere.
	CloseVMMoved = "vm_moved"
	// CloseAccessRemoved: the person left the team, or their role no longer
	// opens consoles.
	CloseAccessRemoved = "access_removed"
)

// ConsoleRegistry knows every open console, so limits can be enforced and
// consoles closed by VM or by what opened them.
type ConsoleRegistry struct {
	cfg ConsoleConfig

	mu     sync.Mutex
	nextID int64
	open   map[int64]*Console
}

func newConsoleRegistry(cfg ConsoleConfig) *ConsoleRegistry {
	return &ConsoleRegistry{cfg: cfg, open: map[int64]*Console{}}
}

// Console is one open console: the VNC connection behind one websocket.
type Console struct {
	ID     int64
	UserID int64
	// TokenID is the API token whose ticket opened it (0: a browser session's).
	TokenID int64
	// PersonID is the person it was opened for (the account itself when it
	// acts for itself).
	PersonID int64
	// Session is the record (user_sessions.public_id) of the browser session
	// whose page opened it ("" for a token's, or a session from before records).
	Session string
	VMUUID  string

	reg       *ConsoleRegistry
	lastInput atomic.Int64 // unix nanoseconds

	mu     sync.Mutex
	idle   *time.Timer // from attach
	server net.Conn
	reason string // set once closed
	closed chan struct{}
}

// Server is the authenticated connection to the VM's VNC server.
func (c *Console) Server() net.Conn {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.server
}

// Closed is closed when the console is; Reason then says why.
func (c *Console) Closed() <-chan struct{} { return c.closed }

// Reason says why the console was closed ("" while open).
func (c *Console) Reason() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reason
}

// Input records the customer's input, which keeps the console from idling out.
func (c *Console) Input() { c.lastInput.Store(time.Now().UnixNano()) }

func (c *Console) attach(conn net.Conn) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.reason != "" {
		conn.Close()
		return false
	}
	c.server = conn
	// The idle limit counts from here: dialling and the VNC handshake are the
	// panel's time, not the customer's.
	c.Input()
	c.idle = time.AfterFunc(c.reg.cfg.IdleLimit, c.checkIdle)
	return true
}

// Close closes the VNC connection and frees the console's place in the limits.
// The first reason given is the one kept.
func (c *Console) Close(reason string) {
	c.mu.Lock()
	if c.reason != "" {
		c.mu.Unlock()
		return
	}
	c.reason = reason
	server, idle := c.server, c.idle
	c.mu.Unlock()
	if server != nil {
		server.Close()
	}
	if idle != nil {
		idle.Stop()
	}
	close(c.closed)
	c.reg.mu.Lock()
	delete(c.reg.open, c.ID)
	c.reg.mu.Unlock()
}

// checkIdle runs when the idle limit may have passed since the last input.
func (c *Console) checkIdle() {
	quiet := time.Since(time.Unix(0, c.lastInput.Load()))
	if quiet >= c.reg.cfg.IdleLimit {
		c.Close(CloseIdle)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.reason == "" {
		c.idle.Reset(c.reg.cfg.IdleLimit - quiet)
	}
}

func (r *ConsoleRegistry) countLocked(userID int64, vm string) (perUser, perVM int) {
	for _, c := range r.open {
		if c.UserID == userID {
			perUser++
		}
		if c.VMUUID == vm {
			perVM++
		}
	}
	return perUser, perVM
}

func (r *ConsoleRegistry) limitError(perUser, perVM int) error {
	switch {
	case perVM >= r.cfg.PerVM:
		return Conflict("console.too_many_vm", "n", strconv.Itoa(r.cfg.PerVM))
	case perUser >= r.cfg.PerUser:
		return &Error{Status: http.StatusTooManyRequests, Code: "too_many_consoles", Key: "console.too_many_user",
			Args: []string{"n", strconv.Itoa(r.cfg.PerUser)}}
	}
	return nil
}

// roomFor reports whether one more console of the user on the VM fits the limits.
func (r *ConsoleRegistry) roomFor(userID int64, vm string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.limitError(r.countLocked(userID, vm))
}

// register records a console about to open, for the customer and what opened
// it (an API token, or a browser session's record).
func (r *ConsoleRegistry) register(userID, personID, tokenID int64, session, vm string) (*Console, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.limitError(r.countLocked(userID, vm)); err != nil {
		return nil, err
	}
	r.nextID++
	c := &Console{ID: r.nextID, UserID: userID, PersonID: personID, TokenID: tokenID, Session: session, VMUUID: vm, reg: r, closed: make(chan struct{})}
	r.open[c.ID] = c
	return c, nil
}

func (r *ConsoleRegistry) matching(match func(*Console) bool) []*Console {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*Console
	for _, c := range r.open {
		if match(c) {
			out = append(out, c)
		}
	}
	return out
}

// CloseVM closes every console of a VM.
func (r *ConsoleRegistry) CloseVM(uuid, reason string) {
	for _, c := range r.matching(func(c *Console) bool { return c.VMUUID == uuid }) {
		c.Close(reason)
	}
}

// ConsolesOf picks open consoles by what opened them; a console is picked
// when it matches every field that is set. With only UserID set it picks all
// of a customer's consoles; without UserID, TokenID or Session, none.
type ConsolesOf struct {
	UserID int64
	// PersonID picks the consoles opened for one person of a team.
	PersonID int64
	// TokenID picks the consoles opened with one API token's tickets.
	TokenID int64
	// Browsers picks only consoles opened from browser sessions: Session
	// narrows them to one session's, Except leaves one session's out.
	Browsers bool
	Session  string
	Except   string
}

func (of ConsolesOf) picks(c *Console) bool {
	switch {
	case of.UserID == 0 && of.PersonID == 0 && of.TokenID == 0 && of.Session == "",
		of.UserID != 0 && c.UserID != of.UserID,
		of.TokenID != 0 && c.TokenID != of.TokenID,
		of.PersonID != 0 && c.PersonID != of.PersonID,
		of.Browsers && c.TokenID != 0,
		of.Session != "" && c.Session != of.Session,
		of.Except != "" && c.Session == of.Except:
		return false
	}
	return true
}

// ConsoleCloser is what a service that ends someone's access needs of the
// console registry: Accounts (sign-out, ended sessions, password changes and
// resets, a closed account) and Tokens (revocation) are given one when made
// (app/app.go); whatever later takes a member's access away calls End the same way.
type ConsoleCloser interface {
	// End closes the open consoles of, for reason.
	End(of ConsolesOf, reason string)
	// MoveSession hands the consoles of a browser's session to the session
	// the same browser goes on under (a renewed sign-in).
	MoveSession(from, to string)
}

// End closes the open consoles that of picks.
func (r *ConsoleRegistry) End(of ConsolesOf, reason string) {
	for _, c := range r.matching(of.picks) {
		c.Close(reason)
	}
}

// MoveSession hands the open consoles of one browser session to another.
func (r *ConsoleRegistry) MoveSession(from, to string) {
	if from == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.open {
		if c.Session == from && c.TokenID == 0 {
			c.Session = to
		}
	}
}

// CloseAll closes every console (when the panel stops).
func (r *ConsoleRegistry) CloseAll() {
	for _, c := range r.matching(func(*Console) bool { return true }) {
		c.Close(CloseShutdown)
	}
}

// OpenCount is how many consoles are open.
func (r *ConsoleRegistry) OpenCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.open)
}
